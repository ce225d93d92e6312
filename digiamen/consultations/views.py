"""Staff pages of consultations: the list, writing one, its page with its results (which
prints as a brief), publishing and closing it, and the children's few words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from digiamen.accounts.models import Membership
from digiamen.accounts.permissions import staff_required
from digiamen.consultations import actions, odk, results
from digiamen.consultations.forms import ConsultationForm
from digiamen.consultations.models import Consultation, Response
from digiamen.consultations.permissions import WORDS_READERS, editor, words_reader
from digiamen.core.pdf import PdfUnavailable, render_pdf
from digiamen.core.text import isolated
from digiamen.core.views import form_page_status
from digiamen.evidence import charts
from digiamen.networks.models import Network


def _consultation(membership: Membership, code: str, *, shared: bool = False) -> Consultation:
    """The organisation's own consultation; with ``shared``, also one of a network it
    belongs to (its tables only: writing, publishing and the words stay with its owner)."""
    scope = Q(organisation=membership.organisation)
    if shared:
        scope |= Q(network__in=Network.objects.of(membership.organisation).values("pk"))
    found = (
        Consultation.objects.filter(scope, code=code)
        .exclude(~Q(organisation=membership.organisation), status=Consultation.Status.DRAFT)
        .select_related("organisation", "network")
        .first()
    )
    if found is None:
        raise Http404
    return found


# A network's consultation is seen by its members once children can answer it.
SHARED_STATUSES = (Consultation.Status.PUBLISHED, Consultation.Status.CLOSED)


@staff_required
@require_safe
def consultation_list(request: HttpRequest, org: str) -> HttpResponse:
    membership = editor(request, org)
    networks = Network.objects.of(membership.organisation).values("pk")
    consultations = (
        Consultation.objects.filter(
            Q(organisation=membership.organisation)
            | Q(network__in=networks, status__in=SHARED_STATUSES)
        )
        .select_related("network")
        .annotate(answered=Count("responses"))
    )
    language = get_language() or "en"
    rows = [(c, c.title_in(language), actions.is_open(c)) for c in consultations]
    return render(request, "consultations/list.html", {"membership": membership, "rows": rows})


def _edit(
    request: HttpRequest, membership: Membership, consultation: Consultation | None
) -> HttpResponse:
    if consultation is not None and consultation.status != Consultation.Status.DRAFT:
        messages.error(request, _("A published consultation cannot be changed."))
        return redirect("consultations:detail", membership.organisation.slug, consultation.code)
    form = ConsultationForm(
        membership.organisation,
        membership.role,
        request.POST if request.method == "POST" else None,
        consultation=consultation,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_draft(
                membership.organisation, request.user, form.draft(), consultation
            )
        except actions.ConsultationRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The consultation is saved as a draft."))
            return redirect("consultations:detail", membership.organisation.slug, saved.code)
    return render(
        request,
        "consultations/edit.html",
        {"membership": membership, "form": form, "consultation": consultation},
        status=form_page_status(request),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def new_consultation(request: HttpRequest, org: str) -> HttpResponse:
    return _edit(request, editor(request, org), None)


@staff_required
@require_http_methods(["GET", "POST"])
def edit_consultation(request: HttpRequest, org: str, consultation_code: str) -> HttpResponse:
    membership = editor(request, org)
    return _edit(request, membership, _consultation(membership, consultation_code))


def _context(
    request: HttpRequest, membership: Membership, consultation: Consultation
) -> dict[str, Any]:
    language = get_language() or "en"
    breakdown = request.GET.get("by", "age_band")
    return {
        "membership": membership,
        "consultation": consultation,
        "title": consultation.title_in(language),
        "introduction": consultation.introduction_in(language),
        "questions": [
            (q, q.text(language), q.choice_texts(language)) for q in consultation.asked()
        ],
        "is_open": actions.is_open(consultation),
        "countries": actions.countries_of(consultation),
        "results": results.results(consultation, breakdown),
        "breakdowns": list(results.BREAKDOWNS.items()),
        "channels": dict(
            Response.objects.filter(consultation=consultation)
            .values_list("channel")
            .annotate(n=Count("pk"))
            .values_list("channel", "n")
        ),
        "form_id": odk.form_id(consultation),
        "owned": consultation.organisation_id == membership.organisation_id,
        "reads_words": membership.role in WORDS_READERS
        and consultation.organisation_id == membership.organisation_id,
    }


@staff_required
@require_safe
def consultation_page(request: HttpRequest, org: str, consultation_code: str) -> HttpResponse:
    membership = editor(request, org)
    consultation = _consultation(membership, consultation_code, shared=True)
    return render(request, "consultations/detail.html", _context(request, membership, consultation))


@staff_required
@require_safe
def results_pdf(request: HttpRequest, org: str, consultation_code: str) -> HttpResponse:
    membership = editor(request, org)
    consultation = _consultation(membership, consultation_code, shared=True)
    context = _context(request, membership, consultation)
    context.update(language=get_language(), direction="rtl" if get_language_bidi() else "ltr")
    found: results.Results = context["results"]
    # Each question's answers in all, drawn for the reader of the printed brief (a hidden
    # total gets its marker and no bar, as in the table).
    context["charted"] = [
        (
            table,
            charts.print_bar_chart(
                [
                    (label, table.protected.shown(len(table.rows), j))
                    for j, label in enumerate(table.columns)
                ],
                # A stored text: isolated (FSI/PDI), as WeasyPrint knows no <bdi>.
                title=isolated(table.title),
            ),
        )
        for table in found.tables
    ]
    try:
        data = render_pdf(render_to_string("consultations/brief.html", context, request))
    except PdfUnavailable:
        messages.error(request, _("The PDF brief cannot be made on this server yet."))
        return redirect("consultations:detail", org, consultation_code)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="consultation-{consultation.code}.pdf"'
    return response


def _act(
    request: HttpRequest,
    org: str,
    consultation_code: str,
    act: Callable[[Consultation, Any], None],
    done: str,
) -> HttpResponse:
    membership = editor(request, org)
    consultation = _consultation(membership, consultation_code)
    try:
        act(consultation, request.user)
    except actions.ConsultationRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)
    return redirect("consultations:detail", org, consultation_code)


@staff_required
@require_POST
def publish(request: HttpRequest, org: str, consultation_code: str) -> HttpResponse:
    return _act(
        request, org, consultation_code, actions.publish, _("The consultation is published.")
    )


@staff_required
@require_POST
def close(request: HttpRequest, org: str, consultation_code: str) -> HttpResponse:
    return _act(
        request,
        org,
        consultation_code,
        actions.close,
        _("The consultation is closed: no more answers are taken."),
    )


@staff_required
@require_safe
def words(request: HttpRequest, org: str, consultation_code: str) -> HttpResponse:
    membership = words_reader(request, org)
    consultation = _consultation(membership, consultation_code)
    read = results.words(request, consultation)
    return render(
        request,
        "consultations/words.html",
        {"membership": membership, "consultation": consultation, "read": read},
    )
