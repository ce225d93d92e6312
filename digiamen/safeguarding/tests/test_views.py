"""Self-assessment pages and API: the admin, a member, another organisation, anonymous."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from digiamen.accounts.models import Organisation
from digiamen.cases.tests.test_api import token_for
from digiamen.conftest import World, csrf_token_of, make_member
from digiamen.evidence import actions as network_actions
from digiamen.safeguarding import actions, questions
from digiamen.safeguarding.models import ActionItem, Answer, Assessment, BenchmarkChoice, Status
from digiamen.safeguarding.tests.test_assessments import answer_everything

BASE = "/{lang}/staff/amane/safeguarding/"


def _post(client: Client, page: str, url: str, data: dict[str, Any]) -> Any:
    token = csrf_token_of(client.get(page).content.decode())
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def test_the_admin_completes_an_assessment_in_arabic(world: World, signed_in: Any) -> None:
    client = signed_in(world.alice, "ar")
    home = BASE.format(lang="ar")
    assert client.get(home).status_code == 200
    started = _post(client, home, home, {})
    assert started.status_code == 302
    assessment = Assessment.objects.get(organisation=world.amane)
    page = started["Location"]
    html = client.get(page).content.decode()
    assert 'dir="rtl"' in html and "<svg" in html
    assert "لدينا سياسة مكتوبة للحماية الرقمية" in html  # the questions in Arabic
    for area in questions.AREAS:
        asked = [q for q in assessment.question_set.questions if q["area"] == area]
        assessment.refresh_from_db()
        data: dict[str, Any] = {f"{area}-version": assessment.version}
        for question in asked:
            if not question.get("automatic"):
                data[f"{area}-status_{question['code']}"] = "partly"
                data[f"{area}-note_{question['code']}"] = "ملاحظة"
        saved = _post(client, page, f"{page}areas/{area}/", data)
        assert saved.status_code == 302, saved.content.decode()[:3000]
    owner = str(world.bob.user.pk)
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    added = _post(
        client,
        page,
        f"{page}actions/",
        {"question": "two_factor", "description": "تفعيل المصادقة", "owner": owner, "due_on": due},
    )
    assert added.status_code == 302
    assert ActionItem.objects.filter(assessment=assessment).count() == 1
    assessment.refresh_from_db()
    closed = _post(client, page, f"{page}close/", {"version": assessment.version})
    assert closed.status_code == 302
    assessment.refresh_from_db()
    assert not assessment.is_open and assessment.scores["overall"] is not None
    # Editing after closing is refused and changes nothing.
    refused = _post(
        client,
        page,
        f"{page}areas/policies/",
        {"policies-version": assessment.version, "policies-status_policy_written": "in_place"},
    )
    assert refused.status_code == 400
    assert Answer.objects.get(assessment=assessment, question="policy_written").status == "partly"
    pdf = client.get(f"{page}report/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    # A re-assessment starts from these answers; closing it draws the progress.
    _post(client, home, home, {})
    second = Assessment.objects.filter(organisation=world.amane).first()
    assert second is not None and second.pk != assessment.pk
    answer_everything(second, world.alice.user, Status.IN_PLACE)
    actions.close(second, world.alice.user, version=second.version)
    listing = client.get(home).content.decode()
    assert "<polyline" in listing


def test_the_report_is_right_to_left_in_arabic(world: World) -> None:
    html = render_to_string(
        "safeguarding/report.html",
        {"language": "ar", "direction": "rtl", "membership": {"organisation": world.amane}},
    )
    assert '<html lang="ar" dir="rtl">' in html


def test_who_sees_and_who_changes(world: World, signed_in: Any, client: Client) -> None:
    assessment = actions.start(world.amane, world.alice.user)
    page = BASE.format(lang="en") + f"{assessment.pk}/"
    member = signed_in(world.bob)  # a caseworker reads
    assert member.get(BASE.format(lang="en")).status_code == 200
    html = member.get(page).content.decode()
    assert "Save these answers" not in html
    token = csrf_token_of(html)
    assert member.post(page + "close/", {"csrfmiddlewaretoken": token}).status_code == 403
    assert member.post(BASE.format(lang="en"), {"csrfmiddlewaretoken": token}).status_code == 403
    other = signed_in(world.charlie)
    assert other.get(page).status_code == 404
    assert other.get(BASE.format(lang="en")).status_code == 404
    # Jordan's assessment is not reachable through Amane's address, even by Amane's admin.
    jordan_admin = world.add_member("jalal", world.jordan, "org_admin")
    foreign = actions.start(world.jordan, jordan_admin.user)
    assert signed_in(world.alice).get(BASE.format(lang="en") + f"{foreign.pk}/").status_code == 404
    assert client.get(page).status_code == 302
    assert client.get(page + "report/").status_code == 302


def test_bad_input_is_refused(world: World, signed_in: Any) -> None:
    assessment = actions.start(world.amane, world.alice.user)
    client = signed_in(world.alice)
    page = BASE.format(lang="en") + f"{assessment.pk}/"
    unknown_area = _post(client, page, page + "areas/gossip/", {"gossip-version": 1})
    assert unknown_area.status_code == 400
    bidi = _post(
        client,
        page,
        page + "areas/policies/",
        {
            "policies-version": assessment.version,
            "policies-status_policy_written": "in_place",
            "policies-note_policy_written": "abc\u202edef",
        },
    )
    assert bidi.status_code == 400
    stale = _post(
        client,
        page,
        page + "areas/policies/",
        {"policies-version": 99, "policies-status_policy_written": "in_place"},
    )
    assert stale.status_code == 400
    wrong_status = _post(
        client,
        page,
        page + "areas/policies/",
        {"policies-version": assessment.version, "policies-status_policy_written": "perfect"},
    )
    assert wrong_status.status_code == 400
    assert not Answer.objects.filter(question="policy_written").exists()
    bad_item = _post(
        client,
        page,
        page + "actions/",
        {"question": "nope", "description": "x", "owner": "1", "due_on": "2020-01-01"},
    )
    assert bad_item.status_code == 400 and not ActionItem.objects.exists()


def test_the_api(world: World) -> None:
    admin, member = token_for(world.alice), token_for(world.bob)
    started = Client().post("/api/v1/safeguarding/assessments", **admin)
    assert started.status_code == 201
    body = started.json()
    assessment_id, version = body["id"], body["version"]
    assert Client().post("/api/v1/safeguarding/assessments", **member).status_code == 403
    listed = Client().get("/api/v1/safeguarding/assessments", **member)
    assert listed.status_code == 200 and listed.json()[0]["id"] == assessment_id
    url = f"/api/v1/safeguarding/assessments/{assessment_id}"
    answered = Client().post(
        url + "/answers",
        json.dumps(
            {
                "version": version,
                "answers": [{"question": "policy_written", "status": "in_place", "note": "ok"}],
            }
        ),
        content_type="application/json",
        **admin,
    )
    assert answered.status_code == 200
    written = next(a for a in answered.json()["answers"] if a["question"] == "policy_written")
    assert written["note"] == "ok" and written["status"] == "in_place"
    wrong = Client().post(
        url + "/answers",
        json.dumps({"version": version + 1, "answers": [{"question": "x", "status": "in_place"}]}),
        content_type="application/json",
        **admin,
    )
    assert wrong.status_code == 400 and wrong.json()["detail"]
    hidden = Client().post(
        url + "/answers",
        json.dumps(
            {
                "version": version + 1,
                "answers": [{"question": "x", "status": "in_place", "note": "abc\u202edef"}],
            }
        ),
        content_type="application/json",
        **admin,
    )  # the one rule for text (PlainText): refused before anything else, translated
    assert hidden.status_code == 422
    assert "change its direction" in json.dumps(hidden.json()["errors"])
    item = Client().post(
        url + "/action-items",
        json.dumps(
            {
                "question": "two_factor",
                "description": "Set up 2FA",
                "owner": world.bob.user.username,
                "due_on": (timezone.localdate() + timedelta(days=5)).isoformat(),
            }
        ),
        content_type="application/json",
        **admin,
    )
    assert item.status_code == 201
    done = Client().post(
        url + f"/action-items/{item.json()['id']}",
        json.dumps({"status": "done"}),
        content_type="application/json",
        **admin,
    )
    assert done.status_code == 200
    early = Client().post(
        url + "/close", json.dumps({"version": 3}), content_type="application/json", **admin
    )
    assert early.status_code == 400  # unanswered questions
    assert Client().get(url, **token_for(world.charlie)).status_code == 404
    assert Client().get(url).status_code == 401


def _closed_assessment(organisation: Organisation, member: Any, status: str) -> None:
    assessment = actions.start(organisation, member.user)
    answer_everything(assessment, member.user, status)
    actions.close(assessment, member.user, version=assessment.version)


def test_the_network_benchmark(world: World, signed_in: Any) -> None:
    network = network_actions.create_network(
        slug="mena", name="MENA", kind="regional", secretariat=world.amane
    )
    coordinator = world.add_member("nora", world.amane, "network_coordinator")
    url = "/en/staff/amane/networks/mena/safeguarding/"
    from digiamen.accounts import actions as account_actions

    organisations = [world.amane, world.jordan]
    admins = [world.alice, world.add_member("jalal", world.jordan, "org_admin")]
    for n in range(3):
        created = account_actions.create_organisation(
            slug=f"cso-{n}", name=f"CSO {n}", country="TN"
        )
        organisations.append(created.organisation)
        admins.append(
            make_member(f"admin-{n}", created.organisation, created.private_key, "org_admin")
        )
    for organisation in organisations[1:]:
        network_actions.add_member(network, organisation.slug, world.alice.user)
    for organisation, admin in list(zip(organisations, admins, strict=True))[:4]:
        _closed_assessment(organisation, admin, Status.PARTLY)
    page = signed_in(coordinator).get(url).content.decode()
    assert "Nothing is shown until at least 5" in page  # four organisations only
    _closed_assessment(organisations[4], admins[4], Status.NOT_IN_PLACE)
    BenchmarkChoice.objects.create(organisation=world.jordan, show_name=True)
    page = signed_in(coordinator).get(url).content.decode()
    assert "Area scores across 5 organisations" in page
    assert "Jordan helpline" in page and "CSO 1" not in page
    cells = re.findall(r"<td>([^<]*)</td>", page)
    assert "0" in cells and "50" in cells  # lowest and median of the areas
    assert signed_in(world.alice).get(url).status_code == 403  # not a coordinator


def test_the_question_editor(world: World, signed_in: Any) -> None:
    coordinator = world.add_member("nora", world.amane, "network_coordinator")
    client = signed_in(coordinator)
    url = "/en/staff/amane/safeguarding/questions/"
    page = client.get(url)
    assert page.status_code == 200
    content = questions.first_version_content()
    content["questions"][0]["text"]["en"] = "We have a short, written policy."
    published = _post(client, url, url, {"content": json.dumps(content)})
    assert published.status_code == 302 and questions.current().version == 2
    assert _post(client, url, url, {"content": "{not json"}).status_code == 400
    content["questions"][0]["text"].pop("fr")
    assert _post(client, url, url, {"content": json.dumps(content)}).status_code == 400
    assert questions.current().version == 2
    assert signed_in(world.alice).get(url).status_code == 403
