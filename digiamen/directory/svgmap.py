"""A choropleth map of coverage drawn on the server as SVG: no script, no tiles, no fonts.

Each area is filled by how many services of the chosen type cover it, in four bands (none, 1,
2-3, 4 or more); the page puts the same numbers in a table beside the map, so the map adds
shape, never information only it holds. Patterns are not needed for colour blindness because
every band also differs in lightness.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from digiamen.core.text import isolated
from digiamen.directory.models import Boundary

WIDTH = 600
PADDING = 8


def band(count: int) -> str:
    if count <= 0:
        return "gap"
    if count == 1:
        return "one"
    if count <= 3:
        return "few"
    return "many"


def legend() -> list[tuple[str, str]]:
    return [
        ("gap", _("no service: a gap")),
        ("one", _("1 service")),
        ("few", _("2 to 3 services")),
        ("many", _("4 services or more")),
    ]


def _points(boundaries: Iterable[Boundary]) -> list[tuple[float, float]]:
    return [
        (float(x), float(y))
        for boundary in boundaries
        for polygon in boundary.geometry["coordinates"]
        for ring in polygon
        for x, y, *_rest in ring
    ]


def render(
    boundaries: list[Boundary], counts: dict[str, int], names: dict[str, str], title: str
) -> SafeString:
    """The SVG for these outlines; empty if there are none."""
    points = _points(boundaries)
    if not points:
        return mark_safe("")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    middle = (min(ys) + max(ys)) / 2
    squeeze = math.cos(math.radians(middle))
    span_x = max((max(xs) - min(xs)) * squeeze, 1e-6)
    span_y = max(max(ys) - min(ys), 1e-6)
    scale = (WIDTH - 2 * PADDING) / max(span_x, span_y)
    height = int(span_y * scale + 2 * PADDING)
    width = int(span_x * scale + 2 * PADDING)

    def project(x: float, y: float) -> str:
        px = PADDING + (x - min(xs)) * squeeze * scale
        py = PADDING + (max(ys) - y) * scale
        return f"{px:.1f},{py:.1f}"

    shapes = []
    for boundary in sorted(boundaries, key=lambda b: b.area_code):
        code = boundary.area_code
        count = counts.get(code, 0)
        path = " ".join(
            "M" + " L".join(project(x, y) for x, y, *_rest in ring) + " Z"
            for polygon in boundary.geometry["coordinates"]
            for ring in polygon
        )
        label = f"{isolated(names.get(code, code))}: {count}"  # an area an admin may have named
        shapes.append(
            f'<path class="area {band(count)}" d="{path}"><title>{escape(label)}</title></path>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="map-title" class="coverage-map">'
        f'<title id="map-title">{escape(title)}</title>{"".join(shapes)}</svg>'
    )
    return mark_safe(svg)  # noqa: S308 - every text inside is escaped above
