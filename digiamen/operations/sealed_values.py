"""Every column that holds values sealed on their own (``core.encryption``, "Sealed values
bound to their place"), with the path to the organisation whose key opens them: for the
count of values still from before binding, per organisation (``manage.py sealed_values``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps

from digiamen.core import encryption


@dataclass(frozen=True)
class SealedColumn:
    model: str  # app_label.model
    column: str
    organisation: str  # the lookup from a row to the organisation that opens it

    @property
    def label(self) -> str:
        return f"{self.model}.{self.column}"


SEALED_COLUMNS = (
    SealedColumn("cases.note", "body", "case__organisation"),
    SealedColumn("cases.task", "title", "case__organisation"),
    SealedColumn("cases.consentrecord", "override_reason", "case__organisation"),
    SealedColumn("cases.escalation", "content_reference", "case__organisation"),
    SealedColumn("cases.transfer", "sealed_copy", "to_organisation"),
    SealedColumn("intake.message", "for_organisation", "report__organisation"),
    SealedColumn("referrals.referral", "sealed_reason", "from_organisation"),
    SealedColumn("referrals.referral", "sealed_copy", "to_organisation"),
    SealedColumn("safeguarding.answer", "note", "assessment__organisation"),
    SealedColumn("safeguarding.answer", "evidence", "assessment__organisation"),
    SealedColumn("safeguarding.actionitem", "description", "assessment__organisation"),
)


@dataclass
class Count:
    organisation: str
    column: str
    bound: int = 0
    unbound: int = 0


def counts() -> Iterator[Count]:
    """Bound and unbound values per organisation and column (empty values left out); the
    values are read in batches, never all at once."""
    for sealed in SEALED_COLUMNS:
        model = apps.get_model(sealed.model)
        found: dict[str, Count] = {}
        rows = (
            model.objects.exclude(**{f"{sealed.column}__isnull": True})
            .values_list(f"{sealed.organisation}__slug", sealed.column)
            .iterator(chunk_size=2000)
        )
        for slug, value in rows:
            if not value or not bytes(value):
                continue
            count = found.setdefault(slug, Count(slug, sealed.label))
            if encryption.is_bound(bytes(value)):
                count.bound += 1
            else:
                count.unbound += 1
        yield from (found[slug] for slug in sorted(found))
