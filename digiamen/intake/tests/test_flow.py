from __future__ import annotations

import re

import pytest
from django.test import Client

from digiamen.conftest import World
from digiamen.core.models import AuditEvent
from digiamen.intake.models import Draft, Report
from digiamen.intake.tests.helpers import STEP_ANSWERS, hidden, receipt_of, start, walk

PATH = "/en/report/"


def test_whole_report_without_javascript_or_cookies(client: Client, world: World) -> None:
    response = walk(client, PATH)
    assert response.status_code == 201
    html = response.content.decode()
    receipt = receipt_of(html)
    assert re.fullmatch(r"\d{4}( \d{4}){5}", receipt)
    assert "Do not pay" in html  # sextortion advice
    assert not client.cookies  # no cookie at any point
    report = Report.objects.get()
    assert report.organisation == world.jordan or report.organisation == world.amane
    assert report.harm_types == ["sexual_extortion"] and report.admin1 == "TN-61"
    assert report.platforms == ["instagram", "snapchat"]
    assert report.consent_statistics and report.consent_contact and not report.consent_referral
    assert report.channel == "web"
    assert AuditEvent.objects.filter(action="report.received").count() == 1
    assert b"He says he will send" not in bytes(report.narrative)
    assert response["Cache-Control"].startswith("no-store")


def test_every_step_posts_to_the_same_address_and_its_title_names_only_the_step(
    client: Client, world: World
) -> None:
    key, value = start(client, PATH)
    titles = []
    for answers in STEP_ANSWERS:
        response = client.post(PATH, {key: value, "action": "next", **answers})
        html = response.content.decode()
        titles.append(re.search(r"<title>(.*?)</title>", html).group(1))  # type: ignore[union-attr]
        assert re.search(r'<form method="post" novalidate>', html)  # action = same URL
        key, value = "draft", hidden(html, "draft")
    # The step and its question, never an answer (the tab and the history show titles).
    assert [title.split(":")[0] for title in titles[:-1]] == [
        f"Step {n} of 8" for n in range(2, len(titles) + 1)
    ]
    for title in titles:
        assert title.endswith(" · Digi-Amen")
        assert "photos" not in title and "bad_guy" not in title  # the story, the accounts


def test_draft_is_encrypted_and_unreadable_without_the_page(client: Client, world: World) -> None:
    walk(client, PATH, send=False)
    draft = Draft.objects.get()
    assert b"He says he will send" not in bytes(draft.ciphertext)
    assert b"bad_guy" not in bytes(draft.ciphertext)
    # The key is not in the database: the token's id is only stored as a hash.
    assert draft.token_hash and len(draft.token_hash) == 64


def test_back_and_edit_keep_the_answers(client: Client, world: World) -> None:
    review = walk(client, PATH, send=False).content.decode()
    token = hidden(review, "draft")
    page = client.post(PATH, {"draft": token, "action": "edit-1"}).content.decode()
    assert re.search(r'value="sexual_extortion" id="harm-sexual_extortion" [^>]* checked', page)
    page = client.post(
        PATH,
        {"draft": token, "action": "next", "harm_types": ["sexual_extortion", "online_grooming"]},
    )
    assert "Check and send" in page.content.decode()  # straight back to the review
    back = client.post(PATH, {"draft": token, "action": "back"}).content.decode()
    assert "What do you agree to?" in back
    client.post(PATH, {"draft": token, "action": "next", "consent_contact": "on"})
    response = client.post(PATH, {"draft": token, "action": "send"})
    assert response.status_code == 201
    assert Report.objects.get().harm_types == ["sexual_extortion", "online_grooming"]


def test_harm_is_required(client: Client, world: World) -> None:
    key, value = start(client, PATH)
    response = client.post(PATH, {key: value, "action": "next", "reporter_type": "parent"})
    token = hidden(response.content.decode(), "draft")
    response = client.post(PATH, {"draft": token, "action": "next"})
    assert response.status_code == 400
    assert "Choose at least one." in response.content.decode()


def test_everything_but_the_harm_can_be_skipped(client: Client, world: World) -> None:
    steps = [{}, {"harm_types": ["cyberbullying"]}, {}, {}, {}, {"contact_method": "receipt"}, {}]
    response = walk(client, PATH, steps)
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.country == "" and report.age_band == "unknown"


def test_replayed_last_step_stores_one_report(client: Client, world: World) -> None:
    review = walk(client, PATH, send=False).content.decode()
    token = hidden(review, "draft")
    first = client.post(PATH, {"draft": token, "action": "send"})
    second = client.post(PATH, {"draft": token, "action": "send"})
    assert first.status_code == 201
    assert second.status_code == 409
    assert "already sent" in second.content.decode()
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"action": "next", "reporter_type": "child"},  # no start ticket (the form's CSRF secret)
        {"start": "forged", "action": "next"},
        {"draft": "abc.def", "action": "next"},
        {"draft": "x" * 500, "action": "send"},
    ],
)
def test_missing_or_forged_tokens_store_nothing(
    client: Client, world: World, data: dict[str, str]
) -> None:
    response = client.post(PATH, data)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Draft.objects.exists() and not Report.objects.exists()


def test_cross_site_post_is_refused(world: World) -> None:
    client = Client(HTTP_ORIGIN="https://evil.example", HTTP_SEC_FETCH_SITE="cross-site")
    key, value = start(Client(), PATH)
    response = client.post(PATH, {key: value, "action": "next"})
    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_expired_draft(client: Client, world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    review = walk(client, PATH, send=False).content.decode()
    Draft.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(PATH, {"draft": hidden(review, "draft"), "action": "send"})
    assert response.status_code == 400 and not Report.objects.exists()


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        (1, {"harm_types": ["child_pornography"]}, "Select a valid choice"),
        (2, {"country": "MA", "admin1": "TN-61"}, "not in the country you chose"),
        (2, {"country": "ZZ"}, "Select a valid choice"),
        (4, {"narrative": "x" * 20_001}, "at most 20000 characters"),
        (5, {"contact_method": "phone", "contact_value": "call me maybe"}, "phone number"),
        (5, {"contact_method": "email", "contact_value": "not-an-email"}, "valid email"),
        (5, {"contact_method": "pigeon"}, "Select a valid choice"),
    ],
)
def test_bad_answers_get_a_clear_error_and_change_nothing(
    client: Client, world: World, step: int, data: dict[str, object], message: str
) -> None:
    steps = [dict(s) for s in STEP_ANSWERS[:step]]
    response = walk(client, PATH, steps, send=False) if steps else None
    if response is None:
        key, value = start(client, PATH)
    else:
        key, value = "draft", hidden(response.content.decode(), "draft")
    before = Draft.objects.first()
    answers_before = bytes(before.ciphertext) if before else b""
    response = client.post(PATH, {key: value, "action": "next", **STEP_ANSWERS[step], **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    if before is not None:
        before.refresh_from_db()
        assert bytes(before.ciphertext) == answers_before and before.step == step
    assert not Report.objects.exists()


def test_two_megabyte_narrative_is_refused(client: Client, world: World) -> None:
    response = walk(client, PATH, [dict(s) for s in STEP_ANSWERS[:4]], send=False)
    token = hidden(response.content.decode(), "draft")
    response = client.post(
        PATH, {"draft": token, "action": "next", "narrative": "ا" * 1_000_000}
    )  # 2 MB in UTF-8
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_body_over_the_upload_limit_is_a_400(client: Client, world: World) -> None:
    key, value = start(client, PATH)
    response = client.post(PATH, {key: value, "action": "next", "narrative": "x" * 3_000_000})
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_broken_encoding_is_not_a_server_error(client: Client, world: World) -> None:
    key, value = start(client, PATH)
    body = f"{key}={value}&action=next&reporter_type=\xff\xfe".encode("latin-1")
    response = client.post(PATH, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_html_is_shown_as_text_and_direction_overrides_are_removed(
    client: Client, world: World
) -> None:
    # The child's words stay; the invisible override (which could reverse what staff read)
    # is removed, not refused: a child cannot see it to take it out (core/text.py).
    story = "<script>alert(1)</script> \u202eevil\u202c <b>bold</b>"
    steps = [dict(s) for s in STEP_ANSWERS]
    steps[4] = {"narrative": story, "involved_accounts": ""}
    review = walk(client, PATH, steps, send=False).content.decode()
    assert "<script>alert(1)</script>" not in review
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in review
    assert '<bdi class="user-text">&lt;script&gt;alert(1)&lt;/script&gt; evil &lt;b&gt;' in review
    assert "\u202e" not in review
    client.post(PATH, {"draft": hidden(review, "draft"), "action": "send"})
    assert Report.objects.count() == 1


def test_report_flow_in_arabic_is_right_to_left(client: Client, world: World) -> None:
    response = walk(client, "/ar/report/")
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert response.status_code == 201


def test_rate_limit_per_client(client: Client, world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.INTAKE_REPORTS_PER_HOUR = 2
    assert walk(client, PATH).status_code == 201
    assert walk(client, PATH).status_code == 201
    assert walk(client, PATH).status_code == 429
    assert walk(Client(REMOTE_ADDR="10.1.2.3"), PATH).status_code == 201
    assert Report.objects.count() == 3


def test_drafts_are_written_only_after_the_first_step_validates(
    client: Client, world: World
) -> None:
    key, value = start(client, PATH)
    refused = client.post(PATH, {key: value, "action": "next", "reporter_type": "alien"})
    assert refused.status_code == 400 and 'class="errorlist"' in refused.content.decode()
    assert not Draft.objects.exists()
    # The page keeps the start ticket: the reporter corrects the answer and goes on.
    key, value = "start", hidden(refused.content.decode(), "start")
    accepted = client.post(PATH, {key: value, "action": "next", "reporter_type": "parent"})
    assert accepted.status_code == 200 and Draft.objects.count() == 1
