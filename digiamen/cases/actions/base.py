"""What every case action shares: errors, the case settings, the timeline, the version check."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Membership, Organisation, Role, User
from digiamen.cases.models import (
    Case,
    CaseEvent,
    CaseSettings,
)
from digiamen.core import audit, writings
from digiamen.core.errors import ActionError as BaseActionError

ERROR_MESSAGES = {
    "stale": _(
        "Someone else changed this case while you were looking at it. Check the case "
        "again and repeat your change."
    ),
    "wrong_state": _("This step is not possible in the case's current status."),
    "tampered": _(
        "This entry has been tampered with: it does not belong here, so it was not used. "
        "The attempt is recorded."
    ),
    "needs_triage": _("Triage the case first."),
    "needs_assignee": _("Assign the case to a caseworker first."),
    "not_a_caseworker": _(
        "Cases can be assigned only to caseworkers and supervisors of this organisation."
    ),
    "self_assignment_off": _(
        "Your organisation does not allow taking cases yourself. Ask a supervisor."
    ),
    "needs_supervisor": _("Only a supervisor can do this."),
    "needs_reason": _("Choose a reason."),
    "closure_not_requested": _("Nobody has asked to close this case."),
    "purged": _("This case was purged after its retention period."),
    "no_consent": _(
        "Consent does not allow sharing this case with another organisation. "
        "Record the consent, or a supervisor's best-interests decision, first."
    ),
    "needs_reference": _("Give the link, the account name or the report number."),
    "needs_key": _("Your key is needed to reopen this case. Sign in again and repeat your change."),
    "protocol_lines": _("Write one step per line, with the same number of lines in each language."),
    "not_found": _(
        "One of the ticked cases is not in this organisation's queue. Nothing was assigned."
    ),
    "closed_in_lot": _(
        "One of the ticked cases is closed: it cannot be assigned. Nothing was assigned."
    ),
    "too_many_filters": _("You have 20 saved filters already. Delete one first."),
    "filter_name_taken": _("You have a saved filter with this name already."),
    "no_filter": _("Choose at least one filter to save."),
}


class ActionError(BaseActionError):
    messages = ERROR_MESSAGES


def update_case_settings(case_settings: CaseSettings, actor: User, form: Any) -> None:
    with transaction.atomic():
        form.save()
        # Forgotten now and again once committed: a queue read in between cannot keep the
        # old rule cached.
        key = _self_assignment_key(case_settings.organisation_id)
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))
        audit.record(
            "case_settings.changed",
            actor=actor,
            organisation=case_settings.organisation,
            details={name: form.cleaned_data[name] for name in form.changed_data},
        )


def _self_assignment_key(organisation_id: int) -> str:
    return f"cases:self-assignment:{organisation_id}"


def self_assignment_allowed(organisation: Organisation) -> bool:
    """Whether caseworkers may take cases themselves, for the queue's "Take" buttons: from
    the cache (the queue's query budget has no room for the settings' row), forgotten when
    an admin changes the settings."""
    key = _self_assignment_key(organisation.pk)
    allowed = cache.get(key)
    if allowed is None:
        allowed = settings_for(organisation).self_assignment
        cache.set(key, allowed, 3600)
    return bool(allowed)


def settings_for(organisation: Organisation) -> CaseSettings:
    # Loaded with the organisation (the case page's select_related): no query.
    if Organisation.case_settings.is_cached(organisation):
        try:
            return organisation.case_settings
        except CaseSettings.DoesNotExist:
            pass
    found, _created = CaseSettings.objects.get_or_create(organisation=organisation)
    return found


def _event(case: Case, kind: str, actor: User | None, **details: Any) -> None:
    event = CaseEvent.objects.create(case=case, kind=kind, actor=actor, details=details)
    # Consent, risk, escalations, referrals, closure...: each step signed by who took it.
    writings.sign(
        event,
        event_content(event),
        organisation=case.organisation,
        author=actor,
        case_id=case.pk,
    )
    audit.record(
        f"case.{kind}",
        actor=actor,
        organisation=case.organisation,
        obj=case,
        details={k: v for k, v in details.items() if isinstance(v, str | int | bool)},
    )


def event_content(event: CaseEvent) -> dict[str, Any]:
    """What a timeline entry's signature covers besides its place, author and time."""
    return {"kind": event.kind, "details": event.details}


# For other apps' actions on a case (a referral): same timeline, same audit.
record_event = _event


def _locked(case: Case, version: int | None) -> Case:
    current = Case.objects.select_for_update().select_related("organisation").get(pk=case.pk)
    if version is not None and current.version != version:
        raise ActionError("stale")
    if current.purged_at is not None:
        raise ActionError("purged")
    return current


def _save(case: Case, *fields: str) -> None:
    case.version += 1
    case.updated_at = timezone.now()
    case.save(update_fields=[*fields, "version", "updated_at"])


def is_supervisor(organisation: Organisation, user: User) -> bool:
    return (
        Membership.objects.active()
        .filter(organisation=organisation, user=user, role=Role.SUPERVISOR)
        .exists()
    )
