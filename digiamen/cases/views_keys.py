"""The case key page: who holds the casework key, who waits for it, and what case data is
still sealed the old way (counts only; docs/security-model.md, "Need-to-know in the keys")."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from digiamen.accounts import casework_keys
from digiamen.accounts.models import Organisation, Role
from digiamen.accounts.permissions import get_membership, staff_required
from digiamen.cases import assignment_keys, key_migration
from digiamen.core import crypto, encryption

CASE_KEY_ROLES = [Role.ORG_ADMIN, Role.SUPERVISOR]


def _holds_case_key(request: HttpRequest, organisation: Organisation) -> bool:
    try:
        keyring = encryption.keyring_for(request)
        return keyring.current_casework_private_key(organisation) is not None
    except (encryption.AccessDenied, crypto.DecryptionError):
        return False


@staff_required
@require_safe
def case_keys(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, CASE_KEY_ROLES)
    organisation = membership.organisation
    context = {
        "membership": membership,
        "status": casework_keys.casework_key_status(organisation),
        "left": key_migration.left_to_migrate(organisation),
        "assigned_waiting": assignment_keys.waiting_cases(organisation).count(),
        "migrated_at": organisation.case_keys_migrated_at,
        "holds_key": _holds_case_key(request, organisation),
    }
    return render(request, "cases/case_keys.html", context)


@staff_required
@require_POST
def share_case_key(request: HttpRequest, org: str) -> HttpResponse:
    """What a holder's sign-in does, at once: waiting colleagues get the case key (and
    supervisors the supervision key), case data sealed the old way moves over, assigned
    cases are sealed to their assignee. The click is the whole request (no input is read)."""
    membership = get_membership(request, org, CASE_KEY_ROLES)
    organisation = membership.organisation
    if not _holds_case_key(request, organisation):
        messages.error(request, _("Only a member who holds the case key can share it."))
        return redirect("cases:case_keys", org)
    keyring = encryption.keyring_for(request)
    granted = sum(
        casework_keys.grant_waiting_members(organisation, keyring, circle)
        for circle in casework_keys.CIRCLE_ROLES
    )
    moved = key_migration.migrate_case_data(organisation, keyring) or 0
    moved += assignment_keys.reseal_waiting_cases(organisation, keyring)
    messages.success(
        request,
        _("Done: %(members)d members given the case key, %(values)d values moved.")
        % {"members": granted, "values": moved},
    )
    return redirect("cases:case_keys", org)
