"""Exports of a protected table: CSV, XLSX and HXL-tagged CSV.

Each export is written from a ``StatisticsTable``, whose cells are already protected; nothing
here reads reports, so no export can hold a small count, a free text or a case id. Labels are
the project's own category names and place names, never text someone typed.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from digiamen.evidence.accountability import PlatformReport
from digiamen.evidence.prevention import ReachTable
from digiamen.evidence.statistics import Dimension, StatisticsTable

# HXL hashtags and attributes per dimension (https://hxlstandard.org/standard/dictionary/).
HXL_TAGS: dict[str, str] = {
    "harm_type": "#indicator+harm",
    "platform": "#indicator+platform",
    "age_band": "#group+age",
    "sex": "#group+sex",
    "disability": "#group+disability",
    "country": "#country",
    "admin1": "#adm1",
    "locality": "#loc+type",
    "reporter_type": "#group+reporter",
    "channel": "#meta+channel",
    "perpetrator": "#group+perpetrator",
    "month": "#date+month",
    "campaign": "#meta+campaign",
}
HXL_COUNT = "#affected+children+reports"


def _names(dimension: Dimension, values: list[tuple[str, str]]) -> list[str]:
    """Labels for a spreadsheet: months stay YYYY-MM there (they sort and filter as data),
    where the page and the PDF name them."""
    return [code if dimension.code == "month" else label for code, label in values]


def _header(table: StatisticsTable) -> list[str]:
    # One column: its count is the row's total already, not shown twice.
    total = [_("Total")] if len(table.columns) > 1 else []
    columns = (
        _names(table.dimensions[-1], table.columns)
        if len(table.dimensions) == 2
        else [label for _code, label in table.columns]
    )
    return [str(table.dimensions[0].label), *columns, *total]


def _body(table: StatisticsTable) -> list[list[Any]]:
    rows = []
    row_names = _names(table.dimensions[0], table.rows)
    for index, (_label, cells, total) in enumerate(table.as_rows()):
        first = row_names[index] if index < len(table.rows) else _("Total")
        rows.append([first, *cells, *([total] if len(table.columns) > 1 else [])])
    return rows


def _about(table: StatisticsTable) -> list[str]:
    months = table.period.months
    return [
        _("Period: %(start)s to %(end)s") % {"start": months[0], "end": months[-1]},
        _("Reports counted: %(counted)s; left out (no consent to statistics): %(excluded)s")
        % {"counted": table.counted, "excluded": table.excluded},
        legend(table.protected.threshold),
    ]


def legend(threshold: int) -> str:
    """What "<5" means, for the page and every export."""
    return _(
        "“<%(threshold)s” is a hidden count: either from 1 to %(threshold)s minus one, or "
        "hidden so that such a count cannot be worked out from the totals."
    ) % {"threshold": threshold}


def as_csv(table: StatisticsTable) -> bytes:
    """The table as on the page, then the notes; UTF-8 with a BOM so spreadsheets read Arabic."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_header(table))
    writer.writerows(_body(table))
    writer.writerow([])
    for line in _about(table):
        writer.writerow([line])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(table: StatisticsTable, *, right_to_left: bool) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = _("Statistics")[:31]
    sheet.sheet_view.rightToLeft = right_to_left
    sheet.append(_header(table))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _body(table):
        sheet.append(row)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.append([])
    for line in _about(table):
        sheet.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_hxl(table: StatisticsTable) -> bytes:
    """One line per cell (long format), with an HXL hashtag row under the header.

    Totals are left out: a machine can add up what it needs, and a reader of the file learns
    nothing the page does not show.
    """
    dimensions = table.dimensions
    header: list[str] = []
    tags: list[str] = []
    code = _("code")
    for dimension in dimensions:
        tag = HXL_TAGS[dimension.code]
        header += [f"{dimension.label} ({code})", str(dimension.label)]
        tags += [f"{tag}+code", f"{tag}+name"]
    header.append(_("Reports"))
    tags.append(HXL_COUNT)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow(tags)
    for i, (row_code, row_label) in enumerate(table.rows):
        for j, (column_code, column_label) in enumerate(table.columns):
            line: list[Any] = [row_code, row_label]
            if len(dimensions) == 2:
                line += [column_code, column_label]
            writer.writerow([*line, table.cell(i, j)])
    return out.getvalue().encode("utf-8")


def transparency_csv(report: PlatformReport) -> bytes:
    """The platform accountability report: the period per platform, then month by month."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("Platform"),
            _("Month"),
            _("Requests"),
            _("Answered (%)"),
            _("Removed (%)"),
            _("Median hours to removal"),
            _("Hours to removal, 90th percentile"),
        ]
    )
    everything = _("Whole period")
    for _code, label, figures, months in report.platforms:
        for month, month_figures in [(everything, figures), *months.items()]:
            shown = month_figures.shown(report.threshold)
            writer.writerow(
                [
                    label,
                    month,
                    shown["requests"],
                    *("" if shown[key] is None else shown[key] for key in TRANSPARENCY_FIGURES),
                ]
            )
    writer.writerow([])
    period = report.period.months
    writer.writerow([_("Period: %(start)s to %(end)s") % {"start": period[0], "end": period[-1]}])
    writer.writerow(
        [
            _(
                "Counts below %(threshold)s are shown as “<%(threshold)s”; rates and hours need at "
                "least %(threshold)s requests or removals."
            )
            % {"threshold": report.threshold}
        ]
    )
    return out.getvalue().encode("utf-8-sig")


TRANSPARENCY_FIGURES = ["answered_percent", "removed_percent", "median_hours", "p90_hours"]


# Prevention beside reporting (``prevention.reach_table``): the HXL hashtags of its columns.
PREVENTION_HXL = [
    ("sessions", "#activity+awareness"),
    ("children", "#reached+children"),
    ("adults", "#reached+adults"),
    ("through", "#affected+children+reports+campaign"),
    ("other", "#affected+children+reports+other"),
    ("received", "#affected+children+reports"),
]


def prevention_hxl(table: ReachTable) -> bytes:
    """One line per month or area: sessions and people reached (as they are), and the report
    counts as protected on the page; no totals line."""
    place = HXL_TAGS["month" if table.grouping == "month" else "admin1"]
    code = _("code")
    label = _("Month") if table.grouping == "month" else _("Area")
    header = [
        f"{label} ({code})",
        str(label),
        _("Sessions"),
        _("Children reached"),
        _("Adults reached"),
        _("Reports through a campaign"),
        _("Other reports"),
        _("Reports received"),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow([f"{place}+code", f"{place}+name", *(tag for _key, tag in PREVENTION_HXL)])
    rows = table.as_rows()[:-1]
    for (row_code, _label), (row_label, activity, cells, total) in zip(
        table.rows, rows, strict=True
    ):
        name = row_code if table.grouping == "month" else row_label
        writer.writerow([row_code, name, *activity, *cells, total])
    return out.getvalue().encode("utf-8")
