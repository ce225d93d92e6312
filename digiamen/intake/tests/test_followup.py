from __future__ import annotations

import time

from django.test import Client

from digiamen.conftest import World
from digiamen.core import crypto
from digiamen.core.models import AuditEvent
from digiamen.intake.models import FollowupSession, Message, Report
from digiamen.intake.tests.helpers import hidden, receipt_of, staff_reply, walk

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _send_report(world: World) -> str:
    return receipt_of(walk(Client(), "/en/report/").content.decode())


def test_follow_up_with_arabic_indic_digits_and_talk_both_ways(world: World) -> None:
    receipt = _send_report(world)
    report = Report.objects.get()
    staff = staff_reply(world, report, "We are here for you. Do not pay.")
    org = report.organisation.slug

    reporter = Client()
    typed = receipt.translate(ARABIC_DIGITS).replace(" ", "-")
    page = reporter.post("/ar/followup/", {"receipt": typed})
    assert page.status_code == 200
    html = page.content.decode()
    assert "We are here for you. Do not pay." in html
    assert "He says he will send my photos" in html  # the reporter's own summary
    assert not reporter.cookies
    token = hidden(html, "token")
    answer = reporter.post(
        "/ar/followup/message/", {"token": token, "text": "شكرا. هو ما زال يهددني"}
    )
    assert "هو ما زال يهددني" in answer.content.decode()

    detail = staff.get(f"/en/staff/{org}/cases/{report.case.number}/").content.decode()
    assert "هو ما زال يهددني" in detail
    assert Message.objects.filter(report=report).count() == 2
    for message in Message.objects.all():
        assert "يهددني".encode() not in bytes(message.for_organisation)
        assert "يهددني".encode() not in bytes(message.for_reporter)
    assert AuditEvent.objects.filter(action="report.opened").exists()


def test_wrong_receipt_is_refused_then_throttled(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FOLLOWUP_FAILURES_PER_CLIENT = 3
    _send_report(world)
    client = Client()
    for _ in range(3):
        response = client.post("/en/followup/", {"receipt": "1111 2222 3333 4444"})
        assert response.status_code == 400
        assert "could not find" in response.content.decode()
    assert client.post("/en/followup/", {"receipt": "1111 2222 3333 4444"}).status_code == 429
    assert (
        Client(REMOTE_ADDR="10.0.0.9")
        .post("/en/followup/", {"receipt": "1111 2222 3333 4444"})
        .status_code
        == 400
    )


def test_right_and_wrong_receipts_take_at_least_the_same_time(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FOLLOWUP_MIN_SECONDS = 0.3
    receipt = _send_report(world)
    for typed in [receipt, "9999 " * 5 + "9999", "9999 9999 9999 9999", "12"]:
        started = time.monotonic()
        Client().post("/en/followup/", {"receipt": typed})
        assert time.monotonic() - started >= 0.3, typed


def test_malformed_receipts(world: World) -> None:
    for typed in ["", "abcd", "1" * 64, "1" * 65, "١٢٣", "\u202e1234"]:
        response = Client().post("/fr/followup/", {"receipt": typed})
        assert response.status_code == 400, typed
    assert not FollowupSession.objects.exists()


def test_visit_token_expires_and_can_be_closed(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    receipt = _send_report(world)
    client = Client()
    token = hidden(client.post("/en/followup/", {"receipt": receipt}).content.decode(), "token")
    client.post("/en/followup/leave/", {"token": token})
    assert client.post("/en/followup/message/", {"token": token, "text": "hi"}).status_code == 400
    token = hidden(client.post("/en/followup/", {"receipt": receipt}).content.decode(), "token")
    FollowupSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post("/en/followup/message/", {"token": token, "text": "hi"}).status_code == 400
    assert not Message.objects.exists()


def test_empty_or_huge_message_is_refused(world: World) -> None:
    receipt = _send_report(world)
    client = Client()
    token = hidden(client.post("/en/followup/", {"receipt": receipt}).content.decode(), "token")
    assert client.post("/en/followup/message/", {"token": token, "text": ""}).status_code == 400
    assert (
        client.post("/en/followup/message/", {"token": token, "text": "x" * 5001}).status_code
        == 400
    )
    assert not Message.objects.exists()


def test_clear_site_data_on_followup_leave(world: World) -> None:
    receipt = _send_report(world)
    client = Client()
    page = client.post("/en/followup/", {"receipt": receipt})
    assert "Clear-Site-Data" not in page
    response = client.post("/en/followup/leave/", {"token": hidden(page.content.decode(), "token")})
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_messages_to_the_reporter_show_only_their_size_bucket(world: World) -> None:
    receipt = _send_report(world)
    report = Report.objects.get()
    staff = staff_reply(world, report, "Ok.")
    org = report.organisation.slug
    staff.post(
        f"/en/staff/{org}/cases/{report.case.number}/reply/",
        {"text": "We called the platform and the account is gone. " * 3},
    )
    sizes = {len(bytes(m.for_reporter)) for m in Message.objects.filter(report=report)}
    # A two-letter reply and a 150-letter one fill the same 256-byte bucket.
    assert Message.objects.filter(report=report).count() == 2 and len(sizes) == 1
    # A message sealed before padding existed still reads.
    Message.objects.filter(report=report).update(
        for_reporter=crypto.seal(bytes(report.mailbox_public_key), b"Sealed long ago.")
    )
    page = Client().post("/en/followup/", {"receipt": receipt}).content.decode()
    assert "Sealed long ago." in page
