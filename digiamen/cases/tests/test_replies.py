"""Writing to the reporter: transferred cases reach the same mailbox when the reporter agreed
to the transfer; where no reply can reach anyone (closed, purged, no mailbox, no receipt,
a transfer without the reporter's consent) the page and the API say why (409), offer the
contact route consent allows, and write nothing. Found by attack: replying to a report with
no mailbox key used to answer 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from digiamen.cases import actions
from digiamen.cases.models import Case, CaseEvent, Transfer
from digiamen.cases.tests.helpers import new_case, step
from digiamen.cases.tests.test_api import token_for
from digiamen.channels.models import OutboundMessage
from digiamen.conftest import Member, World
from digiamen.core import encryption
from digiamen.core.models import AuditEvent
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Message, Report
from digiamen.intake.receipts import format_receipt
from digiamen.intake.tests.helpers import STEP_ANSWERS, hidden, receipt_of, walk

REPLY_FORM = '/reply/" novalidate'


def api_post(path: str, body: Any, auth: dict[str, str], language: str = "en") -> Any:
    return Client(HTTP_ACCEPT_LANGUAGE=language).post(
        path, json.dumps(body), content_type="application/json", **auth
    )


def supervisors(world: World) -> tuple[Member, Member]:
    sara = world.members.get("sara") or world.add_member("sara", world.amane, "supervisor")
    omar = world.members.get("omar") or world.add_member("omar", world.jordan, "supervisor")
    return sara, omar


def transfer_and_accept(signed_in: Any, world: World, case: Case) -> Case:
    """Amane's supervisor sends the case to Jordan, whose supervisor accepts it."""
    sara, omar = supervisors(world)
    sent = signed_in(sara).post(
        f"/en/staff/amane/cases/{case.number}/transfer/", {"to_organisation": world.jordan.pk}
    )
    assert sent.status_code == 302, sent.status_code
    transfer = Transfer.objects.get(case=case)
    accepted = signed_in(omar).post(
        f"/en/staff/jordan/transfers/{transfer.pk}/", {"decision": "accept"}
    )
    assert accepted.status_code == 302
    transfer.refresh_from_db()
    assert transfer.new_case is not None
    return transfer.new_case


def written() -> tuple[int, int, int]:
    """What a reply writes: a message, an outbox entry, an audit event."""
    return (
        Message.objects.count(),
        OutboundMessage.objects.count(),
        AuditEvent.objects.filter(action="report.message_to_reporter").count(),
    )


# --- Transferred with the reporter's consent: one receipt, both organisations ---------------


def test_transferred_case_can_reply_to_reporter(signed_in: Any, world: World) -> None:
    """report -> reply -> transfer -> the receiving organisation replies -> the reporter opens
    the follow-up page with the same receipt, reads both, and answers the new organisation."""
    steps = [*STEP_ANSWERS[:-1], {**STEP_ANSWERS[-1], "consent_referral": "on"}]
    receipt = receipt_of(walk(Client(), "/en/report/", steps).content.decode())
    home = Report.objects.get()
    sara, omar = supervisors(world)
    sender = signed_in(sara)
    base = f"/en/staff/amane/cases/{home.case.number}/"
    assert (
        sender.post(base + "reply/", {"text": "AMANE-REPLY before the transfer"}).status_code == 302
    )

    new = transfer_and_accept(signed_in, world, home.case)
    copy = new.report
    # The transfer carried the mailbox's public key (and the summary sealed to it), nothing else.
    assert bytes(copy.mailbox_public_key) == bytes(home.mailbox_public_key)
    assert copy.mailbox_home == home and copy.receipt_lookup != home.receipt_lookup
    assert CaseEvent.objects.get(case=home.case, kind="transferred").details["mailbox"] is True

    receiver = signed_in(omar)
    page = receiver.get(f"/en/staff/jordan/cases/{new.number}/").content.decode()
    assert REPLY_FORM in page and 'id="reply-refused"' not in page
    assert "with the secret number they already have" in page
    response = receiver.post(
        f"/en/staff/jordan/cases/{new.number}/reply/", {"text": "JORDAN-REPLY we can help"}
    )
    assert response.status_code == 302
    [sent] = Message.objects.filter(report=copy)
    assert b"JORDAN-REPLY" not in bytes(sent.for_reporter) + bytes(sent.for_organisation)

    reporter = Client()
    html = reporter.post("/fr/followup/", {"receipt": receipt}).content.decode()
    assert "AMANE-REPLY before the transfer" in html and "JORDAN-REPLY we can help" in html
    assert "He says he will send my photos" in html  # the summary, opened with the receipt
    answer = reporter.post(
        "/fr/followup/message/", {"token": hidden(html, "token"), "text": "REPORTER-ANSWER merci"}
    )
    assert answer.status_code == 200 and "REPORTER-ANSWER merci" in answer.content.decode()
    # The reporter's answer reaches the organisation that holds the case now.
    assert Message.objects.filter(report=copy, direction="from_reporter").count() == 1
    assert not Message.objects.filter(report=home, direction="from_reporter").exists()
    assert (
        "REPORTER-ANSWER" in receiver.get(f"/en/staff/jordan/cases/{new.number}/").content.decode()
    )
    own = sender.get(base).content.decode()
    assert "REPORTER-ANSWER" not in own and "JORDAN-REPLY" not in own
    # The other organisation's name keeps its own direction (core/text.py: isolated).
    assert "This case was transferred to \u2068Jordan helpline\u2069" in own
    # Reading marks the receiving organisation's reply as read, like the sending one's.
    assert not Message.objects.filter(direction="to_reporter", read_by_reporter_at=None).exists()


def test_transferred_case_can_reply_to_reporter_through_the_api(
    signed_in: Any, world: World
) -> None:
    case = new_case(consent_referral=True)
    new = transfer_and_accept(signed_in, world, case)
    sara, omar = supervisors(world)
    path = f"/api/v1/cases/{new.number}/replies"
    response = api_post(path, {"text": "We are here."}, token_for(omar))
    assert response.status_code == 201
    assert Message.objects.filter(report=new.report, direction="to_reporter").count() == 1
    before = written()
    # The receiving organisation's unassigned caseworker, the sending organisation's
    # supervisor (its token is bound to Amane), anonymous.
    assert api_post(path, {"text": "x"}, token_for(world.charlie)).status_code == 404
    assert api_post(path, {"text": "x"}, token_for(sara)).status_code == 404
    assert api_post(path, {"text": "x"}, {}).status_code == 401
    assert written() == before


def test_transferred_case_reply_page_per_role(signed_in: Any, world: World) -> None:
    case = new_case(consent_referral=True)
    new = transfer_and_accept(signed_in, world, case)
    sara, _omar = supervisors(world)
    officer = world.add_member("jdata", world.jordan, "data_officer")
    url = f"/en/staff/jordan/cases/{new.number}/reply/"
    for member in [world.charlie, sara]:
        assert signed_in(member).post(url, {"text": "x"}).status_code == 404, member
    # A member in a role without cases is told so (and nothing about the case).
    assert signed_in(officer).post(url, {"text": "x"}).status_code == 403
    assert Client().post(url, {"text": "x"}).status_code == 302  # to the sign-in page
    assert not Message.objects.exists()


def test_a_case_transferred_on_and_back_keeps_one_mailbox(signed_in: Any, world: World) -> None:
    submission = intake_actions.submit_report(
        {"harm_types": ["cyberbullying"], "country": "MA", "consent_referral": True},
        channel="web",
        submission_id="chain",
    )
    home = submission.report
    at_jordan = transfer_and_accept(signed_in, world, home.case)
    sara, omar = supervisors(world)
    sent = signed_in(omar).post(
        f"/en/staff/jordan/cases/{at_jordan.number}/transfer/", {"to_organisation": world.amane.pk}
    )
    assert sent.status_code == 302
    transfer = Transfer.objects.get(case=at_jordan)
    signed_in(sara).post(f"/en/staff/amane/transfers/{transfer.pk}/", {"decision": "accept"})
    transfer.refresh_from_db()
    back = transfer.new_case
    assert back is not None and back.report.mailbox_home_id == home.pk
    reply = signed_in(sara).post(f"/en/staff/amane/cases/{back.number}/reply/", {"text": "BACK"})
    assert reply.status_code == 302
    page = Client().post("/en/followup/", {"receipt": format_receipt(submission.receipt)})
    assert "BACK" in page.content.decode()


def test_a_receipt_still_opens_the_mailbox_after_the_sending_organisation_purges(
    signed_in: Any, world: World
) -> None:
    submission = intake_actions.submit_report(
        {"harm_types": ["cyberbullying"], "country": "MA", "consent_referral": True},
        channel="web",
        submission_id="purged-home",
    )
    new = transfer_and_accept(signed_in, world, submission.report.case)
    _sara, omar = supervisors(world)
    signed_in(omar).post(f"/en/staff/jordan/cases/{new.number}/reply/", {"text": "STILL-HERE"})
    actions.purge_case(submission.report.case)
    page = Client().post("/en/followup/", {"receipt": format_receipt(submission.receipt)})
    assert page.status_code == 200 and "STILL-HERE" in page.content.decode()


def test_sms_reporter_answers_reach_the_case_that_holds_it(signed_in: Any, world: World) -> None:
    from digiamen.channels import actions as channel_actions

    gateway, secret = channel_actions.create_gateway(world.amane, name="SMS")

    def text(body: str) -> Any:
        return Client().post(
            f"/channels/{gateway.public_id}/sms",
            {"from": "+212612345678", "text": body},
            HTTP_AUTHORIZATION=f"Token {secret}",
        )

    for body in ["bonjour", "2", "1", "0", "3", "Il me menace.", "1"]:
        assert text(body).status_code == 200
    report = Report.objects.get()
    sara, _omar = supervisors(world)
    actions.record_consent(
        report.case, sara.user, purpose="referral", granted=True, given_by="child", method="phone"
    )
    page = signed_in(sara).get(f"/en/staff/amane/cases/{report.case.number}/").content.decode()
    assert "also goes out by text message" in page  # the writer knows where an SMS reply goes
    new = transfer_and_accept(signed_in, world, report.case)
    assert text("Merci, il continue.").status_code == 200
    assert Message.objects.filter(report=new.report, direction="from_reporter").count() == 1
    assert not Message.objects.filter(report=report, direction="from_reporter").exists()


# --- Where no reply can reach the reporter -------------------------------------------------------


def test_transfer_without_the_reporters_consent_refuses_replies_clearly(
    signed_in: Any, world: World
) -> None:
    case = new_case(consent_referral=False, consent_contact=True)
    sara, omar = supervisors(world)
    actions.override_consent(case, sara.user, purpose="referral", reason="Immediate danger")
    new = transfer_and_accept(signed_in, world, case)
    assert bytes(new.report.mailbox_public_key) == b"" and new.report.mailbox_home is None
    assert CaseEvent.objects.get(case=case, kind="transferred").details["mailbox"] is False
    before = written()
    receiver = signed_in(omar, "fr")
    page = receiver.get(f"/fr/staff/jordan/cases/{new.number}/").content.decode()
    assert 'data-reason="mailbox_not_transferred"' in page and REPLY_FORM not in page
    assert "Amane" in page and "par e-mail" in page  # the contact route consent allows
    refused = receiver.post(f"/fr/staff/jordan/cases/{new.number}/reply/", {"text": "Bonjour"})
    assert refused.status_code == 409
    assert "Amane" in refused.content.decode()
    response = api_post(
        f"/api/v1/cases/{new.number}/replies", {"text": "Bonjour"}, token_for(omar), "fr"
    )
    assert response.status_code == 409
    assert response.json()["reason"] == "mailbox_not_transferred"
    assert "Amane" in response.json()["detail"] and "par e-mail" in response.json()["detail"]
    assert written() == before


def test_reply_on_closed_report_refused_clearly(signed_in: Any, world: World) -> None:
    case = new_case()
    sara, _omar = supervisors(world)
    client = signed_in(sara, "ar")
    step(client, case, "triage", risk="low")
    step(client, case, "assign", assignee=sara.user.pk)
    step(client, case, "start")
    step(client, case, "close", reason="resolved")
    case.refresh_from_db()
    assert case.status == "closed"
    before = written()
    base = f"/ar/staff/amane/cases/{case.number}/"
    page = client.get(base).content.decode()
    assert 'data-reason="closed"' in page and REPLY_FORM not in page
    refused = client.post(base + "reply/", {"text": "مرحبا"})
    assert refused.status_code == 409
    assert "هذه الحالة مغلقة" in refused.content.decode()  # in the page's language
    response = api_post(
        f"/api/v1/cases/{case.number}/replies", {"text": "Bonjour"}, token_for(sara), "fr"
    )
    assert response.status_code == 409 and response.json()["reason"] == "closed"
    assert "Ce cas est clôturé" in response.json()["detail"]
    assert written() == before
    # Reopened, it can write again.
    step(client, case, "reopen")
    assert client.post(base + "reply/", {"text": "مرحبا"}).status_code == 302


def test_reply_on_purged_report_refused_clearly(signed_in: Any, world: World) -> None:
    case = new_case()
    sara, _omar = supervisors(world)
    actions.purge_case(case)
    before = written()
    url = f"/fr/staff/amane/cases/{case.number}/reply/"
    refused = signed_in(sara, "fr").post(url, {"text": "Bonjour"})
    assert refused.status_code == 409
    assert "les coordonnées ont disparu" in refused.content.decode()
    path = f"/api/v1/cases/{case.number}/replies"
    response = api_post(path, {"text": "Bonjour"}, token_for(sara), "fr")
    assert response.status_code == 409 and response.json()["reason"] == "purged"
    # Those who could not write here anyway still get 404 / the sign-in page.
    for member in [world.bob, world.charlie]:
        assert signed_in(member).post(url, {"text": "x"}).status_code == 404
        assert api_post(path, {"text": "x"}, token_for(member)).status_code == 404
    assert Client().post(url, {"text": "x"}).status_code == 302
    assert api_post(path, {"text": "x"}, {}).status_code == 401
    assert written() == before


def test_reply_on_offline_form_report_offers_the_contact_route(
    signed_in: Any, world: World
) -> None:
    submission = intake_actions.submit_report(
        {
            "harm_types": ["online_grooming"],
            "country": "MA",
            "contact_method": "phone",
            "contact_value": "+212600000000",
            "consent_contact": True,
        },
        channel="offline_form",
        submission_id="field-worker-1",
        organisation=world.amane,
    )
    case = submission.report.case
    sara, _omar = supervisors(world)
    client = signed_in(sara)
    page = client.get(f"/en/staff/amane/cases/{case.number}/").content.decode()
    assert 'data-reason="no_receipt"' in page and REPLY_FORM not in page
    assert "called or sent a text message" in page
    assert (
        client.post(f"/en/staff/amane/cases/{case.number}/reply/", {"text": "x"}).status_code == 409
    )
    # Transferred, it still has no receipt behind it: no mailbox travels, and the receiving
    # organisation is told the same, with the number the reporter agreed to be called on.
    actions.record_consent(
        case, sara.user, purpose="referral", granted=True, given_by="child", method="in_person"
    )
    new = transfer_and_accept(signed_in, world, case)
    assert bytes(new.report.mailbox_public_key) == b""
    _sara, omar = supervisors(world)
    response = api_post(f"/api/v1/cases/{new.number}/replies", {"text": "x"}, token_for(omar))
    assert response.status_code == 409 and response.json()["reason"] == "no_receipt"
    assert "called or sent a text message" in response.json()["detail"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("channel", ["transfer", "web"])
def test_reply_with_an_empty_mailbox_key_is_a_409_not_a_500(
    signed_in: Any, world: World, channel: str
) -> None:
    """The old failure path: a report whose mailbox key is empty (every transferred copy
    before this change) made PyNaCl raise and the server answer 500."""
    case = new_case(consent_contact=False)
    Report.objects.filter(pk=case.report_id).update(mailbox_public_key=b"", channel=channel)
    case.refresh_from_db()
    sara, _omar = supervisors(world)
    before = written()
    web = signed_in(sara).post(f"/en/staff/amane/cases/{case.number}/reply/", {"text": "Hello"})
    assert web.status_code == 409
    assert "There is no other contact route" in web.content.decode()
    api = api_post(f"/api/v1/cases/{case.number}/replies", {"text": "Hello"}, token_for(sara))
    assert api.status_code == 409
    reason = "mailbox_not_transferred" if channel == "transfer" else "no_mailbox"
    assert api.json()["reason"] == reason
    assert written() == before
    with pytest.raises(intake_actions.NoMailbox):  # the action refuses too, never seals to b""
        intake_actions.post_staff_reply(case.report, sara.user, "Hello")
    assert written() == before


# --- Transfers made before transfers carried the mailbox -------------------------------------


def test_a_transfer_sealed_before_the_change_carries_the_mailbox_when_accepted(
    signed_in: Any, world: World
) -> None:
    case = new_case(consent_referral=True)
    sara, omar = supervisors(world)
    signed_in(sara).post(
        f"/en/staff/amane/cases/{case.number}/transfer/", {"to_organisation": world.jordan.pk}
    )
    transfer = Transfer.objects.get()
    legacy = {"harm_types": ["sexual_extortion"], "narrative": "old copy", "from_case": case.number}
    for field in actions.TRANSFERRED_FIELDS:
        legacy.setdefault(field, getattr(case.report, field))
    Transfer.objects.filter(pk=transfer.pk).update(
        sealed_copy=encryption.seal_for_organisation(
            world.jordan, json.dumps(legacy), place=encryption.Place.of(transfer, "sealed_copy")
        )
    )
    signed_in(omar).post(f"/en/staff/jordan/transfers/{transfer.pk}/", {"decision": "accept"})
    transfer.refresh_from_db()
    assert transfer.new_case is not None
    assert bytes(transfer.new_case.report.mailbox_public_key) == bytes(
        case.report.mailbox_public_key
    )


def test_migration_gives_earlier_accepted_transfers_the_mailbox(
    signed_in: Any, world: World
) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("digiamen.cases.migrations.0007_transfers_carry_the_mailbox")
    agreed = new_case(consent_referral=True)
    overridden = new_case(consent_referral=False)
    sara, _omar = supervisors(world)
    actions.override_consent(overridden, sara.user, purpose="referral", reason="Danger")
    copies = [transfer_and_accept(signed_in, world, c).report for c in (agreed, overridden)]
    # As a transfer accepted before the change left them.
    Report.objects.filter(pk__in=[c.pk for c in copies]).update(
        mailbox_public_key=b"", reporter_summary=b"", mailbox_home=None
    )
    migration.carry_mailboxes(apps, None)
    for copy in copies:
        copy.refresh_from_db()
    assert bytes(copies[0].mailbox_public_key) == bytes(agreed.report.mailbox_public_key)
    assert copies[0].mailbox_home_id == agreed.report_id
    assert bytes(copies[1].mailbox_public_key) == b"" and copies[1].mailbox_home_id is None


def test_openapi_declares_the_refused_reply(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    responses = schema["paths"]["/api/v1/cases/{number}/replies"]["post"]["responses"]
    assert "201" in responses and "409" in responses
    assert "mailbox_not_transferred" in json.dumps(schema["components"])
