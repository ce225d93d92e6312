"""The queue's harm-type filter: exact values, and on PostgreSQL a containment a GIN index
answers (budgets issue: the filter scanned the text of every report)."""

from __future__ import annotations

from typing import Any

from django.db import connection

from digiamen.accounts.models import Membership
from digiamen.cases.tests.helpers import new_case
from digiamen.cases.views import filter_cases
from digiamen.conftest import World


def test_queue_harm_filter_matches_the_harm_type_exactly(world: World) -> None:
    grooming = new_case(harm_types=["online_grooming"])
    both = new_case(harm_types=["cyberbullying", "sexual_extortion"])
    membership = Membership.objects.get(user=world.alice.user, organisation=world.amane)
    found = filter_cases(membership, {"queue": "all", "harm": "sexual_extortion"})
    assert list(found) == [both]
    assert list(filter_cases(membership, {"queue": "all", "harm": "online_grooming"})) == [grooming]
    # A value inside another value is not a match ("grooming" in "online_grooming").
    assert not filter_cases(membership, {"queue": "all", "harm": "grooming"}).exists()


def test_queue_harm_filter_is_a_containment_with_a_gin_index_on_postgresql(world: Any) -> None:
    """On PostgreSQL (CI runs the suite on it too) a jsonb containment over a GIN index; on
    SQLite, the embedded mode, the quoted value in the list's text."""
    membership = Membership.objects.get(user=world.alice.user, organisation=world.amane)
    sql = str(filter_cases(membership, {"queue": "all", "harm": "cyberbullying"}).query)
    if connection.vendor != "postgresql":
        assert '"cyberbullying"' in sql and "@>" not in sql
        return
    assert "@>" in sql
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'intake_report' "
            "AND indexdef LIKE '%%USING gin%%'"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert {"intake_report_harm_types_gin", "intake_report_platforms_gin"} <= names
