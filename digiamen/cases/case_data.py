"""Sealed data of a case that other apps keep, reached through the keepers they register.

The cases app closes, reopens, purges and re-keys a case. Apps above it that keep sealed
values of a case in their own tables (referrals) must follow, but cases may not import
them (they build on cases). Each such app registers a ``Keeper`` here in its
``AppConfig.ready()``; the cases app calls every keeper at the same points where it handles
its own tables (``actions._rewrap_case_values``, ``_wrap_copies_for_other_organisations``,
``purge_case``, ``key_migration``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from digiamen.accounts.models import Organisation
from digiamen.cases.models import Case


@dataclass(frozen=True)
class SealedColumn:
    """Rows, and their column that holds a value sealed with its envelope."""

    rows: QuerySet[Any]
    field: str


@dataclass(frozen=True)
class Keeper:
    """What the cases app needs to know of one app's sealed case data."""

    name: str
    # Tables whose rows ``purge`` deletes or overwrites (vacuumed afterwards, PostgreSQL).
    tables: tuple[str, ...]
    # Values of the case sealed to its own organisation: sealed to the purge period key at
    # closure, back at reopening.
    own_values: Callable[[Case], Iterable[SealedColumn]]
    # Rows with a ``sealed_copy`` sealed to their ``to_organisation``: sealed at closure to
    # the receiving organisation's key of the same purge period.
    copies_for_others: Callable[[Case], Iterable[QuerySet[Any]]]
    # Values of every case sealed for an organisation: moved to its casework key.
    organisation_values: Callable[[Organisation], Iterable[SealedColumn]]
    # Destroy the sealed values of a case being purged (inside the purge's transaction).
    purge: Callable[[Case], None]


_keepers: dict[str, Keeper] = {}


def register(keeper: Keeper) -> None:
    """Add (or replace, by name: ``ready()`` may run twice in tests) a keeper."""
    _keepers[keeper.name] = keeper


def keepers() -> tuple[Keeper, ...]:
    return tuple(_keepers.values())


def purged_tables() -> list[str]:
    return [table for keeper in keepers() for table in keeper.tables]
