"""Sign-in: password, then the authenticator (enrolled at first sign-in), then the session.

Until the second factor passes, the session holds only a pending user id and the member's
private key wrapped under the session cookie; ``login()`` happens only after it. A member
locked out of the two steps signs in with password and a recovery code on one page.
Every refusal answers the same, whatever the reason (accounts/signin.py).
"""

from __future__ import annotations

import base64
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from nacl.public import PrivateKey

from digiamen.accounts import actions, casework_keys, signed_keys, signin
from digiamen.accounts.forms import EnrolForm, LoginForm, OTPForm, RecoveryLoginForm
from digiamen.accounts.models import User
from digiamen.accounts.signin import Attempt
from digiamen.core import audit, encryption
from digiamen.core.middleware import CLEAR_SITE_DATA
from digiamen.core.qr import qr_svg
from digiamen.core.views import form_page_status

PENDING_SECONDS = 5 * 60


def _too_many_attempts(request: HttpRequest) -> HttpResponse:
    minutes = max(1, settings.LOGIN_CLIENT_WINDOW_SECONDS // 60)
    response = render(
        request,
        "core/error.html",
        {
            "title": _("Too many attempts"),
            "message": _(
                "Too many failed sign-in attempts. Wait %(minutes)d minutes and try again."
            )
            % {"minutes": minutes},
        },
        status=429,
    )
    response["Retry-After"] = str(settings.LOGIN_CLIENT_WINDOW_SECONDS)
    return response


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get("pending_user_id")
    started = request.session.get("pending_at", 0)
    if not user_id or time.time() - started > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _unlock_key(user: User, password: str) -> PrivateKey:
    """The member's private key, opened with their password at sign-in."""
    private_key = encryption.unlock_user_key(user, password)
    if user.key_pair_renewal_required:
        # An admin reset this member's two-step verification: only now, with the password in
        # hand, can a new key pair be wrapped for them.
        private_key = actions.renew_key_pair(user, private_key, password, reason="admin_reset")
    # An organisation made before key signatures is signed by the first of its members who
    # holds its key and signs in (docs/security-model.md, "Signed key material").
    signed_keys.sign_on_sign_in(user, private_key)
    # A caseworker or supervisor grants waiting colleagues the casework key and moves case
    # data sealed before it existed (docs/security-model.md, "Need-to-know in the keys").
    casework_keys.on_sign_in(user, private_key)
    return private_key


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and getattr(request, "keyring", None) is not None:
        return redirect("accounts:staff_home")
    if signin.client_throttled(request):
        return _too_many_attempts(request)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"]
        attempt = signin.check_password_of(request, form.cleaned_data["username"], password)
        if not attempt.passes_password_step:
            # Unknown name, wrong password, inactive or locked account: one answer for all.
            signin.fail(attempt, stage="password")
            form.add_error(None, _("Wrong username or password."))
        else:
            user = attempt.user
            private_key = _unlock_key(user, password)
            next_url = _safe_next(request, request.GET.get("next"))
            request.session.flush()
            request.session["pending_user_id"] = user.pk
            request.session["pending_at"] = int(time.time())
            if next_url:
                request.session["next"] = next_url
            encryption.store_session_key(request, private_key)
            if actions.has_confirmed_totp(user):
                return redirect("accounts:verify")
            return redirect("accounts:enrol")
    return render(request, "accounts/login.html", {"form": form}, status=form_page_status(request))


def recovery_login_view(request: HttpRequest) -> HttpResponse:
    """Username, password and a recovery code at once: open even while a lock holds."""
    if request.user.is_authenticated and getattr(request, "keyring", None) is not None:
        return redirect("accounts:staff_home")
    if signin.client_throttled(request):
        return _too_many_attempts(request)
    form = RecoveryLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"]
        attempt = signin.check_password_of(request, form.cleaned_data["username"], password)
        device = signin.match_recovery_code(attempt, form.cleaned_data["code"])
        if device is None:
            signin.fail(attempt, stage="recovery_code")
            form.add_error(None, _("Wrong username, password or recovery code."))
        else:
            user = attempt.user
            private_key = _unlock_key(user, password)
            next_url = _safe_next(request, request.GET.get("next"))
            request.session.flush()
            if next_url:
                request.session["next"] = next_url
            encryption.store_session_key(request, private_key)
            audit.record("two_factor.recovery_code_used", actor=user)
            _complete_login(request, user, device, attempt)
            return _after_login_redirect(request)
    return render(
        request, "accounts/login_recovery.html", {"form": form}, status=form_page_status(request)
    )


def _complete_login(request: HttpRequest, user: User, device: Any, attempt: Attempt) -> None:
    private_key = encryption.load_session_key(request)
    if private_key is None:
        raise PermissionError("pending session lost its key")
    next_url = request.session.get("next")
    for key in ("pending_user_id", "pending_at", "next", "enrol_device_id"):
        request.session.pop(key, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    # login() gave the session a new key; re-wrap the private key under it.
    encryption.store_session_key(request, private_key)
    now = int(time.time())
    request.session["auth_at"] = now
    request.session["seen_at"] = now
    if next_url:
        request.session["after_login"] = next_url
    actions.record_login_success(user, channel="web")
    signin.succeeded(attempt)
    # Failed attempts and locks since the previous sign-in are told to the member now.
    for notice in actions.take_unseen_sign_in_notices(user):
        messages.warning(request, notice.text())


def _after_login_redirect(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.session.pop("after_login", None))
    return HttpResponseRedirect(next_url) if next_url else redirect("accounts:staff_home")


def verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if not actions.has_confirmed_totp(user):
        return redirect("accounts:enrol")
    if signin.client_throttled(request):
        return _too_many_attempts(request)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attempt = signin.for_pending_member(request, user)
        device = signin.match_second_factor(attempt, form.cleaned_data["code"])
        if device is None:
            signin.fail(attempt, stage="second_factor")
            form.add_error("code", _("This code is not right, or it has expired."))
        else:
            if device.persistent_id.startswith("otp_static"):
                audit.record("two_factor.recovery_code_used", actor=user)
            _complete_login(request, user, device, attempt)
            return _after_login_redirect(request)
    return render(request, "accounts/verify.html", {"form": form})


def _qr_svg(device: TOTPDevice) -> str:
    return qr_svg(device.config_url)


def enrol_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if actions.has_confirmed_totp(user):
        return redirect("accounts:verify")
    device = TOTPDevice.objects.filter(
        pk=request.session.get("enrol_device_id") or 0, user=user, confirmed=False
    ).first()
    if device is None:
        device = actions.start_totp_enrolment(user)
        request.session["enrol_device_id"] = device.pk
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attempt = signin.for_pending_member(request, user)
        if device.verify_token(form.cleaned_data["code"]):
            codes = actions.confirm_totp_enrolment(device)
            _complete_login(request, user, device, attempt)
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "first_time": True}
            )
        signin.fail(attempt, stage="enrolment")
        form.add_error(
            "code",
            _("This code is not right. Check the time on your phone and try the newest code."),
        )
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record("logout", actor=request.user)
    logout(request)
    response = redirect("core:home")
    response.delete_cookie(settings.SESSION_COOKIE_NAME)
    response.delete_cookie(settings.CSRF_COOKIE_NAME)
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
