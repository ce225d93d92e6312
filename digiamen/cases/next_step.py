"""The one thing the case page suggests doing next, shown above everything else.

A counsellor opening a case should not have to read the whole page to know what is
expected of them: the case's own state says it (not triaged yet, nobody in charge, no
first contact, a closure waiting for approval) and, once work has started, the first step
of the protocol nobody has marked done. Worked out from what the page has already read:
no query of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from digiamen.cases.models import Case
from digiamen.cases.permissions import CaseAccess

# The protocols as the case page lists them: (harm type, [(step id, text, tick or None)]).
Protocols = list[tuple[str, list[tuple[str, str, Any]]]]


@dataclass(frozen=True)
class NextStep:
    text: str
    # Where on the page the step is done (a section's id), for the "Go there" link.
    section: str
    # A protocol step the summary can mark done in place, with its own button.
    protocol_step: str = ""


def suggest(
    access: CaseAccess, *, protocols: Protocols | None, self_assignment: bool
) -> NextStep | None:
    """None when nothing is expected of this member now (a closed or purged case, or one
    only someone else can move on)."""
    case = access.case
    if case.purged_at is not None or case.status == Case.Status.CLOSED:
        return None
    if case.closure_requested_at and case.status == Case.Status.OPEN:
        if access.is_supervisor:
            return NextStep(_("Approve the closure, or reopen the work on the case."), "steps")
        return None  # waiting for a supervisor
    if case.status == Case.Status.NEW:
        return NextStep(_("Assess the risk: check the urgent signs and save the triage."), "steps")
    if case.assigned_to_id is None:
        if access.is_supervisor:
            return NextStep(_("Assign the case to a caseworker."), "steps")
        if self_assignment:
            return NextStep(_("Take this case to read the child's words and answer."), "steps")
        return None  # a supervisor assigns it
    if not access.in_charge:
        return None
    if case.status == Case.Status.TRIAGED:
        return NextStep(_("Start work on the case."), "steps")
    if case.first_contacted_at is None:
        return NextStep(
            _("Make the first contact with the reporter, then record it."), "conversation"
        )
    for _harm_type, steps in protocols or []:
        for step_id, text, tick in steps:
            if tick is None:
                return NextStep(text, "protocol", protocol_step=step_id)
    return NextStep(
        _("Every protocol step is done: close the case once the child is safe and supported."),
        "steps",
    )
