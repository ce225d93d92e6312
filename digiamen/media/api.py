"""Hash matching for platform and hotline liaisons: ``POST /api/v1/hashes/match``.

A liaison's API key (or a liaison member's token) belongs to one organisation; its hashes are
matched against the banks that organisation can see. Only hashes go in and out.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from digiamen.accounts.api import ApiPrincipal, BearerAuth
from digiamen.accounts.models import ApiKeyScope, Role
from digiamen.core.api_errors import ErrorOut
from digiamen.media.hashing import HashRejected, clean_hash_set
from digiamen.media.matching import match_hashes, visible_bank_ids
from digiamen.media.models import BankEntry, HashBank
from digiamen.media.schemas import HashSetIn

router = Router(tags=["media"])

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
