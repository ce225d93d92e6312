"""The picture step of the public report: only fingerprints reach the server.

With JavaScript on, the page's own script (static/media/imagehash.js) computes PDQ, MD5 and
SHA-256 on the device and posts only the hashes; the file input is emptied first. Without
JavaScript, the reporter may send the picture to be hashed in memory here and discarded
(hashing.py), or skip.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from digiamen.core import untrusted
from digiamen.core.clients import client_pseudonym
from digiamen.core.uploads import upload_refused
from digiamen.intake import drafts
from digiamen.intake.flow import go_to, open_or_start_draft
from digiamen.intake.views import PUBLIC_FLOW, forbidden_origin, is_cross_site
from digiamen.media.actions import IMAGES_PER_REPORT
from digiamen.media.hashing import (
    HashRejected,
    ImageRejected,
    clean_hash_sets,
    hash_uploads,
)
from digiamen.media.models import ReportedImage

MAX_HASHES_FIELD = 4000


def image_page(
    request: HttpRequest,
    *,
    token: str = "",
    start: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "media/image_step.html",
        {
            "draft_token": token,
            "start_token": start,
            "error": error,
            "max_images": IMAGES_PER_REPORT,
            "max_megabytes": settings.IMAGE_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


class PictureError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def hashes_from_request(request: HttpRequest) -> list[dict[str, Any]]:
    """Hashes sent by the page's script, or computed here from uploaded pictures."""
    files = request.FILES.getlist("image")  # parses the body; a refusal is flagged then
    if upload_refused(request):
        raise PictureError(str(ImageRejected.messages["too_large"]), status=413)
    field = request.POST.get("image_hashes", "").strip()
    if len(files) > IMAGES_PER_REPORT:
        raise PictureError(_("Send at most 5 pictures."))
    if field:
        unreadable = _("The fingerprints could not be read. Please try again.")
        if len(field) > MAX_HASHES_FIELD:
            raise PictureError(unreadable)
        try:
            raw = untrusted.read_json(field, max_bytes=MAX_HASHES_FIELD)
        except ValueError as error:
            raise PictureError(
                _("The fingerprints could not be read. Please try again.")
            ) from error
        if not isinstance(raw, list) or not 1 <= len(raw) <= IMAGES_PER_REPORT:
            raise PictureError(_("The fingerprints could not be read. Please try again."))
        try:
            return clean_hash_sets(raw, hashed_on=ReportedImage.HashedOn.DEVICE)
        except HashRejected as error:
            raise PictureError(error.message) from error
    try:
        return hash_uploads(files, client_pseudonym(request))
    except ImageRejected as error:
        status = 429 if error.code == "rate_limited" else 400
        raise PictureError(error.message, status=status) from error


@csrf_exempt
@require_http_methods(["GET", "POST"])
def report_image(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return image_page(request, start=drafts.start_token())
    if is_cross_site(request):
        return forbidden_origin(request)
    report_url = reverse("intake_public:report")
    status = 400
    try:
        hash_sets = hashes_from_request(request)
        error = ""
    except PictureError as problem:
        hash_sets, error, status = [], str(problem), problem.status
    action = request.POST.get("action", "attach")
    if action == "attach" and not error and not hash_sets:
        error = _("Choose a picture, or skip this step.")
    if error:
        # Nothing is stored: the draft is neither created nor changed.
        return image_page(
            request,
            token=request.POST.get("draft", ""),
            start=request.POST.get("start", ""),
            error=error,
            status=status,
        )
    draft = open_or_start_draft(request, PUBLIC_FLOW)
    if isinstance(draft, HttpResponse):
        return draft
    if action == "attach":
        kept = list(draft.answers.get("image_hashes", []))
        draft.answers["image_hashes"] = (kept + hash_sets)[:IMAGES_PER_REPORT]
    return go_to(request, PUBLIC_FLOW, draft, draft.draft.step, form_action=report_url)
