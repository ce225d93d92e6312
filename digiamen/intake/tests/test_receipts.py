"""Receipts that resist a stolen database: 24 digits (version 2), 16-digit receipts of older
reports still open their mailbox (version 1), and wrong receipts are limited per client and
per receipt prefix, never across everyone. The production floor of the derivation is tested
in digiamen/core/tests/test_checks.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import translation

from digiamen.conftest import World
from digiamen.core import crypto
from digiamen.intake import actions, receipts
from digiamen.intake.flow import receipt_page
from digiamen.intake.models import Report
from digiamen.intake.tests.helpers import hidden, receipt_of, staff_reply, walk

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
GROUPED_24 = re.compile(r"\d{4}( \d{4}){5}")
SECONDS_A_YEAR = 365.25 * 24 * 3600


def _submit(**kwargs: Any) -> actions.Submission:
    answers = {"harm_types": ["sexual_extortion"], "country": "MA", "narrative": "He threatens me."}
    return actions.submit_report(
        answers, channel="web", submission_id=crypto.random_token(), **kwargs
    )


def _followup(client: Client, typed: str, language: str = "en") -> Any:
    return client.post(f"/{language}/followup/", {"receipt": typed})


def _api_followup(client: Client, typed: str) -> Any:
    return client.post(
        "/api/v1/followup/session", json.dumps({"receipt": typed}), content_type="application/json"
    )


# --- 1. Strength --------------------------------------------------------------------------------


def test_strength_new_receipts_have_24_digits_in_six_groups_of_four(world: World) -> None:
    drawn = {receipts.new_receipt() for _ in range(200)}
    assert all(len(r) == 24 and r.isdigit() for r in drawn) and len(drawn) == 200
    receipt = _submit().receipt
    assert len(receipt) == receipts.RECEIPT_DIGITS == 24
    assert GROUPED_24.fullmatch(receipts.format_receipt(receipt))
    assert receipts.receipt_version(receipt) == 2


def test_strength_a_stolen_database_of_a_million_reports_costs_ten_thousand_gpu_years() -> None:
    """The arithmetic of docs/security-model.md, with the constants the code uses: one guess
    (one Argon2id at the production floor) tests every report at once, so a hit costs
    10^digits / reports guesses."""
    reports, guesses_a_second = 10**6, 8_000
    guesses_per_hit = 10**receipts.RECEIPT_DIGITS / reports
    gpu_years = guesses_per_hit / guesses_a_second / SECONDS_A_YEAR
    assert gpu_years >= 10**4
    # The 16 digits of version 1 did not: about 40 GPU-days.
    old = 10**receipts.LEGACY_RECEIPT_DIGITS / reports / guesses_a_second / SECONDS_A_YEAR
    assert old < 1
    # The floor the arithmetic assumes is the production default.
    assert receipts.KDF_MIN_MEMLIMIT == 64 * 1024 * 1024 and receipts.KDF_MIN_OPSLIMIT == 3
    text = (Path(settings.BASE_DIR) / "docs" / "security-model.md").read_text(encoding="utf-8")
    assert "3.96 × 10^6 GPU-years" in text and "10^18 guesses" in text


def test_strength_receipts_typed_with_any_spacing_or_digits(world: World) -> None:
    receipt = _submit().receipt
    grouped = receipts.format_receipt(receipt)
    for typed in [
        receipt,
        grouped,
        grouped.replace(" ", "-"),
        grouped.translate(ARABIC_DIGITS),
        " ".join(receipt[i : i + 3] for i in range(0, 24, 3)),
        "\u00a0" + grouped.replace(" ", "\u2009") + " ",
    ]:
        assert receipts.parse_receipt(typed) == receipt, typed
    for typed in [receipt[:-1], receipt + "1", receipt[:20], "x" + receipt, "1" * 17, ""]:
        assert receipts.parse_receipt(typed) is None, typed
    page = _followup(Client(), grouped.translate(ARABIC_DIGITS).replace(" ", "-"), "ar")
    assert page.status_code == 200 and 'name="token"' in page.content.decode()


def test_strength_version_1_derivation_is_pinned() -> None:
    """An old report keeps its lookup hash and mailbox key only if the derivation of a
    16-digit receipt never changes: pinned on a fixed salt at the test cost."""
    kdf = crypto.PasswordKdf(bytes(range(16)), 1, 8192)
    root = kdf.derive("0123456789012345")
    assert crypto.legacy_derive_key(root, purpose=b"receipt-lookup").hex() == (
        "0359c2ca0daea64b2338869c7100e15bf22b4939cb2ce5b9de7713f6e6594b61"
    )
    mailbox = crypto.private_key_from_seed(
        crypto.legacy_derive_key(root, purpose=b"receipt-mailbox")
    )
    assert bytes(mailbox.public_key).hex() == (
        "c4c0204be0f48225d0f24f4ef0c9cf9f9e9cbdfbbc4211f035fd61e486f95279"
    )
    # The current derivation gives other values, so both are found (receipt_secrets).
    secrets = receipts.ReceiptSecrets
    assert crypto.derive_key(root, purpose=b"receipt-lookup").hex() != (
        "0359c2ca0daea64b2338869c7100e15bf22b4939cb2ce5b9de7713f6e6594b61"
    )
    assert {"legacy_lookup", "legacy_mailbox_key"} <= set(secrets.__dataclass_fields__)


def test_strength_report_filed_by_the_first_key_derivation_still_opens(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Submitted while derive_key was what legacy_derive_key is now.
    monkeypatch.setattr(crypto, "derive_key", crypto.legacy_derive_key)
    submission = _submit()
    monkeypatch.undo()
    staff_reply(world, submission.report, "We read your report.")
    secret = receipts.receipt_secrets(submission.receipt)
    assert submission.report.receipt_lookup == secret.legacy_lookup != secret.lookup
    page = _followup(Client(), receipts.format_receipt(submission.receipt))
    assert page.status_code == 200 and "We read your report." in page.content.decode()
    # A report filed now is found by the current lookup.
    newer = _submit()
    assert newer.report.receipt_lookup == receipts.receipt_secrets(newer.receipt).lookup
    opened = actions.find_mailbox(newer.receipt)
    assert opened is not None and opened[0] == newer.report


def test_strength_old_format_receipt_still_opens_its_mailbox(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A report received before version 2: its reporter holds 16 digits.
    legacy = "0420" + "1" * 12
    monkeypatch.setattr(receipts, "new_receipt", lambda: legacy)
    submission = _submit()
    monkeypatch.undo()
    assert submission.receipt == legacy and receipts.receipt_version(legacy) == 1
    report = submission.report
    staff_reply(world, report, "We read your report.")
    # A new report next to it gets 24 digits; both open their own mailbox only.
    newer = _submit()
    assert len(newer.receipt) == 24

    typed = receipts.format_receipt(legacy).translate(ARABIC_DIGITS)
    page = _followup(Client(), typed, "ar")
    assert page.status_code == 200
    assert "We read your report." in page.content.decode()
    session = _api_followup(Client(), legacy)
    assert session.status_code == 201
    conversation = Client().get(
        "/api/v1/followup/messages", HTTP_AUTHORIZATION=f"Bearer {session.json()['token']}"
    )
    assert [m["text"] for m in conversation.json()["messages"]] == ["We read your report."]
    # Padding the old receipt to 24 digits is another receipt, which opens nothing.
    assert _followup(Client(REMOTE_ADDR="10.9.0.1"), legacy + "0" * 8).status_code == 400
    opened = actions.find_mailbox(newer.receipt)
    assert opened is not None and opened[0] == newer.report


# --- 3. The online limit ------------------------------------------------------------------------


def test_one_client_cannot_lock_everyone_out_of_followup(world: World, settings: Any) -> None:
    settings.FOLLOWUP_FAILURES_PER_CLIENT = 3
    settings.FOLLOWUP_FAILURES_PER_PREFIX = 1000
    receipt = receipt_of(walk(Client(), "/en/report/").content.decode())
    attacker = Client(REMOTE_ADDR="10.6.6.6")
    failures = [receipts.format_receipt(receipts.new_receipt()) for _ in range(50)]
    codes = [_followup(attacker, typed).status_code for typed in failures]
    assert codes[:3] == [400] * 3 and set(codes[3:]) == {429}
    assert _api_followup(attacker, receipt).status_code == 429  # the attacker, throttled
    # Everyone else, with a right receipt, still gets in (web and API).
    page = _followup(Client(REMOTE_ADDR="10.0.0.7"), receipt)
    assert page.status_code == 200 and hidden(page.content.decode(), "token")
    assert _api_followup(Client(REMOTE_ADDR="10.0.0.8"), receipt).status_code == 201
    # A crowd of clients failing on random receipts locks nobody out either: no global cap.
    for n in range(40):
        _followup(Client(REMOTE_ADDR=f"10.1.{n}.1"), receipts.new_receipt())
    assert _followup(Client(REMOTE_ADDR="10.0.0.9"), receipt).status_code == 200
    assert not hasattr(settings, "FOLLOWUP_FAILURES_GLOBAL")


def test_failures_against_one_receipt_prefix_slow_that_prefix_only(
    world: World, settings: Any
) -> None:
    settings.FOLLOWUP_FAILURES_PER_PREFIX = 4
    target = _submit().receipt
    other = _submit().receipt
    while other[: receipts.PREFIX_DIGITS] == target[: receipts.PREFIX_DIGITS]:
        other = _submit().receipt
    prefix = target[: receipts.PREFIX_DIGITS]

    def guess() -> str:
        # Same first digits as the target, anything after: a guessing crowd concentrated on
        # one reporter's prefix.
        while (typed := prefix + receipts.new_receipt()[receipts.PREFIX_DIGITS :]) == target:
            pass
        return typed

    codes = [_followup(Client(REMOTE_ADDR=f"10.2.{n}.1"), guess()).status_code for n in range(4)]
    assert codes == [400] * 4  # each client failed once only
    # That prefix is slowed for everyone, on the web and through the API...
    assert _followup(Client(REMOTE_ADDR="10.3.0.1"), guess()).status_code == 429
    assert _api_followup(Client(REMOTE_ADDR="10.3.0.2"), guess()).status_code == 429
    assert _followup(Client(REMOTE_ADDR="10.3.0.3"), target).status_code == 429
    # ...and no other: the other reporter, and a 16-digit receipt starting alike, still open.
    assert _followup(Client(REMOTE_ADDR="10.3.0.4"), other).status_code == 200
    assert _api_followup(Client(REMOTE_ADDR="10.3.0.5"), other).status_code == 201
    assert _followup(Client(REMOTE_ADDR="10.3.0.6"), prefix + "0" * 10).status_code == 400


def test_the_cache_never_holds_a_receipts_digits(world: World, settings: Any) -> None:
    from django.core.cache import cache

    typed = "987654" + "1" * 18
    _followup(Client(), typed)
    keys = list(getattr(cache, "_cache", {}).keys())
    assert keys, "the test expects the local-memory cache"
    assert not [key for key in keys if "987654" in str(key)]


# --- 4. Everywhere receipts are shown -----------------------------------------------------------


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_receipt_shown_with_its_24_digits_on_the_page_after_a_report(
    world: World, language: str
) -> None:
    html = walk(Client(), f"/{language}/report/").content.decode()
    assert GROUPED_24.fullmatch(receipt_of(html))
    expected = {
        "en": "Keep all 24 digits hidden",
        "fr": "Garde les 24 chiffres cachés",
        "ar": "احتفظ بالأرقام الـ24 كلها مخفية",
    }[language]
    assert expected in html
    if language == "ar":
        assert re.search(r'lang="ar">[٠-٩]{4}( [٠-٩]{4}){5}<', html)


@pytest.mark.parametrize(
    ("language", "help_text", "home_text"),
    [
        ("en", "24 digits (older numbers have 16)", "secret number of 24 digits"),
        ("fr", "24 chiffres (les anciens numéros en ont 16)", "numéro secret de 24 chiffres"),
        ("ar", "24 رقماً (للأرقام القديمة 16 رقماً)", "رقم سري من 24 رقماً"),
    ],
)
def test_receipt_length_told_on_the_followup_form_and_the_home_page(
    db: None, language: str, help_text: str, home_text: str
) -> None:
    form = Client().get(f"/{language}/followup/").content.decode()
    assert help_text in form and "16 digits." not in form
    assert home_text in Client().get(f"/{language}/").content.decode()


@pytest.mark.parametrize(
    ("language", "instruction"),
    [
        ("en", "Read the 24 digits of this secret number"),
        ("fr", "Lisez les 24 chiffres de ce numéro secret"),
        ("ar", "اقرأ الأرقام الـ24 لهذا الرقم السري"),
    ],
)
def test_receipt_shown_with_its_24_digits_to_the_operator(
    world: World, language: str, instruction: str
) -> None:
    submission = _submit(received_by=None)
    request = RequestFactory().get("/")
    request.user = world.bob.user
    with translation.override(language):
        html = receipt_page(request, submission, operator=True).content.decode()
    assert instruction in html
    shown = re.search(r'class="receipt" dir="ltr">([0-9 ]+)<', html)
    assert shown and GROUPED_24.fullmatch(shown.group(1))


def test_receipt_shown_with_its_24_digits_by_the_api_and_its_document(world: World) -> None:
    response = Client().post(
        "/api/v1/reports",
        json.dumps({"harm_types": ["cyberbullying"], "country": "MA"}),
        content_type="application/json",
    )
    assert response.status_code == 201 and GROUPED_24.fullmatch(response.json()["receipt"])
    document = json.dumps(Client().get("/api/v1/openapi.json").json())
    assert "24 digits in six groups of four" in document
    assert "The 24-digit receipt (or a 16-digit one" in document
    assert "16 digits in groups of four" not in document


def test_receipt_shown_with_its_24_digits_in_the_demo_credentials(world: World) -> None:
    from digiamen.intake import demo

    shown = demo.load([world.amane, world.jordan])["report_receipts"]
    assert shown and all(GROUPED_24.fullmatch(item["receipt"]) for item in shown)
    assert _followup(Client(), shown[0]["receipt"]).status_code == 200


def test_receipt_shown_with_its_24_digits_in_a_text_message_reply(world: World) -> None:
    from digiamen.channels import actions as channel_actions

    world.amane.languages = ["ar", "fr"]
    world.amane.save()
    gateway, secret = channel_actions.create_gateway(world.amane, name="SMS")
    last: Any = None
    for text in ["bonjour", "2", "1", "0", "3", "Il me menace.", "1"]:
        last = Client().post(
            f"/channels/{gateway.public_id}/sms",
            {"from": "+212612345678", "text": text},
            HTTP_AUTHORIZATION=f"Token {secret}",
        )
    assert Report.objects.filter(channel="sms").exists(), last.content.decode()[-500:]
    shown = re.search(r"\d{4}( \d{4}){5}", last.content.decode())
    assert shown, last.content.decode()[-500:]
    assert _followup(Client(), shown.group(0)).status_code == 200
