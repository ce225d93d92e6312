from __future__ import annotations

from django.test import Client

from digiamen.conftest import World
from digiamen.core.models import AuditEvent
from digiamen.intake.models import Message, Report
from digiamen.intake.tests.helpers import STEP_ANSWERS, receipt_of, walk


def _amane_report() -> Report:
    steps = [dict(s) for s in STEP_ANSWERS]
    steps[2] = {"country": "MA", "admin1": "MA-06"}
    walk(Client(), "/en/report/", steps)
    return Report.objects.latest("id")


def test_inbox_and_report_for_allowed_other_role_other_org_and_anonymous(
    signed_in,
    world: World,  # type: ignore[no-untyped-def]
) -> None:
    report = _amane_report()
    assert report.organisation == world.amane
    pages = [
        "/en/staff/amane/reports/",
        f"/en/staff/amane/reports/{report.public_id}/",
        "/en/staff/amane/reports/new/",
    ]
    bob, alice, charlie = signed_in(world.bob), signed_in(world.alice), signed_in(world.charlie)
    for url in pages:
        assert bob.get(url).status_code == 200, url
        assert alice.get(url).status_code == 404, url  # org admins see no report content
        assert charlie.get(url).status_code == 404, url
        assert Client().get(url).status_code == 302, url
    assert charlie.get(f"/en/staff/jordan/reports/{report.public_id}/").status_code == 404
    reply = f"/en/staff/amane/reports/{report.public_id}/reply/"
    assert charlie.post(reply, {"text": "x"}).status_code == 404
    assert alice.post(reply, {"text": "x"}).status_code == 404
    assert not Message.objects.exists()


def test_opening_a_report_is_audited_and_lists_show_no_content(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    report = _amane_report()
    bob = signed_in(world.bob)
    inbox = bob.get("/en/staff/amane/reports/").content.decode()
    assert "He says he will send" not in inbox and "bad_guy" not in inbox
    detail = bob.get(f"/en/staff/amane/reports/{report.public_id}/").content.decode()
    assert "He says he will send" in detail and "@bad_guy_1234" in detail
    event = AuditEvent.objects.filter(action="report.opened").latest("id")
    assert event.actor_id == world.bob.user.pk and event.object_id == str(report.pk)
    report.refresh_from_db()
    assert report.status == "seen"


def test_empty_reply_is_refused(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    report = _amane_report()
    response = signed_in(world.bob).post(
        f"/en/staff/amane/reports/{report.public_id}/reply/", {"text": ""}
    )
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_operator_takes_a_report_from_a_phone_call(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    bob = signed_in(world.bob)
    steps = [{"channel": "phone"}, *[dict(s) for s in STEP_ANSWERS]]
    response = walk(bob, "/en/staff/amane/reports/new/", steps)
    assert response.status_code == 201
    receipt = receipt_of(response.content.decode())
    report = Report.objects.get()
    assert report.channel == "phone" and report.received_by == world.bob.user
    assert report.organisation == world.amane  # the operator's organisation, not routing
    followup = Client().post("/en/followup/", {"receipt": receipt})
    assert followup.status_code == 200


def test_operator_flow_refuses_another_organisations_staff(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    charlie = signed_in(world.charlie)
    assert charlie.get("/en/staff/amane/reports/new/").status_code == 404
    assert charlie.post("/en/staff/amane/reports/new/", {"channel": "phone"}).status_code == 404
