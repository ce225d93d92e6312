"""Coverage of the ecosystem map: the area x service-type matrix, the map, and outlines."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from digiamen.accounts.models import Membership
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.core.text import TextField
from digiamen.directory import boundaries, coverage, places, svgmap
from digiamen.directory.forms import country_choices
from digiamen.directory.models import Boundary
from digiamen.directory.permissions import COVERAGE_ROLES
from digiamen.directory.taxonomy import ServiceType

NETWORK = "network"


def coverage_member(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, COVERAGE_ROLES)


class CoverageForm(forms.Form):
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    service_type = forms.ChoiceField(
        label=gettext_lazy("Type of service on the map"),
        required=False,
        choices=ServiceType.choices,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(NETWORK, _("The whole network")), *country_choices()]
        self.fields["country"].choices = choices  # type: ignore[attr-defined]


class BoundaryUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("GeoJSON file"))
    source = TextField(
        label=gettext_lazy("Where the file comes from"), max_length=200, required=False
    )


@staff_required
@require_safe
def coverage_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = coverage_member(request, org)
    form = CoverageForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        invalid = {"membership": membership, "form": form}
        return render(request, "directory/coverage/coverage.html", invalid, status=400)
    data = form.cleaned_data if form.is_bound else {}
    country = data.get("country") or coverage.default_country(membership.organisation.country)
    service_type = data.get("service_type") or ServiceType.CHILD_HELPLINE
    context: dict[str, Any] = {
        "membership": membership,
        "form": form,
        "country": country,
        "service_type": service_type,
        "service_type_label": ServiceType(service_type).label,
        "countries": [(NETWORK, _("The whole network")), *country_choices()],
    }
    if country == NETWORK:
        context["matrix"] = coverage.network_matrix()
        context["network"] = True
    else:
        matrix = coverage.country_matrix(country)
        context["matrix"] = matrix
        outlines = list(Boundary.objects.filter(country=country).order_by("area_code"))
        if outlines:
            column = matrix.column(service_type)
            names = {row.code: row.name for row in matrix.rows}
            title = _("%(type)s in %(country)s: number of services per area") % {
                "type": ServiceType(service_type).label,
                "country": matrix.title,
            }
            context["map_svg"] = svgmap.render(outlines, column, names, title)
            context["map_title"] = title
            context["map_rows"] = [(row.name, column[row.code]) for row in matrix.rows]
            context["legend"] = svgmap.legend()
    return render(request, "directory/coverage/coverage.html", context)


@staff_required
def boundaries_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = coverage_member(request, org)
    form = BoundaryUploadForm(request.POST or None, request.FILES or None)
    status = 200
    problems: list[boundaries.Problem] = []
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > boundaries.MAX_BYTES:
                status = 413
                problems = [boundaries.Problem(None, _("The file is too large."))]
            else:
                try:
                    result = boundaries.import_boundaries(
                        upload.read(),
                        actor=current_user(request),
                        source=form.cleaned_data["source"] or upload.name or "",
                    )
                except boundaries.BoundaryImportError as error:
                    problems = error.problems
                else:
                    messages.success(
                        request,
                        _("Outlines imported for %(n)s areas.") % {"n": len(result.imported)},
                    )
                    return redirect("directory:boundaries", org)
    counts = {
        code: Boundary.objects.filter(country=code).count() for code in places.countries_in_use()
    }
    context = {
        "membership": membership,
        "form": form,
        "problems": problems,
        "counts": [(places.country_name(code), n) for code, n in counts.items() if n],
    }
    return render(request, "directory/coverage/boundaries.html", context, status=status)
