"""The OpenRosa APIs ODK Collect and KoboCollect speak: form list, form download and form
submission, each authenticated per field worker (HTTP Digest or Basic)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from digiamen.channels import field_workers, openrosa
from digiamen.channels.models import FieldWorker
from digiamen.core import crypto, signals
from digiamen.core.clients import RateLimit, client_pseudonym
from digiamen.core.uploads import upload_refused
from digiamen.intake import actions as intake_actions
from digiamen.intake import drafts
from digiamen.intake.forms import validate_answers

ACCEPT_BYTES = str(openrosa.SUBMISSION_MAX_BYTES)
FAILED_SIGN_INS_PER_HOUR = 30


def _headers(response: HttpResponse) -> HttpResponse:
    response["X-OpenRosa-Version"] = "1.0"
    response["X-OpenRosa-Accept-Content-Length"] = ACCEPT_BYTES
    return response


def _xml(body: str, status: int = 200) -> HttpResponse:
    return _headers(HttpResponse(body, status=status, content_type="text/xml; charset=utf-8"))


def _message(status: int, text: str, nature: str = "") -> HttpResponse:
    attribute = f' nature="{nature}"' if nature else ""
    return _xml(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f"<message{attribute}>{escape(text)}</message></OpenRosaResponse>",
        status,
    )


def _field_worker(request: HttpRequest) -> FieldWorker | HttpResponse:
    failures = RateLimit("openrosa-failures", FAILED_SIGN_INS_PER_HOUR, 3600)
    client = client_pseudonym(request)
    if failures.exceeded(client):
        return _message(429, _("Too many failed sign-ins. Wait an hour."))
    header = request.headers.get("Authorization", "")
    worker = (
        field_workers.authenticate(header, request.method or "", request.get_full_path())
        if header
        else None
    )
    if worker is None:
        if header:
            failures.hit(client)
        response = _message(401, _("Sign in with your field worker's user name and password."))
        response["WWW-Authenticate"] = field_workers.challenge()
        return response
    return worker


@require_GET
def form_list(request: HttpRequest) -> HttpResponse:
    worker = _field_worker(request)
    if isinstance(worker, HttpResponse):
        return worker
    forms = [
        {
            "form_id": openrosa.FORM_ID,
            "name": "Digi-Amen",
            "version": openrosa.FORM_VERSION,
            "hash": openrosa.xform_hash(),
        },
        *_other_forms(worker),
    ]
    entries = "".join(
        f"<xform><formID>{escape(entry['form_id'])}</formID><name>{escape(entry['name'])}</name>"
        f"<version>{escape(entry['version'])}</version><hash>{escape(entry['hash'])}</hash>"
        "<downloadUrl>"
        + escape(request.build_absolute_uri(reverse("openrosa:form", args=[entry["form_id"]])))
        + "</downloadUrl></xform>"
        for entry in forms
    )
    return _xml(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<xforms xmlns="http://openrosa.org/xforms/xformsList">{entries}</xforms>'
    )


def _other_forms(worker: FieldWorker) -> list[dict[str, str]]:
    """The forms the apps above offer the worker's organisation (consultations)."""
    found: list[dict[str, str]] = []
    for _receiver, entries in signals.openrosa_forms.send(
        sender=FieldWorker, organisation=worker.organisation
    ):
        offered: list[dict[str, str]] = list(entries or [])  # type: ignore[arg-type]
        found.extend(offered)
    return found


@require_GET
def form(request: HttpRequest, form_id: str) -> HttpResponse:
    worker = _field_worker(request)
    if isinstance(worker, HttpResponse):
        return worker
    if form_id == openrosa.FORM_ID:
        return _xml(openrosa.xform())
    for entry in _other_forms(worker):
        if entry["form_id"] == form_id:
            return _xml(entry["xform"])
    return _message(404, _("There is no such form."))


def _other_submission(worker: FieldWorker, other: openrosa.OtherForm, data: bytes) -> HttpResponse:
    for _receiver, outcome in signals.openrosa_submission.send(
        sender=FieldWorker,
        organisation=worker.organisation,
        form_id=other.form_id,
        data=data,
        instance_id=other.instance_id,
    ):
        if outcome is not None:
            status, text = int(outcome[0]), str(outcome[1])
            return _message(status, text, "submit_success" if status < 300 else "")
    unknown_status, unknown_text = ERRORS["unknown_form"]
    return _message(unknown_status, str(unknown_text))


ERRORS = {
    "too_large": (413, gettext_lazy("The submission is too large.")),
    "broken_xml": (400, gettext_lazy("The submission is not well-formed XML.")),
    "unknown_form": (400, gettext_lazy("This form is not one of ours.")),
    "unknown_version": (
        400,
        gettext_lazy("This version of the form is no longer accepted. Get the new form."),
    ),
    "no_instance_id": (400, gettext_lazy("The submission has no instance ID.")),
}


@csrf_exempt
@require_http_methods(["HEAD", "POST"])
def submission(request: HttpRequest) -> HttpResponse:
    worker = _field_worker(request)
    if isinstance(worker, HttpResponse):
        return worker
    if request.method == "HEAD":
        return _headers(HttpResponse(status=204))
    files = request.FILES
    if upload_refused(request):
        return _message(413, _("The submission is too large."))
    xml_file = files.get("xml_submission_file")
    if xml_file is None:
        return _message(400, _("The submission has no xml_submission_file part."))
    if any(name != "xml_submission_file" for name in files):
        return _message(400, _("Attachments are not accepted: send no pictures or files."))
    if (xml_file.size or 0) > openrosa.SUBMISSION_MAX_BYTES:
        return _message(413, _("The submission is too large."))
    data = xml_file.read()
    try:
        parsed = openrosa.parse_submission(data)
    except openrosa.OtherForm as other:
        return _other_submission(worker, other, data)
    except openrosa.SubmissionError as error:
        status, text = ERRORS[error.code]
        return _message(status, str(text))
    answers, errors = validate_answers(parsed.answers)
    if errors:
        names = ", ".join(sorted(errors))
        return _message(400, _("Some answers are not valid: %(names)s.") % {"names": names})
    # The campaign code of the session the form was filled in at: kept if it is one of the
    # organisation's campaigns (awareness.campaigns), dropped otherwise.
    answers["campaign"] = parsed.answers.get("campaign", "")
    scope = f"openrosa:{worker.organisation_id}:{parsed.instance_id}"
    try:
        intake_actions.submit_report(
            answers,
            channel="offline_form",
            submission_id=crypto.lookup_hash(scope.encode()),
            organisation=worker.organisation,
        )
    except drafts.DraftGone:
        return _message(202, _("This form was already received."), "submit_success")
    return _message(201, _("Thank you: the report was received."), "submit_success")
