"""The case file's machine-readable twin: a signed record a court can verify offline.

The same sections as the printed case file, under the same consent rules
(``case_file.case_file_context``), written as JSON with the audit log's rows about the case
(each with the fields its hash covers) and signed with the instance key
(``core.instance_key``). Given a recipient's public key (X25519, base64) the whole file is
sealed to it, so that only the court or the prosecutor opens it.

``verify`` (``manage.py verify_case_record``, and a staff page) checks a record offline:
the signature, the instance key against the one expected, and each audit row against its
hash; it says what is intact and what is not, and changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import nacl.exceptions
import nacl.signing
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from nacl.public import PrivateKey, PublicKey, SealedBox

from digiamen.cases.case_file import case_file_context
from digiamen.cases.permissions import CaseAccess
from digiamen.core import audit, crypto, instance_key
from digiamen.core.models import AuditEvent
from digiamen.core.untrusted import Unreadable, read_json

FORMAT = "digiamen-case-record/1"
SEALED_MAGIC = b"DIGIAMEN-SEALED-CASE-RECORD/1\n"
MAX_RECORD_BYTES = 20_000_000


class RecordError(ValueError):
    """A record that cannot be read at all (its message says why)."""


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _audit_rows(access: CaseAccess) -> list[dict[str, Any]]:
    """The audit log's rows about the case and its report, with what their hashes cover."""
    case = access.case
    about = Q(object_type="cases.case", object_id=str(case.pk)) | Q(
        object_type="intake.report", object_id=str(case.report_id)
    )
    return [
        {**audit.hashed_fields(event), "row_hash": event.row_hash}
        for event in AuditEvent.objects.filter(about).order_by("id")
    ]


def _content(context: dict[str, Any]) -> dict[str, Any]:
    """The chosen sections' values, as plain JSON (codes, not translated labels)."""
    case = context["case"]
    sections = context["sections"]
    content: dict[str, Any] = {
        "overview": {
            "status": case.status,
            "risk_level": case.risk_level,
            "harm_types": list(case.harm_types),
            "country": case.report.country,
            "admin1": case.admin1,
            "age_band": case.age_band,
            "opened": _iso(case.created_at),
            "closed": _iso(case.closed_at),
        }
        if "overview" in sections
        else None
    }
    opened = context.get("opened")
    if opened is not None and "story" in sections:
        content["story"] = {"narrative": opened.narrative, "accounts": opened.involved_accounts}
    if opened is not None and "conversation" in sections:
        content["conversation"] = [
            {"direction": m.direction, "at": _iso(m.created_at), "text": m.text}
            for m in opened.messages
        ]
    if "consents" in context:
        content["consent"] = [
            {
                "purpose": r.purpose,
                "granted": r.granted,
                "given_by": r.given_by,
                "method": r.method,
                "at": _iso(r.recorded_at),
            }
            for r in context["consents"].values()
        ]
    if "escalations" in context:
        content["escalations"] = [
            {
                "platform": e.platform,
                "kind": e.kind,
                "sent": _iso(e.sent_at),
                "outcome": e.outcome,
                "resolved": _iso(e.resolved_at),
            }
            for e in context["escalations"]
        ]
    if "referrals" in context:
        content["referrals"] = [
            {"service_type": r.service_type, "status": r.status, "sent": _iso(r.sent_at)}
            for r in context["referrals"]
        ]
    if "notes" in context:
        content["notes"] = [
            {
                "author": note.author.username,
                "at": _iso(note.created_at),
                "text": str(text),
                "intact": not getattr(text, "tampered", False),
            }
            for note, text in context["notes"]
        ]
        content["tasks"] = [
            {"due": _iso(task.due_at), "done": _iso(task.done_at), "title": str(title)}
            for task, title in context["tasks"]
        ]
    if "events" in context:
        content["timeline"] = [
            {"kind": e.kind, "at": _iso(e.created_at), "actor": e.actor.username if e.actor else ""}
            for e in context["events"]
        ]
    return content


def build(
    request: HttpRequest, access: CaseAccess, codes: list[str], recipient: bytes | None = None
) -> bytes:
    """The signed record of the chosen sections (sealed to ``recipient`` when given)."""
    context = case_file_context(request, access, codes, audit_action="case.record_exported")
    key = instance_key.signing_key()
    record = {
        "format": FORMAT,
        "instance_key": base64.b64encode(bytes(key.verify_key)).decode("ascii"),
        "organisation": access.case.organisation.slug,
        "case": access.case.number,
        "exported_at": timezone.now().isoformat(),
        "exported_by": access.membership.user.username,
        "sections": sorted(context["sections"]),
        "content": _content(context),
        "audit": _audit_rows(access),
    }
    signature = key.sign(_canonical(record)).signature
    data = json.dumps(
        {"record": record, "signature": base64.b64encode(signature).decode("ascii")},
        ensure_ascii=False,
        indent=1,
    ).encode()
    if recipient is None:
        return data
    return SEALED_MAGIC + base64.b64encode(SealedBox(PublicKey(recipient)).encrypt(data))


def parse_public_key(text: str) -> bytes:
    """A recipient's public key written in base64 (32 bytes)."""
    key = crypto.key_from_text(text)
    if key is None:
        raise RecordError(_("A public key is 32 bytes written in base64."))
    return key


# --- Verification --------------------------------------------------------------------------------


@dataclass
class Verdict:
    """What was checked, each with its result; ``intact`` only if every check held."""

    case: str = ""
    organisation: str = ""
    checks: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return bool(self.checks) and all(ok for _check, ok in self.checks)


def _open(data: bytes, private_key: bytes | None) -> dict[str, Any]:
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(_("The file is too large."))
    if data.startswith(SEALED_MAGIC):
        if private_key is None:
            raise RecordError(_("This record is sealed: give the recipient's private key."))
        try:
            data = SealedBox(PrivateKey(private_key)).decrypt(
                base64.b64decode(data[len(SEALED_MAGIC) :], validate=True)
            )
        except (nacl.exceptions.CryptoError, binascii.Error, ValueError):
            raise RecordError(_("This record does not open with this private key.")) from None
    try:
        parsed = read_json(data, max_bytes=MAX_RECORD_BYTES)
    except Unreadable:
        raise RecordError(_("This is not a case record.")) from None
    if (
        not isinstance(parsed, dict)
        or not isinstance(parsed.get("record"), dict)
        or parsed["record"].get("format") != FORMAT
        or not isinstance(parsed.get("signature"), str)
    ):
        raise RecordError(_("This is not a case record."))
    return parsed


def _row_holds(row: Any) -> bool:
    if not isinstance(row, dict):
        return False
    try:
        event = AuditEvent(
            id=row["id"],
            created_at=datetime.fromisoformat(row["created_at"]),
            actor_id=row["actor_id"],
            actor_username=row["actor_username"],
            organisation_id=row["organisation_id"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            details=row["details"],
            previous_hash=row["previous_hash"],
        )
        return audit.row_digest(event) == row["row_hash"]
    except (KeyError, TypeError, ValueError):
        return False


def verify(
    data: bytes, *, private_key: bytes | None = None, expected_key: bytes | None = None
) -> Verdict:
    """Check a record offline. Raises RecordError only for a file that is no record."""
    parsed = _open(data, private_key)
    record = parsed["record"]
    verdict = Verdict(
        case=str(record.get("case", "")), organisation=str(record.get("organisation", ""))
    )
    try:
        signer = base64.b64decode(str(record.get("instance_key", "")), validate=True)
        nacl.signing.VerifyKey(signer).verify(
            _canonical(record), base64.b64decode(parsed["signature"], validate=True)
        )
        signed = True
    except (nacl.exceptions.BadSignatureError, binascii.Error, ValueError, TypeError):
        signer, signed = b"", False
    verdict.checks.append((_("The signature matches the record: nothing was changed."), signed))
    if expected_key is not None:
        verdict.checks.append(
            (_("It was signed by the expected instance."), signed and signer == expected_key)
        )
    rows = record.get("audit")
    rows_hold = isinstance(rows, list) and all(_row_holds(row) for row in rows)
    verdict.checks.append(
        (
            _("Each audit log row matches its hash (%(count)s rows).") % {"count": len(rows or [])},
            rows_hold,
        )
    )
    notes = (record.get("content") or {}).get("notes") or []
    verdict.checks.append(
        (
            _("Every note opened where it was written (none moved or forged)."),
            all(isinstance(n, dict) and n.get("intact") is True for n in notes),
        )
    )
    return verdict
