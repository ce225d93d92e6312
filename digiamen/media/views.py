"""Hash banks and the exchange of hashes with hotlines (staff pages)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digiamen.accounts.permissions import current_user, staff_required
from digiamen.core.uploads import upload_refused
from digiamen.core.views import form_page_status
from digiamen.media import actions
from digiamen.media.forms import BankForm, CsvForm, EntryForm
from digiamen.media.models import HashBank, ReportedImage
from digiamen.media.permissions import bank_manager, own_bank, own_entry
from digiamen.networks.models import Network

ENTRIES_SHOWN = 100


def _read_upload(request: HttpRequest, form: CsvForm) -> bytes | None:
    if upload_refused(request):
        form.add_error("file", str(actions.BankError.messages["too_large"]))
        return None
    if not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    if upload.size > actions.MAX_CSV_BYTES:
        form.add_error("file", str(actions.BankError.messages["too_large"]))
        return None
    return bytes(upload.read())


@staff_required
@require_http_methods(["GET", "POST"])
def banks(request: HttpRequest, org: str) -> HttpResponse:
    membership = bank_manager(request, org)
    networks = Network.objects.of(membership.organisation)
    form = BankForm(request.POST or None, networks=networks)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                bank = actions.create_bank(
                    membership.organisation,
                    current_user(request),
                    name=form.cleaned_data["name"],
                    source=form.cleaned_data["source"],
                    network=form.cleaned_data["network"],
                )
            except actions.BankError as error:
                form.add_error("name", error.message)
            else:
                messages.success(request, _("The bank was created."))
                return redirect("media:bank", org, bank.pk)
        status = 400
    own = membership.organisation.hash_banks.annotate(entry_count=Count("entries"))
    shared = (
        HashBank.objects.filter(network__in=networks, is_enabled=True)
        .exclude(organisation=membership.organisation)
        .select_related("organisation", "network")
    )
    return render(
        request,
        "media/banks.html",
        {"membership": membership, "banks": own, "shared": shared, "form": form},
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def bank(request: HttpRequest, org: str, bank_id: int) -> HttpResponse:
    membership = bank_manager(request, org)
    chosen = own_bank(membership, bank_id)
    actor = current_user(request)
    operation = request.POST.get("operation", "")
    entry_form = EntryForm(request.POST if operation == "add" else None)
    csv_form = CsvForm(
        request.POST if operation == "import" else None,
        request.FILES if operation == "import" else None,
    )
    errors: list[tuple[int, str]] = []
    status = form_page_status(request)  # an unknown operation is not carried out either
    if operation in ("enable", "disable"):
        actions.set_bank_enabled(chosen, actor, enabled=operation == "enable")
        messages.success(request, _("Saved."))
        return redirect("media:bank", org, chosen.pk)
    if operation == "add":
        if entry_form.is_valid():
            actions.add_entries(chosen, actor, [entry_form.cleaned_data["row"]])
            messages.success(request, _("The hash was added."))
            return redirect("media:bank", org, chosen.pk)
        status = 400
    if operation == "import":
        data = _read_upload(request, csv_form)
        if data is not None:
            try:
                result = actions.import_bank_csv(chosen, actor, data)
            except actions.BankError as error:
                csv_form.add_error("file", error.message)
            else:
                if not result.errors:
                    messages.success(
                        request,
                        _("%(count)s hashes were added.") % {"count": len(result.rows)},
                    )
                    return redirect("media:bank", org, chosen.pk)
                errors = result.errors
        status = 400
    entries = chosen.entries.all()[:ENTRIES_SHOWN]
    return render(
        request,
        "media/bank.html",
        {
            "membership": membership,
            "bank": chosen,
            "entries": entries,
            "entry_count": chosen.entries.count(),
            "entry_form": entry_form,
            "csv_form": csv_form,
            "errors": errors[: actions.MAX_ERRORS_SHOWN],
            "more_errors": len(errors) > actions.MAX_ERRORS_SHOWN,
        },
        status=status,
    )


@staff_required
@require_POST
def entry(request: HttpRequest, org: str, bank_id: int, entry_id: int) -> HttpResponse:
    membership = bank_manager(request, org)
    chosen = own_entry(own_bank(membership, bank_id), entry_id)
    actor = current_user(request)
    operation = request.POST.get("operation", "")
    if operation == "remove":
        actions.remove_entry(chosen, actor)
        messages.success(request, _("The hash was removed."))
    elif operation in ("enable", "disable"):
        actions.set_entry_enabled(chosen, actor, enabled=operation == "enable")
        messages.success(request, _("Saved."))
    return redirect("media:bank", org, bank_id)


@staff_required
@require_http_methods(["GET", "POST"])
def hotline(request: HttpRequest, org: str) -> HttpResponse:
    membership = bank_manager(request, org)
    form = CsvForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str]] = []
    status = 200
    if request.method == "POST":
        data = _read_upload(request, form)
        if data is not None:
            try:
                result = actions.import_hotline_answer(
                    membership.organisation, current_user(request), data
                )
            except actions.BankError as error:
                form.add_error("file", error.message)
            else:
                if not result.errors:
                    messages.success(
                        request,
                        _("%(count)s answers were recorded.") % {"count": len(result.rows)},
                    )
                    return redirect("media:hotline", org)
                errors = result.errors
        status = 400
    images = ReportedImage.objects.filter(organisation=membership.organisation)
    return render(
        request,
        "media/hotline.html",
        {
            "membership": membership,
            "form": form,
            "errors": errors[: actions.MAX_ERRORS_SHOWN],
            "more_errors": len(errors) > actions.MAX_ERRORS_SHOWN,
            "image_count": images.count(),
            "answered_count": images.exclude(hotline_status="").count(),
            "statuses": ReportedImage.HotlineStatus.choices[1:],
        },
        status=status,
    )


@staff_required
@require_GET
def hotline_export(request: HttpRequest, org: str) -> HttpResponse:
    membership = bank_manager(request, org)
    rows = actions.hotline_export_rows(membership.organisation)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(actions.HOTLINE_EXPORT_COLUMNS)
    writer.writerows(rows)
    actions.export_audited(membership.organisation, current_user(request), len(rows))
    response = HttpResponse(buffer.getvalue().encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hashes-{org}.csv"'
    return response
