"""Cost of the encryption design at production parameters.

* unlocking a member's key (Argon2id, 3 passes, 64 MiB): paid once per sign-in;
* sealing a record key to an organisation (X25519 sealed box): paid once per report;
* encrypting and opening a 20 000-character narrative (XChaCha20-Poly1305);
* signing one staff writing, and checking the 50 entries of a busy case page (a certificate
  and a signature each, Ed25519; ``core.writings``), against the case page's 150 ms budget;
* signing a reporter's message and checking 20 of them (``intake.reporter_signing``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from nacl.encoding import RawEncoder
from nacl.signing import SigningKey

from digiamen.core import crypto
from digiamen.intake import reporter_signing


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000
    print(f"   {name:<46} p50 {p50:9.3f} ms   p95 {p95:9.3f} ms   {1000 / p50:10.0f} /s")


def main() -> None:
    kdf = crypto.PasswordKdf.new(3, 64 * 1024 * 1024)
    report("Argon2id unlock (3 passes, 64 MiB)", timed(lambda: kdf.derive("a passphrase"), 10))
    org_key = crypto.new_private_key()
    public = bytes(org_key.public_key)
    data_key = crypto.random_key()
    report(
        "seal a record key to the organisation", timed(lambda: crypto.seal(public, data_key), 2000)
    )
    sealed = crypto.seal(public, data_key)
    report("open a record key (member side)", timed(lambda: crypto.unseal(org_key, sealed), 2000))
    narrative = ("ح" * 20000).encode()
    report(
        "encrypt a 20 000-character narrative",
        timed(lambda: crypto.encrypt(data_key, narrative, purpose=b"field:n:r"), 2000),
    )
    blob = crypto.encrypt(data_key, narrative, purpose=b"field:n:r")
    report(
        "decrypt a 20 000-character narrative",
        timed(lambda: crypto.decrypt(data_key, blob, purpose=b"field:n:r"), 2000),
    )
    writer = SigningKey(crypto.random_key())
    generation = SigningKey(crypto.random_key())
    certificate = generation.sign(bytes(writer.verify_key), encoder=RawEncoder).signature
    message = b'{"author":1,"case":1,"content":"' + b"0" * 64 + b'","row":1,"table":"cases.note"}'
    note = ("ح" * 2000).encode()

    def sign_one() -> bytes:
        crypto.derive_key(bytes(org_key), purpose=b"member-writing-signing")
        hashed = message + crypto.derive_key(note, purpose=b"digest")
        return writer.sign(hashed, encoder=RawEncoder).signature

    signature = sign_one()
    report("sign one writing (derive the key, digest, sign)", timed(sign_one, 2000))

    def check_page() -> None:
        for _entry in range(50):
            generation.verify_key.verify(bytes(writer.verify_key), certificate)
            writer.verify_key.verify(
                message + crypto.derive_key(note, purpose=b"digest"), signature
            )

    samples = timed(lambda: None, 1)
    samples = timed(check_page, 200)
    report("check 50 signed entries (certificate + signature)", samples)
    share = statistics.median(samples) * 1000 / 150
    print(f"   the check takes {share:.1%} of the case page's 150 ms budget")

    # The reporter's messages: signed with the key their receipt's mailbox key derives.
    mailbox_key = crypto.new_private_key()
    verify_key = reporter_signing.verify_key(mailbox_key)
    when = datetime(2026, 12, 5, tzinfo=UTC)
    words = "ما زال يهددني" * 40
    report(
        "sign one reporter message (derive the key, sign)",
        timed(lambda: reporter_signing.sign(mailbox_key, "report", when, words), 2000),
    )
    reporter_signature = reporter_signing.sign(mailbox_key, "report", when, words)

    def check_conversation() -> None:
        for _message in range(20):
            verdict = reporter_signing.check(verify_key, reporter_signature, "report", when, words)
            if not verdict.signed:
                raise RuntimeError("a reporter's signature did not hold")

    samples = timed(check_conversation, 200)
    report("check 20 reporter messages", samples)
    share = statistics.median(samples) * 1000 / 150
    print(f"   the check takes {share:.1%} of the case page's 150 ms budget")
