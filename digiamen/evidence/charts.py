"""Charts drawn on the server as SVG: no script, no fonts fetched, classes for the colours.

A horizontal bar chart of a protected column: a hidden value gets no bar, only its marker
("<5"), so the chart never shows more than the table beside it. In a right-to-left
page the labels sit on the right and the bars grow to the left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from digiamen.core.text import isolated

if TYPE_CHECKING:
    from digiamen.evidence.statistics import StatisticsTable

# Sized for a phone: drawn 1:1 on a 400 px screen, scaled up on wider ones.
WIDTH = 400
ROW_HEIGHT = 24
LABEL_WIDTH = 150
VALUE_WIDTH = 40


MAX_LABEL = 24  # characters that fit beside a bar on a phone; the table has the full name


def _label(text: str) -> str:
    """A label cut to fit, with the full text as its tooltip (the table beside has it too).

    Labels can be stored texts (a safeguarding area's name): each keeps its own direction
    (core/text.py), as SVG text has no <bdi>.
    """
    if len(text) <= MAX_LABEL:
        return escape(isolated(text))
    return f"{escape(isolated(text[: MAX_LABEL - 1] + '…'))}<title>{escape(isolated(text))}</title>"


def bar_chart(
    items: list[tuple[str, int | str]], *, title: str, description: str, right_to_left: bool
) -> SafeString:
    """One bar per (label, shown value); the largest shown value spans the plot."""
    if not items:
        return mark_safe("")
    largest = max([value for _label, value in items if isinstance(value, int)] + [1])
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = ROW_HEIGHT * len(items) + 8
    parts = [
        # Geometry is laid out left to right here (direction="ltr"), mirrored for a
        # right-to-left page; each label's own text still runs in its own direction.
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" direction="ltr" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(items):
        y = 4 + index * ROW_HEIGHT
        text_y = y + ROW_HEIGHT * 0.65
        length = plot * value / largest if isinstance(value, int) else 0
        shown = escape(str(value))
        if right_to_left:
            label_x, anchor = WIDTH - 4, "end"
            bar_x = WIDTH - LABEL_WIDTH - length
            value_x = bar_x - 4
            value_anchor = "end"
        else:
            label_x, anchor = 4, "start"
            bar_x = LABEL_WIDTH
            value_x = bar_x + length + 4
            value_anchor = "start"
        parts.append(
            f'<text x="{label_x}" y="{text_y:.1f}" text-anchor="{anchor}" '
            f'class="label" font-size="12">'
            f"{_label(label)}</text>"
        )
        if length:
            parts.append(
                f'<rect x="{bar_x:.1f}" y="{y + 4}" width="{length:.1f}" '
                f'height="{ROW_HEIGHT - 8}" class="bar" fill="#0b5d53"/>'
            )
        css = "value" if isinstance(value, int) else "value hidden-value"
        parts.append(
            f'<text x="{value_x:.1f}" y="{text_y:.1f}" text-anchor="{value_anchor}" '
            f'class="{css}" font-size="12">{shown}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


LINE_HEIGHT = 180
PALETTE_SIZE = 6  # series colours: CSS classes series-0 .. series-5, then again
# The same colours as attributes, for renderers without the site's CSS (the PDF brief);
# each has a contrast of at least 3:1 on white (WCAG 2.1 non-text contrast).
SERIES = ["#0b5d53", "#b3541e", "#3b5ba5", "#7a3e9d", "#6b6b00", "#a3214b"]


def line_chart(
    points: list[tuple[str, int | str]], *, title: str, description: str, right_to_left: bool
) -> SafeString:
    """A trend: one point per period, joined where both neighbours are shown.

    A hidden value breaks the line (no point, no guess); time runs from the start side of the
    page: left to right in English and French, right to left in Arabic.
    """
    if not points:
        return mark_safe("")
    shown = [value for _label, value in points if isinstance(value, int)]
    largest = max([*shown, 1])
    left, right, top, bottom = 40, 30, 20, 40
    plot_width = WIDTH - left - right
    plot_height = LINE_HEIGHT - top - bottom
    step = plot_width / max(len(points) - 1, 1)

    def x_of(index: int) -> float:
        offset = step * index if len(points) > 1 else plot_width / 2
        return WIDTH - right - offset if right_to_left else left + offset

    def y_of(value: int) -> float:
        return top + plot_height * (1 - value / largest)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {LINE_HEIGHT}" direction="ltr" role="img" '
        f'aria-labelledby="line-title line-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="line-title">{escape(title)}</title>',
        f'<desc id="line-desc">{escape(description)}</desc>',
        f'<line x1="{left}" y1="{top + plot_height}" x2="{WIDTH - right}" '
        f'y2="{top + plot_height}" class="axis" stroke="#5c5c5c"/>',
        f'<text x="{4 if not right_to_left else WIDTH - 4}" y="{top + 4}" class="value" '
        f'font-size="10" text-anchor="{"start" if not right_to_left else "end"}">'
        f"{largest}</text>",
    ]
    segments: list[list[str]] = [[]]
    for index, (label, value) in enumerate(points):
        x = x_of(index)
        if isinstance(value, int):
            segments[-1].append(f"{x:.1f},{y_of(value):.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y_of(value):.1f}" r="3" class="point" fill="#0b5d53"/>'
            )
        else:
            segments.append([])
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_height - 4}" text-anchor="middle" '
                f'class="value hidden-value" font-size="12" fill="#5c5c5c">{escape(value)}</text>'
            )
        # Label every other period: a phone-width chart has room for six or so.
        if index % 2 == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{LINE_HEIGHT - bottom + 16}" text-anchor="middle" '
                f'class="label tick" font-size="10">{escape(label)}</text>'
            )
    parts.extend(
        f'<polyline points="{" ".join(segment)}" class="line" fill="none" '
        'stroke="#0b5d53" stroke-width="2"/>'
        for segment in segments
        if len(segment) > 1
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def stacked_bar_chart(
    rows: list[tuple[str, list[int | str]]],
    series: list[str],
    *,
    title: str,
    description: str,
    right_to_left: bool,
) -> SafeString:
    """One bar per row, split into its columns' shown values; hidden parts are left out and
    the row is marked, so the bar never suggests a value the table hides."""
    if not rows or not series:
        return mark_safe("")
    totals = [sum(v for v in values if isinstance(v, int)) for _label, values in rows]
    largest = max([*totals, 1])
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    legend_height = ROW_HEIGHT * ((len(series) + 1) // 2)
    height = ROW_HEIGHT * len(rows) + 8 + legend_height
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" direction="ltr" role="img" '
        f'aria-labelledby="stack-title stack-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="stack-title">{escape(title)}</title>',
        f'<desc id="stack-desc">{escape(description)}</desc>',
    ]
    for index, (label, values) in enumerate(rows):
        y = 4 + index * ROW_HEIGHT
        text_y = y + ROW_HEIGHT * 0.65
        label_x, anchor = (WIDTH - 4, "end") if right_to_left else (4, "start")
        parts.append(
            f'<text x="{label_x}" y="{text_y:.1f}" text-anchor="{anchor}" '
            f'class="label" font-size="12">'
            f"{_label(label)}</text>"
        )
        position = 0.0
        for column, value in enumerate(values):
            if not isinstance(value, int) or value == 0:
                continue
            length = plot * value / largest
            x = WIDTH - LABEL_WIDTH - position - length if right_to_left else LABEL_WIDTH + position
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{length:.1f}" height="{ROW_HEIGHT - 8}" '
                f'class="bar series-{column % PALETTE_SIZE}" '
                f'fill="{SERIES[column % PALETTE_SIZE]}"/>'
            )
            position += length
        if any(not isinstance(value, int) for value in values):
            mark_x = (
                WIDTH - LABEL_WIDTH - position - 4 if right_to_left else LABEL_WIDTH + position + 4
            )
            parts.append(
                f'<text x="{mark_x:.1f}" y="{text_y:.1f}" '
                f'text-anchor="{"end" if right_to_left else "start"}" '
                f'class="value hidden-value" font-size="12" fill="#5c5c5c">+*</text>'
            )
    legend_top = 8 + ROW_HEIGHT * len(rows)
    anchor = "end" if right_to_left else "start"
    for column, name in enumerate(series):
        x = (column % 2) * (WIDTH / 2)
        y = legend_top + (column // 2) * ROW_HEIGHT
        box_x = WIDTH - x - 14 if right_to_left else x + 4
        text_x = box_x - 4 if right_to_left else box_x + 14
        parts.append(
            f'<rect x="{box_x:.1f}" y="{y + 6}" width="10" height="10" '
            f'class="bar series-{column % PALETTE_SIZE}" '
            f'fill="{SERIES[column % PALETTE_SIZE]}"/>'
            f'<text x="{text_x:.1f}" y="{y + 15}" text-anchor="{anchor}" '
            f'class="label" font-size="12">{_label(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def table_chart(table: StatisticsTable) -> str:
    """The chart that suits the table: a line for a trend over months, stacked bars for two
    dimensions, bars otherwise. Every chart draws only what the table shows."""
    width = len(table.columns)
    right_to_left = get_language_bidi()
    first = table.dimensions[0]
    totals = [(label, table.cell(i, width)) for i, (_code, label) in enumerate(table.rows)]
    if len(table.dimensions) == 2:
        second = table.dimensions[1]
        rows = [
            (label, [table.cell(i, j) for j in range(width)])
            for i, (_code, label) in enumerate(table.rows)
        ]
        return stacked_bar_chart(
            rows,
            [label for _code, label in table.columns],
            title=_("Reports by %(rows)s and %(columns)s")
            % {"rows": first.label, "columns": second.label},
            description=_(
                "Stacked bar chart of the table below: one bar per row, one colour per column. "
                "Hidden values are left out and marked “+*”."
            ),
            right_to_left=right_to_left,
        )
    if first.code == "month":
        # Ticks as YYYY-MM, not the table's month names: numbers only, so the same SVG reads
        # right in a PDF, where WeasyPrint would reverse Arabic words in SVG text.
        return line_chart(
            [(code, table.cell(i, width)) for i, (code, _label) in enumerate(table.rows)],
            title=_("Reports per month"),
            description=_(
                "Line chart of the totals column of the table below, one point per month. "
                "A hidden value breaks the line."
            ),
            right_to_left=right_to_left,
        )
    return bar_chart(
        totals,
        title=_("Reports by %(dimension)s") % {"dimension": first.label},
        description=_(
            "Bar chart of the totals column of the table below. Hidden values have no bar."
        ),
        right_to_left=right_to_left,
    )


# --- Charts for printing ---------------------------------------------------------------------
#
# PDFs draw their bar charts in HTML, not SVG: WeasyPrint lays SVG text out without the
# paragraph's direction, so Arabic labels came out with their letters in visual order in
# the PDF's text layer (copied, searched or read aloud backwards) and long labels ran into
# the bars. In HTML the labels are ordinary text: shaped, in logical order, wrapped in their
# own column; the bars grow from the start side of the page. Classes and widths only: the
# PDF templates hold the styles (core/templates/print_charts.css).

PRINT_LONGEST = 85  # % of the bar column the largest bar takes; its value fits beside it


def _print_width(value: int, largest: int) -> str:
    return f"{PRINT_LONGEST * value / largest:.1f}%"


def print_bar_chart(items: list[tuple[str, int | str]], *, title: str) -> SafeString:
    """One row per (label, shown value): the label, a bar, the value (a hidden value: its
    marker and no bar)."""
    if not items:
        return mark_safe("")
    largest = max([value for _label, value in items if isinstance(value, int)] + [1])
    rows = []
    for label, value in items:
        bar = (
            f'<span class="print-bar series-0" style="width: {_print_width(value, largest)}">'
            "</span>"
            if isinstance(value, int) and value
            else ""
        )
        rows.append(
            f'<tr><th scope="row">{escape(isolated(label))}</th>'
            f'<td class="print-bars">{bar}<span class="print-value">{escape(str(value))}</span>'
            "</td></tr>"
        )
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<table class="print-chart" aria-label="{escape(title)}"><tbody>{"".join(rows)}'
        "</tbody></table>"
    )


def print_stacked_bar_chart(
    rows: list[tuple[str, list[int | str]]], series: list[str], *, title: str
) -> SafeString:
    """One row per table row, its bar split into the columns' shown values (hidden parts
    left out, the row marked "+*"), and a legend of the columns' colours."""
    if not rows or not series:
        return mark_safe("")
    totals = [sum(v for v in values if isinstance(v, int)) for _label, values in rows]
    largest = max([*totals, 1])
    lines = []
    for label, values in rows:
        parts = "".join(
            f'<span class="print-bar series-{column % PALETTE_SIZE}" '
            f'style="width: {_print_width(value, largest)}"></span>'
            for column, value in enumerate(values)
            if isinstance(value, int) and value
        )
        hidden = any(not isinstance(value, int) for value in values)
        mark = '<span class="print-value hidden-value">+*</span>' if hidden else ""
        lines.append(
            f'<tr><th scope="row">{escape(isolated(label))}</th>'
            f'<td class="print-bars">{parts}{mark}</td></tr>'
        )
    legend = "".join(
        f'<li><span class="print-swatch series-{column % PALETTE_SIZE}"></span> '
        f"{escape(isolated(name))}</li>"
        for column, name in enumerate(series)
    )
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<table class="print-chart" aria-label="{escape(title)}"><tbody>{"".join(lines)}'
        f'</tbody></table><ul class="print-legend">{legend}</ul>'
    )


def print_table_chart(table: StatisticsTable) -> str:
    """``table_chart`` for a PDF: the same choice of chart, bars drawn in HTML."""
    first = table.dimensions[0]
    if first.code == "month" and len(table.dimensions) == 1:
        return table_chart(table)  # a line over months: its only labels are numbers
    width = len(table.columns)
    if len(table.dimensions) == 2:
        return print_stacked_bar_chart(
            [
                (label, [table.cell(i, j) for j in range(width)])
                for i, (_code, label) in enumerate(table.rows)
            ],
            [label for _code, label in table.columns],
            title=_("Reports by %(rows)s and %(columns)s")
            % {"rows": first.label, "columns": table.dimensions[1].label},
        )
    return print_bar_chart(
        [(label, table.cell(i, width)) for i, (_code, label) in enumerate(table.rows)],
        title=_("Reports by %(dimension)s") % {"dimension": first.label},
    )
