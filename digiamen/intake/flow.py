"""The step-by-step report flow, shared by the public front door and operator intake.

Every step is a POST to the same URL: nothing about the report is ever in a URL, and the
page title never changes. The flow's state is the encrypted draft (see drafts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from digiamen.accounts.models import Organisation, User
from digiamen.awareness import campaigns
from digiamen.core import crypto, places
from digiamen.core.clients import RateLimit, client_pseudonym
from digiamen.core.taxonomy import (
    AgeBand,
    Disability,
    HarmType,
    Locality,
    PerpetratorRelationship,
    Platform,
    ReporterType,
    Sex,
)
from digiamen.directory.nearby import services_near
from digiamen.intake import actions, drafts, pow
from digiamen.intake.advice import advice_for
from digiamen.intake.forms import ContactMethod, ReviewStep, StepForm, StoryStep
from digiamen.intake.helplines import helplines_for
from digiamen.intake.life import report_life
from digiamen.intake.models import Draft
from digiamen.intake.receipts import format_receipt


@dataclass(frozen=True)
class FlowConfig:
    steps: list[type[StepForm]]
    mode: str
    template: str
    organisation: Organisation | None = None
    operator: User | None = None


def drafts_limit() -> RateLimit:
    return RateLimit("intake-drafts", settings.INTAKE_DRAFTS_PER_HOUR, 3600)


def reports_limit(*, with_proof_of_work: bool = False) -> RateLimit:
    if with_proof_of_work:
        return RateLimit(
            "intake-reports-pow",
            settings.INTAKE_REPORTS_PER_HOUR * settings.INTAKE_POW_MULTIPLIER,
            3600,
        )
    return RateLimit("intake-reports", settings.INTAKE_REPORTS_PER_HOUR, 3600)


def message_page(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def expired(request: HttpRequest) -> HttpResponse:
    return message_page(
        request,
        _("This form has expired"),
        _(
            "For your safety, an unfinished report is forgotten after a while. Nothing was "
            "kept. Please start again."
        ),
        400,
    )


def already_sent(request: HttpRequest) -> HttpResponse:
    return message_page(
        request,
        _("This report was already sent"),
        _(
            "We received it once. If you kept your secret number, use it on the follow-up page "
            "to talk to a counsellor."
        ),
        409,
    )


def too_many(request: HttpRequest) -> HttpResponse:
    response = message_page(
        request,
        _("Please wait a little"),
        _(
            "Too many reports were sent from this connection. Wait an hour and try again, or "
            "call a helpline."
        ),
        429,
    )
    response["Retry-After"] = "3600"
    return response


def render_step(
    request: HttpRequest,
    config: FlowConfig,
    index: int,
    form: StepForm,
    *,
    token: str = "",
    start: str = "",
    answers: dict[str, Any] | None = None,
    status: int = 200,
    form_action: str = "",
    busy: bool = False,
    campaign: str = "",
) -> HttpResponse:
    context = {
        "campaign": campaign,
        "busy": busy,
        "form_action": form_action,
        "offer_image": config.mode == Draft.Mode.PUBLIC and isinstance(form, StoryStep),
        "image_count": len((answers or {}).get("image_hashes", [])),
        "form": form,
        "step_number": index + 1,
        "step_count": len(config.steps),
        "draft_token": token,
        "start_token": start,
        "is_first": index == 0,
        "is_review": isinstance(form, ReviewStep),
        "review": review_rows(answers or {}, config) if isinstance(form, ReviewStep) else [],
        "organisation": config.organisation,
        "pow_bits": settings.INTAKE_POW_BITS,
    }
    return render(request, config.template, context, status=status)


def first_step(request: HttpRequest, config: FlowConfig) -> HttpResponse:
    return render_step(
        request,
        config,
        0,
        config.steps[0](),
        start=drafts.start_token(),
        campaign=_campaign(request.GET.get("c"), config),
    )


def _campaign(text: object, config: FlowConfig) -> str:
    """A running campaign's code from a poster's link (?c=CODE), carried by the first step's
    form into the draft; anything else is dropped without a word to the reporter."""
    return campaigns.running(text) if config.mode == Draft.Mode.PUBLIC else ""


def open_or_start_draft(
    request: HttpRequest, config: FlowConfig
) -> drafts.OpenDraft | HttpResponse:
    """The draft named by the form, or a new one for a valid start ticket (rate-limited)."""
    token = request.POST.get("draft", "")
    if token:
        try:
            draft = drafts.open_draft(token)
        except drafts.DraftGone as gone:
            return already_sent(request) if gone.submitted else expired(request)
        if draft.draft.mode != config.mode or draft.draft.organisation_id != (
            config.organisation.pk if config.organisation else None
        ):
            return expired(request)
        return draft
    if not drafts.start_token_is_valid(request.POST.get("start", "")):
        return expired(request)
    limit = drafts_limit()
    client = client_pseudonym(request)
    if limit.exceeded(client):
        return too_many(request)
    limit.hit(client)
    return drafts.create_draft(
        mode=config.mode, organisation=config.organisation, operator=config.operator
    )


def handle_post(request: HttpRequest, config: FlowConfig) -> HttpResponse:
    client = client_pseudonym(request)
    start = request.POST.get("start", "")
    if not request.POST.get("draft") and drafts.start_token_is_valid(start):
        # A draft is written only once the first step is valid: a refused first step
        # leaves nothing behind.
        first = config.steps[0](data=request.POST)
        if not first.is_valid():
            campaign = _campaign(request.POST.get("campaign"), config)
            return render_step(
                request, config, 0, first, start=start, status=400, campaign=campaign
            )
    draft = open_or_start_draft(request, config)
    if isinstance(draft, HttpResponse):
        return draft
    if not request.POST.get("draft"):
        code = _campaign(request.POST.get("campaign"), config)
        if code:
            draft.answers["campaign"] = code

    index = min(draft.draft.step, len(config.steps) - 1)
    action = request.POST.get("action", "next")
    if action == "back":
        return go_to(request, config, draft, max(0, index - 1))
    if action.startswith("edit-"):
        try:
            target = int(action.removeprefix("edit-"))
        except ValueError:
            target = index
        target = max(0, min(target, draft.draft.furthest_step, len(config.steps) - 1))
        return go_to(request, config, draft, target)

    step = config.steps[index]
    if action == "image" and config.mode == Draft.Mode.PUBLIC and step is not ReviewStep:
        # Keep what was typed on this step, then offer the picture's fingerprint.
        form = step(data=request.POST, initial=draft.answers)
        if form.is_valid():
            draft.answers.update(form.answers())
        draft.save(step=index)
        return report_life.picture_step(request, token=draft.token)
    if step is ReviewStep:
        if action != "send":
            return render_step(
                request, config, index, ReviewStep(), token=draft.token, answers=draft.answers
            )
        return send(request, config, draft, client)

    form = step(data=request.POST, initial=draft.answers)
    if not form.is_valid():
        return render_step(request, config, index, form, token=draft.token, status=400)
    draft.answers.update(form.answers())
    review_index = len(config.steps) - 1
    target = review_index if draft.draft.furthest_step >= review_index else index + 1
    return go_to(request, config, draft, target)


def go_to(
    request: HttpRequest,
    config: FlowConfig,
    draft: drafts.OpenDraft,
    target: int,
    *,
    form_action: str = "",
) -> HttpResponse:
    """Remember the step the reporter is on and show it with their answers so far."""
    draft.save(step=target)
    return render_step(
        request,
        config,
        target,
        config.steps[target](initial=draft.answers),
        token=draft.token,
        answers=draft.answers,
        form_action=form_action,
    )


def send(
    request: HttpRequest, config: FlowConfig, draft: drafts.OpenDraft, client: str
) -> HttpResponse:
    worked = pow.is_valid(draft.token, request.POST.get("pow", ""))
    limit = reports_limit(with_proof_of_work=worked)
    if config.mode == Draft.Mode.PUBLIC and limit.exceeded(client):
        return too_many(request)
    answers = dict(draft.answers)
    if not answers.get("harm_types"):
        return expired(request)
    channel = answers.pop("channel", None) or "web"
    try:
        submission = actions.submit_report(
            answers,
            channel=channel,
            submission_id=draft.draft.token_hash,
            organisation=config.organisation,
            received_by=config.operator,
            draft_token=draft.token,
        )
    except drafts.DraftGone as gone:
        return already_sent(request) if gone.submitted else expired(request)
    except crypto.KdfBusy:
        return busy_review(request, config, draft)
    if config.mode == Draft.Mode.PUBLIC:
        limit.hit(client)
    # The transaction has committed: only now is the receipt shown.
    return receipt_page(request, submission, operator=config.mode == Draft.Mode.OPERATOR)


def busy_review(request: HttpRequest, config: FlowConfig, draft: drafts.OpenDraft) -> HttpResponse:
    """Every receipt derivation slot stayed taken (a surge): nothing was written and the
    draft is as it was, so the review page comes back with its answers, its Send button and
    a word of why, instead of an error page a child might take for a lost report."""
    index = len(config.steps) - 1
    response = render_step(
        request,
        config,
        index,
        ReviewStep(),
        token=draft.token,
        answers=draft.answers,
        status=503,
        busy=True,
    )
    response["Retry-After"] = str(crypto.KdfBusy.retry_after_seconds)
    return response


# Services shown on the receipt, the child's own area first; the help page lists the rest.
NEARBY_SHOWN = 5


def receipt_page(
    request: HttpRequest, submission: actions.Submission, *, operator: bool
) -> HttpResponse:
    report = submission.report
    formatted = format_receipt(submission.receipt)
    context = {
        "receipt": formatted,
        "receipt_arabic_digits": formatted.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        "advice": advice_for(report.harm_types),
        "helplines": helplines_for(report.country),
        "language": get_language(),
        "operator": operator,
        "report": report,
    }
    if report.country and not operator:
        context["nearby"] = list(services_near(report.country, report.admin1, limit=NEARBY_SHOWN))
        context["help_query"] = urlencode(
            {"country": report.country, **({"area": report.admin1} if report.admin1 else {})}
        )
    template = "intake/operator_receipt.html" if operator else "intake/receipt.html"
    return render(request, template, context, status=201)


def _label(choices: Any, value: str) -> str:
    return str(dict(choices).get(value, "")) if value else ""


def review_rows(answers: dict[str, Any], config: FlowConfig) -> list[dict[str, Any]]:
    """What the reporter wrote, step by step, for the review page (escaped by the template)."""
    language = get_language() or "en"
    offset = 1 if config.mode == Draft.Mode.OPERATOR else 0
    not_said = _("Not said")
    area = places.area(answers.get("admin1", "")) if answers.get("admin1") else None
    country = answers.get("country", "")
    rows = [
        (0, _("Who is reporting"), _label(ReporterType.choices, answers.get("reporter_type", ""))),
        (
            1,
            _("What happened"),
            ", ".join(_label(HarmType.choices, c) for c in answers.get("harm_types", [])),
        ),
        (
            2,
            _("Apps or websites"),
            ", ".join(_label(Platform.choices, c) for c in answers.get("platforms", [])),
        ),
        (
            2,
            _("Where"),
            " · ".join(
                filter(
                    None,
                    [
                        places.country_name(country, language) if country else "",
                        area.name(language) if area else "",
                        _label(Locality.choices, answers.get("locality", "")),
                    ],
                )
            ),
        ),
        (3, _("Age"), _label(AgeBand.choices, answers.get("age_band", ""))),
        (3, _("Girl or boy"), _label(Sex.choices, answers.get("sex", ""))),
        (3, _("Disability"), _label(Disability.choices, answers.get("disability", ""))),
        (
            4,
            _("Who is doing this"),
            _label(PerpetratorRelationship.choices, answers.get("perpetrator_relationship", "")),
        ),
        (4, _("In your words"), answers.get("narrative", "")),
        (4, _("Accounts and links"), answers.get("involved_accounts", "")),
        (
            4,
            _("Pictures (fingerprints only)"),
            str(len(answers["image_hashes"])) if answers.get("image_hashes") else "",
        ),
        (
            5,
            _("Contact"),
            _label(ContactMethod.CHOICES, answers.get("contact_method", ""))
            + (f" · {answers['contact_value']}" if answers.get("contact_value") else ""),
        ),
        (
            6,
            _("You agree to"),
            ", ".join(
                str(label)
                for key, label in [
                    ("consent_contact", _("be contacted")),
                    ("consent_referral", _("be referred to a service")),
                    ("consent_statistics", _("be counted in statistics")),
                ]
                if answers.get(key)
            )
            or _("nothing yet"),
        ),
    ]
    return [
        {"step": step + offset, "label": label, "value": value or not_said, "user_text": step == 4}
        for step, label, value in rows
    ]
