"""Interchange of the whole directory as HSDS 3.0: downloads for keepers, imports for coordinators.

An import is checked in full before anything is written; a file with problems gets them all
back as a table (row, field, why) and changes nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from digiamen.accounts.models import Membership
from digiamen.accounts.permissions import staff_required
from digiamen.directory import hsds, hsds_import, tabular
from digiamen.directory.hsds_import import HsdsImportError, Problem
from digiamen.directory.permissions import directory_keeper, is_coordinator

ZIP_MAGIC = b"PK\x03\x04"


class HsdsUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("HSDS file"),
        help_text=gettext_lazy("HSDS 3.0 JSON (.json) or a tabular data package (.zip)."),
    )


def import_file(data: bytes, membership: Membership | None) -> hsds_import.ImportSummary:
    """A zip is a tabular data package; anything else is read as JSON."""
    if data.startswith(ZIP_MAGIC):
        return tabular.import_package(data, membership=membership)
    return hsds_import.import_json(data, membership=membership)


@staff_required
def exchange_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = directory_keeper(request, org)
    may_import = is_coordinator(membership)
    form = HsdsUploadForm(request.POST or None, request.FILES or None)
    problems: list[Problem] = []
    status = 200
    if request.method == "POST":
        if not may_import:
            raise Http404
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > hsds_import.MAX_FILE_BYTES:
                status = 413
                problems = [Problem("", "", hsds_import.too_big_message())]
            else:
                try:
                    summary = import_file(upload.read(), membership)
                except HsdsImportError as error:
                    problems = error.problems
                else:
                    messages.success(
                        request,
                        _(
                            "Imported %(organisations)s organisations, %(locations)s locations "
                            "and %(services)s services."
                        )
                        % {
                            "organisations": summary.organisations,
                            "locations": summary.locations,
                            "services": summary.services,
                        },
                    )
                    return redirect("directory:exchange", org)
    context = {
        "membership": membership,
        "form": form,
        "may_import": may_import,
        "problems": problems,
        "more_problems": len(problems) >= hsds_import.MAX_PROBLEMS,
    }
    return render(request, "directory/exchange/exchange.html", context, status=status)


@staff_required
@require_GET
def exchange_download(request: HttpRequest, org: str, kind: str) -> HttpResponse:
    directory_keeper(request, org)
    stamp = timezone.localdate().isoformat()
    if kind == "json":
        response = HttpResponse(hsds.export_json(), content_type="application/json")
        name = f"directory-hsds-{stamp}.json"
    elif kind == "datapackage":
        response = HttpResponse(tabular.export_package(), content_type="application/zip")
        name = f"directory-hsds-{stamp}.zip"
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
