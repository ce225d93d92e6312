"""The children's side: the open consultations and one consultation's questions. No account,
no cookie, no JavaScript; a post from another website is refused; the thank-you page offers
the way to tell us and the helplines when the words say something may be hurting the child."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from digiamen.consultations import actions
from digiamen.consultations.forms import AnswerForm
from digiamen.consultations.models import Consultation, Response
from digiamen.core.clients import RateLimit, client_pseudonym
from digiamen.intake.flow import message_page
from digiamen.intake.helplines import helplines_for
from digiamen.intake.views import forbidden_origin, is_cross_site


def _answers_from_here() -> RateLimit:
    return RateLimit("consultation-answers", settings.CONSULTATION_ANSWERS_PER_CLIENT_HOUR, 3600)


def _language(consultation: Consultation) -> str:
    language = get_language() or "ar"
    languages = consultation.languages or ["ar"]
    return language if language in languages else languages[0]


@require_safe
def open_list(request: HttpRequest) -> HttpResponse:
    language = get_language() or "ar"
    rows = [
        (
            consultation,
            consultation.title_in(language),
            actions.country_names(consultation, language),
        )
        for consultation in actions.open_consultations()
    ]
    return render(request, "consultations/public_list.html", {"rows": rows})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, consultation_code: str) -> HttpResponse:
    consultation = (
        Consultation.objects.filter(code=consultation_code.upper())
        .exclude(status=Consultation.Status.DRAFT)
        .select_related("organisation")
        .first()
    )
    if consultation is None:
        raise Http404
    if not actions.is_open(consultation):
        return message_page(
            request,
            _("Have your say"),
            _("This consultation is closed: answers are no longer taken. Thank you."),
            410 if request.method == "GET" else 400,
        )
    language = _language(consultation)
    if request.method == "POST" and _answers_from_here().exceeded(client_pseudonym(request)):
        return message_page(
            request,
            _("Have your say"),
            _("Many answers were sent from this connection in the last hour. Try again later."),
            429,
        )
    form = AnswerForm(consultation, language, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if is_cross_site(request):
            return forbidden_origin(request)
        status = 400
        if form.is_valid():
            try:
                given = form.given()
                actions.answer(consultation, given, channel=Response.Channel.WEB)
            except actions.ConsultationRefused as refused:
                form.add_error(None, str(refused))
            else:
                _answers_from_here().hit(client_pseudonym(request))
                return render(
                    request,
                    "consultations/thanks.html",
                    {
                        "harm": given.harm_mentioned,
                        "helplines": helplines_for(consultation.organisation.country),
                        "language": language,
                    },
                )
    return render(
        request,
        "consultations/answer.html",
        {
            "consultation": consultation,
            "form": form,
            "title": consultation.title_in(language),
            "introduction": consultation.introduction_in(language),
            "language": language,
        },
        status=status,
    )
