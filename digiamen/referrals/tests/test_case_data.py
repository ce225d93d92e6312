"""The referrals app hands its sealed case data to the cases app through a keeper."""

from __future__ import annotations

from digiamen.cases import actions, case_data
from digiamen.referrals.case_data import KEEPER
from digiamen.referrals.models import Referral


def test_the_referrals_keeper_is_registered_once_the_apps_are_ready() -> None:
    assert case_data.keepers().count(KEEPER) == 1
    # Purge vacuums the referrals' table with the cases app's own.
    assert Referral._meta.db_table in actions.purged_tables()
    assert set(actions.PURGED_TABLES) < set(actions.purged_tables())
