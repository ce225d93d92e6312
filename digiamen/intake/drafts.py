"""Unfinished reports, kept between steps without cookies, URLs or browser storage.

The page carries a draft token ``<id>.<key>`` in a hidden field. The database keeps a hash
of the id and the answers encrypted under the key; the key exists only in the page. The
token also protects the form against cross-site posting (it is the form's CSRF secret).
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils import timezone

from digiamen.accounts.models import Organisation, User
from digiamen.core import crypto
from digiamen.intake.models import Draft

START_SALT = "digiamen.intake.start"


def start_token() -> str:
    """A signed, expiring ticket that lets a first step create a draft (no row before that)."""
    return signing.dumps(secrets.token_hex(8), salt=START_SALT, compress=False)


def start_token_is_valid(token: str) -> bool:
    if not token or len(token) > 200:
        return False
    try:
        signing.loads(token, salt=START_SALT, max_age=settings.INTAKE_DRAFT_MINUTES * 60)
    except signing.BadSignature:
        return False
    return True


@dataclass
class OpenDraft:
    draft: Draft
    token: str
    key: bytes
    answers: dict[str, Any]

    def save(self, *, step: int) -> None:
        self.draft.step = step
        self.draft.furthest_step = max(self.draft.furthest_step, step)
        self.draft.ciphertext = _encrypt(self.key, self.draft.token_hash, self.answers)
        self.draft.expires_at = timezone.now() + timedelta(minutes=settings.INTAKE_DRAFT_MINUTES)
        self.draft.save(update_fields=["step", "furthest_step", "ciphertext", "expires_at"])


def _purpose(token_hash: str) -> bytes:
    return b"draft:" + token_hash.encode()


def _encrypt(key: bytes, token_hash: str, answers: dict[str, Any]) -> bytes:
    plaintext = json.dumps(answers, ensure_ascii=False, separators=(",", ":")).encode()
    return crypto.encrypt(key, plaintext, purpose=_purpose(token_hash))


def create_draft(
    *,
    mode: str = Draft.Mode.PUBLIC,
    organisation: Organisation | None = None,
    operator: User | None = None,
) -> OpenDraft:
    draft_id = secrets.token_urlsafe(16)
    key = crypto.random_key()
    token_hash = crypto.lookup_hash(draft_id.encode())
    draft = Draft.objects.create(
        token_hash=token_hash,
        ciphertext=_encrypt(key, token_hash, {}),
        mode=mode,
        organisation=organisation,
        operator=operator,
        expires_at=timezone.now() + timedelta(minutes=settings.INTAKE_DRAFT_MINUTES),
    )
    token = f"{draft_id}.{base64.urlsafe_b64encode(key).decode().rstrip('=')}"
    return OpenDraft(draft=draft, token=token, key=key, answers={})


class DraftGone(Exception):
    """The draft was already sent (``submitted``) or never existed / expired."""

    def __init__(self, submitted: bool) -> None:
        super().__init__("submitted" if submitted else "missing")
        self.submitted = submitted


def open_draft(token: str, *, for_update: bool = False) -> OpenDraft:
    draft_id, _dot, key_text = (token or "").partition(".")
    if not draft_id or not key_text or len(token) > 200:
        raise DraftGone(submitted=False)
    try:
        key = base64.urlsafe_b64decode(key_text + "=" * (-len(key_text) % 4))
    except ValueError as error:
        raise DraftGone(submitted=False) from error
    queryset = Draft.objects.select_for_update() if for_update else Draft.objects
    draft = queryset.filter(token_hash=crypto.lookup_hash(draft_id.encode())).first()
    if draft is None or draft.expires_at <= timezone.now():
        raise DraftGone(submitted=False)
    if draft.submitted_at is not None:
        raise DraftGone(submitted=True)
    try:
        plaintext = crypto.decrypt(key, bytes(draft.ciphertext), purpose=_purpose(draft.token_hash))
    except crypto.DecryptionError as error:
        raise DraftGone(submitted=False) from error
    return OpenDraft(draft=draft, token=token, key=key, answers=json.loads(plaintext))


def mark_submitted(token: str) -> None:
    """Inside the report's transaction, first: the answers go, a tombstone stays to refuse
    replays. One statement takes the draft (a second send of it waits on the row, then finds
    it sent); ``DraftGone`` when it was sent already, expired or never was."""
    draft_id = (token or "").partition(".")[0]
    token_hash = crypto.lookup_hash(draft_id.encode())
    now = timezone.now()
    taken = Draft.objects.filter(
        token_hash=token_hash, submitted_at__isnull=True, expires_at__gt=now
    ).update(submitted_at=now, ciphertext=b"")
    if not taken:
        sent = Draft.objects.filter(token_hash=token_hash, submitted_at__isnull=False).exists()
        raise DraftGone(submitted=sent)
