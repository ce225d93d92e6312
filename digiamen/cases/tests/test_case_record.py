"""The case file's signed twin: it verifies offline, and fails after any change."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from nacl.public import PrivateKey

from digiamen.cases import actions, case_record
from digiamen.cases.models import Case, Note
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import Member, World, csrf_token_of
from digiamen.core import instance_key
from digiamen.core.models import AuditEvent

ALL = "overview&section=story&section=notes&section=timeline&section=consent"


@pytest.fixture
def sara(world: World) -> Member:
    return world.add_member("sara", world.amane, "supervisor")


def _case(sara: Member) -> Case:
    case = new_case(consent_referral=True)
    case = actions.triage(case, sara.user, version=case.version, risk="low", flags=[])
    case = actions.assign(case, sara.user, version=case.version, assignee=sara.user)
    actions.record_consent(
        case, sara.user, purpose="referral", granted=True, given_by="child", method="phone"
    )
    actions.add_note(case, sara.user, "RECORD-NOTE")
    case.refresh_from_db()
    return case


def _download(client: Any, case: Case, extra: str = "") -> Any:
    return client.get(f"/en/staff/amane/cases/{case.number}/print/?section={ALL}&record=1{extra}")


def test_a_record_verifies_and_says_what_it_holds(
    world: World, sara: Member, signed_in: Any, tmp_path: Path, capsys: Any
) -> None:
    case = _case(sara)
    response = _download(signed_in(sara), case)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.content
    record = json.loads(data)["record"]
    assert record["case"] == case.number and record["content"]["notes"][0]["text"] == "RECORD-NOTE"
    assert record["content"]["story"]["narrative"].startswith("He threatens")
    assert {row["action"] for row in record["audit"]} >= {"report.received", "case.record_exported"}
    assert AuditEvent.objects.filter(action="case.record_exported").count() == 1
    verdict = case_record.verify(data, expected_key=bytes(instance_key.signing_key().verify_key))
    assert verdict.intact, verdict.checks
    path = tmp_path / "record.json"
    path.write_bytes(data)
    call_command("verify_case_record", str(path), "--instance-key", instance_key.public_key_text())
    assert "The record is intact." in capsys.readouterr().out


@pytest.mark.parametrize(
    "change",
    ["one byte of the note", "an audit row", "another signer", "a moved note"],
)
def test_a_changed_record_fails(
    world: World, sara: Member, signed_in: Any, tmp_path: Path, change: str
) -> None:
    case = _case(sara)
    if change == "a moved note":
        other = _case(sara)
        Note.objects.filter(case=other).update(case=case)
    data = _download(signed_in(sara), case).content
    if change == "one byte of the note":
        data = data.replace(b"RECORD-NOTE", b"RECORD-NOTF", 1)
    elif change == "an audit row":
        parsed = json.loads(data)
        parsed["record"]["audit"][0]["action"] = "report.innocent"
        data = json.dumps(parsed).encode()
    expected = bytes(instance_key.signing_key().verify_key)
    if change == "another signer":
        expected = bytes(PrivateKey.generate().public_key)
    verdict = case_record.verify(data, expected_key=expected)
    assert not verdict.intact
    path = tmp_path / "record.json"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="not intact"):
        call_command(
            "verify_case_record", str(path), "--instance-key", base64.b64encode(expected).decode()
        )


def test_a_record_sealed_to_a_recipient_opens_only_with_their_key(
    world: World, sara: Member, signed_in: Any, tmp_path: Path
) -> None:
    case = _case(sara)
    court = PrivateKey.generate()
    recipient = base64.b64encode(bytes(court.public_key)).decode()
    response = _download(signed_in(sara), case, f"&recipient={recipient.replace('+', '%2B')}")
    sealed = response.content
    assert sealed.startswith(case_record.SEALED_MAGIC) and b"RECORD-NOTE" not in sealed
    with pytest.raises(case_record.RecordError, match="sealed"):
        case_record.verify(sealed)
    with pytest.raises(case_record.RecordError, match="does not open"):
        case_record.verify(sealed, private_key=bytes(PrivateKey.generate()))
    assert case_record.verify(sealed, private_key=bytes(court)).intact
    key_file = tmp_path / "court.key"
    key_file.write_text(base64.b64encode(bytes(court)).decode())
    path = tmp_path / "record.sealed"
    path.write_bytes(sealed)
    call_command("verify_case_record", str(path), "--private-key-file", str(key_file))


def test_bad_recipient_keys_and_files_are_refused(
    world: World, sara: Member, signed_in: Any
) -> None:
    case = _case(sara)
    client = signed_in(sara)
    exported = AuditEvent.objects.filter(action="case.record_exported").count()
    refused = _download(client, case, "&recipient=not-a-key%E2%80%AE")
    assert refused.status_code == 400 and b"32 bytes" in refused.content
    assert AuditEvent.objects.filter(action="case.record_exported").count() == exported
    page = "/en/staff/amane/case-records/check/"
    token = csrf_token_of(client.get(page).content.decode())
    for content in (b"\xff\xfe not json", b"{}", b"[1, 2]"):
        upload = SimpleUploadedFile("record.json", content, content_type="application/json")
        answer = client.post(page, {"csrfmiddlewaretoken": token, "record": upload})
        assert answer.status_code == 400 and b"not a case record" in answer.content


def test_the_verify_page_shows_each_check(world: World, sara: Member, signed_in: Any) -> None:
    case = _case(sara)
    client = signed_in(sara, "ar")
    data = _download(signed_in(sara), case).content.replace(b"RECORD-NOTE", b"RECORD-NOTF", 1)
    page = "/ar/staff/amane/case-records/check/"
    token = csrf_token_of(client.get(page).content.decode())
    upload = SimpleUploadedFile("record.json", data, content_type="application/json")
    html = client.post(page, {"csrfmiddlewaretoken": token, "record": upload}).content.decode()
    assert html.count("✗") == 1 and html.count("✓") == 2


def test_who_may_open_the_verify_page(world: World, signed_in: Any, client: Any) -> None:
    page = "/en/staff/amane/case-records/check/"
    assert signed_in(world.bob).get(page).status_code == 200
    assert signed_in(world.charlie).get(page).status_code == 404
    officer = world.add_member("olga", world.amane, "data_officer")
    assert signed_in(officer).get(page).status_code == 403
    assert client.get(page).status_code == 302
