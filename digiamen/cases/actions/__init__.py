"""State changes of cases: each atomic, audited, and written to the case's timeline.

Actions that follow a form take the case ``version`` the form was made from; if someone
else changed the case meanwhile, the action refuses (``ActionError("stale")``).

One module per topic: ``workflow`` (opening to closure), ``notes_tasks``, ``protocol_steps``,
``consent``, ``escalations``, ``transfers``, ``retention`` (purge and its keys); ``sealing``
(values sealed for a case and its purge period) and ``base`` (errors, settings, timeline)
serve them. The names other apps call are re-exported here.
"""

from __future__ import annotations

from digiamen.cases.actions.base import (
    ActionError,
    record_event,
    self_assignment_allowed,
    settings_for,
    update_case_settings,
)
from digiamen.cases.actions.consent import (
    consent_allows,
    current_consent,
    override_consent,
    record_consent,
)
from digiamen.cases.actions.escalations import (
    escalate,
    record_escalation_answer,
    remind_unanswered_escalations,
)
from digiamen.cases.actions.filters import delete_queue_filter, save_queue_filter
from digiamen.cases.actions.notes_tasks import add_note, add_task, complete_task, reply_to_reporter
from digiamen.cases.actions.protocol_steps import (
    organisation_protocols,
    protocols_for_case,
    tick_protocol_step,
    update_protocol,
)
from digiamen.cases.actions.retention import (
    PURGED_TABLES,
    purge_case,
    purge_expired_cases,
    purged_tables,
)
from digiamen.cases.actions.transfers import TRANSFERRED_FIELDS, decide_transfer, transfer_case
from digiamen.cases.actions.workflow import (
    approve_closure,
    assign,
    assign_many,
    close,
    note_first_opening,
    open_case_for_report,
    record_first_contact,
    reopen,
    start,
    suggested_risk,
    triage,
)

__all__ = [
    "PURGED_TABLES",
    "TRANSFERRED_FIELDS",
    "ActionError",
    "add_note",
    "add_task",
    "approve_closure",
    "assign",
    "assign_many",
    "close",
    "complete_task",
    "consent_allows",
    "current_consent",
    "decide_transfer",
    "delete_queue_filter",
    "escalate",
    "note_first_opening",
    "open_case_for_report",
    "organisation_protocols",
    "override_consent",
    "protocols_for_case",
    "purge_case",
    "purge_expired_cases",
    "purged_tables",
    "record_consent",
    "record_escalation_answer",
    "record_event",
    "record_first_contact",
    "remind_unanswered_escalations",
    "reopen",
    "reply_to_reporter",
    "save_queue_filter",
    "self_assignment_allowed",
    "settings_for",
    "start",
    "suggested_risk",
    "tick_protocol_step",
    "transfer_case",
    "triage",
    "update_case_settings",
    "update_protocol",
]
