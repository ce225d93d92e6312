"""The API's pictures: hash matching for platform and hotline liaisons
(``POST /api/v1/hashes/match``), and the pictures of a report (``POST /api/v1/reports``).

A liaison's API key (or a liaison member's token) belongs to one organisation; its hashes are
matched against the banks that organisation can see. Only hashes go in and out.

A report comes with its pictures' hashes, or with the pictures themselves (multipart), hashed
in memory and discarded. The operation is declared here, above intake, because of them; what
it does with the report is intake's (``intake.api.admit`` and ``receive``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, ValidationError

from digiamen.accounts.api import ApiPrincipal, BearerAuth
from digiamen.accounts.models import ApiKeyScope, Role
from digiamen.core import untrusted
from digiamen.core.api_errors import ErrorOut, field_message
from digiamen.core.uploads import upload_refused
from digiamen.intake import api as intake_api
from digiamen.media.actions import IMAGES_PER_REPORT
from digiamen.media.hashing import (
    HashRejected,
    ImageRejected,
    clean_hash_set,
    clean_hash_sets,
    hash_uploads,
)
from digiamen.media.matching import match_hashes, visible_bank_ids
from digiamen.media.models import BankEntry, HashBank, ReportedImage
from digiamen.media.schemas import DeviceHashSetIn, HashSetIn

router = Router(tags=["media"])
# Mounted before intake's router (digiamen/api.py): the document lists the operation first
# among the intake operations, as it always has.
reports_router = Router(tags=["intake"])

MATCH_BATCH_MAX = 1000


class MatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    hashes: list[HashSetIn] = Field(min_length=1, max_length=MATCH_BATCH_MAX)


class MatchOut(Schema):
    bank: str
    bank_id: int
    kind: str
    distance: int
    classification: str


class HashResultOut(Schema):
    matches: list[MatchOut]


class MatchResultsOut(Schema):
    results: list[HashResultOut]


def is_liaison(principal: ApiPrincipal) -> bool:
    return (
        principal.scope == ApiKeyScope.PLATFORM_LIAISON or principal.role == Role.PLATFORM_LIAISON
    )


@router.post(
    "/hashes/match",
    auth=BearerAuth(),
    response={200: MatchResultsOut, 403: ErrorOut, 422: ErrorOut},
    summary="Match up to 1000 hashes against the banks",
)
def match(request: HttpRequest, payload: MatchIn) -> Any:
    principal: ApiPrincipal = request.auth  # type: ignore[attr-defined]
    if not is_liaison(principal):
        return Status(403, {"detail": _("Only platform liaisons can match hashes.")})
    cleaned: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for position, query in enumerate(payload.hashes):
        raw = query.model_dump()
        if raw.get("pdq") and raw.get("quality") is None:
            raw["quality"] = 100  # a platform's own hash: its quality is its business
        try:
            cleaned.append(clean_hash_set(raw))
        except HashRejected as problem:
            errors[f"hashes.{position}"] = [problem.message]
    if errors:
        return Status(422, {"detail": _("Some hashes are not valid."), "errors": errors})
    bank_ids = visible_bank_ids(principal.organisation)
    found = match_hashes(cleaned, bank_ids)
    banks = HashBank.objects.in_bulk({m.bank_id for matches in found for m in matches})

    entries = BankEntry.objects.in_bulk({m.entry_id for matches in found for m in matches})
    return {
        "results": [
            {
                "matches": [
                    {
                        "bank": banks[m.bank_id].name,
                        "bank_id": m.bank_id,
                        "kind": m.kind,
                        "distance": m.distance,
                        "classification": (
                            entries[m.entry_id].classification if m.entry_id in entries else ""
                        ),
                    }
                    for m in matches
                    if m.bank_id in banks
                ]
            }
            for matches in found
        ]
    }


# --- A report and its pictures --------------------------------------------------------------------


class ReportIn(intake_api.ReportFieldsIn):
    image_hashes: list[DeviceHashSetIn] = Field(
        default_factory=list,
        max_length=5,
        description="Hashes of pictures computed on the device; the pictures are never sent.",
    )


# The report's schema and its definitions go to the document's components (their
# ``$defs`` are moved there by digiamen.core.api_errors).
_REPORT_DEFINITIONS = ReportIn.model_json_schema(ref_template="#/components/schemas/{model}")
REPORT_SCHEMA = {
    "$ref": "#/components/schemas/ReportIn",
    "$defs": {**_REPORT_DEFINITIONS.pop("$defs", {}), "ReportIn": _REPORT_DEFINITIONS},
}
REPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": REPORT_SCHEMA},
            "multipart/form-data": {
                "encoding": {"report": {"contentType": "application/json"}},
                "schema": {
                    "type": "object",
                    "required": ["report"],
                    "additionalProperties": False,
                    "properties": {
                        "report": {"$ref": "#/components/schemas/ReportIn"},
                        "image": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "maxItems": IMAGES_PER_REPORT,
                            "description": "Up to 5 pictures: hashed in memory, then discarded.",
                        },
                    },
                },
            },
        },
    }
}


class BadReportBody(Exception):
    def __init__(self, status: int, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors


def _read_report(request: HttpRequest, subject: str) -> tuple[ReportIn, list[dict[str, Any]]]:
    """The report and its pictures' hashes, from JSON or from multipart form data."""
    images: list[Any] = []
    try:
        if request.content_type == "multipart/form-data":
            request.FILES  # noqa: B018 - parse the body now: the upload handler flags a refusal
            if upload_refused(request):
                raise BadReportBody(413, str(ImageRejected.messages["too_large"]))
            unknown = (set(request.POST) | set(request.FILES)) - {"report", "image"}
            if unknown:
                message = _("Only a report part and image parts are read.")
                raise BadReportBody(422, message, {"__all__": [message]})
            part = request.FILES.get("report")
            text = part.read().decode("utf-8") if part else request.POST.get("report", "")
            images = request.FILES.getlist("image")
        else:
            text = request.body.decode("utf-8")
        data = untrusted.read_json(text)
    except RequestDataTooBig as error:
        raise BadReportBody(413, _("The request is too large.")) from error
    except untrusted.Unreadable as error:
        if error.too_large:
            raise BadReportBody(413, _("The request is too large.")) from error
        raise BadReportBody(400, _("The report must be JSON in UTF-8.")) from error
    except (UnicodeDecodeError, ValueError) as error:
        raise BadReportBody(400, _("The report must be JSON in UTF-8.")) from error
    try:
        payload = ReportIn.model_validate(data)
    except ValidationError as error:
        errors: dict[str, list[str]] = {}
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]) or "report"
            errors.setdefault(name, []).append(field_message(dict(problem)))
        raise BadReportBody(422, _("Some values are not valid."), errors) from error
    if len(images) + len(payload.image_hashes) > IMAGES_PER_REPORT:
        raise BadReportBody(422, _("Send at most 5 pictures."))
    try:
        hash_sets = clean_hash_sets(
            [item.model_dump() for item in payload.image_hashes],
            hashed_on=ReportedImage.HashedOn.APP,
        )
    except HashRejected as problem:
        raise BadReportBody(422, problem.message, {"image_hashes": [problem.message]}) from None
    try:
        hash_sets += hash_uploads(images, subject)
    except ImageRejected as problem:
        if problem.code == "rate_limited":
            raise BadReportBody(429, problem.message) from None
        field = f"image.{problem.position}"
        raise BadReportBody(422, problem.message, {field: [problem.message]}) from None
    return payload, hash_sets


@reports_router.post(
    "/reports",
    auth=None,
    response={
        201: intake_api.ReportOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
    },
    summary="Submit a report",
    description=(
        "JSON, or multipart form data with a `report` part (the same JSON) and up to five "
        "`image` parts: each picture is hashed in memory (PDQ, MD5, SHA-256) and discarded. "
        "Any other content type is refused (415). A request a browser sends from another "
        "website (`Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` of another "
        "host) is refused (403) unless it carries a partner key: no web page can make its "
        "visitors' browsers file reports."
    ),
    openapi_extra=REPORT_BODY,
    # The operation's name in the document stays what clients were generated from.
    operation_id="digiamen_intake_api_create_report",
)
def create_report(request: HttpRequest) -> Any:
    sender = intake_api.admit(request)
    if isinstance(sender, Status):
        return sender
    try:
        payload, hash_sets = _read_report(request, sender.subject)
    except BadReportBody as bad:
        return Status(bad.status, {"detail": bad.detail, "errors": bad.errors})
    return intake_api.receive(sender, payload, hash_sets)
