from __future__ import annotations

from typing import Any

from django.db import connection

from digiamen.cases.duplicates import identifiers
from digiamen.cases.models import BlindIndexEntry
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World


def test_identifiers_are_normalised() -> None:
    found = identifiers("phone", "+212 ٦١٢-٣٤٥٦٧٨", "see @Bad.Guy and https://WWW.TikTok.com/@x/ .")
    assert ("phone", "612345678") in found
    assert ("handle", "@bad.guy") in found
    assert ("link", "tiktok.com/@x") in found
    assert identifiers("phone", "0612345678", "") == {("phone", "612345678")}
    assert identifiers("receipt", "", "") == set()


def test_same_handle_in_two_cases_is_flagged_without_plaintext(
    signed_in: Any, world: World
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    client = signed_in(sara)
    first = new_case(
        involved_accounts="@Predator_77 on TikTok",
        contact_method="phone",
        contact_value="+212612345678",
    )
    second = new_case(
        involved_accounts="it was @predator_77", contact_method="receipt", contact_value=""
    )
    third = new_case(involved_accounts="@someone_else")
    for case in (first, second, third):
        client.get(f"/en/staff/amane/cases/{case.number}/")
    page = client.get(f"/en/staff/amane/cases/{second.number}/").content.decode()
    assert "Possible duplicates" in page and first.number in page and third.number not in page
    assert (
        "Possible duplicates"
        not in client.get(f"/en/staff/amane/cases/{third.number}/").content.decode()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest FROM cases_blindindexentry")
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert "predator" not in stored and "612345678" not in stored
    # Another organisation's key gives other digests: no cross-organisation matching.
    charlie_case = new_case("JO", involved_accounts="@predator_77")
    other_supervisor = world.add_member("omar", world.jordan, "supervisor")
    signed_in(other_supervisor).get(f"/en/staff/jordan/cases/{charlie_case.number}/")
    jordan_digests = set(
        BlindIndexEntry.objects.filter(case=charlie_case).values_list("digest", flat=True)
    )
    amane_digests = set(
        BlindIndexEntry.objects.filter(case=second).values_list("digest", flat=True)
    )
    assert jordan_digests and not jordan_digests & amane_digests


def test_caseworker_not_assigned_gets_no_hints_and_indexes_nothing(
    signed_in: Any, world: World
) -> None:
    case = new_case(involved_accounts="@x_account")
    page = signed_in(world.bob).get(f"/en/staff/amane/cases/{case.number}/").content.decode()
    assert "Possible duplicates" not in page
    assert not BlindIndexEntry.objects.exists()
