from __future__ import annotations

from typing import Any

from django.test import Client

from digiamen.conftest import World
from digiamen.core.models import AuditEvent
from digiamen.intake.models import Helpline, RoutingRule
from digiamen.intake.routing import route

PAGE = "/en/staff/amane/front-door/"


def test_page_for_admin_caseworker_other_org_and_anonymous(signed_in: Any, world: World) -> None:
    assert signed_in(world.alice).get(PAGE).status_code == 200
    assert signed_in(world.bob).get(PAGE).status_code == 403
    assert signed_in(world.charlie).get(PAGE).status_code == 404
    assert Client().get(PAGE).status_code == 302
    assert (
        signed_in(world.charlie).post(PAGE, {"add_rule": "1", "country": "MA"}).status_code == 404
    )
    assert not RoutingRule.objects.exists()


def test_admin_routes_an_area_to_their_organisation(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    assert route("TN", "TN-61") == world.amane  # the oldest organisation, by default
    RoutingRule.objects.create(country="TN", admin1="", organisation=world.jordan)
    assert route("TN", "TN-61") == world.jordan
    response = alice.post(PAGE, {"add_rule": "1", "country": "TN", "admin1": "TN-61"})
    assert response.status_code == 302
    assert route("TN", "TN-61") == world.amane and route("TN", "TN-11") == world.jordan
    assert AuditEvent.objects.filter(action="routing_rule.added").exists()
    # Taken already, or an area of another country: refused, nothing changes.
    assert (
        alice.post(PAGE, {"add_rule": "1", "country": "TN", "admin1": "TN-61"}).status_code == 400
    )
    assert (
        alice.post(PAGE, {"add_rule": "1", "country": "MA", "admin1": "TN-12"}).status_code == 400
    )
    assert RoutingRule.objects.count() == 2
    rule = RoutingRule.objects.get(organisation=world.amane)
    jordan_rule = RoutingRule.objects.get(organisation=world.jordan)
    assert alice.post(f"{PAGE}rules/{jordan_rule.pk}/delete/").status_code == 404
    assert alice.post(f"{PAGE}rules/{rule.pk}/delete/").status_code == 302
    assert RoutingRule.objects.count() == 1


def test_admin_adds_a_helpline_for_their_country(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    data = {
        "add_helpline": "1",
        "name_ar": "خط",
        "name_fr": "Ligne",
        "name_en": "Line",
        "phone": "٢٥١١",
        "free_of_charge": "on",
    }
    assert alice.post(PAGE, data).status_code == 302
    helpline = Helpline.objects.get()
    assert helpline.country == "MA" and helpline.phone == "2511"
    assert alice.post(PAGE, {**data, "phone": "call us"}).status_code == 400
    assert Helpline.objects.count() == 1
    other = Helpline.objects.create(owner=world.jordan, country="JO", name={"en": "x"}, phone="110")
    assert alice.post(f"{PAGE}helplines/{other.pk}/delete/").status_code == 404
    assert alice.post(f"{PAGE}helplines/{helpline.pk}/delete/").status_code == 302


def test_discreet_title_is_used_on_follow_up_pages(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    assert signed_in(world.bob).get("/en/staff/amane/settings/").status_code == 403
    assert (
        alice.post("/en/staff/amane/settings/", {"discreet_title": "Homework help"}).status_code
        == 302
    )
    assert alice.post("/en/staff/amane/settings/", {"discreet_title": "x" * 61}).status_code == 400
    from digiamen.intake.tests.helpers import STEP_ANSWERS, receipt_of, walk

    steps = [dict(s) for s in STEP_ANSWERS]
    steps[2] = {"country": "MA"}
    receipt = receipt_of(walk(Client(), "/en/report/", steps).content.decode())
    page = Client().post("/en/followup/", {"receipt": receipt}).content.decode()
    assert "<title>Homework help</title>" in page
