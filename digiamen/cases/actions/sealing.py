"""Values sealed for a case, and sealed once more to a purge period key once it is closed
(crypto-shredding, docs/security-model.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from digiamen.cases import assignment_keys, case_data
from digiamen.cases.actions.base import settings_for
from digiamen.cases.models import (
    Case,
    Transfer,
)
from digiamen.core import encryption
from digiamen.core.models import PurgePeriodKey

# --- Purge periods (crypto-shredding, docs/security-model.md) ------------------------------


def _purge_key_for(case: Case) -> PurgePeriodKey:
    """The key of the month in which retention purges this case (closed now).

    The daily purge runs after ``closed_at + retention_days``, possibly the next day: the
    period is that of the day after, so the case is always purged before its key expires.
    """
    closed_at = case.closed_at or timezone.now()
    retention = settings_for(case.organisation).retention_days
    purge_on = (closed_at + timedelta(days=retention + 1)).date()
    return encryption.purge_period_key(case.organisation, purge_on)


def _wrapped(case: Case, envelope: bytes) -> bytes:
    if case.purge_key is None:
        return envelope
    return encryption.wrap_for_purge(envelope, case.purge_key)


def _seal_for_case(case: Case, text: str, place: encryption.Place) -> bytes:
    """A value sealed for whoever may open the case (the casework circle, or its assignee
    and the supervisors), bound to ``place``; sealed to its purge key too if closed."""
    sealed = assignment_keys.seal_for_case(case, text, place)
    if case.purge_key is None:
        return sealed
    return encryption.wrap_sealed_value_for_purge(sealed, case.purge_key) or sealed


def seal_into_case(case: Case, row: Any, column: str, text: str) -> None:
    """Seal ``text`` into ``row.column`` (a saved row of ``case``), bound to the row and
    the case: moved to another row or case, it no longer opens."""
    encryption.store_sealed(
        row, column, lambda place: _seal_for_case(case, text, place), owner=case
    )


def _wrap_copies_for_other_organisations(case: Case) -> None:
    """Seal the copies this case sent to other organisations (a pending transfer, the
    referrals) to the *receiving* organisation's key of the same purge period.

    Sealing to a public key needs no secret, so this works although nobody here can open
    them; the receiver still reads them (its organisation key opens its period key), until
    that period ends. Reopening cannot undo this (only the receiver could): a reopened
    case's copies then expire with the period the closure chose.
    """
    if case.purge_key is None:
        return
    period = case.purge_key.period
    copies: list[Any] = [
        Transfer.objects.filter(case=case, status=Transfer.Status.PENDING),
        *(rows for keeper in case_data.keepers() for rows in keeper.copies_for_others(case)),
    ]
    for rows in copies:
        for row in rows.select_related("to_organisation"):
            if not row.sealed_copy:
                continue
            key = encryption.purge_period_key(row.to_organisation, period)
            wrapped = encryption.wrap_sealed_value_for_purge(bytes(row.sealed_copy), key)
            type(row).objects.filter(pk=row.pk).update(sealed_copy=wrapped)
