"""The keys follow the assignment: an assigned case opens only for its assignee and the
supervisors, by the keys themselves (``core.encryption``, "Assigned cases").

* Unassigned, a case's data keys are sealed to the casework circle (the intake group).
* Assigning seals every one of its envelopes to the supervision key and the assignee's own
  public key; reassigning, to the new assignee. The member who assigns must open them: a
  supervisor always can; a caseworker taking a case from the queue can while it is sealed to
  the casework circle.
* Where that was not possible (an assignment made without an unlocked key, a case assigned
  before the supervision key existed), ``sealed_for_assignee_id`` differs from
  ``assigned_to_id`` and the next supervisor or assignee to sign in seals it
  (``reseal_waiting_cases``); the case keys page shows how many are left.
* New values of an assigned case (notes, tasks, messages...) are sealed straight to its
  recipients. An assignee who is no longer a signed casework member gets nothing new: the
  supervision key alone opens it until the case is reassigned.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q, QuerySet

from digiamen.accounts import casework_keys
from digiamen.accounts.models import Organisation, User
from digiamen.cases import sealed_values
from digiamen.cases.models import Case
from digiamen.core import audit, crypto, encryption
from digiamen.core.models import KeyCircle

# At most this many cases are re-sealed at one sign-in; the rest wait for the next one.
RESEAL_AT_SIGN_IN = 200


def recipients_for(case: Case) -> encryption.CaseRecipients:
    return casework_keys.case_recipients(case.organisation, case.assigned_to_id)


def seal_for_case(case: Case, text: str | bytes, place: encryption.Place) -> bytes:
    """One value of ``case`` sealed to whoever may open the case now, bound to ``place``."""
    return recipients_for(case).seal(case.organisation, text, place=place)


def _marker(case: Case, recipients: encryption.CaseRecipients) -> int | None:
    return case.assigned_to_id if recipients.assigned else None


def follow_assignment(
    case: Case, keyring: encryption.KeyRing | None, *, force: bool = False
) -> bool:
    """Seal every envelope of ``case`` to its current recipients with ``keyring``'s keys.

    All or nothing: if one value cannot be opened with these keys, nothing changes and
    False is returned (the case waits for someone who can, ``reseal_waiting_cases``).
    """
    if keyring is None or case.purged_at is not None:
        return False
    recipients = recipients_for(case)
    organisation = case.organisation

    def reseal(envelope: bytes) -> bytes:
        return encryption.reseal_envelope(keyring, organisation, envelope, recipients, force=force)

    try:
        with transaction.atomic():
            changed = sealed_values.rewrap_case_values(case, reseal)
            marker = _marker(case, recipients)
            Case.objects.filter(pk=case.pk).update(sealed_for_assignee_id=marker)
            case.sealed_for_assignee_id = marker
    except (encryption.AccessDenied, crypto.DecryptionError):
        return False
    if changed:
        audit.record(
            "case.keys_resealed",
            actor=keyring.user,
            organisation=organisation,
            obj=case,
            details={"values": changed, "assigned": recipients.assigned},
        )
    return True


def waiting_cases(organisation: Organisation) -> QuerySet[Case]:
    """Cases whose envelopes are not (yet) sealed for their assignment. Empty while the
    organisation has no supervision key: then every case stays with the casework circle."""
    if encryption.current_casework_key(organisation, KeyCircle.SUPERVISION) is None:
        return Case.objects.none()
    return (
        Case.objects.filter(organisation=organisation, purged_at__isnull=True)
        .exclude(sealed_for_assignee_id=F("assigned_to_id"))
        .filter(Q(assigned_to__isnull=False) | Q(sealed_for_assignee_id__isnull=False))
    )


def reseal_waiting_cases(
    organisation: Organisation, keyring: encryption.KeyRing, *, limit: int = RESEAL_AT_SIGN_IN
) -> int:
    """Seal the waiting cases this member can open (all of them for a supervisor; their own
    for an assignee). Returns how many were sealed."""
    supervisor = bool(keyring.casework_private_keys(organisation, KeyCircle.SUPERVISION))
    cases = waiting_cases(organisation).select_related("report", "organisation")
    if not supervisor:
        cases = cases.filter(assigned_to=keyring.user)
    done = 0
    for case in cases.order_by("pk")[:limit]:
        done += follow_assignment(case, keyring)
    return done


def on_casework_key_unlocked(
    sender: object, *, organisation: Organisation, keyring: encryption.KeyRing, **_: object
) -> None:
    reseal_waiting_cases(organisation, keyring)


def on_key_pair_renewed(
    sender: object,
    *,
    organisation: Organisation,
    user: User,
    old_keyring: encryption.KeyRing,
    **_: object,
) -> None:
    """The member's assigned cases were sealed to their old public key: with the old key
    pair, still unlocked here, they are sealed to the new one."""
    for case in Case.objects.filter(
        organisation=organisation, assigned_to=user, purged_at__isnull=True
    ).select_related("report", "organisation"):
        follow_assignment(case, old_keyring, force=True)
