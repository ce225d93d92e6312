"""The organisation's alert delivery failures, for its admins only: newest first, paged,
with a username and an error code, never an address or what was sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from digiamen.accounts.models import Role
from digiamen.alerts import actions
from digiamen.alerts.models import AlertDelivery
from digiamen.conftest import World

URL = "/en/staff/amane/alerts/failures/"


def _delivery(world: World, user: Any, key: str, status: str, minutes: int, **extra: Any) -> Any:
    alert = actions.create_alerts(
        user.memberships.get().organisation,
        [user],
        kind="new_report",
        urgent=True,
        dedup_key=key,
        now=timezone.now() - timedelta(minutes=minutes),
    )[0]
    return AlertDelivery.objects.create(
        alert=alert,
        channel="email",
        status=status,
        created_at=alert.created_at,
        last_attempt_at=alert.created_at,
        **extra,
    )


def test_an_admin_sees_failures_newest_first_without_addresses(
    world: World, signed_in: Any
) -> None:
    _delivery(world, world.bob.user, "r:1", "failed", 30, attempts=5, last_error="SMTP 550")
    _delivery(world, world.bob.user, "r:2", "retrying", 10, attempts=2, last_error="TimeoutError")
    _delivery(world, world.bob.user, "r:3", "sent", 5, attempts=1)
    _delivery(world, world.charlie.user, "r:4", "failed", 1, last_error="JordanOnlyError")
    actions.save_preferences(
        world.bob.user, email="bob-secret@example.org", channels={}, quiet_from=0, quiet_to=0
    )
    page = signed_in(world.alice).get(URL).content.decode()
    assert "2 deliveries not made" in page
    assert page.index("TimeoutError") < page.index("SMTP 550")  # newest first
    assert "Waiting to retry" in page and "Failed" in page and "<bdi>bob</bdi>" in page
    assert "JordanOnlyError" not in page and "charlie" not in page
    assert "bob-secret" not in page and "example.org" not in page
    # Each failure says why in words; the code stays beside it for the server's operator.
    assert "The mail server refused the message." in page
    assert "The mail server could not be reached." in page
    home = signed_in(world.alice).get("/en/staff/amane/").content.decode()
    assert URL in home  # in the admin's navigation


def test_failures_are_paged(world: World, signed_in: Any) -> None:
    for number in range(51):
        _delivery(
            world, world.bob.user, f"r:{number}", "failed", 100 - number, last_error=f"E{number}x"
        )
    alice = signed_in(world.alice)
    first = alice.get(URL).content.decode()
    assert "E50x" in first and "E0x" not in first and "?page=2" in first
    second = alice.get(URL + "?page=2").content.decode()
    assert "E0x" in second and "E50x" not in second
    assert alice.get(URL + "?page=x").status_code == 200
    assert alice.get(URL + "?page=99").status_code == 200


def test_failures_are_for_the_organisations_admins_only(world: World, signed_in: Any) -> None:
    for role in set(Role.values) - {Role.ORG_ADMIN}:
        member = world.add_member(f"m-{role}", world.amane, role)
        assert signed_in(member).get(URL).status_code == 403, role
    jordan_admin = world.add_member("jadmin", world.jordan, Role.ORG_ADMIN)
    assert signed_in(jordan_admin).get(URL).status_code == 404
    assert signed_in(jordan_admin).get("/en/staff/jordan/alerts/failures/").status_code == 200
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]


def test_the_failures_page_in_arabic_and_french(world: World, signed_in: Any) -> None:
    _delivery(world, world.bob.user, "r:1", "failed", 3, last_error="SMTP 550")
    arabic = signed_in(world.alice, "ar").get("/ar/staff/amane/alerts/failures/")
    assert arabic.status_code == 200 and 'dir="rtl"' in arabic.content.decode()
    assert '<code dir="ltr">SMTP 550</code>' in arabic.content.decode()
    french = signed_in(world.alice, "fr").get("/fr/staff/amane/alerts/failures/")
    assert french.status_code == 200 and "Échec" in french.content.decode()


def test_failures_say_why_in_the_admins_language(world: World, signed_in: Any) -> None:
    _delivery(world, world.bob.user, "r:1", "failed", 3, last_error="no_sms_gateway")
    _delivery(world, world.bob.user, "r:2", "failed", 2, last_error="not_collected")
    french = signed_in(world.alice, "fr").get(URL.replace("/en/", "/fr/")).content.decode()
    assert "L’organisation n’a aucune passerelle SMS active." in french
    assert "La passerelle SMS n’a pas récupéré le message à temps." in french
    assert "no_sms_gateway" in french  # the code too, for whoever runs the server
