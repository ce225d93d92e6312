"""The case page's weight on the wire (issue #20): at most 60 KB compressed, the page with
everything it loads (its stylesheet and scripts), for a case after a fortnight's work."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders

from digiamen.cases.tests.test_query_counts import supervisor, worked_case  # noqa: F401
from digiamen.conftest import Member, World

CASE_PAGE_MAX_BYTES = 60 * 1024


def compressed(data: bytes) -> int:
    """Bytes sent with gzip (the reverse proxy compresses pages; whitenoise the assets)."""
    return len(gzip.compress(data, compresslevel=6))


def test_a_worked_case_page_weighs_under_60_kb_compressed(
    signed_in: Any,
    world: World,
    supervisor: Member,  # noqa: F811
) -> None:
    client = signed_in(supervisor, "ar")
    case = worked_case(client, world, supervisor, notes=30)
    response = client.get(f"/ar/staff/amane/cases/{case.number}/")
    assert response.status_code == 200
    page = response.content
    assets = re.findall(rf'(?:href|src)="{re.escape(settings.STATIC_URL)}([^"]+)"', page.decode())
    assert {"core/site.css", "cases/casework.js"} <= set(assets)
    weights = {"page": compressed(page)}
    for asset in assets:
        found = finders.find(asset)
        assert found, asset
        weights[asset] = compressed(Path(str(found)).read_bytes())
    total = sum(weights.values())
    print(f"\n   case page, 30 notes, compressed: {total} bytes {weights}")
    assert total <= CASE_PAGE_MAX_BYTES
    assert len(page) > 30_000  # the case's work is there: this measures a full page
