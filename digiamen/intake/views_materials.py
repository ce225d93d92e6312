"""Leaflets and posters that bring children to the report page (``intake.materials``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from digiamen.accounts.permissions import staff_required
from digiamen.awareness import permissions
from digiamen.core.pdf import PdfUnavailable
from digiamen.intake import materials
from digiamen.intake.forms_admin import MaterialForm


@staff_required
@require_http_methods(["GET", "POST"])
def materials_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = permissions.reader(request, org)
    organisation = membership.organisation
    form = MaterialForm(organisation, request.POST or None)
    context = {"membership": membership, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = materials.Material(
            audience=data["audience"],
            size=data["size"],
            language=data["language"],
            campaign=data["campaign"],
            text_message=data["text_message"],
            black_and_white=data["black_and_white"],
        )
        try:
            pdf = materials.material_pdf(organisation, chosen)
        except PdfUnavailable:
            context["unavailable"] = True
            return render(request, "intake/materials.html", context, status=503)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"{organisation.slug}-{chosen.audience}-{chosen.size}-{chosen.language}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    status = 400 if request.method == "POST" else 200
    return render(request, "intake/materials.html", context, status=status)
