"""The prevention pages: campaigns and sessions at a glance, a new campaign code, a session
held."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from digiamen.accounts.permissions import current_user, staff_required
from digiamen.awareness import actions, lessons, permissions
from digiamen.awareness.forms import CampaignForm, LessonForm, SessionForm
from digiamen.awareness.models import AwarenessSession, Campaign, LessonVersion
from digiamen.core.taxonomy import HarmType

RECENT_SESSIONS = 50


@staff_required
@require_safe
def overview(request: HttpRequest, org: str) -> HttpResponse:
    membership = permissions.reader(request, org)
    organisation = membership.organisation
    sessions = AwarenessSession.objects.filter(organisation=organisation)
    totals = sessions.aggregate(children=Sum("children_reached"), adults=Sum("adults_reached"))
    report_link = request.build_absolute_uri(reverse("intake_public:report"))
    return render(
        request,
        "awareness/overview.html",
        {
            "membership": membership,
            "campaigns": Campaign.objects.filter(organisation=organisation),
            "sessions": sessions.select_related("campaign", "facilitator")[:RECENT_SESSIONS],
            "session_count": sessions.count(),
            "children_reached": totals["children"] or 0,
            "adults_reached": totals["adults"] or 0,
            "report_link": report_link,
            "may_organise": membership.role in permissions.ORGANISERS,
            "may_record": membership.role in permissions.RECORDERS,
            # The figures beside reporting are on the statistics side (evidence).
            "may_see_figures": membership.role in permissions.FIGURE_READERS,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def add_campaign(request: HttpRequest, org: str) -> HttpResponse:
    membership = permissions.organiser(request, org)
    form = CampaignForm(membership.organisation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        campaign = actions.create_campaign(
            membership.organisation, current_user(request), form.cleaned_data
        )
        messages.success(
            request, _("The campaign code %(code)s is ready.") % {"code": campaign.code}
        )
        return redirect("awareness:overview", org)
    return render(
        request,
        "awareness/campaign_form.html",
        {"membership": membership, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def add_session(request: HttpRequest, org: str) -> HttpResponse:
    membership = permissions.recorder(request, org)
    form = SessionForm(
        membership.organisation,
        request.POST or None,
        initial={"facilitator": membership.user_id},
    )
    if request.method == "POST" and form.is_valid():
        actions.record_session(membership.organisation, current_user(request), form.cleaned_data)
        messages.success(request, _("The session was recorded."))
        return redirect("awareness:overview", org)
    return render(
        request,
        "awareness/session_form.html",
        {"membership": membership, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- The organisation's own lessons ------------------------------------------------------------


@staff_required
@require_safe
def lessons_page(request: HttpRequest, org: str) -> HttpResponse:
    """Every lesson, and where the organisation has its own version or a draft waiting."""
    membership = permissions.reader(request, org)
    versions = LessonVersion.objects.filter(organisation=membership.organisation).values_list(
        "harm_type", "audience", "language", "published_at"
    )
    waiting: set[tuple[str, str, str]] = set()
    own: set[tuple[str, str, str]] = set()
    for harm_type, audience, language, published_at in versions:
        (own if published_at else waiting).add((harm_type, audience, language))
    rows = [
        (
            harm_type,
            str(dict(HarmType.choices)[harm_type]),
            audience,
            str(label),
            [
                (
                    language,
                    (harm_type, audience, language) in own,
                    (harm_type, audience, language) in waiting,
                )
                for language in lessons.LANGUAGES
            ],
        )
        for harm_type in lessons.HARM_TYPES
        for audience, label in lessons.AUDIENCES.items()
    ]
    return render(request, "awareness/lessons.html", {"membership": membership, "rows": rows})


def _lesson_or_404(harm_type: str, audience: str, language: str) -> None:
    if not lessons.is_lesson(harm_type, audience, language):
        raise Http404


@staff_required
@require_http_methods(["GET", "POST"])
def lesson_page(
    request: HttpRequest, org: str, harm_type: str, audience: str, language: str
) -> HttpResponse:
    """One lesson in one language: what is shown now, the drafts waiting, every version, and
    a form to draft a new one."""
    _lesson_or_404(harm_type, audience, language)
    membership = permissions.reader(request, org)
    organisation = membership.organisation
    may_edit = membership.role in permissions.RECORDERS
    versions = list(
        LessonVersion.objects.filter(
            organisation=organisation, harm_type=harm_type, audience=audience, language=language
        ).select_related("drafted_by", "published_by")
    )
    shown = lessons.published(organisation, harm_type, audience, language) or (
        lessons.default_lesson(harm_type, audience, language)
    )
    if request.method == "POST":
        permissions.recorder(request, org)
        form = LessonForm(request.POST)
        if form.is_valid():
            actions.draft_lesson(
                organisation,
                current_user(request),
                harm_type=harm_type,
                audience=audience,
                language=language,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
            messages.success(
                request, _("Your version is saved. Another member reads it and publishes it.")
            )
            return redirect("awareness:lesson", org, harm_type, audience, language)
    else:
        latest = versions[0] if versions else None
        start = latest or shown
        form = LessonForm(initial={"title": start.title, "body": start.body} if start else None)
    return render(
        request,
        "awareness/lesson_edit.html",
        {
            "membership": membership,
            "harm_label": dict(HarmType.choices)[harm_type],
            "audience_label": lessons.AUDIENCES[audience],
            "language": language,
            "shown": shown,
            "versions": [(version, lessons.render(version.body, language)) for version in versions],
            "form": form if may_edit else None,
            "user_id": membership.user_id,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def publish_lesson(request: HttpRequest, org: str, version_id: int) -> HttpResponse:
    membership = permissions.recorder(request, org)
    version = get_object_or_404(LessonVersion, pk=version_id, organisation=membership.organisation)
    try:
        actions.publish_lesson(version, current_user(request))
    except actions.ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The version is published: the public library shows it."))
    return redirect("awareness:lesson", org, version.harm_type, version.audience, version.language)
