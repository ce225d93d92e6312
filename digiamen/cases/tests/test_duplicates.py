from __future__ import annotations

from typing import Any

from django.db import connection

from digiamen.accounts.models import Membership
from digiamen.cases import duplicates
from digiamen.cases.duplicates import identifiers
from digiamen.cases.models import BlindIndexEntry, Case
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.core import encryption


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


def test_removal_rotates_the_hint_key_and_forgets_old_digests(signed_in: Any, world: World) -> None:
    """A removed member holds the old casework key: with it, the digests of phone
    numbers (only 10^9 values) would give the numbers back. After the removal no digest
    made with that key is left, and the cases are indexed again with the new key."""
    sara = world.add_member("sara", world.amane, "supervisor")
    zara = world.add_member("zara", world.amane, "supervisor")
    client = signed_in(sara)
    first = new_case(contact_method="phone", contact_value="+212612345678")
    second = new_case(contact_method="whatsapp", contact_value="0612345678")
    for case in (first, second):
        client.get(f"/en/staff/amane/cases/{case.number}/")
    old_digests = set(BlindIndexEntry.objects.values_list("digest", flat=True))
    # The hint key derives from the casework key, which the member to be removed holds.
    zara_casework = encryption.KeyRing(
        user=zara.user, private_key=zara.private_key
    ).current_casework_private_key(world.amane)
    assert zara_casework is not None
    old_key = duplicates.crypto.derive_key(bytes(zara_casework), purpose=b"blind-index")
    # The removed member's way in: the old key tests a guessed number against a digest.
    assert duplicates.digest(old_key, "phone", "612345678") in old_digests

    membership = Membership.objects.get(user=zara.user)
    signed_in(world.alice).post(f"/en/staff/amane/members/{membership.pk}/deactivate/")
    assert encryption.current_organisation_key(world.amane).version == 2
    assert (
        encryption.KeyRing(
            user=zara.user, private_key=zara.private_key
        ).current_casework_private_key(world.amane)
        is None
    )
    assert not BlindIndexEntry.objects.exists()
    assert not Case.objects.filter(indexed_at__isnull=False).exists()

    # Opened again, the cases are indexed with the new key and still find each other.
    client = signed_in(sara)
    for case in (first, second):
        client.get(f"/en/staff/amane/cases/{case.number}/")
    page = client.get(f"/en/staff/amane/cases/{second.number}/").content.decode()
    assert "Possible duplicates" in page and first.number in page
    new_digests = set(BlindIndexEntry.objects.values_list("digest", flat=True))
    assert new_digests and not new_digests & old_digests
    assert duplicates.digest(old_key, "phone", "612345678") not in new_digests
