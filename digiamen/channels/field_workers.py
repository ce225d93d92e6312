"""Field workers' credentials: Basic (Argon2 hash) and Digest (HA1, encrypted)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Any, ClassVar

from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from digiamen.channels import store
from digiamen.channels.models import FieldWorker
from digiamen.core import audit
from digiamen.core.errors import ActionError

REALM = "Digi-Amen"
NONCE_SECONDS = 300
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
PASSWORD_MIN = 12
DIGEST_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]*))')


class FieldWorkerError(ActionError):
    messages: ClassVar[dict[str, Any]] = {
        "username": _(
            "A user name is 3 to 64 lower-case letters, digits, dots, dashes or underscores."
        ),
        "taken": _("This user name is taken."),
        "password": _("The password must have at least 12 characters."),
    }


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def create_field_worker(organisation: Any, actor: Any, username: str, password: str) -> FieldWorker:
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise FieldWorkerError("username")
    if len(password) < PASSWORD_MIN:
        raise FieldWorkerError("password")
    if FieldWorker.objects.filter(username=username).exists():
        raise FieldWorkerError("taken")
    with transaction.atomic():
        worker = FieldWorker.objects.create(
            organisation=organisation,
            username=username,
            password_hash=make_password(password),
            digest_secret=store.seal(
                _md5(f"{username}:{REALM}:{password}"), purpose=f"digest:{username}"
            ),
        )
        audit.record(
            "channels.field_worker_added", actor=actor, organisation=organisation, obj=worker
        )
    return worker


def set_active(worker: FieldWorker, actor: Any, *, active: bool) -> None:
    with transaction.atomic():
        FieldWorker.objects.filter(pk=worker.pk).update(is_active=active)
        worker.is_active = active
        audit.record(
            "channels.field_worker_enabled" if active else "channels.field_worker_disabled",
            actor=actor,
            organisation=worker.organisation,
            obj=worker,
        )


NONCES = signing.TimestampSigner(salt="digiamen.openrosa.nonce")


def new_nonce() -> str:
    return NONCES.sign(secrets.token_hex(8))


def _nonce_is_fresh(nonce: str) -> bool:
    try:
        NONCES.unsign(nonce, max_age=NONCE_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        return False
    return True


def _worker(username: str) -> FieldWorker | None:
    return (
        FieldWorker.objects.select_related("organisation")
        .filter(username=username.strip().lower()[:64], is_active=True)
        .first()
    )


def authenticate(header: str, method: str, path: str) -> FieldWorker | None:
    """The field worker named by an ``Authorization`` header (Basic or Digest), if valid."""
    scheme, _space, value = header.partition(" ")
    if len(header) > 2000:
        return None
    if scheme.lower() == "basic":
        try:
            username, _colon, password = base64.b64decode(value).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        worker = _worker(username)
        if worker is None or not check_password(password, worker.password_hash):
            return None
        return worker
    if scheme.lower() == "digest":
        params = {key: quoted or bare for key, quoted, bare in DIGEST_PARAM.findall(value)}
        worker = _worker(params.get("username", ""))
        nonce = params.get("nonce", "")
        if worker is None or params.get("realm") != REALM or not _nonce_is_fresh(nonce):
            return None
        if params.get("uri") != path:
            return None
        ha1 = store.unseal(bytes(worker.digest_secret), purpose=f"digest:{worker.username}")
        ha2 = _md5(f"{method}:{params['uri']}")
        if params.get("qop") == "auth":
            expected = _md5(
                f"{ha1}:{nonce}:{params.get('nc', '')}:{params.get('cnonce', '')}:auth:{ha2}"
            )
        else:
            expected = _md5(f"{ha1}:{nonce}:{ha2}")
        if not hmac.compare_digest(expected, params.get("response", "")):
            return None
        return worker
    return None


def challenge() -> str:
    """The WWW-Authenticate value: Digest (what ODK Collect prefers) and Basic."""
    return (
        f'Digest realm="{REALM}", qop="auth", nonce="{new_nonce()}", algorithm=MD5, '
        f'Basic realm="{REALM}", charset="UTF-8"'
    )
