"""Duplicate hints: the same phone number, handle or link in several cases.

Identifiers are normalised, then HMAC-ed with a key that derives from the organisation's
current key generation (held by every member, never by someone who has only the
database). Anonymous intake holds no secret, so a case is indexed the first time a member
who may open it does; hints appear among cases indexed so far.

A phone number has few possible values (the last nine digits: 10^9), so whoever holds the
key can recover numbers from their digests in seconds. That is why the key follows the
organisation key: when a member is removed the key rotates and every digest made with the
old key is deleted in the same transaction, so a removed member who later copies the
database finds nothing their old key can test. Cases are indexed again, with the new key,
as members open them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from digiamen.accounts.models import Organisation
from digiamen.cases.models import BlindIndexEntry, Case
from digiamen.core import crypto
from digiamen.core.digits import normalize_digits
from digiamen.core.encryption import (
    AccessDenied,
    current_casework_key,
    current_organisation_key,
    keyring_for,
)

URL = re.compile(r"https?://\S+", re.IGNORECASE)
HANDLE = re.compile(r"@[\w.\-]{2,64}", re.UNICODE)


def identifiers(contact_method: str, contact: str, accounts: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    contact = contact.strip()
    if contact and contact_method in ("phone", "whatsapp"):
        digits = re.sub(r"\D", "", normalize_digits(contact))
        if len(digits) >= 6:
            found.add((BlindIndexEntry.Kind.PHONE, digits[-9:]))  # ignore country prefixes
    elif contact and contact_method == "email":
        found.add((BlindIndexEntry.Kind.EMAIL, contact.lower()))
    for url in URL.findall(accounts):
        parts = urlsplit(url.rstrip(".,;)"))
        host = (parts.hostname or "").removeprefix("www.")
        found.add((BlindIndexEntry.Kind.LINK, f"{host}{parts.path.rstrip('/')}".lower()))
    for handle in HANDLE.findall(URL.sub(" ", accounts)):
        found.add((BlindIndexEntry.Kind.HANDLE, handle.lower()))
    return found


def _key(request: HttpRequest, case: Case) -> bytes:
    """Derived from the current casework key (the organisation key's, in an organisation
    that has none yet): a removed member's old key tests nothing against new digests."""
    keyring = keyring_for(request)
    private_key = keyring.current_casework_private_key(case.organisation)
    if private_key is None:
        if current_casework_key(case.organisation) is not None:
            raise AccessDenied("waiting for the casework key")
        current = current_organisation_key(case.organisation).version
        private_key = keyring.organisation_private_key(case.organisation, current)
    return crypto.derive_key(bytes(private_key), purpose=b"blind-index")


def forget_on_rotation(sender: object, *, organisation: Organisation, **_kwargs: object) -> None:
    """The organisation key rotated: digests made with the old key go, cases index anew."""
    BlindIndexEntry.objects.filter(organisation=organisation).delete()
    Case.objects.filter(organisation=organisation, indexed_at__isnull=False).update(indexed_at=None)


def digest(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def index_case(request: HttpRequest, case: Case, contact: str, accounts: str) -> None:
    """Called when a member who may open the case opens it: index it once."""
    if case.indexed_at is not None:
        return
    key = _key(request, case)
    entries = {
        digest(key, kind, value): kind
        for kind, value in identifiers(case.report.contact_method, contact, accounts)
    }
    with transaction.atomic():
        BlindIndexEntry.objects.bulk_create(
            [
                BlindIndexEntry(organisation=case.organisation, case=case, kind=kind, digest=d)
                for d, kind in entries.items()
            ],
            ignore_conflicts=True,
        )
        Case.objects.filter(pk=case.pk).update(indexed_at=timezone.now())
        case.indexed_at = timezone.now()


def possible_duplicates(case: Case) -> list[tuple[Case, list[str]]]:
    """Other cases of the organisation sharing an identifier, with what they share."""
    # One query: the digest covers the kind, so a shared digest is shared in the same kind.
    own = BlindIndexEntry.objects.filter(case=case).values("digest")
    shared: dict[int, tuple[Case, set[str]]] = {}
    for entry in (
        BlindIndexEntry.objects.filter(organisation_id=case.organisation_id, digest__in=own)
        .exclude(case=case)
        .select_related("case")
    ):
        shared.setdefault(entry.case_id, (entry.case, set()))[1].add(entry.kind)
    return [(other, sorted(kinds)) for _id, (other, kinds) in sorted(shared.items())]
