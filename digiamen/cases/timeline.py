"""The case timeline in words: each event's kind as the reader's language says it.

Events are stored by a short code (``CaseEvent.kind``); the page never shows the code. A
kind without words here (one added later and forgotten) shows as "Other change", and a test
finds every kind the code records and checks it has its words.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EVENT_LABELS: dict[str, Promise] = {
    "created": _("Report received"),
    "received_by_transfer": _("Received from another organisation"),
    "triaged": _("Risk assessed"),
    "assigned": _("Assigned"),
    "opened": _("Work started"),
    "first_contact": _("First contact made"),
    "known_image": _("A picture matched a known abuse picture"),
    "alerted": _("Staff alerted"),
    "alert_escalated": _("Alert escalated: nobody had opened the case"),
    "consent_recorded": _("Consent recorded"),
    "consent_overridden": _("Decision in the child's best interests"),
    "protocol_step_done": _("Protocol step done"),
    "note_added": _("Note added"),
    "task_added": _("Task added"),
    "task_done": _("Task done"),
    "task_overdue": _("Task overdue"),
    "escalated": _("Request sent to a platform or hotline"),
    "escalation_answered": _("Answer from a platform or hotline recorded"),
    "escalation_no_answer": _("No answer yet from a platform or hotline"),
    "referred": _("Referred to a service"),
    "referral_accepted": _("Referral accepted"),
    "referral_declined": _("Referral declined"),
    "referral_completed": _("Referral completed"),
    "transferred": _("Sent to another organisation"),
    "transfer_accepted": _("Transfer accepted"),
    "transfer_declined": _("Transfer declined"),
    "closure_requested": _("Closure requested"),
    "closed": _("Closed"),
    "reopened": _("Reopened"),
    "purged": _("Content deleted at the end of retention"),
}


def event_label(kind: str) -> str:
    label = EVENT_LABELS.get(kind)
    return str(label) if label is not None else str(_("Other change"))
