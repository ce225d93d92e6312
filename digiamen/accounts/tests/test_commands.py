from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from digiamen.accounts.models import Membership, Organisation


def _link(output: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+/staff/invitation/\S+/)", output)
    assert match, output
    return match.group(1)


@pytest.mark.django_db
def test_create_organisation_prints_recovery_key_and_first_admin_link(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command(
        "create_organisation", "--slug", "sfax", "--name", "Sfax CSO", "--country", "TN", stdout=out
    )
    text = out.getvalue()
    assert "RECOVERY KEY" in text
    recovery_key = text.split("RECOVERY KEY", 1)[1].splitlines()[1].strip()
    link = _link(text)
    response = Client().post(
        link,
        {
            "username": "sami",
            "new_password1": "a long passphrase 123",
            "new_password2": "a long passphrase 123",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__username="sami").role == "org_admin"

    # Later every admin has lost access: the recovery key issues a new admin invitation.
    monkeypatch.setattr("getpass.getpass", lambda prompt="": recovery_key)
    out = io.StringIO()
    call_command("recover_organisation", "--slug", "sfax", stdout=out, stderr=io.StringIO())
    response = Client().post(
        _link(out.getvalue()),
        {
            "username": "salma",
            "new_password1": "another passphrase 456",
            "new_password2": "another passphrase 456",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(organisation__slug="sfax").count() == 2


@pytest.mark.django_db
def test_commands_refuse_bad_input(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError):
        call_command(
            "create_organisation",
            "--slug",
            "x",
            "--name",
            "X",
            "--country",
            "ZZ",
            stdout=io.StringIO(),
        )
    assert not Organisation.objects.exists()
    call_command(
        "create_organisation", "--slug", "x", "--name", "X", "--country", "MA", stdout=io.StringIO()
    )
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "AAAA-BBBB-CCCC")
    with pytest.raises(CommandError):
        call_command(
            "recover_organisation", "--slug", "x", stdout=io.StringIO(), stderr=io.StringIO()
        )


@pytest.mark.django_db
def test_create_organisation_if_none_leaves_an_installed_server_alone() -> None:
    arguments = ["create_organisation", "--if-none", "--slug", "sfax", "--name", "Sfax CSO"]
    first, second = io.StringIO(), io.StringIO()
    call_command(*arguments, "--country", "TN", stdout=first)
    call_command(*arguments, "--country", "TN", stdout=second)
    assert "RECOVERY KEY" in first.getvalue()
    assert second.getvalue() == "An organisation exists already: none created.\n"
    assert Organisation.objects.count() == 1
