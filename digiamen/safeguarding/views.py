"""Self-assessment pages: the list with progress, one assessment with its scores, answers and
action plan, its PDF report, the question editor and a network's benchmark."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digiamen.accounts.models import Membership, User
from digiamen.accounts.permissions import current_user, staff_required
from digiamen.core import untrusted
from digiamen.core.errors import ActionError
from digiamen.core.pdf import PdfUnavailable as BriefUnavailable
from digiamen.core.pdf import render_pdf
from digiamen.evidence import charts
from digiamen.evidence.permissions import network_coordinator
from digiamen.safeguarding import actions, benchmark, questions
from digiamen.safeguarding.forms import ActionItemForm, ActionStatusForm, AreaForm, QuestionSetForm
from digiamen.safeguarding.models import ActionItem, Assessment, BenchmarkChoice, Status
from digiamen.safeguarding.permissions import (
    admin,
    assessment_of,
    is_admin,
    question_editor,
    reader,
)


def _area_names(assessment: Assessment) -> dict[str, str]:
    return {
        area["code"]: questions.localised(area["name"]) for area in assessment.question_set.areas
    }


def _score_items(assessment: Assessment, scores: dict[str, Any]) -> list[tuple[str, int | str]]:
    names = _area_names(assessment)
    return [
        (names[code], score if score is not None else "-")
        for code, score in scores["areas"].items()
    ]


def score_chart(assessment: Assessment, scores: dict[str, Any]) -> str:
    items = _score_items(assessment, scores)
    return charts.bar_chart(
        items,
        title=_("Score per area, out of 100"),
        description=_("Bar chart of the score of each area, as in the table below."),
        right_to_left=get_language_bidi(),
    )


def _progress_chart(closed: list[Assessment]) -> str:
    points: list[tuple[str, int | str]] = [
        (assessment.closed_at.strftime("%Y-%m") if assessment.closed_at else "", overall)
        for assessment in reversed(closed)
        if isinstance(overall := assessment.scores.get("overall"), int)
    ]
    if len(points) < 2:
        return ""
    return charts.line_chart(
        points,
        title=_("Overall score across assessments"),
        description=_("Line chart of the overall score of each closed assessment, oldest first."),
        right_to_left=get_language_bidi(),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def assessments(request: HttpRequest, org: str) -> HttpResponse:
    membership = reader(request, org)
    if request.method == "POST":
        membership = admin(request, org)
        try:
            if request.POST.get("operation") == "benchmark_name":
                choice, _created = BenchmarkChoice.objects.get_or_create(
                    organisation=membership.organisation
                )
                choice.show_name = request.POST.get("show_name") == "on"
                choice.save(update_fields=["show_name"])
                return redirect(request.path)
            started = actions.start(membership.organisation, current_user(request))
        except ActionError as error:
            messages.error(request, error.message)
            return redirect(request.path)
        return redirect("safeguarding:assessment", org, started.pk)
    found = list(Assessment.objects.filter(organisation=membership.organisation))
    closed = [assessment for assessment in found if not assessment.is_open]
    named = BenchmarkChoice.objects.filter(organisation=membership.organisation).first()
    context = {
        "membership": membership,
        "assessments": found,
        "has_open": any(assessment.is_open for assessment in found),
        "progress_chart": _progress_chart(closed),
        "may_edit": is_admin(membership),
        "show_name": bool(named and named.show_name),
    }
    return render(request, "safeguarding/assessments.html", context)


def _assessment_context(
    request: HttpRequest, membership: Membership, assessment: Assessment
) -> dict[str, Any]:
    actions.refresh_automatic(assessment)
    answers = {answer.question: answer for answer in assessment.answers.all()}
    items = list(assessment.action_items.select_related("owner"))
    ordered = list(answers.values())
    texts = actions.opened_texts(request, assessment, ordered, items)
    notes = {a.question: texts.notes[n] for n, a in enumerate(ordered)}
    evidence = {a.question: texts.evidence[n] for n, a in enumerate(ordered)}
    descriptions = texts.descriptions
    scores = actions.current_scores(assessment)
    names = _area_names(assessment)
    status_labels = dict(Status.choices)
    sections = []
    for area in assessment.question_set.areas:
        area_questions = [q for q in assessment.question_set.questions if q["area"] == area["code"]]
        rows = []
        for question in area_questions:
            answer = answers.get(question["code"])
            rows.append(
                {
                    "code": question["code"],
                    "text": questions.localised(question["text"]),
                    "guidance": questions.localised(question["guidance"]),
                    "status": status_labels.get(answer.status, "") if answer else "",
                    "automatic": bool(question.get("automatic")),
                    "measured": answer.measured if answer else {},
                    "note": notes.get(question["code"], ""),
                    "evidence": evidence.get(question["code"], ""),
                }
            )
        form = None
        if assessment.is_open and is_admin(membership):
            initial: dict[str, Any] = {"version": assessment.version}
            for question in area_questions:
                answer = answers.get(question["code"])
                if answer is not None and not answer.automatic:
                    initial[f"status_{question['code']}"] = answer.status
                    initial[f"note_{question['code']}"] = notes.get(question["code"], "")
                    initial[f"evidence_{question['code']}"] = evidence.get(question["code"], "")
            form = AreaForm(initial=initial, area_questions=area_questions, prefix=area["code"])
        sections.append(
            {
                "code": area["code"],
                "name": names[area["code"]],
                "score": scores["areas"].get(area["code"]),
                "rows": rows,
                "form": form,
            }
        )
    question_texts = {
        q["code"]: questions.localised(q["text"]) for q in assessment.question_set.questions
    }
    return {
        "membership": membership,
        "assessment": assessment,
        "scores": scores,
        "chart": score_chart(assessment, scores),
        "sections": sections,
        "items": [
            (item, descriptions[n], question_texts.get(item.question, item.question))
            for n, item in enumerate(items)
        ],
        "may_edit": is_admin(membership),
        "item_form": ActionItemForm(
            organisation=assessment.organisation,
            question_choices=list(question_texts.items()),
        )
        if is_admin(membership)
        else None,
        "status_form": ActionStatusForm(),
    }


@staff_required
@require_GET
def assessment_page(request: HttpRequest, org: str, assessment_id: int) -> HttpResponse:
    membership = reader(request, org)
    assessment = assessment_of(membership, assessment_id)
    context = _assessment_context(request, membership, assessment)
    return render(request, "safeguarding/assessment.html", context)


def _refused(
    request: HttpRequest, membership: Membership, assessment: Assessment, message: str
) -> HttpResponse:
    context = _assessment_context(request, membership, assessment)
    context["error"] = message
    return render(request, "safeguarding/assessment.html", context, status=400)


@staff_required
@require_POST
def answer_area(request: HttpRequest, org: str, assessment_id: int, area: str) -> HttpResponse:
    membership = admin(request, org)
    assessment = assessment_of(membership, assessment_id)
    area_questions = [q for q in assessment.question_set.questions if q["area"] == area]
    if not area_questions:
        return _refused(request, membership, assessment, _("This area is not known."))
    form = AreaForm(request.POST, area_questions=area_questions, prefix=area)
    if not form.is_valid():
        errors = [str(error) for errors in form.errors.values() for error in errors]
        return _refused(request, membership, assessment, " ".join(errors))
    try:
        actions.answer(
            assessment, current_user(request), form.answers(), version=form.cleaned_data["version"]
        )
    except ActionError as error:
        return _refused(request, membership, assessment, error.message)
    messages.success(request, _("Answers saved."))
    return redirect(reverse("safeguarding:assessment", args=[org, assessment.pk]) + f"#{area}")


@staff_required
@require_POST
def close_assessment(request: HttpRequest, org: str, assessment_id: int) -> HttpResponse:
    membership = admin(request, org)
    assessment = assessment_of(membership, assessment_id)
    version = request.POST.get("version", "")
    try:
        actions.close(
            assessment, current_user(request), version=int(version) if version.isdigit() else 0
        )
    except ActionError as error:
        return _refused(request, membership, assessment, error.message)
    messages.success(request, _("The assessment is closed. Its scores are kept as they are now."))
    return redirect("safeguarding:assessment", org, assessment.pk)


@staff_required
@require_POST
def add_action(request: HttpRequest, org: str, assessment_id: int) -> HttpResponse:
    membership = admin(request, org)
    assessment = assessment_of(membership, assessment_id)
    question_choices = [(q["code"], q["code"]) for q in assessment.question_set.questions]
    form = ActionItemForm(
        request.POST, organisation=assessment.organisation, question_choices=question_choices
    )
    if not form.is_valid():
        errors = [str(error) for errors in form.errors.values() for error in errors]
        return _refused(request, membership, assessment, " ".join(errors))
    owner = get_object_or_404(User, pk=int(form.cleaned_data["owner"]))
    try:
        actions.add_action_item(
            assessment,
            current_user(request),
            question=form.cleaned_data["question"],
            description=form.cleaned_data["description"],
            owner=owner,
            due_on=form.cleaned_data["due_on"],
        )
    except ActionError as error:
        return _refused(request, membership, assessment, error.message)
    messages.success(request, _("Action added to the plan."))
    return redirect(reverse("safeguarding:assessment", args=[org, assessment.pk]) + "#plan")


@staff_required
@require_POST
def action_status(request: HttpRequest, org: str, assessment_id: int, item_id: int) -> HttpResponse:
    membership = admin(request, org)
    assessment = assessment_of(membership, assessment_id)
    item = get_object_or_404(ActionItem, pk=item_id, assessment=assessment)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, membership, assessment, _("Choose one of the answers offered."))
    actions.set_action_status(item, current_user(request), form.cleaned_data["status"])
    return redirect(reverse("safeguarding:assessment", args=[org, assessment.pk]) + "#plan")


@staff_required
@require_GET
def assessment_pdf(request: HttpRequest, org: str, assessment_id: int) -> HttpResponse:
    membership = reader(request, org)
    assessment = assessment_of(membership, assessment_id)
    context = _assessment_context(request, membership, assessment)
    context.update(
        language=get_language(),
        direction="rtl" if get_language_bidi() else "ltr",
        # Drawn in HTML for the PDF (evidence.charts, "Charts for printing").
        chart=charts.print_bar_chart(
            _score_items(assessment, context["scores"]), title=_("Score per area, out of 100")
        ),
    )
    html = render_to_string("safeguarding/report.html", context)
    try:
        data = render_pdf(html)
    except BriefUnavailable:
        return _refused(
            request, membership, assessment, _("The PDF report cannot be made on this server yet.")
        )
    response = HttpResponse(data, content_type="application/pdf")
    name = f"safeguarding-{assessment.started_at:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def question_editor_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = question_editor(request, org)
    current = questions.current()
    form = QuestionSetForm(
        request.POST or None,
        initial={"content": json.dumps(current.content, ensure_ascii=False, indent=1)},
    )
    context: dict[str, Any] = {"membership": membership, "current": current, "form": form}
    if request.method == "POST":
        if form.is_valid():
            try:
                content = untrusted.read_json(form.cleaned_data["content"])
                published = actions.publish_question_set(content, current_user(request))
            except untrusted.Unreadable:
                form.add_error("content", _("This is not valid JSON."))
            except questions.QuestionSetError as error:
                form.add_error("content", error.message)
            else:
                messages.success(
                    request,
                    _("Version %(version)s of the questions is published.")
                    % {"version": published.version},
                )
                return redirect(request.path)
        return render(request, "safeguarding/questions.html", context, status=400)
    return render(request, "safeguarding/questions.html", context)


@staff_required
@require_GET
def benchmark_page(request: HttpRequest, org: str, network_slug: str) -> HttpResponse:
    membership, network = network_coordinator(request, org, network_slug)
    context = {"membership": membership, "network": network, **benchmark.network_benchmark(network)}
    return render(request, "safeguarding/benchmark.html", context)
