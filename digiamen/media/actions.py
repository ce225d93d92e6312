"""The only writers of media data: banks and their entries, reported images and matches,
and the exchange of hashes with hotlines. Every change to a bank is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User
from digiamen.core import audit, untrusted
from digiamen.core.errors import ActionError
from digiamen.intake.models import Report
from digiamen.media.hashing import HashRejected, clean_hash_set, clean_hex
from digiamen.media.matching import BankMatch, match_hashes, visible_bank_ids
from digiamen.media.models import (
    BankChange,
    BankEntry,
    Classification,
    HashBank,
    ImageMatch,
    ReportedImage,
)
from digiamen.networks.models import Network

MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CSV_ROWS = 200_000
MAX_ERRORS_SHOWN = 50
IMAGES_PER_REPORT = 5


class BankError(ActionError):
    messages: ClassVar[dict[str, Any]] = {
        "name_taken": _("Your organisation already has a bank with this name."),
        "not_member": _("Your organisation is not a member of this network."),
        "too_large": _("The file is too large (at most 20 MB)."),
        "encoding": _("The file must be a CSV file in UTF-8."),
        "no_hash_column": _("The first line must name the columns: md5, sha256 or pdq."),
        "empty": _("The file has no rows."),
        "too_many_rows": _("The file has too many rows (at most 200 000)."),
        "unreadable": _("A value of the CSV file is too long, or the file is not valid CSV."),
    }


# --- Banks ----------------------------------------------------------------------------------------


def create_bank(
    organisation: Organisation,
    actor: User | None,
    *,
    name: str,
    source: str,
    network: Network | None = None,
) -> HashBank:
    if HashBank.objects.filter(organisation=organisation, name=name).exists():
        raise BankError("name_taken")
    if network is not None and not _in_network(organisation, network):
        raise BankError("not_member")
    with transaction.atomic():
        bank = HashBank.objects.create(
            organisation=organisation, name=name, source=source, network=network
        )
        audit.record(
            "media.bank_created",
            actor=actor,
            organisation=organisation,
            obj=bank,
            details={"network": network.slug if network else None},
        )
    return bank


def _in_network(organisation: Organisation, network: Network) -> bool:
    return Network.objects.of(organisation).filter(pk=network.pk).exists()


def set_bank_enabled(bank: HashBank, actor: User | None, *, enabled: bool) -> None:
    """A disabled bank stops matching at once: matching reads the enabled banks each time."""
    with transaction.atomic():
        HashBank.objects.filter(pk=bank.pk).update(is_enabled=enabled)
        bank.is_enabled = enabled
        audit.record(
            "media.bank_enabled" if enabled else "media.bank_disabled",
            actor=actor,
            organisation=bank.organisation,
            obj=bank,
        )


def _change(entry: BankEntry, *, active: bool) -> BankChange:
    return BankChange(
        entry_id=entry.pk,
        bank_id=entry.bank_id,
        pdq=entry.pdq,
        pdq_quality=entry.pdq_quality,
        is_active=active,
    )


def add_entries(bank: HashBank, actor: User | None, rows: list[dict[str, Any]]) -> int:
    """Add cleaned rows ({md5?, sha256?, pdq?, quality?, classification, reference})."""
    now = timezone.now()
    with transaction.atomic():
        entries = BankEntry.objects.bulk_create(
            [
                BankEntry(
                    bank=bank,
                    md5=row.get("md5", ""),
                    sha256=row.get("sha256", ""),
                    pdq=row.get("pdq", ""),
                    pdq_quality=row.get("quality"),
                    classification=row.get("classification") or Classification.UNASSESSED,
                    reference=row.get("reference", ""),
                    added_at=now,
                    added_by=actor,
                )
                for row in rows
            ],
            batch_size=2000,
        )
        if any(entry.pk is None for entry in entries):  # databases without RETURNING
            entries = list(BankEntry.objects.filter(bank=bank, added_at=now).order_by("pk"))
        BankChange.objects.bulk_create(
            [_change(entry, active=True) for entry in entries], batch_size=2000
        )
        audit.record(
            "media.entries_added",
            actor=actor,
            organisation=bank.organisation,
            obj=bank,
            details={"count": len(entries)},
        )
    return len(entries)


def set_entry_enabled(entry: BankEntry, actor: User, *, enabled: bool) -> None:
    with transaction.atomic():
        BankEntry.objects.filter(pk=entry.pk).update(is_enabled=enabled)
        entry.is_enabled = enabled
        _change(entry, active=enabled).save()
        audit.record(
            "media.entry_enabled" if enabled else "media.entry_disabled",
            actor=actor,
            organisation=entry.bank.organisation,
            obj=entry,
        )


def remove_entry(entry: BankEntry, actor: User) -> None:
    with transaction.atomic():
        _change(entry, active=False).save()
        audit.record(
            "media.entry_removed",
            actor=actor,
            organisation=entry.bank.organisation,
            obj=entry,
            details={"bank": entry.bank_id},
        )
        entry.delete()


# --- CSV ------------------------------------------------------------------------------------------


@dataclass
class CsvResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def hash_csv_rows(data: bytes) -> list[tuple[int, dict[str, str], bool]]:
    """The non-empty rows of a CSV file with a hash column: (row number as in a spreadsheet,
    {column: value}, whether the row has more values than the header)."""
    if len(data) > MAX_CSV_BYTES:
        raise BankError("too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BankError("encoding") from error
    if "\x00" in text:
        raise BankError("encoding")
    reader = untrusted.csv_rows(text)
    rows: list[tuple[int, dict[str, str], bool]] = []
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        if not {"md5", "sha256", "pdq"} & set(header):
            raise BankError("no_hash_column")
        for line, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= MAX_CSV_ROWS:
                raise BankError("too_many_rows")
            rows.append((line, dict(zip(header, values, strict=False)), len(values) > len(header)))
    except untrusted.Unreadable as error:
        raise BankError("unreadable") from error
    if not rows:
        raise BankError("empty")
    return rows


def _classification(raw: dict[str, str]) -> str | None:
    """The row's classification code, "" when none is given, None when it is unknown."""
    code = (raw.get("classification") or "").strip().lower()
    return code if not code or code in Classification.values else None


def parse_bank_csv(data: bytes) -> CsvResult:
    """Rows of a bank file, or the errors of its bad rows (row numbers as in a spreadsheet)."""
    result = CsvResult()
    for line, raw, too_long in hash_csv_rows(data):
        raw["quality"] = raw.get("quality") or raw.get("pdq_quality") or ""
        try:
            row = clean_hash_set(raw)
        except HashRejected as error:
            result.errors.append((line, error.message))
            continue
        classification = _classification(raw)
        if classification is None:
            result.errors.append((line, gettext("Unknown classification.")))
            continue
        if too_long:
            result.errors.append((line, gettext("This row has more values than the header.")))
            continue
        row["classification"] = classification or Classification.UNASSESSED
        row["reference"] = (raw.get("reference") or "").strip()[:100]
        result.rows.append(row)
    return result


def import_bank_csv(bank: HashBank, actor: User, data: bytes) -> CsvResult:
    """All or nothing: with any bad row, nothing is added and the errors are returned."""
    result = parse_bank_csv(data)
    if not result.errors:
        add_entries(bank, actor, result.rows)
    return result


# --- Reported images ------------------------------------------------------------------------------


def record_report_images(report: Report, hash_sets: list[dict[str, Any]]) -> list[ImageMatch]:
    """Inside the report's transaction: store the hashes and match them; the matches found
    are returned (the report's life hands them to the case, which becomes urgent)."""
    if not hash_sets:
        return []
    images = [
        ReportedImage.objects.create(
            report=report,
            organisation=report.organisation,
            md5=hashes.get("md5", ""),
            sha256=hashes.get("sha256", ""),
            pdq=hashes.get("pdq", ""),
            pdq_quality=hashes.get("quality"),
            hashed_on=hashes.get("hashed_on") or ReportedImage.HashedOn.APP,
        )
        for hashes in hash_sets[:IMAGES_PER_REPORT]
    ]
    found = match_hashes(hash_sets[:IMAGES_PER_REPORT], visible_bank_ids(report.organisation))
    return _store_matches(images, found)


def _store_matches(images: list[ReportedImage], found: list[list[BankMatch]]) -> list[ImageMatch]:
    entries = BankEntry.objects.in_bulk({match.entry_id for matches in found for match in matches})
    stored: list[ImageMatch] = []
    for image, matches in zip(images, found, strict=True):
        for match in matches:
            entry = entries.get(match.entry_id)
            stored.append(
                ImageMatch.objects.create(
                    image=image,
                    bank_id=match.bank_id,
                    entry=entry,
                    kind=match.kind,
                    distance=match.distance,
                    classification=entry.classification if entry else Classification.UNASSESSED,
                )
            )
    return stored


# --- Hotlines -------------------------------------------------------------------------------------

HOTLINE_EXPORT_COLUMNS = ["md5", "sha256", "pdq", "quality", "harm_types", "first_seen_month"]


def hotline_export_rows(organisation: Organisation) -> list[list[str]]:
    """One row per distinct image: hashes, harm classification, first month seen; no case data."""
    first_seen: dict[tuple[str, str, str], tuple[Any, int | None, set[str]]] = {}
    images = ReportedImage.objects.filter(organisation=organisation).select_related("report")
    for image in images.order_by("created_at").iterator():
        key = (image.md5, image.sha256, image.pdq)
        month, quality, harms = first_seen.get(key, (image.created_at, image.pdq_quality, set()))
        harms.update(image.report.harm_types)
        first_seen[key] = (month, quality, harms)
    return [
        [
            md5,
            sha256,
            pdq,
            "" if quality is None else str(quality),
            "|".join(sorted(harms)),
            month.strftime("%Y-%m"),
        ]
        for (md5, sha256, pdq), (month, quality, harms) in first_seen.items()
    ]


def export_audited(organisation: Organisation, actor: User, count: int) -> None:
    audit.record(
        "media.hotline_export", actor=actor, organisation=organisation, details={"rows": count}
    )


def import_hotline_answer(organisation: Organisation, actor: User, data: bytes) -> CsvResult:
    """A hotline's assessment of exported hashes: status, classification and its reference.

    All or nothing: a row naming no image of ours, or with an unknown status, is an error.
    """
    result = CsvResult()
    statuses = {value for value in ReportedImage.HotlineStatus.values if value}
    images = ReportedImage.objects.filter(organisation=organisation)
    for line, raw, _too_long in hash_csv_rows(data):
        try:
            hashes = {
                kind: clean_hex(kind, raw[kind])
                for kind in ("md5", "sha256", "pdq")
                if raw.get(kind)
            }
        except HashRejected as error:
            result.errors.append((line, error.message))
            continue
        status = (raw.get("status") or "").strip().lower()
        classification = _classification(raw)
        if status not in statuses:
            result.errors.append((line, gettext("Unknown status.")))
            continue
        if classification is None:
            result.errors.append((line, gettext("Unknown classification.")))
            continue
        ids = list(images.filter(**hashes).values_list("pk", flat=True)) if hashes else []
        if not ids:
            result.errors.append((line, gettext("No reported image has these hashes.")))
            continue
        result.rows.append(
            {
                "ids": ids,
                "status": status,
                "classification": classification,
                "reference": (raw.get("reference") or "").strip()[:100],
            }
        )
    if result.errors:
        return result
    now = timezone.now()
    with transaction.atomic():
        for row in result.rows:
            ReportedImage.objects.filter(pk__in=row["ids"]).update(
                hotline_status=row["status"],
                hotline_classification=row["classification"],
                hotline_reference=row["reference"],
                hotline_answered_at=now,
            )
        audit.record(
            "media.hotline_answer",
            actor=actor,
            organisation=organisation,
            details={"rows": len(result.rows)},
        )
    return result
