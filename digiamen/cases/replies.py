"""Can this case write to its reporter? If not, why, and what else consent allows.

A reply is sealed to the reporter's mailbox public key, which only their receipt unlocks:
the server cannot read it, and without that key there is nothing to seal to. The case page
and the API ask here before offering or accepting a reply, so a case without a mailbox gets
a clear explanation (409), never a failed encryption.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from digiamen.cases.actions.base import ActionError
from digiamen.cases.actions.consent import consent_allows
from digiamen.cases.models import Case, ConsentRecord, Transfer
from digiamen.channels.models import Conversation
from digiamen.core.text import isolated
from digiamen.intake import mailbox

# Why a reply is not possible; stable codes for API clients.
PURGED = "purged"
CLOSED = "closed"
NO_RECEIPT = "no_receipt"
MAILBOX_NOT_TRANSFERRED = "mailbox_not_transferred"
NO_MAILBOX = "no_mailbox"
REASONS = (PURGED, CLOSED, NO_RECEIPT, MAILBOX_NOT_TRANSFERRED, NO_MAILBOX)


@dataclass(frozen=True)
class ReplyRoute:
    reason: str = ""  # empty when a reply reaches the reporter
    why: str = ""
    contact: str = ""  # when refused: the other contact route consent allows, or none
    notes: tuple[str, ...] = ()  # when possible: what the writer should know

    @property
    def open(self) -> bool:
        return not self.reason

    @property
    def message(self) -> str:
        return " ".join(part for part in (self.why, self.contact) if part)


class ReplyRefused(ActionError):
    def __init__(self, route: ReplyRoute) -> None:
        super().__init__(route.reason)
        self.route = route

    @property
    def message(self) -> str:
        return self.route.message


def _contact_route(case: Case) -> str:
    """The way the reporter agreed to be contacted besides the mailbox, if any."""
    method = case.report.contact_method
    if consent_allows(case, ConsentRecord.Purpose.CONTACT):
        if method == "phone":
            return _(
                "The reporter agreed to be called or sent a text message: use the number in "
                "the contact details."
            )
        if method == "whatsapp":
            return _(
                "The reporter agreed to be contacted on WhatsApp: use the number in the "
                "contact details."
            )
        if method == "email":
            return _(
                "The reporter agreed to be contacted by email: use the address in the "
                "contact details."
            )
    return _(
        "There is no other contact route: the reporter did not agree to be contacted another way."
    )


def _transfer_into(case: Case) -> Transfer | None:
    return (
        Transfer.objects.filter(new_case=case)
        .select_related("from_organisation", "case__report")
        .first()
    )


def _first_channel(case: Case, transfer: Transfer | None) -> str:
    """How the report first came in, back along transfers: a copy of an offline report has
    no receipt behind it either."""
    channel = case.report.channel
    for _hop in range(20):  # transfers form a chain; the bound only guards the loop
        if transfer is None:
            break
        channel = transfer.case.report.channel
        transfer = _transfer_into(transfer.case) if channel == "transfer" else None
    return channel


def reply_route(case: Case) -> ReplyRoute:
    report = case.report
    if case.purged_at is not None:
        return ReplyRoute(
            PURGED,
            _(
                "This case was purged after its retention period: its mailbox and contact "
                "details are gone, so nothing can be sent to the reporter."
            ),
        )
    if case.status == Case.Status.CLOSED:
        return ReplyRoute(
            CLOSED,
            _(
                "This case is closed, so nothing can be sent to the reporter from it. A "
                "supervisor can reopen it first."
            ),
        )
    transfer = _transfer_into(case) if report.channel == "transfer" else None
    if _first_channel(case, transfer) in mailbox.NO_RECEIPT_CHANNELS:
        why = _(
            "This report was collected offline by a field worker: the reporter never received "
            "a secret number, so they have no mailbox to read a reply in."
        )
        return ReplyRoute(NO_RECEIPT, why, _contact_route(case))
    if not mailbox.has_mailbox(report):
        if report.channel == "transfer":
            why = _(
                "The reporter's mailbox did not come with this transfer (the reporter had not "
                "agreed to the transfer themselves): only %(organisation)s can write to them "
                "through their secret number."
            ) % {
                "organisation": isolated(transfer.from_organisation.name)
                if transfer
                else _("the sending organisation")
            }
            return ReplyRoute(MAILBOX_NOT_TRANSFERRED, why, _contact_route(case))
        why = _(
            "This report has no mailbox: the reporter has no secret number to read a reply with."
        )
        return ReplyRoute(NO_MAILBOX, why, _contact_route(case))
    return ReplyRoute(notes=_notes(case))


def _notes(case: Case) -> tuple[str, ...]:
    report = case.report
    notes = []
    if report.mailbox_home_id:
        notes.append(
            _(
                "The reporter reads your replies with the secret number they already have. "
                "What they wrote before the transfer stays with the organisation that sent "
                "the case."
            )
        )
    # The case page asks along with the case whether the mailbox was ever copied by a
    # transfer: if not, the report is its own holder, no query needed.
    copied = report.mailbox_home_id or getattr(case, "has_mailbox_copies", True)
    holder = mailbox.holder(mailbox.home_of(report)) if copied else None
    if holder is not None and holder.pk != report.pk:
        notes.append(
            _(
                "This case was transferred to %(organisation)s: the reporter's new messages "
                "go there. They still see your replies."
            )
            % {"organisation": isolated(holder.organisation.name)}
        )
    conversation = getattr(case, "has_conversation", None)
    if conversation is None:
        conversation = Conversation.objects.filter(report=report).exists()
    if conversation:
        notes.append(
            _(
                "Your reply also goes out by text message to the phone the reporter wrote "
                "from: write nothing that would put them at risk if someone else reads it."
            )
        )
    return tuple(notes)
