"""Referrals' sealed case data, as the cases app reaches it (``cases.case_data``): the
reason sealed for the referring organisation and the copy sealed to the receiving one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from digiamen.accounts.models import Organisation
from digiamen.cases.case_data import Keeper, SealedColumn
from digiamen.cases.models import Case
from digiamen.referrals.models import Referral


def _own_values(case: Case) -> Iterator[SealedColumn]:
    yield SealedColumn(
        Referral.objects.filter(case=case, from_organisation=case.organisation), "sealed_reason"
    )


def _copies_for_others(case: Case) -> Iterator[QuerySet[Any]]:
    yield Referral.objects.filter(case=case, to_organisation__isnull=False)


def _organisation_values(organisation: Organisation) -> Iterator[SealedColumn]:
    yield SealedColumn(Referral.objects.filter(from_organisation=organisation), "sealed_reason")
    yield SealedColumn(Referral.objects.filter(to_organisation=organisation), "sealed_copy")


def _purge(case: Case) -> None:
    # Copies sealed to other organisations: nobody here could re-seal them at closure.
    Referral.objects.filter(case=case).update(sealed_reason=b"", sealed_copy=b"")


KEEPER = Keeper(
    name="referrals",
    tables=(Referral._meta.db_table,),
    own_values=_own_values,
    copies_for_others=_copies_for_others,
    organisation_values=_organisation_values,
    purge=_purge,
)
