"""Helplines are owned by an organisation: children of the country see them all, only the
owner's admins change or remove them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from digiamen.accounts import actions as account_actions
from digiamen.accounts.models import Role
from digiamen.conftest import Member, World, make_member
from digiamen.core.models import AuditEvent
from digiamen.intake import actions_admin
from digiamen.intake.models import Helpline
from digiamen.intake.tests.helpers import STEP_ANSWERS, walk

PAGE = "/en/staff/{org}/front-door/"


@dataclass
class Lines:
    amane_line: Helpline  # kept by Amane (Morocco)
    casa_line: Helpline  # kept by Casa, another organisation in Morocco
    karim: Member  # org admin of Casa


@pytest.fixture
def lines(world: World) -> Lines:
    casa = account_actions.create_organisation(slug="casa", name="Casa Ecoute", country="MA")
    karim = make_member("karim", casa.organisation, casa.private_key, Role.ORG_ADMIN)
    amane_line = Helpline.objects.create(
        owner=world.amane,
        country="MA",
        name={"ar": "خط أمان", "fr": "Ligne Amane", "en": "Amane line"},
        phone="2511",
    )
    casa_line = Helpline.objects.create(
        owner=casa.organisation,
        country="MA",
        name={"ar": "خط كازا", "fr": "Ligne Casa", "en": "Casa line"},
        phone="5050",
    )
    return Lines(amane_line, casa_line, karim)


def _edit_data(**overrides: str) -> dict[str, str]:
    data = {
        "name_ar": "خط جديد",
        "name_fr": "Nouvelle ligne",
        "name_en": "New line",
        "phone": "+212 800 00 00",
        "free_of_charge": "on",
        "hours": "24/7",
    }
    data.update(overrides)
    return data


def _as_stored(helpline: Helpline) -> tuple[Any, ...]:
    helpline.refresh_from_db()
    return (helpline.name, helpline.phone, helpline.free_of_charge, helpline.hours)


def test_helpline_changed_only_by_owner(world: World, lines: Lines, signed_in: Any) -> None:
    alice = signed_in(world.alice)
    url = f"/en/staff/amane/front-door/helplines/{lines.amane_line.pk}/edit/"
    form = alice.get(url)
    assert form.status_code == 200
    assert 'value="Amane line"' in form.content.decode()
    assert alice.post(url, _edit_data()).status_code == 302
    assert _as_stored(lines.amane_line) == (
        {"ar": "خط جديد", "fr": "Nouvelle ligne", "en": "New line"},
        "+2128000000",
        True,
        "24/7",
    )
    event = AuditEvent.objects.get(action="helpline.changed")
    assert (event.actor_id, event.organisation_id) == (world.alice.user.pk, world.amane.pk)
    # Bad input: a translated 400, nothing changes.
    before = _as_stored(lines.amane_line)
    refused = alice.post(url, _edit_data(phone="call us"))
    assert refused.status_code == 400
    assert "digits only" in refused.content.decode()
    assert _as_stored(lines.amane_line) == before


def test_helpline_deleted_only_by_owner(world: World, lines: Lines, signed_in: Any) -> None:
    url = f"/en/staff/amane/front-door/helplines/{lines.amane_line.pk}/delete/"
    assert signed_in(world.alice).post(url).status_code == 302
    assert not Helpline.objects.filter(pk=lines.amane_line.pk).exists()
    assert AuditEvent.objects.filter(action="helpline.removed").count() == 1
    assert Helpline.objects.filter(pk=lines.casa_line.pk).exists()


@pytest.mark.parametrize("who", ["karim", "jordan_admin"])
def test_helpline_of_another_organisation_is_404_and_unchanged(
    world: World, lines: Lines, signed_in: Any, who: str
) -> None:
    """An admin of another organisation, in the same country (Casa) or another (Jordan)."""
    if who == "karim":
        member, slug = lines.karim, "casa"
    else:
        member, slug = world.add_member("jamal", world.jordan, Role.ORG_ADMIN), "jordan"
    client = signed_in(member)
    before = _as_stored(lines.amane_line)
    edit = f"/en/staff/{slug}/front-door/helplines/{lines.amane_line.pk}/edit/"
    delete = f"/en/staff/{slug}/front-door/helplines/{lines.amane_line.pk}/delete/"
    assert client.get(edit).status_code == 404
    assert client.post(edit, _edit_data()).status_code == 404
    assert client.post(delete).status_code == 404
    assert _as_stored(lines.amane_line) == before
    assert not AuditEvent.objects.filter(action__startswith="helpline.").exists()


def test_helpline_of_own_organisation_refused_to_other_roles(
    world: World, lines: Lines, signed_in: Any
) -> None:
    """Only admins keep helplines: a caseworker or coordinator of the owner is refused."""
    coordinator = world.add_member("amina", world.amane, Role.NETWORK_COORDINATOR)
    for member in (world.bob, coordinator):
        client = signed_in(member)
        base = f"/en/staff/amane/front-door/helplines/{lines.amane_line.pk}/"
        assert client.get(f"{base}edit/").status_code == 403
        assert client.post(f"{base}delete/").status_code == 403
    assert Helpline.objects.filter(pk=lines.amane_line.pk).exists()


def test_helpline_edit_and_delete_need_sign_in(lines: Lines) -> None:
    base = f"/en/staff/amane/front-door/helplines/{lines.amane_line.pk}/"
    before = _as_stored(lines.amane_line)
    for response in (
        Client().get(f"{base}edit/"),
        Client().post(f"{base}edit/", _edit_data()),
        Client().post(f"{base}delete/"),
    ):
        assert response.status_code == 302 and "/staff/login/" in response["Location"]
    assert _as_stored(lines.amane_line) == before
    missing = "/en/staff/amane/front-door/helplines/999999/edit/"
    assert Client().get(missing).status_code == 302


def test_helpline_list_shows_others_read_only(world: World, lines: Lines, signed_in: Any) -> None:
    """Casa's admin sees Amane's number (so as not to add it twice), without controls."""
    html = signed_in(lines.karim).get(PAGE.format(org="casa")).content.decode()
    assert "Casa line" in html and "Amane line" in html
    assert "Kept by" in html and "Amane" in html
    assert f"/helplines/{lines.casa_line.pk}/edit/" in html
    assert f"/helplines/{lines.casa_line.pk}/delete/" in html
    assert f"/helplines/{lines.amane_line.pk}/" not in html
    # Jordan's admin sees neither: they are not Jordan's country's numbers.
    jamal = world.add_member("jamal", world.jordan, Role.ORG_ADMIN)
    jordan_page = signed_in(jamal).get(PAGE.format(org="jordan")).content.decode()
    assert "Amane line" not in jordan_page and "Casa line" not in jordan_page


def test_helpline_added_is_owned_by_the_adding_organisation(
    world: World, lines: Lines, signed_in: Any
) -> None:
    data = {"add_helpline": "1", **_edit_data(phone="1234")}
    assert signed_in(lines.karim).post(PAGE.format(org="casa"), data).status_code == 302
    added = Helpline.objects.get(phone="1234")
    assert (added.owner.slug, added.country) == ("casa", "MA")


def test_helpline_action_refuses_another_owner(world: World, lines: Lines) -> None:
    """The rule is in the actions as well as in the views."""
    with pytest.raises(actions_admin.NotOwner):
        actions_admin.change_helpline(
            lines.amane_line, world.jordan, world.alice.user, _edit_data(phone="1")
        )
    with pytest.raises(actions_admin.NotOwner):
        actions_admin.delete_helpline(lines.amane_line, world.jordan, world.alice.user)
    assert _as_stored(lines.amane_line)[1] == "2511"


def test_helpline_of_every_owner_shown_to_children_of_the_country(
    world: World, lines: Lines
) -> None:
    steps = [dict(step) for step in STEP_ANSWERS]
    steps[2] = {**steps[2], "country": "MA", "admin1": "MA-06"}
    receipt = walk(Client(), "/en/report/", steps)
    assert receipt.status_code == 201
    html = receipt.content.decode()
    assert "Amane line" in html and "2511" in html
    assert "Casa line" in html and "5050" in html
    body = {"harm_types": ["sexual_extortion"], "country": "MA", "narrative": "He threatens me."}
    answer = Client().post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert answer.status_code == 201
    assert {line["phone"] for line in answer.json()["helplines"]} == {"2511", "5050"}


def test_helpline_demo_data_has_owners(world: World) -> None:
    from digiamen.intake import demo

    demo.load([world.amane, world.jordan])
    owners = {line.country: line.owner.slug for line in Helpline.objects.select_related("owner")}
    assert owners["MA"] == "amane"
    assert owners["JO"] == "jordan"
    assert owners["TN"] == "amane"  # no demo organisation there: the first one keeps it


# The data migration --------------------------------------------------------------------------

BEFORE = [("intake", "0004_report_perpetrator_relationship")]
AFTER = [("intake", "0006_helpline_owner_required")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("fallback", "sudan"), [("", "network"), ("jordan", "jordan")])
def test_helpline_owners_assigned_by_the_migration(
    settings: Any, fallback: str, sudan: str
) -> None:
    settings.INTAKE_FALLBACK_ORGANISATION = fallback
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        Organisation = old.get_model("accounts", "Organisation")
        OldHelpline = old.get_model("intake", "Helpline")
        RoutingRule = old.get_model("intake", "RoutingRule")

        def organisation(slug: str, country: str, day: int) -> Any:
            return Organisation.objects.create(
                slug=slug,
                name=slug,
                country=country,
                recovery_public_key=b"k" * 32,
                created_at=f"2025-01-{day:02d}T00:00:00Z",
            )

        for slug, country, day in [
            ("network", "EG", 1),
            ("ma-old", "MA", 2),
            ("ma-routed", "MA", 3),
            ("jordan", "JO", 4),
            ("tn-old", "TN", 5),
            ("tn-new", "TN", 6),
        ]:
            organisation(slug, country, day)
        by_slug = {o.slug: o for o in Organisation.objects.all()}
        RoutingRule.objects.create(country="MA", admin1="", organisation=by_slug["ma-routed"])
        RoutingRule.objects.create(country="TN", admin1="TN-61", organisation=by_slug["tn-new"])
        for country, phone in [("MA", "1"), ("MA", "2"), ("JO", "3"), ("TN", "4"), ("SD", "5")]:
            OldHelpline.objects.create(country=country, phone=phone, name={"en": phone})

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        owners = dict(Helpline.objects.values_list("phone", "owner__slug"))
        assert owners == {
            "1": "ma-routed",  # the country's whole-country routing rule
            "2": "ma-routed",
            "3": "jordan",  # the only organisation of the country
            "4": "tn-old",  # the oldest of the country (an area's rule is not the country's)
            # Nobody in Sudan: the instance's fallback, else the oldest, as routing does.
            "5": sudan,
        }
    finally:
        call_command("migrate", interactive=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_helpline_without_any_organisation_removed_by_the_migration() -> None:
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        old.get_model("intake", "Helpline").objects.create(country="MA", phone="1", name={})
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        assert not Helpline.objects.exists()
    finally:
        call_command("migrate", interactive=False, verbosity=0)
