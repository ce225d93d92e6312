"""The statistics page (a protected table with its chart) and its exports."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from digiamen.accounts.models import Membership
from digiamen.accounts.permissions import staff_required
from digiamen.evidence import brief, charts, exports, statistics
from digiamen.evidence.forms import StatisticsForm
from digiamen.evidence.permissions import statistics_reader
from digiamen.evidence.statistics import StatisticsError

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "hxl": ("text/csv; charset=utf-8", "hxl.csv"),
    "pdf": ("application/pdf", "pdf"),
}


def _table(
    request: HttpRequest, membership: Membership
) -> tuple[StatisticsForm, statistics.StatisticsTable | None]:
    """The form and its protected table; no table when the request is not valid."""
    form = StatisticsForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {"rows": "harm_type"}
    codes = [code for code in (data.get("rows"), data.get("columns")) if code]
    try:
        chosen = statistics.period(data.get("start", ""), data.get("end", ""))
        return form, statistics.count_table(membership.organisation, codes, chosen)
    except StatisticsError as error:
        form.add_error(None, error.message)
        return form, None


@staff_required
@require_GET
def statistics_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = statistics_reader(request, org)
    form, table = _table(request, membership)
    context: dict[str, Any] = {"membership": membership, "form": form}
    if table is None:
        return render(request, "evidence/statistics.html", context, status=400)
    context.update(
        table=table,
        chart=charts.table_chart(table),
        excluded_percent=round(table.excluded_share * 100),
        multi=any(dimension.multi for dimension in table.dimensions),
        query=request.GET.urlencode(),
        legend=exports.legend(table.protected.threshold),
    )
    return render(request, "evidence/statistics.html", context)


@staff_required
@require_GET
def statistics_export(request: HttpRequest, org: str, kind: str) -> HttpResponse:
    membership = statistics_reader(request, org)
    if kind not in EXPORTS:
        raise Http404
    form, table = _table(request, membership)
    if table is None:
        context = {"membership": membership, "form": form}
        return render(request, "evidence/statistics.html", context, status=400)
    if kind == "csv":
        data = exports.as_csv(table)
    elif kind == "xlsx":
        data = exports.as_xlsx(table, right_to_left=get_language_bidi())
    elif kind == "hxl":
        data = exports.as_hxl(table)
    else:
        try:
            data = brief.brief_pdf(membership.organisation, table.period, table)
        except brief.BriefUnavailable:
            form.add_error(None, _("The PDF brief cannot be made on this server yet."))
            context = {"membership": membership, "form": form}
            return render(request, "evidence/statistics.html", context, status=503)
    content_type, extension = EXPORTS[kind]
    codes = "-".join(dimension.code for dimension in table.dimensions)
    name = f"statistics-{codes}-{timezone.localdate().isoformat()}.{extension}"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
