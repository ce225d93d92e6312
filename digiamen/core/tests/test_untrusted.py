"""One way to read untrusted structured input: bounded, strict, and a 4xx at every place
that reads request data, never a 500 (deep nesting used to be one)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from digiamen.channels import actions as channel_actions
from digiamen.conftest import World
from digiamen.core.startup import application_files
from digiamen.core.untrusted import Unreadable, csv_rows, read_json
from digiamen.directory import boundaries, hsds_import
from digiamen.intake.models import Draft, Report
from digiamen.media import actions as media_actions
from digiamen.media.tests.test_public import start_token

DEEP = "[" * 100_000 + "]" * 100_000

# Every json.loads in the application that does not read untrusted input, and why.
TRUSTED_JSON = {
    "cases/actions/transfers.py": "a transfer copy the application sealed itself",
    "channels/store.py": "state the application sealed itself",
    "referrals/actions.py": "a referral the application sealed itself",
    "intake/actions.py": "the reporter's summary the application sealed itself",
    "intake/drafts.py": "a draft the application encrypted itself",
    "core/places.py": "place data shipped with the code",
    "safeguarding/questions.py": "the first question set shipped with the code",
    "training/modules.py": "the training modules shipped with the code",
    "consultations/results.py": "answers as the database keeps them, checked when stored",
    "media/index.py": "the meta file of a snapshot the queue consumer wrote",
    "operations/backup_file.py": "a manifest authenticated by the backup's encryption",
    "operations/management/commands/demo_banner.py": "demo credentials the demo loader wrote",
    "operations/management/commands/demo_totp.py": "demo credentials the demo loader wrote",
    "core/untrusted.py": "the one reader of untrusted JSON",
}


def test_every_json_loads_reads_trusted_data_or_is_the_reader() -> None:
    root = Path(settings.BASE_DIR) / "digiamen"
    found = set()
    for path in application_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "loads"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "json"
            ):
                found.add(str(path.relative_to(root)))
    assert found - set(TRUSTED_JSON) == set(), "read request data with core.untrusted.read_json"
    assert set(TRUSTED_JSON) - found == set()  # the list stays true


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (DEEP, "The data is nested too deeply."),
        ("[" * 33 + "]" * 33, "The data is nested too deeply."),
        ('{"a": 1, "a": 2}', "The data is not valid JSON."),
        ('{"a": NaN}', "The data is not valid JSON."),
        ('{"a": Infinity}', "The data is not valid JSON."),
        ('{"a": 1e999}', "The data is not valid JSON."),
        ('{"a": ' + "9" * 5000 + "}", "The data is not valid JSON."),
        (b'{"a": "\xff"}', "The data is not valid UTF-8."),
        ('{"a": ', "The data is not valid JSON."),
        ("[" + "0," * 200_000 + "0]", "The data holds too many values."),
    ],
)
def test_hostile_json_is_unreadable_with_a_message(data: Any, message: str) -> None:
    with translation.override("en"), pytest.raises(Unreadable) as refused:
        read_json(data, max_bytes=10_000_000)
    assert refused.value.message == message


def test_sound_json_is_read_and_the_messages_are_translated() -> None:
    assert read_json(b'\xef\xbb\xbf{"a": [1, 2.5, {"b": null}]}') == {"a": [1, 2.5, {"b": None}]}
    assert read_json("[" * 32 + "]" * 32) is not None
    with pytest.raises(Unreadable) as refused:
        read_json("x" * 11, max_bytes=10)
    assert refused.value.too_large
    for language in ("ar", "fr"):
        with translation.override(language), pytest.raises(Unreadable) as refused:
            read_json(DEEP, max_bytes=10_000_000)
        assert refused.value.message != "The data is nested too deeply."


def test_csv_with_a_field_past_the_limit_is_unreadable_not_an_error() -> None:
    assert list(csv_rows("md5,pdq\r\nab,cd\r\n")) == [["md5", "pdq"], ["ab", "cd"]]
    with pytest.raises(Unreadable):
        list(csv_rows("md5\r\n" + "a" * 200_000 + "\r\n"))
    with pytest.raises(Unreadable):
        list(csv_rows("md5\r\nab\x00\r\n"))


# --- Every place that reads request data: a 4xx, nothing written -------------------------------


def test_the_report_api_answers_400_to_deep_json(world: World) -> None:
    response = Client().post("/api/v1/reports", DEEP, content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"]
    assert not Report.objects.exists()


def test_gateways_answer_400_to_deep_json(world: World) -> None:
    gateway, secret = channel_actions.create_gateway(
        world.amane, name="RapidPro", provider="rapidpro"
    )
    deep = "[" * 5000 + "]" * 5000  # under the gateways' body limit
    for path in ("rapidpro", "outbox"):
        response = Client().post(
            f"/channels/{gateway.public_id}/{path}",
            deep,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {secret}",
        )
        assert response.status_code == 400, path
    assert not Report.objects.exists()


def test_the_picture_page_answers_400_to_deep_hashes(world: World) -> None:
    client = Client()
    token = start_token(client.get("/en/report/image/").content.decode())
    hashes = "[" * 60 + "]" * 60
    response = client.post(
        "/en/report/image/", {"start": token, "action": "attach", "image_hashes": hashes}
    )
    assert response.status_code == 400 and not Draft.objects.exists()


def test_the_question_editor_refuses_deep_json(world: World, signed_in: Any) -> None:
    from digiamen.safeguarding import questions
    from digiamen.safeguarding.tests.test_views import _post

    client = signed_in(world.add_member("nora", world.amane, "network_coordinator"))
    url = "/en/staff/amane/safeguarding/questions/"
    response = _post(client, url, url, {"content": "[" * 5000 + "]" * 5000})
    assert response.status_code == 400 and questions.current().version == 1


@pytest.mark.parametrize(
    "parse",
    [
        lambda data: boundaries.parse(data)[1],
        lambda data: hsds_import.parse_json(data),
    ],
)
def test_imports_report_deep_json_as_a_problem(db: Any, parse: Callable[[bytes], Any]) -> None:
    try:
        problems = parse(DEEP.encode())
    except hsds_import.HsdsImportError as error:
        problems = error.problems
    assert len(problems) == 1


def test_a_bank_csv_with_a_huge_field_is_refused_with_a_message(world: World) -> None:
    bank = media_actions.create_bank(world.amane, None, name="Bank", source="")
    data = ("md5,reference\r\n" + "0" * 32 + "," + "r" * 200_000 + "\r\n").encode()
    with pytest.raises(media_actions.BankError) as refused:
        media_actions.import_bank_csv(bank, world.alice.user, data)
    assert refused.value.code == "unreadable" and not bank.entries.exists()
    assert "too long" in refused.value.message
