"""The statistics page: a protected table of the organisation's reports, with its chart."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from digiamen.accounts.permissions import staff_required
from digiamen.evidence import charts, statistics
from digiamen.evidence.forms import StatisticsForm
from digiamen.evidence.permissions import statistics_reader
from digiamen.evidence.statistics import StatisticsError


def _chart(table: statistics.StatisticsTable) -> str:
    """A bar per row, of the row totals (what the table's last column shows)."""
    width = len(table.columns)
    items = [(label, table.cell(i, width)) for i, (_code, label) in enumerate(table.rows)]
    title = _("Reports by %(dimension)s") % {"dimension": table.dimensions[0].label}
    description = _("Bar chart of the totals column of the table below. Hidden values have no bar.")
    return charts.bar_chart(
        items, title=title, description=description, right_to_left=get_language_bidi()
    )


@staff_required
def statistics_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = statistics_reader(request, org)
    form = StatisticsForm(request.GET or None)
    context: dict[str, Any] = {"membership": membership, "form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "evidence/statistics.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {"rows": "harm_type"}
    codes = [code for code in (data.get("rows"), data.get("columns")) if code]
    try:
        chosen = statistics.period(data.get("start", ""), data.get("end", ""))
        table = statistics.count_table(membership.organisation, codes, chosen)
    except StatisticsError as error:
        form.add_error(None, error.message)
        return render(request, "evidence/statistics.html", context, status=400)
    context.update(
        table=table,
        chart=_chart(table),
        excluded_percent=round(table.excluded_share * 100),
        multi=any(dimension.multi for dimension in table.dimensions),
    )
    return render(request, "evidence/statistics.html", context)
