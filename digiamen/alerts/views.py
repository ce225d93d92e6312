"""The member's alerts, their preferences, and the on-call rota (supervisors)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from digiamen.accounts.models import CASEWORK_ROLES, Membership, Role, User
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.alerts import actions, texts, views_rota
from digiamen.alerts.forms import PreferencesForm, ShiftForm
from digiamen.alerts.models import Alert, AlertPreference, Kind, OnCallShift
from digiamen.core.text import FSI, PDI


@staff_required
@require_http_methods(["GET", "POST"])
def alerts_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org)
    organisation = membership.organisation
    user = current_user(request)
    if request.method == "POST":
        raw = request.POST.get("alert", "")
        if raw == "all":
            actions.mark_read(user, organisation, None)
        elif raw.isdigit():
            alert = get_object_or_404(Alert, pk=int(raw), recipient=user, organisation=organisation)
            actions.mark_read(user, organisation, [alert.pk])
        else:
            return render(request, "alerts/alerts.html", _context(membership, user), status=400)
        return redirect("alerts:alerts", org)
    return render(request, "alerts/alerts.html", _context(membership, user))


def _context(membership: Membership, user: User) -> dict[str, object]:
    organisation = membership.organisation
    rows = list(Alert.objects.filter(recipient=user, organisation=organisation)[:100])
    # Isolated, so that a Latin name in parentheses keeps its place in an Arabic line.
    isolated_name = f"{FSI}{organisation.name}{PDI}"
    return {
        "membership": membership,
        "rows": [
            (alert, texts.headline(alert.kind, alert.urgent, isolated_name)) for alert in rows
        ],
        "unread": sum(1 for alert in rows if alert.read_at is None),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def preferences_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org)
    user = current_user(request)
    preference = AlertPreference.objects.filter(user=user).first()
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            actions.save_preferences(
                user,
                email=form.cleaned_data["email"],
                channels=form.channels(),
                quiet_from=form.cleaned_data["quiet_from"],
                quiet_to=form.cleaned_data["quiet_to"],
                phone=form.cleaned_data["phone"],
                language=form.cleaned_data["language"],
                daily_digest=form.daily_digest(),
            )
            messages.success(request, _("Saved."))
            return redirect("alerts:preferences", org)
        status = 400
    else:
        initial: dict[str, object] = {
            "email": actions.current_email(user),
            "phone": actions.current_phone(user),
        }
        if preference is not None:
            initial.update(
                quiet_from=preference.quiet_from,
                quiet_to=preference.quiet_to,
                language=preference.language,
                digest="daily" if preference.daily_digest else "immediate",
            )
        for kind in Kind.values:
            initial[f"email_{kind}"] = preference.wants(kind, "email") if preference else True
            initial[f"sms_{kind}"] = preference.wants(kind, "sms") if preference else False
        form = PreferencesForm(initial=initial)
        status = 200
    return render(
        request,
        "alerts/preferences.html",
        {"membership": membership, "form": form},
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def on_call_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, [Role.SUPERVISOR])
    organisation = membership.organisation
    members = list(
        Membership.objects.active()
        .filter(organisation=organisation, role__in=list(CASEWORK_ROLES))
        .select_related("user")
        .order_by("user__username")
    )
    choices = [(m.user.pk, m.user.username) for m in members]
    form = ShiftForm(members=choices)
    status = 200
    if request.method == "POST":
        operation = request.POST.get("operation", "")
        if operation == "remove":
            shift = get_object_or_404(
                OnCallShift, pk=request.POST.get("shift") or 0, organisation=organisation
            )
            actions.remove_shift(shift, current_user(request))
            messages.success(request, _("Saved."))
            return redirect("alerts:on_call", org)
        form = ShiftForm(request.POST, members=choices)
        if operation == "add" and form.is_valid():
            by_id = {m.user.pk: m.user for m in members}
            try:
                actions.add_shift(
                    organisation,
                    current_user(request),
                    user=by_id[form.cleaned_data["member"]],
                    weekday=form.cleaned_data["weekday"],
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                )
            except actions.ActionError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("alerts:on_call", org)
        status = 400
    return render(
        request,
        "alerts/on_call.html",
        {
            "membership": membership,
            "form": form,
            "shifts": OnCallShift.objects.filter(organisation=organisation).select_related("user"),
            "now_on_call": actions.on_call(organisation),
            **views_rota.exception_context(organisation, members),
        },
        status=status,
    )
