"""The reporter's messages carry a signature of the key their receipt derives: someone who
writes a message "from the reporter" into the database (sealing needs only the
organisation's public key), copies a signature onto other words, or swaps the report's
verify key for one of their own is shown on the case page, and the audit log records it.
The verify key travels with the mailbox when a case is transferred with consent."""

from __future__ import annotations

from typing import Any

from django.test import Client

from digiamen.cases.models import Case
from digiamen.cases.tests.test_api import token_for
from digiamen.cases.tests.test_replies import transfer_and_accept
from digiamen.conftest import World
from digiamen.core.models import AuditEvent
from digiamen.intake import actions, receipts, reporter_signing
from digiamen.intake.models import Message, Report
from digiamen.intake.receipts import format_receipt
from digiamen.intake.tests.helpers import hidden, supervisor_of

SIGNED = "signed with the reporter's secret number"
UNSIGNED = "not signed (text message or older report)"
BROKEN = "The signature does not match: the reporter did not write this."


def _write_by_receipt(receipt: str, text: str) -> None:
    """The reporter opens their mailbox with the receipt and writes, as on the page."""
    reporter = Client()
    page = reporter.post("/en/followup/", {"receipt": format_receipt(receipt)})
    token = hidden(page.content.decode(), "token")
    assert reporter.post("/en/followup/message/", {"token": token, "text": text}).status_code in (
        200,
        302,
    )


def _case_page(signed_in: Any, world: World, case: Case) -> str:
    member = supervisor_of(world, case.organisation)
    response = signed_in(member).get(f"/en/staff/{case.organisation.slug}/cases/{case.number}/")
    assert response.status_code == 200
    return str(response.content.decode())


def _line(page: str, text: str) -> str:
    return next(part.split("</li>")[0] for part in page.split('<li class="from-') if text in part)


def _submitted(**answers: Any) -> tuple[Case, str]:
    submission = actions.submit_report(
        {"harm_types": ["sexual_extortion"], "country": "MA", **answers},
        channel="web",
        submission_id=f"signing-{Report.objects.count()}",
    )
    return Case.objects.get(report=submission.report), submission.receipt


def test_a_message_written_with_the_receipt_is_signed_and_shown_so(
    signed_in: Any, world: World
) -> None:
    case, receipt = _submitted()
    assert bytes(case.report.mailbox_verify_key)
    mailbox_key = receipts.receipt_secrets(receipt).mailbox_key
    # The verify key is stored under the report's data key, not in clear.
    assert reporter_signing.verify_key(mailbox_key) not in bytes(case.report.mailbox_verify_key)
    _write_by_receipt(receipt, "REAL-MESSAGE")
    message = Message.objects.get(report=case.report)
    assert len(bytes(message.reporter_signature)) == 64
    assert SIGNED in _line(_case_page(signed_in, world, case), "REAL-MESSAGE")
    assert not AuditEvent.objects.filter(action="report.message_signature_broken").exists()


def test_a_message_forged_in_the_database_is_not_signed_and_copied_signatures_break(
    signed_in: Any, world: World
) -> None:
    case, receipt = _submitted()
    _write_by_receipt(receipt, "REAL-MESSAGE")
    real = Message.objects.get(report=case.report)
    # Someone with database access writes "as the reporter": no receipt, no signature.
    actions.post_reporter_message(case.report, "FORGED-PLAIN")
    # And another with the real message's signature copied onto other words.
    copied = actions.post_reporter_message(case.report, "FORGED-COPIED")
    Message.objects.filter(pk=copied.pk).update(reporter_signature=bytes(real.reporter_signature))
    page = _case_page(signed_in, world, case)
    assert SIGNED in _line(page, "REAL-MESSAGE")
    assert UNSIGNED in _line(page, "FORGED-PLAIN")
    assert BROKEN in _line(page, "FORGED-COPIED")
    broken = AuditEvent.objects.get(action="report.message_signature_broken")
    assert broken.details == {"message": copied.pk}


def test_a_signature_over_another_moment_does_not_hold(signed_in: Any, world: World) -> None:
    case, receipt = _submitted()
    _write_by_receipt(receipt, "BACKDATED")
    message = Message.objects.get(report=case.report)
    Message.objects.filter(pk=message.pk).update(created_at=message.created_at.replace(year=2025))
    assert BROKEN in _line(_case_page(signed_in, world, case), "BACKDATED")


def test_a_verify_key_swapped_in_the_database_breaks_every_signed_message(
    signed_in: Any, world: World
) -> None:
    case, receipt = _submitted()
    _write_by_receipt(receipt, "BEFORE-THE-SWAP")
    # The attacker's own key, stored in clear (they cannot encrypt under the report's key).
    Report.objects.filter(pk=case.report.pk).update(mailbox_verify_key=b"\x01" * 32)
    page = _case_page(signed_in, world, case)
    assert BROKEN in _line(page, "BEFORE-THE-SWAP")
    assert AuditEvent.objects.filter(
        action="protected_data.tampered", details__column="mailbox_verify_key"
    ).exists()


def test_text_message_reporters_and_older_reports_are_unsigned_not_broken(
    signed_in: Any, world: World
) -> None:
    case, _receipt = _submitted()
    Report.objects.filter(pk=case.report.pk).update(mailbox_verify_key=b"")  # an older report
    actions.post_reporter_message(case.report, "BY-TEXT-MESSAGE")
    assert UNSIGNED in _line(_case_page(signed_in, world, case), "BY-TEXT-MESSAGE")
    assert not AuditEvent.objects.filter(action="report.message_signature_broken").exists()


def test_the_verify_key_goes_with_the_mailbox_on_transfer(signed_in: Any, world: World) -> None:
    case, receipt = _submitted(consent_referral=True)
    received = transfer_and_accept(signed_in, world, case)
    assert bytes(received.report.mailbox_verify_key)
    _write_by_receipt(receipt, "TO-THE-NEW-ORGANISATION")
    assert Message.objects.get().report_id == received.report_id
    assert SIGNED in _line(_case_page(signed_in, world, received), "TO-THE-NEW-ORGANISATION")


def test_the_api_says_whether_the_reporter_signed(signed_in: Any, world: World) -> None:
    case, receipt = _submitted()
    _write_by_receipt(receipt, "VIA-API")
    actions.post_reporter_message(case.report, "UNSIGNED-VIA-API")
    auth = token_for(supervisor_of(world, case.organisation))
    response = Client().get(f"/api/v1/cases/{case.number}", **auth)
    assert response.status_code == 200
    states = {m["text"]: m["reporter_signature"] for m in response.json()["messages"]}
    assert states == {"VIA-API": "signed", "UNSIGNED-VIA-API": "unsigned"}
