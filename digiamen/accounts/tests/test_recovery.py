"""Issue #24, recovery part: the recovery key is confirmed by a check group, read without echo,
usable on an offline machine, and can be replaced."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from digiamen.accounts import actions
from digiamen.accounts.models import Invitation, Membership
from digiamen.conftest import TEST_PLACE, World
from digiamen.core import crypto, encryption
from digiamen.core.models import AuditEvent, OrganisationKey


def _fake_getpass(monkeypatch: Any, answer: str) -> list[str]:
    prompts: list[str] = []

    def fake(prompt: str = "") -> str:
        prompts.append(prompt)
        return answer

    monkeypatch.setattr("getpass.getpass", fake)
    # Nothing may be read from standard input with echo any more.
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return prompts


def _link(output: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+/staff/invitation/\S+/)", output)
    assert match, "no invitation link in the output"
    return match.group(1)


def _join(link: str, username: str) -> int:
    response = Client().post(
        link,
        {
            "username": username,
            "new_password1": "a long passphrase 123",
            "new_password2": "a long passphrase 123",
        },
    )
    return response.status_code


class RecordingClient(Client):
    """A test client that keeps every request's path and body, to look for the key in them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[str] = []

    def request(self, **request: Any) -> Any:
        body = request.get("wsgi.input")
        content = body.read() if body is not None else b""
        if body is not None:
            from django.test.client import FakePayload

            request["wsgi.input"] = FakePayload(content)
        self.sent.append(
            str(request.get("PATH_INFO", ""))
            + str(request.get("QUERY_STRING", ""))
            + content.decode("latin-1")
        )
        return super().request(**request)


def test_recovery_key_confirmed_by_checksum_never_sent(world: World) -> None:
    from digiamen.conftest import sign_in

    alice = RecordingClient()
    sign_in(alice, world.alice)
    page = alice.get("/en/staff/amane/recovery-key/").content.decode()
    inputs = re.findall(r"<input[^>]*>", page)
    names = {m for tag in inputs for m in re.findall(r'name="([^"]+)"', tag)}
    # The form has no field that takes the key: only the short check group.
    assert names == {"csrfmiddlewaretoken", "checksum"}
    checksum_input = next(tag for tag in inputs if 'name="checksum"' in tag)
    assert 'maxlength="20"' in checksum_input
    assert len(world.amane_recovery_key) > 20
    # The page does not give the check group away before it is confirmed.
    checksum = encryption.recovery_checksum(world.amane)
    assert checksum not in page
    assert len(checksum) == crypto.RECOVERY_CHECKSUM_LENGTH

    assert alice.post("/en/staff/amane/recovery-key/", {"checksum": "ZZZZZZ"}).status_code == 400
    response = alice.post(
        "/en/staff/amane/recovery-key/", {"checksum": checksum[:3] + " " + checksum[3:]}
    )
    assert response.status_code == 302
    world.amane.refresh_from_db()
    assert world.amane.recovery_key_confirmed_at is not None
    compact_key = world.amane_recovery_key.replace("-", "")
    for sent in alice.sent:
        assert world.amane_recovery_key not in sent
        assert compact_key not in sent.replace("-", "").upper()
    assert AuditEvent.objects.filter(action="organisation.recovery_key_confirmed").exists()


@pytest.mark.django_db
def test_create_organisation_prints_the_check_group_beside_the_key() -> None:
    out = io.StringIO()
    call_command(
        "create_organisation", "--slug", "sfax", "--name", "S", "--country", "TN", stdout=out
    )
    text = out.getvalue()
    key = text.split("RECOVERY KEY", 1)[1].splitlines()[1].strip()
    seed = crypto.parse_recovery_key(key)
    checksum = crypto.recovery_checksum(encryption.recovery_public_key(seed))
    assert "Check group" in text and checksum in text


def test_recover_organisation_reads_the_key_with_getpass(monkeypatch: Any, world: World) -> None:
    prompts = _fake_getpass(monkeypatch, world.amane_recovery_key)
    out = io.StringIO()
    call_command("recover_organisation", "--slug", "amane", stdout=out, stderr=io.StringIO())
    assert len(prompts) == 1
    assert world.amane_recovery_key not in out.getvalue()
    assert _join(_link(out.getvalue()), "newadmin") == 302
    assert Membership.objects.get(user__username="newadmin").role == "org_admin"


def test_recover_organisation_offline_from_an_exported_blob(
    monkeypatch: Any, world: World, tmp_path: Path
) -> None:
    sealed = encryption.seal_for_organisation(world.amane, "before recovery", place=TEST_PLACE)
    blob_path, back_path = tmp_path / "blob.json", tmp_path / "invitation.json"
    call_command(
        "export_recovery_blob", "--slug", "amane", "--out", str(blob_path), stdout=io.StringIO()
    )
    blob_text = blob_path.read_text()
    assert world.amane_recovery_key not in blob_text
    assert len(json.loads(blob_text)["generations"]) == 1

    # On the offline machine: no database is touched.
    prompts = _fake_getpass(monkeypatch, world.amane_recovery_key)
    from django.db import connections

    def no_database(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the offline step used the database")

    monkeypatch.setattr(connections["default"], "cursor", no_database)
    out = io.StringIO()
    call_command(
        "recover_organisation", "--from-file", str(blob_path), "--out", str(back_path), stdout=out
    )
    monkeypatch.undo()
    assert len(prompts) == 1
    link = _link(out.getvalue())
    token = link.rstrip("/").rsplit("/", 1)[1]
    carried_back = back_path.read_text()
    # The link's secret stays on the offline machine's screen.
    assert token not in carried_back
    assert world.amane_recovery_key not in carried_back

    call_command("recover_organisation", "--import", str(back_path), stdout=io.StringIO())
    assert Invitation.objects.filter(organisation=world.amane, created_by=None).count() == 1
    assert _join(link, "newadmin") == 302
    user = Membership.objects.get(user__username="newadmin").user
    private_key = encryption.unlock_user_key(user, "a long passphrase 123")
    from digiamen.core.tests.test_encryption import request_for

    assert encryption.open_for_member(
        request_for(user, private_key), world.amane, sealed, place=TEST_PLACE
    ) == (b"before recovery")
    # The same file cannot be imported twice.
    with pytest.raises(CommandError):
        call_command("recover_organisation", "--import", str(back_path), stdout=io.StringIO())


def test_offline_recovery_refuses_a_wrong_key_and_damaged_files(
    monkeypatch: Any, world: World, tmp_path: Path
) -> None:
    blob_path = tmp_path / "blob.json"
    call_command(
        "export_recovery_blob", "--slug", "amane", "--out", str(blob_path), stdout=io.StringIO()
    )
    _fake_getpass(monkeypatch, crypto.format_recovery_key(b"\1" * 32))
    with pytest.raises(CommandError):
        call_command(
            "recover_organisation", "--from-file", str(blob_path), "--out", str(tmp_path / "o")
        )
    assert not (tmp_path / "o").exists()
    _fake_getpass(monkeypatch, world.amane_recovery_key)
    good = json.loads(blob_path.read_text())
    for generations in [
        [],
        ["x"],
        [{"version": "1"}, {"version": 2}],
        [{"version": 1, "public_key": 3}],
    ]:
        blob_path.write_text(json.dumps({**good, "generations": generations}))
        with pytest.raises(CommandError):
            call_command(
                "recover_organisation", "--from-file", str(blob_path), "--out", str(tmp_path / "o")
            )
    assert not (tmp_path / "o").exists()
    damaged = tmp_path / "damaged.json"
    for text in ["", "[]", '{"format": "x"}', '{"format": "digiamen-recovery-invitation/1"}']:
        damaged.write_text(text)
        with pytest.raises(CommandError):
            call_command("recover_organisation", "--import", str(damaged), stdout=io.StringIO())
    assert not Invitation.objects.exists()
    with pytest.raises(CommandError):
        call_command("recover_organisation", stdout=io.StringIO())


def test_recovery_key_rotation_by_command(monkeypatch: Any, world: World) -> None:
    dina = world.add_member("dina", world.amane, "caseworker")
    keyring = encryption.KeyRing(user=world.alice.user, private_key=world.alice.private_key)
    actions.deactivate_member(
        world.bob.user.memberships.get(), actor=world.alice.user, actor_keyring=keyring
    )  # two generations now
    old_seals = list(OrganisationKey.objects.values_list("recovery_sealed_private_key", flat=True))
    _fake_getpass(monkeypatch, world.amane_recovery_key)
    out = io.StringIO()
    call_command("rotate_recovery_key", "--slug", "amane", stdout=out)
    new_key = out.getvalue().split("NEW RECOVERY KEY", 1)[1].splitlines()[1].strip()
    world.amane.refresh_from_db()
    assert encryption.recovery_checksum(world.amane) in out.getvalue()
    assert world.amane.recovery_key_confirmed_at is None
    # The old key's seals are gone: the old paper opens no generation.
    old_private = crypto.private_key_from_seed(crypto.parse_recovery_key(world.amane_recovery_key))
    for key in OrganisationKey.objects.filter(organisation=world.amane):
        assert bytes(key.recovery_sealed_private_key) not in [bytes(s) for s in old_seals]
        with pytest.raises(crypto.DecryptionError):
            crypto.unseal(old_private, bytes(key.recovery_sealed_private_key))
    with pytest.raises(crypto.DecryptionError):
        encryption.recover_organisation_key(world.amane, world.amane_recovery_key)
    # The new paper opens every generation, and the next generation is sealed to it too.
    new_private = crypto.private_key_from_seed(crypto.parse_recovery_key(new_key))
    for key in OrganisationKey.objects.filter(organisation=world.amane):
        opened = crypto.unseal(new_private, bytes(key.recovery_sealed_private_key))
        assert bytes(crypto.private_key_from_bytes(opened).public_key) == bytes(key.public_key)
    actions.deactivate_member(
        dina.user.memberships.get(), actor=world.alice.user, actor_keyring=keyring
    )
    recovered = encryption.recover_organisation_key(world.amane, new_key)
    assert bytes(recovered.public_key) == bytes(
        encryption.current_organisation_key(world.amane).public_key
    )
    event = AuditEvent.objects.filter(action="organisation.recovery_key_rotated").get()
    assert event.details == {"generations": 2, "with": "recovery_key"}
    # The old key can no longer rotate either.
    _fake_getpass(monkeypatch, world.amane_recovery_key)
    with pytest.raises(CommandError):
        call_command("rotate_recovery_key", "--slug", "amane", stdout=io.StringIO())


def test_recovery_key_rotation_by_admin_page(signed_in: Any, world: World) -> None:
    url = "/en/staff/amane/recovery-key/new/"
    bob, charlie = signed_in(world.bob), signed_in(world.charlie)
    assert bob.post(url).status_code == 403
    assert charlie.post(url).status_code == 404
    anonymous = Client().post(url)
    assert anonymous.status_code in (302, 403)
    assert not AuditEvent.objects.filter(action="organisation.recovery_key_rotated").exists()
    alice = signed_in(world.alice)
    assert alice.get(url).status_code == 405
    response = alice.post(url)
    # Shown once: never kept by the browser or a proxy.
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    match = re.search(r"<code dir=\"ltr\">([A-Z2-7-]{40,})</code>", page)
    assert match
    new_key = match.group(1)
    world.amane.refresh_from_db()
    assert encryption.recovery_checksum(world.amane) in page
    recovered = encryption.recover_organisation_key(world.amane, new_key)
    assert bytes(recovered.public_key) == bytes(
        encryption.current_organisation_key(world.amane).public_key
    )
    with pytest.raises(crypto.DecryptionError):
        encryption.recover_organisation_key(world.amane, world.amane_recovery_key)
    event = AuditEvent.objects.filter(action="organisation.recovery_key_rotated").get()
    assert event.actor_id == world.alice.user.pk
    assert new_key not in json.dumps(event.details)


def test_recovery_key_page_in_arabic(signed_in: Any, world: World) -> None:
    page = signed_in(world.alice, "ar").get("/ar/staff/amane/recovery-key/").content.decode()
    assert 'dir="rtl"' in page
    assert "مجموعة التحقق المطبوعة بجانب مفتاح الاسترداد" in page
    assert "إنشاء مفتاح استرداد جديد" in page
