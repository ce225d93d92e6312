"""The audit chain witnessed outside the server.

The chain (``core.audit``) catches an edited or deleted row, but someone who can write to
the database could rewrite the whole chain and recompute every hash. Three things catch
that, each a signature by a key that is not in the database:

* **Checkpoints**: every hour the instance signs its chain head (``AuditCheckpoint``) with
  its instance key (``core.instance_key``, which also signs network files).
* **Receipts**: an operator sends the latest checkpoint to the trusted peer instances of
  its networks (``manage.py audit_witness statement``); each peer keeps the head
  (``WitnessedHead``) and signs it back (``witness``); the receipt comes home
  (``receipt``, ``AuditWitness``).
* **The peers' own records**: a peer exports the heads it witnessed for an instance
  (``heads``), which ``manage.py verify_audit --witnesses --witness-file FILE`` compares
  with the chain: receipts kept here could be deleted with the chain, the peer's could not.

Files are short signed texts, carried like network aggregate files (no server-to-server
connection). Every refusal is audited and changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime

import nacl.exceptions
import nacl.signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digiamen.core import audit, instance_key
from digiamen.core.models import AuditChainHead, AuditEvent
from digiamen.evidence.models import PeerInstance
from digiamen.operations.models import AuditCheckpoint, AuditWitness, WitnessedHead

STATEMENT = "DIGIAMEN-AUDIT-HEAD/1"
RECEIPT = "DIGIAMEN-AUDIT-RECEIPT/1"
HEADS = "DIGIAMEN-AUDIT-WITNESSED/1"
MAX_FILE_BYTES = 1_000_000


class WitnessError(ValueError):
    """A file that is refused: its message says why, for the operator."""


def _b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def _unb64(text: str, length: int) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if len(data) != length:
        raise WitnessError(_("The file is damaged: a key or signature is not valid."))
    return data


def _signed(lines: list[str], key: nacl.signing.SigningKey) -> str:
    body = "\n".join(lines)
    return body + "\nsignature:" + _b64(key.sign(body.encode("ascii")).signature) + "\n"


def _read(data: bytes, magic: str) -> tuple[list[str], bytes]:
    """The signed lines of a file (magic first) and its signature; damaged files refused."""
    if len(data) > MAX_FILE_BYTES:
        raise WitnessError(_("The file is too large."))
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise WitnessError(_("This is not an audit witness file.")) from None
    lines = text.rstrip("\n").split("\n")
    if len(lines) < 3 or lines[0] != magic or not lines[-1].startswith("signature:"):
        raise WitnessError(_("This is not an audit witness file."))
    return lines[:-1], _unb64(lines[-1].removeprefix("signature:"), 64)


def _check(lines: list[str], signature: bytes, public_key: bytes) -> None:
    try:
        nacl.signing.VerifyKey(public_key).verify("\n".join(lines).encode("ascii"), signature)
    except (nacl.exceptions.BadSignatureError, ValueError):
        raise WitnessError(
            _("The signature does not match: the file was changed after it was signed.")
        ) from None


def _field(lines: list[str], index: int, name: str) -> str:
    if len(lines) <= index or not lines[index].startswith(name + ":"):
        raise WitnessError(_("This is not an audit witness file."))
    return lines[index].removeprefix(name + ":")


def _trusted_peer(public_key: bytes) -> PeerInstance:
    peer = next((p for p in PeerInstance.objects.all() if bytes(p.public_key) == public_key), None)
    if peer is None:
        raise WitnessError(_("The file is signed by an instance no network here trusts."))
    return peer


def refused(error: WitnessError, what: str) -> None:
    """Record a refused file (the reason's code only, no content)."""
    audit.record("audit_witness.refused", details={"file": what, "reason": str(error)[:120]})


# --- This instance: checkpoints, statements, receipts ------------------------------------------


def _statement_lines(checkpoint: AuditCheckpoint) -> list[str]:
    return [
        STATEMENT,
        f"instance:{_b64(bytes(checkpoint.public_key))}",
        f"event:{checkpoint.last_event_id}",
        f"hash:{checkpoint.last_hash}",
        f"signed:{checkpoint.signed_at.isoformat()}",
    ]


# The rows of the last checkpoints, restated with their hashes as they are now: a peer that
# witnessed one of them sees at once if it changed (a rewrite by someone without the code's
# cooperation); ``verify_audit --witness-file`` is the check that holds against anyone.
RESTATED = 24


def _restated_lines(checkpoint: AuditCheckpoint) -> list[str]:
    earlier = list(
        AuditCheckpoint.objects.filter(last_event_id__lt=checkpoint.last_event_id).values_list(
            "last_event_id", flat=True
        )[:RESTATED]
    )
    rows = dict(AuditEvent.objects.filter(pk__in=earlier).values_list("pk", "row_hash"))
    return [f"still:{event_id}:{rows.get(event_id, 'missing')}" for event_id in sorted(earlier)]


def sign_head() -> AuditCheckpoint | None:
    """Sign the chain's current head, unless it is signed already (nothing new since)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or not head.last_event_id:
        return None
    latest = AuditCheckpoint.objects.first()
    if latest is not None and latest.last_event_id == head.last_event_id:
        return None
    key = instance_key.signing_key()
    checkpoint = AuditCheckpoint(
        last_event_id=head.last_event_id,
        last_hash=head.last_hash,
        signed_at=timezone.now(),
        public_key=bytes(key.verify_key),
    )
    checkpoint.signature = key.sign("\n".join(_statement_lines(checkpoint)).encode()).signature
    checkpoint.save()
    return checkpoint


def statement() -> bytes:
    """The latest checkpoint as a file for the peers (a new one signed first if needed)."""
    sign_head()
    checkpoint = AuditCheckpoint.objects.first()
    if checkpoint is None:
        raise WitnessError(_("The audit log is empty: there is nothing to witness yet."))
    key = instance_key.signing_key()
    # The checkpoint's own signature vouches for the head; the file's, for the restated rows.
    lines = [
        *_statement_lines(checkpoint),
        f"head-signature:{_b64(bytes(checkpoint.signature))}",
        *_restated_lines(checkpoint),
    ]
    return _signed(lines, key).encode("ascii")


def store_receipt(data: bytes) -> AuditWitness:
    """A peer's receipt for one of this instance's checkpoints, kept for verification."""
    lines, signature = _read(data, RECEIPT)
    peer_key = _unb64(_field(lines, len(lines) - 2, "witness"), 32)
    peer = _trusted_peer(peer_key)
    _check(lines, signature, peer_key)
    event_id = _field(lines, 3, "event")
    checkpoint = AuditCheckpoint.objects.filter(
        last_event_id=int(event_id) if event_id.isdigit() else -1,
        last_hash=_field(lines, 4, "hash"),
    ).first()
    if checkpoint is None or lines[1:6] != _statement_lines(checkpoint):
        raise WitnessError(_("This receipt is for a head this instance never signed."))
    with transaction.atomic():
        witness, _created = AuditWitness.objects.get_or_create(
            checkpoint=checkpoint,
            peer_public_key=peer_key,
            defaults={"peer_name": peer.name, "signature": signature},
        )
        audit.record(
            "audit_witness.receipt_stored",
            details={"peer": peer.name, "event": checkpoint.last_event_id},
        )
    return witness


# --- A peer's side: witness a head, export what was witnessed ---------------------------------


def witness(data: bytes) -> bytes:
    """Witness a trusted peer's signed head: keep it and sign it back (the receipt).
    A head that contradicts one witnessed before (same row, other hash) is refused."""
    lines, signature = _read(data, STATEMENT)
    their_key = _unb64(_field(lines, 1, "instance"), 32)
    peer = _trusted_peer(their_key)
    _check(lines, signature, their_key)
    _check(lines[:5], _unb64(_field(lines, 5, "head-signature"), 64), their_key)
    event_id, last_hash = _field(lines, 2, "event"), _field(lines, 3, "hash")
    try:
        stated_at = datetime.fromisoformat(_field(lines, 4, "signed"))
    except ValueError:
        raise WitnessError(_("This is not an audit witness file.")) from None
    if not event_id.isdigit() or len(last_hash) != 64:
        raise WitnessError(_("This is not an audit witness file."))
    earlier = WitnessedHead.objects.filter(
        peer_public_key=their_key, last_event_id=int(event_id)
    ).first()
    restated = [line.split(":") for line in lines[6:]]
    if any(len(parts) != 3 or parts[0] != "still" or not parts[1].isdigit() for parts in restated):
        raise WitnessError(_("This is not an audit witness file."))
    known = dict(
        WitnessedHead.objects.filter(
            peer_public_key=their_key, last_event_id__in=[int(p[1]) for p in restated]
        ).values_list("last_event_id", "last_hash")
    )
    changed = any(known.get(int(p[1]), p[2]) != p[2] for p in restated)
    if changed or (earlier is not None and earlier.last_hash != last_hash):
        raise WitnessError(
            _("This head contradicts one witnessed before: that instance's log was rewritten.")
        )
    with transaction.atomic():
        WitnessedHead.objects.get_or_create(
            peer_public_key=their_key,
            last_event_id=int(event_id),
            defaults={"peer_name": peer.name, "last_hash": last_hash, "stated_at": stated_at},
        )
        audit.record("audit_witness.witnessed", details={"peer": peer.name, "event": event_id})
    key = instance_key.signing_key()
    receipt = [
        RECEIPT,
        *lines[:6],
        f"statement-signature:{_b64(signature)}",
        f"witness:{_b64(bytes(key.verify_key))}",
        f"witnessed:{timezone.now().isoformat()}",
    ]
    return _signed(receipt, key).encode("ascii")


def heads_for(their_key: bytes) -> bytes:
    """Every head witnessed for one instance, signed: its operator checks its chain
    against them (``verify_audit --witnesses --witness-file``)."""
    heads = WitnessedHead.objects.filter(peer_public_key=their_key).order_by("last_event_id")
    key = instance_key.signing_key()
    lines = [HEADS, f"witness:{_b64(bytes(key.verify_key))}", f"for:{_b64(their_key)}"]
    lines += [f"head:{h.last_event_id}:{h.last_hash}" for h in heads]
    return _signed(lines, key).encode("ascii")


# --- Verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    event_id: int
    last_hash: str
    source: str  # who vouches for it: "checkpoint", or the witnessing peer's name
    # A head known only by its fingerprint (``last_hash`` then holds the fingerprint), as
    # the admins' alerts carry it.
    by_fingerprint: bool = False

    def matches(self, row_hash: str) -> bool:
        if self.by_fingerprint:
            return fingerprint(self.event_id, row_hash) == normalise_fingerprint(self.last_hash)
        return row_hash == self.last_hash


# --- Fingerprints: the head as a short code for people ------------------------------------------

FINGERPRINT_GROUPS = 5  # of four base32 characters: 100 bits


def fingerprint(event_id: int, row_hash: str) -> str:
    """A short code for a head, content-free (a hash of a hash), for admins to keep outside
    the server: in their e-mail, on paper. "7KQ2-M4XD-…", five groups of four."""
    digest = hashlib.sha256(f"digiamen-audit-head-v1\n{event_id}\n{row_hash}".encode()).digest()
    code = base64.b32encode(digest).decode("ascii")[: FINGERPRINT_GROUPS * 4]
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_fingerprint(text: str) -> str:
    letters = "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def head_from_fingerprint(text: str) -> Head:
    """ "1234:7KQ2-M4XD-…" as an alert gives it: the event number and the fingerprint."""
    event, _colon, code = text.strip().partition(":")
    letters = normalise_fingerprint(code).replace("-", "")
    if not event.isascii() or not event.isdigit() or len(letters) != FINGERPRINT_GROUPS * 4:
        raise WitnessError(_("A fingerprint is written as the event number, a colon and the code."))
    return Head(int(event), code, "an admin's fingerprint", by_fingerprint=True)


def heads_in_file(data: bytes) -> list[Head]:
    """The heads a trusted peer says it witnessed for this instance."""
    lines, signature = _read(data, HEADS)
    peer_key = _unb64(_field(lines, 1, "witness"), 32)
    peer = _trusted_peer(peer_key)
    _check(lines, signature, peer_key)
    if _unb64(_field(lines, 2, "for"), 32) != bytes(instance_key.signing_key().verify_key):
        raise WitnessError(_("These heads were witnessed for another instance."))
    heads = []
    for line in lines[3:]:
        parts = line.split(":")
        if len(parts) != 3 or parts[0] != "head" or not parts[1].isdigit():
            raise WitnessError(_("This is not an audit witness file."))
        heads.append(Head(int(parts[1]), parts[2], peer.name))
    return heads


def heads_kept_here() -> list[Head]:
    """Checkpoints whose signature holds, and receipts whose peer signature holds."""
    heads = []
    for checkpoint in AuditCheckpoint.objects.all():
        try:
            _check(
                _statement_lines(checkpoint),
                bytes(checkpoint.signature),
                bytes(checkpoint.public_key),
            )
        except WitnessError:
            heads.append(Head(checkpoint.last_event_id, "forged checkpoint", "checkpoint"))
            continue
        heads.append(Head(checkpoint.last_event_id, checkpoint.last_hash, "checkpoint"))
    for receipt in AuditWitness.objects.select_related("checkpoint"):
        checkpoint = receipt.checkpoint
        heads.append(Head(checkpoint.last_event_id, checkpoint.last_hash, receipt.peer_name))
    return heads


def first_contradiction(heads: list[Head]) -> tuple[Head, str] | None:
    """The lowest witnessed head the chain no longer matches, and how."""
    rows = dict(
        AuditEvent.objects.filter(pk__in={head.event_id for head in heads}).values_list(
            "pk", "row_hash"
        )
    )
    for head in sorted(heads, key=lambda h: h.event_id):
        found = rows.get(head.event_id)
        if found is None:
            return head, "missing"
        if not head.matches(found):
            return head, "rewritten"
    return None
