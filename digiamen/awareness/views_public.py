"""The public library: lessons for children, families, educators and leaders; no account,
no cookie, no JavaScript."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from digiamen.accounts.models import Organisation
from digiamen.awareness import lessons


def _language() -> str:
    language = get_language() or "en"
    return language if language in lessons.LANGUAGES else "en"


@require_safe
def library(request: HttpRequest) -> HttpResponse:
    return render(request, "awareness/library.html", {"catalogue": lessons.catalogue(_language())})


@require_safe
def lesson(request: HttpRequest, harm_type: str, audience: str) -> HttpResponse:
    language = _language()
    found = lessons.default_lesson(harm_type, audience, language)
    if found is None:
        raise Http404
    return render(
        request,
        "awareness/lesson.html",
        {
            "lesson": found,
            "adapted_by": lessons.organisations_with_version(harm_type, audience, language),
        },
    )


@require_safe
def organisation_lesson(
    request: HttpRequest, harm_type: str, audience: str, org: str
) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=org)
    found = lessons.published(organisation, harm_type, audience, _language())
    if found is None or not lessons.is_lesson(harm_type, audience):
        raise Http404
    return render(request, "awareness/lesson.html", {"lesson": found, "adapted_by": []})
