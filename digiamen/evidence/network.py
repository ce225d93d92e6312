"""Network aggregates: what members share, the combined cross-border table, signed HXL files.

Sharing: for every month and every shared dimension, a member's one-way table is computed
exactly as its own statistics page would (``statistics.count_table``, so only consenting
reports, and protected), and its shown cells are stored; a hidden cell is stored as NULL.
Nothing else leaves the organisation: no report, no case, no unprotected count.

Combining: a cell of the network's table (a category by country of the member) is the sum of
the members' cells for the months of the period. If any of them was hidden at its source, the
combined cell is not known and stays hidden; then the same disclosure control runs again on
the combined table with its totals, so that no small or hidden value can be worked out.

Between instances: the shared cells of this instance's members are written as an HXL-tagged
CSV whose first line carries an Ed25519 signature of the rest of the file. Importing checks the
signature against the network's trusted peers, then every row: known dimension and category
codes only, no count below the threshold, no table with a single hidden cell, totals that add
up. One error and nothing is stored.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import nacl.exceptions
import nacl.signing
import pycountry
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from digiamen.accounts.models import Organisation
from digiamen.awareness.models import AwarenessSession
from digiamen.core import crypto, places
from digiamen.core.instance_key import legacy_signing_seed as legacy_signing_seed
from digiamen.core.instance_key import parse_signing_seed as parse_signing_seed
from digiamen.core.instance_key import public_key_text as public_key_text
from digiamen.core.instance_key import signing_key as signing_key
from digiamen.core.months import month_label
from digiamen.evidence import statistics
from digiamen.evidence.disclosure import Cell, ProtectedTable, protect_extended
from digiamen.evidence.models import PeerInstance, SharedAggregate
from digiamen.evidence.statistics import DIMENSIONS, Dimension, Period, StatisticsError
from digiamen.networks.models import Network, NetworkMember

# Every dimension but the month, which is the key of each shared table; "reports" is the
# month's number of counted reports (the trend line of the network).
# Campaign codes are each organisation's own labels: a network's table of them would add up
# unrelated posters, and a peer instance would not know them.
SHARED_DIMENSIONS = [code for code in DIMENSIONS if code not in ("month", "campaign")]
# Prevention work shared within the instance's networks: sessions held, children and adults
# reached per month. Not in the aggregates file (format v1 knows no such dimension: a peer
# would refuse the whole file), but in a prevention file of its own.
AWARENESS = "awareness"
AWARENESS_VALUES = ("sessions", "children", "adults")
# The prevention work goes to peer instances in a file of its own (``export_prevention_file``).
PREVENTION_MAGIC = "Digi-Amen network prevention v1"
REPORTS = "reports"
TOTAL = "TOTAL"  # the value of a table's total cell (no category code is written so)
FILE_MAGIC = "Digi-Amen network aggregates v1"
FILE_TAGS = [
    "#meta+source",
    "#country+code",
    "#date+month",
    "#indicator+dimension",
    "#indicator+value+code",
    "#affected+children+reports",
]
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_COUNT = 100_000_000
SOURCE = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")
MAX_ERRORS_SHOWN = 20


class AggregateFileError(ValueError):
    """An aggregate file refused; ``messages`` are translated, with line numbers."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


# --- Sharing -----------------------------------------------------------------------------------


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def shared_months(today: date) -> list[date]:
    """The months a member shares and refreshes: the last ``NETWORK_MONTHS_SHARED`` (24 by
    default), this one included."""
    months = [today.replace(day=1)]
    while len(months) < int(getattr(settings, "NETWORK_MONTHS_SHARED", 24)):
        first = months[-1]
        months.append(date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1))
    return sorted(months)


def month_cells(organisation: Organisation, month: date) -> list[tuple[str, str, int | None]]:
    """(dimension, value or TOTAL, shown count or None) of one month's tables, then its
    prevention work (``AWARENESS``)."""
    chosen = Period(month, _next_month(month))
    return _report_cells(organisation, chosen) + _awareness_cells(organisation, chosen)


def _awareness_cells(organisation: Organisation, chosen: Period) -> list[tuple[str, str, int]]:
    """Sessions held and people reached in the month: the organisation's own work, shared
    as it is (no child is counted by it). None in a month without sessions."""
    held = AwarenessSession.objects.filter(
        organisation=organisation, held_on__gte=chosen.start, held_on__lt=chosen.end
    ).aggregate(
        sessions=Count("id"), children=Sum("children_reached"), adults=Sum("adults_reached")
    )
    if not held["sessions"]:
        return []
    return [(AWARENESS, key, int(held[key] or 0)) for key in AWARENESS_VALUES]


def _report_cells(organisation: Organisation, chosen: Period) -> list[tuple[str, str, int | None]]:
    cells: list[tuple[str, str, int | None]] = []
    counted = None
    for code in SHARED_DIMENSIONS:
        table = statistics.count_table(organisation, [code], chosen, every_category=True)
        counted = table.counted
        if not counted:
            return []  # a month without reports shares nothing
        height = len(table.rows)
        for index, (value, _label) in enumerate(table.rows):
            cells.append((code, value, _known(table.protected, (index, 0))))
        cells.append((code, TOTAL, _known(table.protected, (height, 0))))
    if counted:
        threshold = statistics.threshold()
        cells.append((REPORTS, TOTAL, counted if counted >= threshold else None))
    return cells


def _known(protected: ProtectedTable, cell: Cell) -> int | None:
    return None if cell in protected.hidden else protected.values[cell[0]][cell[1]]


def share(member: NetworkMember, today: date) -> int:
    """Replace the member's shared cells with fresh ones; the number of cells stored."""
    organisation = member.organisation
    months = shared_months(today)
    rows = [
        SharedAggregate(
            network=member.network,
            organisation=organisation,
            source=organisation.slug,
            country=organisation.country,
            month=month,
            dimension=dimension,
            value=value,
            count=count,
        )
        for month in months
        for dimension, value, count in month_cells(organisation, month)
    ]
    with transaction.atomic():
        withdraw(member)
        SharedAggregate.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def withdraw(member: NetworkMember) -> None:
    SharedAggregate.objects.filter(
        network=member.network, organisation=member.organisation
    ).delete()


# --- The combined table ------------------------------------------------------------------------


@dataclass
class CombinedTable:
    dimension: Dimension | None  # None: reports by month
    period: Period
    rows: list[tuple[str, str]]
    columns: list[tuple[str, str]]  # countries
    protected: ProtectedTable
    sources: int

    def cell(self, row: int, column: int) -> int | str:
        return self.protected.shown(row, column)

    def as_rows(self) -> list[tuple[str, list[int | str], int | str]]:
        width = len(self.columns)
        return [
            (label, [self.cell(i, j) for j in range(width)], self.cell(i, width))
            for i, (_code, label) in enumerate([*self.rows, ("", "")])
        ]


def _add(total: int | None, count: int | None) -> int | None:
    return None if total is None or count is None else total + count


def combined_table(network: Network, code: str, chosen: Period) -> CombinedTable:
    """The network's table of ``code`` (or "month") by country, protected again."""
    by_month = code == "month"
    if not by_month and code not in SHARED_DIMENSIONS:
        raise StatisticsError(_("This dimension is not known."))
    shared = SharedAggregate.objects.filter(
        network=network,
        dimension=REPORTS if by_month else code,
        month__gte=chosen.start,
        month__lt=chosen.end,
    ).values_list("source", "country", "month", "value", "count")
    cells: dict[tuple[str, str], int | None] = defaultdict(int)
    column_totals: dict[str, int | None] = defaultdict(int)
    sources: set[str] = set()
    for source, country, month, value, count in shared:
        sources.add(source)
        if by_month:
            key = month.strftime("%Y-%m")
            cells[(key, country)] = _add(cells[(key, country)], count)
            column_totals[country] = _add(column_totals[country], count)
        elif value == TOTAL:
            column_totals[country] = _add(column_totals[country], count)
        else:
            cells[(value, country)] = _add(cells[(value, country)], count)
    countries = sorted(column_totals)
    language = get_language() or "en"
    columns = [
        (country, places.country_name(country, language) or country) for country in countries
    ]
    if by_month:
        rows = [(month, month_label(month)) for month in chosen.months] if cells else []
    else:
        rows = DIMENSIONS[code].labels(list(dict.fromkeys(value for value, _c in cells)))
    values: list[list[int]] = []
    unknown: set[Cell] = set()
    for i, (value, _label) in enumerate(rows):
        line: list[int | None] = [cells.get((value, country), 0) for country in countries]
        total: int | None = 0
        for count in line:
            total = _add(total, count)
        line.append(total)
        values.append(_placeholders(line, i, unknown))
    bottom: list[int | None] = [column_totals[country] for country in countries]
    grand: int | None = 0
    for count in bottom:
        grand = _add(grand, count)
    bottom.append(grand)
    values.append(_placeholders(bottom, len(rows), unknown))
    threshold = statistics.threshold()
    protected = (
        protect_extended(values, threshold, unknown)
        if rows and countries
        else ProtectedTable(values=[[0]], threshold=threshold)
    )
    return CombinedTable(
        dimension=None if by_month else DIMENSIONS[code],
        period=chosen,
        rows=rows,
        columns=columns,
        protected=protected,
        sources=len(sources),
    )


def _placeholders(line: list[int | None], row: int, unknown: set[Cell]) -> list[int]:
    """The line with unknown counts replaced by 0 and recorded in ``unknown``."""
    out = []
    for column, count in enumerate(line):
        if count is None:
            unknown.add((row, column))
            out.append(0)
        else:
            out.append(count)
    return out


# --- Signed files between instances ------------------------------------------------------------


def export_file(network: Network) -> bytes:
    """The shared cells of this instance's members, signed."""
    shared = (
        SharedAggregate.objects.filter(network=network, organisation__isnull=False)
        .exclude(dimension=AWARENESS)
        .order_by("source", "month", "dimension", "value")
        .values_list("source", "country", "month", "dimension", "value", "count")
    )
    return _signed_file(FILE_MAGIC, shared)


def export_prevention_file(network: Network) -> bytes:
    """The members' prevention work (sessions, children and adults reached per month), as a
    file of its own: the aggregates file (v1) stays as every peer reads it, and a peer that
    does not know this one refuses it alone."""
    shared = (
        SharedAggregate.objects.filter(
            network=network, organisation__isnull=False, dimension=AWARENESS
        )
        .order_by("source", "month", "value")
        .values_list("source", "country", "month", "dimension", "value", "count")
    )
    return _signed_file(PREVENTION_MAGIC, shared)


def _signed_file(
    magic: str, shared: Iterable[tuple[str, str, date, str, str, int | None]]
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [_("Source"), _("Country"), _("Month"), _("Dimension"), _("Category"), _("Reports")]
    )
    writer.writerow(FILE_TAGS)
    for source, country, month, dimension, value, count in shared:
        shown = "x" if count is None else count
        writer.writerow([source, country, month.strftime("%Y-%m"), dimension, value, shown])
    body = out.getvalue().encode("utf-8")
    signature = signing_key().sign(body).signature
    first = (
        f"{magic},ed25519:{public_key_text()},"
        f"signature:{base64.b64encode(signature).decode('ascii')}\r\n"
    )
    return first.encode("ascii") + body


def parse_public_key(text: str) -> bytes:
    key = crypto.key_from_text(text)
    if key is None:
        raise AggregateFileError([_("A public key is 32 bytes written in base64.")])
    return key


def _split_signature(data: bytes) -> tuple[str, bytes, bytes, bytes]:
    """(kind, public key, signature, signed body) from a file's first line."""
    first, newline, body = data.partition(b"\n")
    parts = first.rstrip(b"\r").decode("ascii", errors="replace").split(",")
    if not newline or len(parts) != 3 or parts[0] not in (FILE_MAGIC, PREVENTION_MAGIC):
        raise AggregateFileError([_("This is not a signed aggregate file.")])
    key_text, signature_text = parts[1], parts[2]
    if not key_text.startswith("ed25519:") or not signature_text.startswith("signature:"):
        raise AggregateFileError([_("This is not a signed aggregate file.")])
    try:
        key = base64.b64decode(key_text.removeprefix("ed25519:"), validate=True)
        signature = base64.b64decode(signature_text.removeprefix("signature:"), validate=True)
    except (binascii.Error, ValueError) as error:
        raise AggregateFileError([_("The file's signature is damaged.")]) from error
    return parts[0], key, signature, body


def verify(network: Network, data: bytes) -> tuple[PeerInstance, str, str]:
    """The trusted peer that signed the file, the file's kind (its magic) and its text; or
    an error."""
    if len(data) > MAX_FILE_BYTES:
        raise AggregateFileError([_("The file is too large.")])
    kind, key, signature, body = _split_signature(data)
    peer = next(
        (peer for peer in network.peers.all() if bytes(peer.public_key) == key),
        None,
    )
    if peer is None:
        raise AggregateFileError(
            [_("The file is signed by an instance this network does not trust.")]
        )
    try:
        nacl.signing.VerifyKey(key).verify(body, signature)
    except (nacl.exceptions.BadSignatureError, ValueError) as error:
        raise AggregateFileError(
            [_("The signature does not match: the file was changed after it was signed.")]
        ) from error
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise AggregateFileError([_("The file is not UTF-8 text.")]) from error
    return peer, kind, text


@dataclass(frozen=True)
class _Row:
    source: str
    country: str
    month: date
    dimension: str
    value: str
    count: int | None


def _known_value(dimension: str, value: str) -> bool:
    if dimension == REPORTS:
        return False
    if value == "":
        return dimension in ("country", "admin1")  # not given
    if dimension == "country":
        return bool(re.fullmatch(r"[A-Z]{2}", value)) and (
            pycountry.countries.get(alpha_2=value) is not None
        )
    if dimension == "admin1":
        return places.area(value) is not None
    choices = DIMENSIONS[dimension].choices
    return choices is not None and value in {code for code, _label in choices()}


def _parse_place(line: list[str]) -> tuple[str, str, date, str, str, str] | str:
    """(source, country, month, dimension, value, count as written) of a file's row, the
    first three checked; or what is wrong with them (translated). Both kinds of file."""
    if len(line) != len(FILE_TAGS):
        return _("wrong number of columns")
    source, country, month_text, dimension, value, count_text = (cell.strip() for cell in line)
    if not SOURCE.fullmatch(source):
        return _("the source is not a short code")
    if not re.fullmatch(r"[A-Z]{2}", country) or pycountry.countries.get(alpha_2=country) is None:
        return _("unknown country code")
    try:
        month = statistics.period(month_text, month_text).start
    except StatisticsError as error:
        return error.message
    return source, country, month, dimension, value, count_text


def _parse_row(line: list[str], threshold: int) -> _Row | str:
    """The row, or what is wrong with it (translated)."""
    place = _parse_place(line)
    if isinstance(place, str):
        return place
    source, country, month, dimension, value, count_text = place
    if dimension != REPORTS and dimension not in SHARED_DIMENSIONS:
        return _("unknown dimension")
    if value != TOTAL and not _known_value(dimension, value):
        return _("unknown category for this dimension")
    if count_text == "x":
        count = None
    elif count_text.isascii() and count_text.isdigit() and int(count_text) <= MAX_COUNT:
        count = int(count_text)
        if 0 < count < threshold:
            return _("a count below %(threshold)s: the file is not protected") % {
                "threshold": threshold
            }
    else:
        return _("the count is neither a number nor “x”")
    return _Row(source, country, month, dimension, value, count)


def _parse_prevention_row(line: list[str]) -> _Row | str:
    """A row of a prevention file: the organisation's own work, counts as they are."""
    place = _parse_place(line)
    if isinstance(place, str):
        return place
    source, country, month, dimension, value, count_text = place
    if dimension != AWARENESS:
        return _("unknown dimension")
    if value not in AWARENESS_VALUES:
        return _("unknown category for this dimension")
    if not (count_text.isascii() and count_text.isdigit() and int(count_text) <= MAX_COUNT):
        return _("the count is neither a number nor “x”")
    return _Row(source, country, month, dimension, value, int(count_text))


def _check_tables(rows: Iterable[_Row]) -> list[str]:
    """Each shared table must add up and must not hide a single cell (it could be derived)."""
    tables: dict[tuple[str, date, str], list[_Row]] = defaultdict(list)
    for row in rows:
        tables[(row.source, row.month, row.dimension)].append(row)
    problems = []
    for (source, month, dimension), cells in sorted(tables.items()):
        if dimension == REPORTS:
            continue
        where = f"{source} {month:%Y-%m} {dimension}"
        totals = [row for row in cells if row.value == TOTAL]
        inner = [row for row in cells if row.value != TOTAL]
        if len(totals) != 1:
            problems.append(_("%(table)s: one total is needed") % {"table": where})
            continue
        hidden = [row for row in cells if row.count is None]
        if len(hidden) == 1:
            problems.append(
                _("%(table)s: a single hidden cell could be worked out") % {"table": where}
            )
        elif not hidden and sum(row.count or 0 for row in inner) != totals[0].count:
            problems.append(_("%(table)s: the cells do not add up to the total") % {"table": where})
    return problems


def import_file(network: Network, data: bytes) -> tuple[PeerInstance, int]:
    """Store a peer's signed aggregates (replacing its earlier ones for the same months)."""
    peer, kind, text = verify(network, data)
    prevention = kind == PREVENTION_MAGIC
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = list(reader)
    except csv.Error as error:
        raise AggregateFileError([_("The file is not a valid CSV file.")]) from error
    if len(lines) < 2 or [cell.strip() for cell in lines[1]] != FILE_TAGS:
        raise AggregateFileError([_("The file's HXL hashtag row is not the expected one.")])
    threshold = statistics.threshold()
    rows: list[_Row] = []
    errors: list[str] = []
    seen: set[tuple[str, date, str, str]] = set()
    for number, line in enumerate(lines[2:], start=4):  # the signature line is line 1
        if not any(cell.strip() for cell in line):
            continue
        parsed = _parse_prevention_row(line) if prevention else _parse_row(line, threshold)
        if isinstance(parsed, str):
            errors.append(_("Line %(line)s: %(problem)s") % {"line": number, "problem": parsed})
            continue
        key = (parsed.source, parsed.month, parsed.dimension, parsed.value)
        if key in seen:
            errors.append(
                _("Line %(line)s: %(problem)s")
                % {"line": number, "problem": _("this cell is already in the file")}
            )
            continue
        seen.add(key)
        rows.append(parsed)
    if not prevention:
        errors += _check_tables(rows)
    if errors:
        raise AggregateFileError(errors[:MAX_ERRORS_SHOWN])
    with transaction.atomic():
        for source, month in {(row.source, row.month) for row in rows}:
            earlier = SharedAggregate.objects.filter(
                network=network, peer=peer, source=f"{peer.name}/{source}", month=month
            )
            # Each file replaces its own kind: the figures, or the prevention work.
            if prevention:
                earlier = earlier.filter(dimension=AWARENESS)
            else:
                earlier = earlier.exclude(dimension=AWARENESS)
            earlier.delete()
        SharedAggregate.objects.bulk_create(
            [
                SharedAggregate(
                    network=network,
                    peer=peer,
                    source=f"{peer.name}/{row.source}",
                    country=row.country,
                    month=row.month,
                    dimension=row.dimension,
                    value=row.value,
                    count=row.count,
                )
                for row in rows
            ],
            batch_size=1000,
        )
    return peer, len(rows)


@dataclass
class NetworkReach:
    """Per country: sessions held, children reached, adults reached (members' own work)."""

    period: Period
    rows: list[tuple[str, list[int]]]

    @property
    def totals(self) -> list[int]:
        return [
            sum(column) for column in zip(*(counts for _label, counts in self.rows), strict=True)
        ]


def network_reach(network: Network, chosen: Period) -> NetworkReach:
    """The prevention work the network's members shared, per country, for the period."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for country, value, count in SharedAggregate.objects.filter(
        network=network, dimension=AWARENESS, month__gte=chosen.start, month__lt=chosen.end
    ).values_list("country", "value", "count"):
        if value in AWARENESS_VALUES:
            found[country][AWARENESS_VALUES.index(value)] += count or 0
    language = get_language() or "en"
    rows = sorted(
        (
            (places.country_name(country, language) or country, counts)
            for country, counts in found.items()
        ),
    )
    return NetworkReach(period=chosen, rows=rows)
