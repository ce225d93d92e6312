"""Saved queue filters: a member keeps a filter under a name, finds it on the queue, applies
it as far as it still holds, deletes it; nobody else sees or touches it."""

from __future__ import annotations

from typing import Any

from digiamen.accounts.models import Membership
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.core.models import AuditEvent

QUEUE = "/en/staff/amane/cases/"
SAVE = "/en/staff/amane/cases/filters/"
FILTER = {"queue": "all", "harm": "sexual_extortion", "risk": "", "admin1": "MA-06"}


def saved_of(member: Any) -> list[dict[str, Any]]:
    return Membership.objects.get(user=member.user).saved_filters


def test_save_apply_and_delete_a_filter(signed_in: Any, world: World) -> None:
    inside = new_case(admin1="MA-06")
    outside = new_case(admin1="MA-04", harm_types=["cyberbullying"])
    bob = signed_in(world.bob)
    page = bob.get(QUEUE, FILTER).content.decode()
    assert 'action="/en/staff/amane/cases/filters/"' in page  # a filter is on: it can be kept
    response = bob.post(SAVE, {**FILTER, "number": inside.number, "name": "My urgent ones"})
    assert response.status_code == 302
    [saved] = saved_of(world.bob)
    # Categories only: the case number typed in the search is never kept.
    assert saved["name"] == "My urgent ones"
    assert saved["params"] == {"queue": "all", "harm": "sexual_extortion", "admin1": "MA-06"}
    assert response["Location"].endswith(f"?saved={saved['id']}")
    page = bob.get(response["Location"]).content.decode()
    assert f"/cases/{inside.number}/" in page and f"/cases/{outside.number}/" not in page
    assert "My urgent ones" in bob.get(QUEUE).content.decode()  # listed on the queue
    assert AuditEvent.objects.filter(action="queue_filter.saved").count() == 1
    assert "My urgent ones" not in str(AuditEvent.objects.get(action="queue_filter.saved").details)
    # Nobody else deletes it; the owner does.
    for other in (world.charlie, world.add_member("sara", world.amane, "supervisor")):
        client = signed_in(other)
        url = f"/{'en'}/staff/{'jordan' if other is world.charlie else 'amane'}/cases/filters/"
        assert client.post(f"{url}{saved['id']}/delete/").status_code == 404
        assert "My urgent ones" not in client.get(url.replace("filters/", "")).content.decode()
    assert bob.post(f"{SAVE}{saved['id']}/delete/").status_code == 302
    assert saved_of(world.bob) == []
    assert bob.post(f"{SAVE}{saved['id']}/delete/").status_code == 404


def test_bad_names_and_the_limit_change_nothing(signed_in: Any, world: World) -> None:
    bob = signed_in(world.bob)
    for name in ["", "x" * 61, "evil\u202ename"]:
        response = bob.post(SAVE, {**FILTER, "name": name})
        assert response.status_code == 400
        assert "Give the filter a name" in response.content.decode()
    assert saved_of(world.bob) == []
    response = bob.post(SAVE, {"name": "Nothing chosen"})  # no category
    assert response.status_code == 400 and "at least one filter" in response.content.decode()
    assert saved_of(world.bob) == []
    for n in range(20):
        bob.post(SAVE, {**FILTER, "name": f"Filter {n}"})
    response = bob.post(SAVE, {**FILTER, "name": "One too many"})
    assert response.status_code == 400 and "20 saved filters" in response.content.decode()
    response = bob.post(SAVE, {**FILTER, "name": "filter 3"})  # the same name
    assert response.status_code == 400
    assert "with this name already" in response.content.decode()
    assert len(saved_of(world.bob)) == 20
    assert signed_in(world.charlie).post(SAVE, {**FILTER, "name": "x"}).status_code == 404
    assert bob.get(SAVE).status_code == 405


def test_a_filter_that_no_longer_holds_is_applied_as_far_as_it_can(
    signed_in: Any, world: World
) -> None:
    membership = Membership.objects.get(user=world.bob.user)
    membership.saved_filters = [
        {"id": "ab12cd34", "name": "Old", "params": {"queue": "all", "harm": "retired_harm"}}
    ]
    membership.save()
    bob = signed_in(world.bob)
    response = bob.get(QUEUE, {"saved": "ab12cd34"})
    assert response.status_code == 200
    assert "no longer applies and was left out: Harm" in response.content.decode()
    # A queue that is not offered any more (a renamed or retired queue): left out too, the
    # categories that still hold are applied.
    membership.saved_filters = [
        {"id": "cd34ef56", "name": "Gone", "params": {"queue": "retired", "risk": "high"}}
    ]
    membership.save()
    response = bob.get(QUEUE, {"saved": "cd34ef56"})
    assert response.status_code == 200
    assert "no longer applies and was left out: Queue" in response.content.decode()
    assert response.context["form"].cleaned_data["risk"] == "high"
    response = bob.get(QUEUE, {"saved": "ffffffff"})  # gone, or someone else's
    assert response.status_code == 200
    assert "This saved filter no longer exists." in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client: Any, world: World) -> None:
    assert client.post(SAVE, {**FILTER, "name": "x"}).status_code == 302


def test_a_membership_written_without_the_column_gets_no_saved_filters(world: World) -> None:
    """Code from before saved filters (a rolling upgrade) inserts memberships without the
    column: the database fills in an empty list."""
    from django.db import connection

    from digiamen.accounts import actions as account_actions

    newcomer, _key = account_actions.create_user("newcomer", "a long enough passphrase 1")
    existing = Membership.objects.get(user=world.bob.user)
    columns = [
        field.column
        for field in Membership._meta.concrete_fields
        if field.column not in ("id", "saved_filters")
    ]
    values = [
        newcomer.pk if column == "user_id" else getattr(existing, column) for column in columns
    ]
    table = connection.ops.quote_name(Membership._meta.db_table)
    with connection.cursor() as cursor:
        # Names from the model's own metadata, values as parameters.
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            values,
        )
    assert Membership.objects.get(user=newcomer).saved_filters == []
