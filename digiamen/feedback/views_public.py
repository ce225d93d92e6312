"""The reporter's few questions about the help they got, reached from the follow-up page.

Like the follow-up page, no cookie and no session: the visit's token travels in the form,
cross-site posts are refused, and the receipt never appears in a URL.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from digiamen.feedback import actions
from digiamen.feedback.forms import AnswerForm
from digiamen.intake.flow import message_page
from digiamen.intake.views import resumed_visit


@csrf_exempt
@require_POST
def questions(request: HttpRequest) -> HttpResponse:
    """ "open" shows the questions, "send" stores the answers, "skip" stores that the reporter
    would rather not; each of them once."""
    visit = resumed_visit(request)
    if isinstance(visit, HttpResponse):
        return visit
    public_key = bytes(visit.mailbox_key.public_key)
    step = request.POST.get("step", "open")
    context = {"token": visit.token, "form": AnswerForm()}
    try:
        if step == "skip":
            actions.skip(visit.report, public_key)
            return _done(request, visit.token, answered=False)
        if step == "send":
            form = AnswerForm(request.POST)
            if not form.is_valid():
                context["form"] = form
                return render(request, "feedback/questions.html", context, status=400)
            actions.answer(visit.report, public_key, **form.cleaned_data)
            return _done(request, visit.token, answered=True)
    except actions.FeedbackRefused as refused:
        return message_page(request, _("Your answers"), str(refused), 400)
    if actions.subject_of(visit.report, public_key) is None:
        return message_page(
            request,
            _("Your answers"),
            _("There is nothing to answer now. Thank you."),
            400,
        )
    return render(request, "feedback/questions.html", context)


def _done(request: HttpRequest, token: str, *, answered: bool) -> HttpResponse:
    return render(request, "feedback/done.html", {"token": token, "answered": answered})
