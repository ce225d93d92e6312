"""The public front door: the report flow and the reporter's follow-up mailbox.

These views set no cookie and use no session. Their forms are protected against
cross-site posting by the flow's own secret (a signed start ticket, then the draft token,
then the follow-up token) and by refusing requests whose Origin is another site.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from digiamen.core import signals
from digiamen.core.clients import RateLimit, client_pseudonym, daily_pseudonym
from digiamen.core.middleware import CLEAR_SITE_DATA
from digiamen.intake import actions
from digiamen.intake.advice import ADVICE, GENERAL
from digiamen.intake.flow import FlowConfig, first_step, handle_post, message_page
from digiamen.intake.forms import PUBLIC_STEPS, FollowupForm, MessageForm
from digiamen.intake.models import Draft
from digiamen.intake.receipts import parse_receipt, receipt_prefix

PUBLIC_FLOW = FlowConfig(steps=PUBLIC_STEPS, mode=Draft.Mode.PUBLIC, template="intake/step.html")


def is_cross_site(request: HttpRequest) -> bool:
    """A browser says where a form came from; refuse posts from another site."""
    if request.META.get("HTTP_SEC_FETCH_SITE", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.META.get("HTTP_ORIGIN")
    if origin and origin != "null":
        return origin.split("://", 1)[-1] != request.get_host()
    return False


def forbidden_origin(request: HttpRequest) -> HttpResponse:
    return message_page(
        request, _("Not allowed"), _("This form can only be sent from this website."), 403
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return first_step(request, PUBLIC_FLOW)
    if is_cross_site(request):
        return forbidden_origin(request)
    return handle_post(request, PUBLIC_FLOW)


@require_safe
def advice(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/advice.html", {"advice": [*ADVICE.values(), GENERAL]})


# --- Follow-up ----------------------------------------------------------------------------------


# Wrong receipts are counted per client and per receipt prefix, never across everyone: a
# cap on all clients together would let one caller lock every reporter out of their mailbox.
# Guessing gains nothing from a crowd of clients either (docs/security-model.md, "Receipts").
def followup_client_limit() -> RateLimit:
    return RateLimit("followup-client", settings.FOLLOWUP_FAILURES_PER_CLIENT, 3600)


def followup_prefix_limit() -> RateLimit:
    return RateLimit("followup-prefix", settings.FOLLOWUP_FAILURES_PER_PREFIX, 3600)


@dataclass(frozen=True)
class FollowupAttempt:
    """One typed receipt and the rate-limit subjects it counts under."""

    client: str
    receipt: str | None
    prefix: str | None

    @classmethod
    def of(cls, request: HttpRequest, typed: str) -> FollowupAttempt:
        receipt = parse_receipt(typed)
        prefix = daily_pseudonym(receipt_prefix(receipt)) if receipt else None
        return cls(client_pseudonym(request), receipt, prefix)

    def throttled(self) -> bool:
        if followup_client_limit().exceeded(self.client):
            return True
        return self.prefix is not None and followup_prefix_limit().exceeded(self.prefix)

    def failed(self) -> None:
        followup_client_limit().hit(self.client)
        if self.prefix is not None:
            followup_prefix_limit().hit(self.prefix)


def _no_sooner_than(started: float) -> None:
    """Answer right and wrong receipts after the same time, so timing tells nothing."""
    remaining = started + settings.FOLLOWUP_MIN_SECONDS - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def _conversation(
    request: HttpRequest,
    visit: actions.FollowupVisit,
    form: MessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "intake/conversation.html",
        {
            "conversation": actions.reporter_conversation(visit),
            "token": visit.token,
            "form": form or MessageForm(),
            "title": visit.report.organisation.discreet_title or settings.SITE_TITLE,
            "offers": followup_offers(visit),
        },
        status=status,
    )


def followup_offers(visit: actions.FollowupVisit) -> list[dict[str, Any]]:
    """What the apps above offer the reporter on this page (``core.signals.followup_offers``)."""
    answers = signals.followup_offers.send(
        sender=None, report=visit.report, public_key=bytes(visit.mailbox_key.public_key)
    )
    return [cast(dict[str, Any], offer) for _receiver, offer in answers if offer]


def resumed_visit(request: HttpRequest) -> actions.FollowupVisit | HttpResponse:
    """The visit a follow-up form's token continues; or the answer to a post from another
    site or after the visit ended."""
    if is_cross_site(request):
        return forbidden_origin(request)
    visit = actions.resume_followup(request.POST.get("token", ""))
    return visit if visit is not None else visit_ended(request)


def visit_ended(request: HttpRequest) -> HttpResponse:
    return message_page(
        request,
        _("Your visit has ended"),
        _(
            "For your safety, the conversation closes after a while. Type your "
            "secret number again to continue."
        ),
        400,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def followup(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "intake/followup.html", {"form": FollowupForm()})
    if is_cross_site(request):
        return forbidden_origin(request)
    started = time.monotonic()
    form = FollowupForm(request.POST)
    attempt = FollowupAttempt.of(request, form.data.get("receipt", "") if form.is_valid() else "")
    if attempt.throttled():
        response = message_page(
            request,
            _("Please wait a little"),
            _("Too many wrong numbers were typed. Wait an hour and try again."),
            429,
        )
        response["Retry-After"] = "3600"
        return response
    found = actions.find_mailbox(attempt.receipt) if attempt.receipt else None
    _no_sooner_than(started)
    if found is None:
        attempt.failed()
        form.add_error(
            "receipt", _("We could not find this number. Check each digit and try again.")
        )
        return render(request, "intake/followup.html", {"form": form}, status=400)
    report, mailbox_key = found
    return _conversation(request, actions.start_followup(report, mailbox_key))


@csrf_exempt
@require_POST
def followup_message(request: HttpRequest) -> HttpResponse:
    visit = resumed_visit(request)
    if isinstance(visit, HttpResponse):
        return visit
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _conversation(request, visit, form, status=400)
    actions.post_reporter_message(visit.report, form.cleaned_data["text"], visit.mailbox_key)
    return _conversation(request, visit)


@csrf_exempt
@require_POST
def followup_conversation(request: HttpRequest) -> HttpResponse:
    """Back to the messages from another page of the visit (the token, never the receipt)."""
    visit = resumed_visit(request)
    if isinstance(visit, HttpResponse):
        return visit
    return _conversation(request, visit)


@csrf_exempt
@require_POST
def followup_leave(request: HttpRequest) -> HttpResponse:
    if not is_cross_site(request):
        actions.end_followup(request.POST.get("token", ""))
    response = redirect("core:home")
    # The reporter may be on a shared phone: nothing of the conversation stays in the browser.
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
