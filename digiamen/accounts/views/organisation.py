"""Staff home, an organisation's dashboard, its members, invitations, audit log and recovery key."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.accounts import actions, home, signed_keys, time_zones
from digiamen.accounts.forms import (
    ConfirmKeyForm,
    InviteForm,
    OrganisationSettingsForm,
    RecoveryKeyForm,
    RoleForm,
)
from digiamen.accounts.models import Invitation, Membership, Role
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.core import encryption
from digiamen.core.encryption import keyring_for
from digiamen.core.models import AuditEvent
from digiamen.core.text import isolated
from digiamen.core.views import form_page_status

ADMINS = [Role.ORG_ADMIN]


def _admin(request: HttpRequest, org: str) -> Membership:
    """An org admin of ``org`` whose own key an admin has confirmed, else 404 (or the page
    saying they wait for that confirmation): someone who accepted an admin invitation
    must not manage members, roles or two-step verification on the strength of the link."""
    membership = get_membership(request, org, ADMINS)
    if membership.key_pending:
        raise encryption.AccessDenied("this admin's key is not confirmed yet")
    return membership


@staff_required
@require_safe
def staff_home(request: HttpRequest) -> HttpResponse:
    memberships = list(
        Membership.objects.active()
        .filter(user=current_user(request))
        .select_related("organisation")
    )
    if len(memberships) == 1:
        return redirect("accounts:organisation_home", memberships[0].organisation.slug)
    return render(request, "accounts/staff_home.html", {"memberships": memberships})


@staff_required
@require_safe
def organisation_home(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org)
    fingerprint = None
    if membership.key_pending:
        fingerprint = encryption.user_key_fingerprint(membership.user)
    return render(
        request,
        "accounts/organisation_home.html",
        {
            "membership": membership,
            "fingerprint": fingerprint,
            # Not while the member's key waits: the panels show the organisation's records.
            "panels": [] if membership.key_pending else home.panels(membership),
        },
    )


@staff_required
def members(request: HttpRequest, org: str) -> HttpResponse:
    membership = _admin(request, org)
    organisation = membership.organisation
    invite_form = InviteForm(request.POST or None)
    new_link = None
    if request.method == "POST" and invite_form.is_valid():
        issued = actions.invite(
            organisation,
            invite_form.cleaned_data["role"],
            actor=current_user(request),
        )
        new_link = request.build_absolute_uri(
            reverse("accounts:accept_invitation", args=[issued.token])
        )
        invite_form = InviteForm()
    rows = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .annotate(has_2fa=Exists(TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)))
        .order_by("-is_active", "user__username")
    )
    fingerprints = {
        row.pk: encryption.user_key_fingerprint(row.user)
        for row in rows
        if row.is_active and row.key_pending
    }
    pending = Invitation.objects.filter(
        organisation=organisation,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at")
    return render(
        request,
        "accounts/members.html",
        {
            "membership": membership,
            "rows": [(row, fingerprints.get(row.pk)) for row in rows],
            "pending": pending,
            "invite_form": invite_form,
            "new_link": new_link,
            "roles": Role.choices,
            "invitation_hours": settings.INVITATION_HOURS,
        },
        status=400 if request.method == "POST" and new_link is None else 200,
    )


def _member_of(membership: Membership, member_id: int) -> Membership:
    return get_object_or_404(Membership, pk=member_id, organisation=membership.organisation)


@staff_required
@require_POST
def deactivate_member(request: HttpRequest, org: str, member_id: int) -> HttpResponse:
    membership = _admin(request, org)
    target = _member_of(membership, member_id)
    if target.is_active:
        try:
            revoked = actions.deactivate_member(
                target,
                actor=current_user(request),
                actor_keyring=keyring_for(request),
            )
        except actions.ActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(name)s can no longer open this organisation's records.")
                % {"name": isolated(target.user.username)},
            )
            if revoked:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)d open invitation was revoked with the new organisation key. "
                        "Send a new one if it is still needed.",
                        "%(count)d open invitations were revoked with the new organisation key. "
                        "Send new ones if they are still needed.",
                        revoked,
                    )
                    % {"count": revoked},
                )
    return redirect("accounts:members", org)


@staff_required
@require_POST
def confirm_member_key(request: HttpRequest, org: str, member_id: int) -> HttpResponse:
    membership = _admin(request, org)
    target = get_object_or_404(
        Membership,
        pk=member_id,
        organisation=membership.organisation,
        is_active=True,
        key_pending=True,
    )
    form = ConfirmKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, actions.ERROR_MESSAGES["fingerprint_changed"])
        return redirect("accounts:members", org)
    try:
        actions.confirm_member_key(
            target,
            fingerprint=form.cleaned_data["fingerprint"],
            actor=current_user(request),
            actor_keyring=keyring_for(request),
        )
    except actions.ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s's key is confirmed: they can now open this organisation's records.")
            % {"name": isolated(target.user.username)},
        )
    return redirect("accounts:members", org)


@staff_required
@require_POST
def change_role(request: HttpRequest, org: str, member_id: int) -> HttpResponse:
    membership = _admin(request, org)
    target = _member_of(membership, member_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown role."))
    elif target.pk == membership.pk:
        messages.error(request, _("You cannot change your own role. Ask another admin."))
    else:
        actions.change_role(
            target,
            form.cleaned_data["role"],
            actor=current_user(request),
            actor_keyring=keyring_for(request),
        )
        messages.success(request, _("Role changed."))
    return redirect("accounts:members", org)


@staff_required
@require_POST
def reset_two_factor(request: HttpRequest, org: str, member_id: int) -> HttpResponse:
    membership = _admin(request, org)
    target = _member_of(membership, member_id)
    actions.reset_two_factor(target, actor=current_user(request))
    messages.success(
        request,
        _("%(name)s will set up a new authenticator at the next sign-in.")
        % {"name": isolated(target.user.username)},
    )
    return redirect("accounts:members", org)


@staff_required
@require_POST
def revoke_invitation(request: HttpRequest, org: str, invitation_id: int) -> HttpResponse:
    membership = _admin(request, org)
    invitation = get_object_or_404(
        Invitation, pk=invitation_id, organisation=membership.organisation, accepted_at__isnull=True
    )
    actions.revoke_invitation(invitation, actor=current_user(request))
    messages.success(request, _("The invitation was withdrawn."))
    return redirect("accounts:members", org)


@staff_required
@require_safe
def audit_log(request: HttpRequest, org: str) -> HttpResponse:
    membership = _admin(request, org)
    events = AuditEvent.objects.filter(organisation_id=membership.organisation_id).order_by("-id")[
        :200
    ]
    return render(request, "accounts/audit_log.html", {"membership": membership, "events": events})


@staff_required
def recovery_key(request: HttpRequest, org: str) -> HttpResponse:
    membership = _admin(request, org)
    organisation = membership.organisation
    form = RecoveryKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.confirm_recovery_key(
                organisation,
                current_user(request),
                form.cleaned_data["checksum"],
            )
        except actions.ActionError as error:
            form.add_error("checksum", error.message)
        else:
            messages.success(request, _("Thank you: the recovery key is confirmed."))
            return redirect("accounts:recovery_key", org)
    return render(
        request,
        "accounts/recovery_key.html",
        {"membership": membership, "form": form},
        status=form_page_status(request),
    )


@staff_required
@require_safe
def key_signatures(request: HttpRequest, org: str) -> HttpResponse:
    """What is left to sign of the organisation's key material (counts only)."""
    membership = _admin(request, org)
    return render(
        request,
        "accounts/key_signatures.html",
        {
            "membership": membership,
            "status": signed_keys.signing_status(membership.organisation),
            "signed_only": settings.ORGANISATION_KEYS_SIGNED_ONLY,
        },
    )


@staff_required
@require_POST
def new_recovery_key(request: HttpRequest, org: str) -> HttpResponse:
    """Replace the recovery key (e.g. the paper was lost or seen); the new one is shown once."""
    membership = get_membership(request, org, ADMINS)
    organisation = membership.organisation
    new_key = actions.rotate_recovery_key(
        organisation,
        actor=current_user(request),
        organisation_private_key=keyring_for(request).organisation_private_key(organisation),
    )
    return render(
        request,
        "accounts/recovery_key_new.html",
        {
            "membership": membership,
            "recovery_key": new_key.recovery_key,
            "checksum": new_key.checksum,
        },
    )


@staff_required
def organisation_settings(request: HttpRequest, org: str) -> HttpResponse:
    membership = _admin(request, org)
    organisation = membership.organisation
    form = OrganisationSettingsForm(
        request.POST or None,
        initial={
            "discreet_title": organisation.discreet_title,
            "time_zone": time_zones.zone_name(organisation),
        },
    )
    if request.method == "POST" and form.is_valid():
        actions.update_settings(
            organisation,
            current_user(request),
            discreet_title=form.cleaned_data["discreet_title"],
            time_zone=form.cleaned_data["time_zone"] or None,
        )
        messages.success(request, _("Saved."))
        return redirect("accounts:organisation_settings", org)
    return render(
        request,
        "accounts/organisation_settings.html",
        {"membership": membership, "form": form},
        status=400 if request.method == "POST" else 200,
    )
