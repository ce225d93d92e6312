"""Charts drawn on the server as SVG: no script, no fonts fetched, classes for the colours.

A horizontal bar chart of a protected column: a hidden value gets no bar, only its marker
("<5" or "x"), so the chart never shows more than the table beside it. In a right-to-left
page the labels sit on the right and the bars grow to the left.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Sized for a phone: drawn 1:1 on a 400 px screen, scaled up on wider ones.
WIDTH = 400
ROW_HEIGHT = 24
LABEL_WIDTH = 150
VALUE_WIDTH = 40


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
            f'<text x="{label_x}" y="{text_y:.1f}" text-anchor="{anchor}" class="label">'
            f"{escape(label)}</text>"
        )
        if length:
            parts.append(
                f'<rect x="{bar_x:.1f}" y="{y + 4}" width="{length:.1f}" '
                f'height="{ROW_HEIGHT - 8}" class="bar"/>'
            )
        css = "value" if isinstance(value, int) else "value hidden-value"
        parts.append(
            f'<text x="{value_x:.1f}" y="{text_y:.1f}" text-anchor="{value_anchor}" '
            f'class="{css}">{shown}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
