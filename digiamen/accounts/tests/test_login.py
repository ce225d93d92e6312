from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.accounts.models import User
from digiamen.conftest import World, sign_in
from digiamen.core.models import AuditEvent

LOGIN = "/en/staff/login/"


def post_password(client: Client, username: str, password: str) -> object:
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_renders_for_anonymous(client: Client, db: None) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'autocomplete="current-password"' in response.content


def test_password_alone_does_not_reach_staff_pages(client: Client, world: World) -> None:
    response = post_password(client, "bob", world.bob.password)
    assert response["Location"] == "/en/staff/login/verify/"
    for url in ["/en/staff/", "/en/staff/amane/", "/en/staff/account/"]:
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(LOGIN), url


def test_two_steps_sign_in_and_audit(client: Client, world: World) -> None:
    sign_in(client, world.bob)
    assert client.get("/en/staff/amane/").status_code == 200
    assert AuditEvent.objects.filter(action="login.succeeded", actor_id=world.bob.user.pk).exists()


def test_sign_in_accepts_arabic_indic_digits(client: Client, world: World) -> None:
    post_password(client, "bob", world.bob.password)
    code = world.bob.totp().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = client.post("/ar/staff/login/verify/", {"code": code})
    assert response.status_code == 302
    assert client.get("/ar/staff/amane/").status_code == 200


def test_next_parameter_is_followed_only_on_this_site(client: Client, world: World) -> None:
    client.post(
        LOGIN + "?next=/en/staff/account/", {"username": "bob", "password": world.bob.password}
    )
    response = client.post("/en/staff/login/verify/", {"code": world.bob.totp()})
    assert response["Location"] == "/en/staff/account/"
    other = Client()
    other.post(
        LOGIN + "?next=https://evil.example/", {"username": "bob", "password": world.bob.password}
    )
    response = other.post("/en/staff/login/verify/", {"code": world.bob.totp()})
    assert response["Location"] == "/en/staff/"


def test_wrong_password_and_unknown_user_get_the_same_answer(client: Client, world: World) -> None:
    wrong = post_password(client, "bob", "not the password at all")
    unknown = post_password(client, "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 400
    assert b"Wrong username or password." in wrong.content
    assert b"Wrong username or password." in unknown.content
    assert User.objects.get(username="bob").failed_login_count == 1


def test_wrong_code_is_refused_and_counted(client: Client, world: World) -> None:
    post_password(client, "bob", world.bob.password)
    good = world.bob.totp()
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post("/en/staff/login/verify/", {"code": bad})
    assert response.status_code == 200
    assert b"This code is not right" in response.content
    assert client.get("/en/staff/amane/").status_code == 302
    assert User.objects.get(username="bob").failed_login_count == 1


def test_account_locks_after_repeated_failures(client: Client, world: World) -> None:
    for _ in range(settings.LOGIN_FAILURES_BEFORE_LOCK):
        post_password(client, "bob", "wrong wrong wrong")
    # Locked for this client: the right password is answered like a wrong one, and the
    # answer does not say why (test_login_lockout.py has the rest).
    response = post_password(client, "bob", world.bob.password)
    assert response.status_code == 400
    assert b"Wrong username or password." in response.content
    assert b"locked" not in response.content
    assert response.wsgi_request.session.get("pending_user_id") is None
    assert AuditEvent.objects.filter(
        action="login.locked", actor_id=world.bob.user.pk, details__scope="client"
    ).exists()


def test_client_is_slowed_after_many_failures_without_storing_its_address(
    client: Client, world: World
) -> None:
    for n in range(settings.LOGIN_CLIENT_FAILURES):
        post_password(client, f"unknown{n}", "wrong wrong wrong")
    response = post_password(client, "bob", world.bob.password)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # Another client is not affected.
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert post_password(other, "bob", world.bob.password).status_code == 302
    stored = " ".join(str(row) for row in AuditEvent.objects.values())
    assert "127.0.0.1" not in stored and "10.9.8.7" not in stored


def test_recovery_code_works_once(client: Client, world: World) -> None:
    from digiamen.accounts import actions

    codes = actions.regenerate_recovery_codes(world.bob.user)
    post_password(client, "bob", world.bob.password)
    assert client.post("/en/staff/login/verify/", {"code": codes[0].upper()}).status_code == 302
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    again = Client()
    post_password(again, "bob", world.bob.password)
    assert again.post("/en/staff/login/verify/", {"code": codes[0]}).status_code == 200


def test_first_sign_in_enrols_an_authenticator(client: Client, world: World) -> None:
    TOTPDevice.objects.filter(user=world.bob.user).delete()
    response = post_password(client, "bob", world.bob.password)
    assert response["Location"] == "/en/staff/login/enrol/"
    page = client.get("/en/staff/login/enrol/")
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code is drawn by the server
    device = TOTPDevice.objects.get(user=world.bob.user, confirmed=False)
    # the same pending device on reload (the QR code stays the same)
    client.get("/en/staff/login/enrol/")
    assert TOTPDevice.objects.filter(user=world.bob.user).count() == 1
    wrong = client.post("/en/staff/login/enrol/", {"code": "000000"})
    assert wrong.status_code == 200 and b"not right" in wrong.content
    from django_otp.oath import TOTP

    # django-otp makes the next attempt wait after a failure; a person would wait a second.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    code = f"{TOTP(device.bin_key).token():06d}"
    done = client.post("/en/staff/login/enrol/", {"code": code})
    assert done.status_code == 200
    assert done.content.count(b"<li>") >= 10  # recovery codes shown once
    assert TOTPDevice.objects.get(user=world.bob.user).confirmed
    assert client.get("/en/staff/amane/").status_code == 200


def test_enrolment_is_not_reachable_without_the_password_step(client: Client, world: World) -> None:
    assert client.get("/en/staff/login/enrol/")["Location"] == LOGIN
    assert client.get("/en/staff/login/verify/")["Location"] == LOGIN


@pytest.mark.parametrize("password", ["x" * 1_000_000, "\u202e" * 2000])
def test_huge_or_strange_passwords_get_a_clear_error(
    client: Client, world: World, password: str
) -> None:
    response = post_password(client, "bob", password)
    assert response.status_code in (200, 400)
    assert User.objects.get(username="bob").failed_login_count <= 1
    assert client.get("/en/staff/amane/").status_code == 302


def test_megabyte_password_is_refused_by_the_form(client: Client, world: World) -> None:
    response = post_password(client, "bob", "x" * 1_000_000)
    assert response.status_code == 400
    assert b"at most" in response.content
    assert User.objects.get(username="bob").failed_login_count == 0


def test_malformed_utf8_body_is_not_a_server_error(client: Client, world: World) -> None:
    response = client.post(
        LOGIN,
        data=b"username=\xff\xfe&password=\xc3\x28",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert b"Wrong username or password." in response.content


def test_missing_csrf_token_is_refused_with_a_translated_page(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/fr/staff/login/", {"username": "bob", "password": world.bob.password})
    assert response.status_code == 403
    assert b'lang="fr"' in response.content


def test_inactive_user_cannot_sign_in(client: Client, world: World) -> None:
    User.objects.filter(pk=world.bob.user.pk).update(is_active=False)
    response = post_password(client, "bob", world.bob.password)
    assert response.status_code == 400
