"""Staff training pages: the modules, one module with its quiz, writing a module."""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from digiamen.accounts.models import Membership
from digiamen.accounts.permissions import staff_required
from digiamen.awareness.lessons import render as render_markdown
from digiamen.training import actions, modules
from digiamen.training.forms import OwnModuleForm, QuizForm
from digiamen.training.models import Completion
from digiamen.training.permissions import AUTHORS, author, learner


def _page_html(module: modules.Module, body: str) -> SafeString:
    """A page's Markdown as sanitised HTML; the organisation's own words (its modules, its
    protocols' steps) take each paragraph's and item's own direction."""
    html = str(render_markdown(body))
    if module.stored:
        html = re.sub(r"<(p|li)>", r'<\1 dir="auto">', html)
    return mark_safe(html)  # noqa: S308 - sanitised by the lessons' renderer (nh3) above


def _team(membership: Membership) -> dict[str, Any] | None:
    """Who passed what, for those who write the modules (none of it for the others)."""
    if membership.role not in AUTHORS:
        return None
    members = (
        Membership.objects.active()
        .filter(organisation=membership.organisation)
        .select_related("user")
        .order_by("user__username")
    )
    passed: dict[int, Completion] = {}
    for completion in Completion.objects.filter(
        organisation=membership.organisation, passed=True
    ).order_by("completed_at", "id"):
        passed[completion.user_id] = completion
    titles = {module.code: module.title for module in modules.available(membership.organisation)}
    return {
        "trained": actions.trained(membership.organisation),
        "members": [
            (member, passed.get(member.user_id), titles.get(passed[member.user_id].module, ""))
            if member.user_id in passed
            else (member, None, "")
            for member in members
        ],
    }


@staff_required
@require_safe
def training_home(request: HttpRequest, org: str) -> HttpResponse:
    membership = learner(request, org)
    last = actions.last_completions(membership)
    rows = [
        (module, last.get(module.code)) for module in modules.available(membership.organisation)
    ]
    return render(
        request,
        "training/home.html",
        {"membership": membership, "rows": rows, "team": _team(membership)},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def module_page(request: HttpRequest, org: str, code: str) -> HttpResponse:
    membership = learner(request, org)
    module = modules.find(membership.organisation, code)
    if module is None:
        raise Http404
    context: dict[str, Any] = {
        "membership": membership,
        "module": module,
        "pages": [(title, _page_html(module, body)) for title, body in module.pages],
    }
    if request.method == "GET":
        context["form"] = QuizForm(module)
        return render(request, "training/module.html", context)
    form = QuizForm(module, request.POST)
    context["form"] = form
    if request.POST.get("version") != module.version:
        form.add_error(None, _("This module changed while you read it. Read it again."))
        return render(request, "training/module.html", context, status=400)
    if not form.is_valid():
        return render(request, "training/module.html", context, status=400)
    chosen = form.chosen()
    context["completion"] = actions.complete(membership, module, chosen)
    context["review"] = [
        (question, answer == question.answer)
        for question, answer in zip(module.questions, chosen, strict=True)
    ]
    return render(request, "training/module.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def new_module(request: HttpRequest, org: str) -> HttpResponse:
    membership = author(request, org)
    form = OwnModuleForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "training/new.html", {"membership": membership, "form": form}, status=400
            )
        row = actions.add_own_module(
            membership,
            code=form.cleaned_data["code"],
            language=form.cleaned_data["language"],
            content=form.content(),
        )
        return redirect("training:module", org=membership.organisation.slug, code=row.code)
    return render(request, "training/new.html", {"membership": membership, "form": form})
