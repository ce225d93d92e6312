"""Sign-in: password, then the authenticator (enrolled at first sign-in), then the session.

Until the second factor passes, the session holds only a pending user id and the member's
private key wrapped under the session cookie; ``login()`` happens only after it.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.accounts import actions
from digiamen.accounts.forms import EnrolForm, LoginForm, OTPForm
from digiamen.accounts.models import User
from digiamen.core import audit, encryption
from digiamen.core.clients import client_pseudonym, login_failures

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


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and getattr(request, "keyring", None) is not None:
        return redirect("accounts:staff_home")
    client = client_pseudonym(request)
    failures = login_failures()
    if failures.exceeded(client):
        return _too_many_attempts(request)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        password = form.cleaned_data["password"]
        known = User.objects.filter(username__iexact=username).first()
        user = authenticate(
            request, username=known.username if known else username, password=password
        )
        if known is not None and known.is_locked():
            actions.record_login_failure(None, stage="locked")
            failures.hit(client)
            form.add_error(
                None,
                _(
                    "This account is locked for a while after too many failed "
                    "attempts. Try again later."
                ),
            )
        elif user is None:
            actions.record_login_failure(known, stage="password")
            failures.hit(client)
            form.add_error(None, _("Wrong username or password."))
        else:
            if not isinstance(user, User):  # only the project's User model signs in
                raise TypeError("unexpected user model")
            private_key = encryption.unlock_user_key(user, password)
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
    return render(request, "accounts/login.html", {"form": form})


def _complete_login(request: HttpRequest, user: User, device: Any) -> None:
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


def _after_login_redirect(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.session.pop("after_login", None))
    return HttpResponseRedirect(next_url) if next_url else redirect("accounts:staff_home")


def verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if not actions.has_confirmed_totp(user):
        return redirect("accounts:enrol")
    client = client_pseudonym(request)
    failures = login_failures()
    if failures.exceeded(client):
        return _too_many_attempts(request)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = None if user.is_locked() else match_token(user, form.cleaned_data["code"])
        if device is None:
            actions.record_login_failure(user, stage="second_factor")
            failures.hit(client)
            form.add_error("code", _("This code is not right, or it has expired."))
        else:
            if device.persistent_id.startswith("otp_static"):
                audit.record("two_factor.recovery_code_used", actor=user)
            _complete_login(request, user, device)
            return _after_login_redirect(request)
    return render(request, "accounts/verify.html", {"form": form})


def _qr_svg(device: TOTPDevice) -> str:
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2
    )
    svg: bytes = image.to_string(encoding="unicode")
    return str(svg)


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
        if device.verify_token(form.cleaned_data["code"]):
            codes = actions.confirm_totp_enrolment(device)
            _complete_login(request, user, device)
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "first_time": True}
            )
        actions.record_login_failure(user, stage="enrolment")
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
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
