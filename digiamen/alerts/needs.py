"""The staff home's "what needs you now": counts only, each a link to the queue that shows
exactly those cases (cases.queues holds both definitions). A role that sees no case sees
none of it. Cheap on purpose: one query on the cases (conditional counts), one on the
referrals, and for supervisors one on the transfers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from digiamen.accounts.home import Panel
from digiamen.accounts.models import CASEWORK_ROLES, Membership, Role
from digiamen.cases.models import Case, Transfer
from digiamen.cases.queues import queue_condition
from digiamen.referrals.models import Referral

# The queues counted, in the order shown: what cannot wait first.
QUEUES = ("urgent", "overdue", "new", "mine", "tasks", "replies")


@dataclass(frozen=True)
class Need:
    label: str
    count: int
    url: str
    # Shown strong when not zero: a child may be waiting for a first contact.
    pressing: bool = False


def counts(membership: Membership) -> dict[str, int]:
    """The member's counts: the queues, and what waits for the organisation's answer."""
    now = timezone.now()
    organisation = membership.organisation
    # Aliases unlike any field of a case ("tasks" is one).
    found = Case.objects.filter(organisation=organisation).aggregate(
        **{
            f"count_{queue}": Count("pk", filter=queue_condition(queue, membership, now))
            for queue in QUEUES
        }
    )
    result = {queue: int(found[f"count_{queue}"] or 0) for queue in QUEUES}
    result["referrals"] = Referral.objects.filter(
        to_organisation=organisation, status=Referral.Status.SENT
    ).count()
    if membership.role == Role.SUPERVISOR:  # transfers are decided by supervisors
        result["transfers"] = Transfer.objects.filter(
            to_organisation=organisation, status=Transfer.Status.PENDING
        ).count()
    return result


def needs_you_now(membership: Membership) -> Panel | None:
    if membership.role not in CASEWORK_ROLES:
        return None
    found = counts(membership)
    slug = membership.organisation.slug
    queue = reverse("cases:queue", args=[slug])

    def to_queue(name: str) -> str:
        return f"{queue}?{urlencode({'queue': name})}"

    labels = {
        "urgent": _("Urgent cases"),
        "overdue": _("First contact overdue"),
        "new": _("New cases"),
        "mine": _("Cases assigned to you"),
        "tasks": _("Cases with your tasks due today or late"),
        "replies": _("Cases with unread replies from reporters"),
    }
    needs = [
        Need(labels[name], found[name], to_queue(name), pressing=name in ("urgent", "overdue"))
        for name in QUEUES
    ]
    if "transfers" in found:
        needs.append(
            Need(
                _("Transfers waiting for a decision"),
                found["transfers"],
                reverse("cases:transfers", args=[slug]),
            )
        )
    needs.append(
        Need(
            _("Referrals waiting for an answer"),
            found["referrals"],
            reverse("referrals:referrals", args=[slug]),
        )
    )
    return Panel("alerts/needs_you_now.html", {"needs": needs})
