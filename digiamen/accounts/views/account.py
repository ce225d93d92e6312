"""A member's own account: password, recovery codes, accepting an invitation."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from digiamen.accounts import actions
from digiamen.accounts.forms import AcceptInvitationForm, PasswordChangeForm
from digiamen.accounts.models import Membership, SignInNotice
from digiamen.accounts.permissions import current_user, staff_required
from digiamen.core import encryption
from digiamen.core.encryption import keyring_for
from digiamen.core.text import isolated
from digiamen.core.views import form_page_status

# Failed sign-ins and locks stay on the member's account page this long (newest first).
NOTICE_DAYS = 90
NOTICE_COUNT = 10


@staff_required
def account(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        private_key = actions.change_password(
            user,
            keyring_for(request).private_key,
            form.cleaned_data["new_password1"],
            new_key_pair=form.cleaned_data["possibly_seen"],
        )
        update_session_auth_hash(request, user)
        # The session key changed; the private key must be wrapped under the new one.
        encryption.store_session_key(request, private_key)
        messages.success(request, _("Your password was changed."))
        return redirect("accounts:account")
    memberships = (
        Membership.objects.active()
        .filter(user=current_user(request))
        .select_related("organisation")
    )
    notices = SignInNotice.objects.filter(
        user=user, created_at__gte=timezone.now() - timedelta(days=NOTICE_DAYS)
    )[:NOTICE_COUNT]
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "memberships": memberships,
            "notices": notices,
            "fingerprint": encryption.user_key_fingerprint(user),
        },
        status=form_page_status(request),
    )


@staff_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        codes = actions.regenerate_recovery_codes(current_user(request))
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
    return render(request, "accounts/recovery_codes_confirm.html")


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = actions.find_invitation(token)
    if invitation is None:
        return render(
            request,
            "core/error.html",
            {
                "title": _("This invitation cannot be used"),
                "message": actions.ERROR_MESSAGES["invitation_unusable"],
            },
            status=404,
        )
    signed_in = request.user.is_authenticated and getattr(request, "keyring", None) is not None
    form = None if signed_in else AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            if form is None:
                actions.accept_invitation(token, user=current_user(request))
            else:
                actions.accept_invitation(
                    token,
                    user=None,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["new_password1"],
                )
        except actions.ActionError as error:
            if form is None:
                messages.error(request, error.message)
                return redirect("accounts:staff_home")
            form.add_error(None, error.message)
        else:
            if form is None:
                messages.success(
                    request,
                    _("You joined %(organisation)s.")
                    % {"organisation": isolated(invitation.organisation.name)},
                )
                return redirect("accounts:organisation_home", invitation.organisation.slug)
            messages.success(
                request, _("Your account is ready. Sign in to set up your authenticator app.")
            )
            return redirect("accounts:login")
    return render(
        request, "accounts/accept_invitation.html", {"invitation": invitation, "form": form}
    )
