"""Staff API for alerts: the member's own alerts and preferences, and the on-call rota
(supervisors). The same rules as the pages: an alert is its recipient's alone; preferences go
through the page's form (the same validation, the same messages); the rota is for the
organisation's supervisors. Alerts say nothing about a case, here as anywhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from digiamen.accounts.api import ApiPrincipal, bearer, refuse_role
from digiamen.accounts.models import Organisation, Role, User
from digiamen.alerts import actions, rota, texts
from digiamen.alerts.forms import PreferencesForm
from digiamen.alerts.models import (
    Alert,
    AlertPreference,
    Channel,
    Kind,
    OnCallException,
    OnCallShift,
)
from digiamen.core.api_errors import ErrorOut

router = Router(tags=["alerts"], auth=bearer)

PAGE_SIZE = 50


def _member(request: HttpRequest) -> tuple[User, Organisation, str]:
    """The calling member (an organisation key has no alerts: 403)."""
    principal: ApiPrincipal = request.auth  # type: ignore[attr-defined]
    if principal.user is None:
        refuse_role()
    return principal.user, principal.organisation, principal.role


def _supervisor(request: HttpRequest) -> tuple[User, Organisation]:
    user, organisation, role = _member(request)
    if role != Role.SUPERVISOR:
        refuse_role()
    return user, organisation


# --- The member's alerts ---------------------------------------------------------------------


class AlertOut(Schema):
    id: int
    kind: str = Field(description="new_report, assigned, escalation, ...")
    urgent: bool
    headline: str = Field(
        description="What the alert says, in the request's language: that something is "
        "waiting, and where. Never a name, place or text of a case."
    )
    case_number: str = Field(
        description="The case's number, only where the organisation chose to have it in "
        "alerts; empty otherwise."
    )
    created_at: dt.datetime
    read_at: dt.datetime | None


class AlertListOut(Schema):
    count: int = Field(description="How many alerts match the filter.")
    unread: int = Field(description="How many of the member's alerts here are unread.")
    page: int
    results: list[AlertOut]


class AlertFilters(Schema):
    unread: bool = Field(default=False, description="Only the unread alerts.")
    page: int = Field(default=1, ge=1, le=100_000)


def _alert_out(alert: Alert, organisation: Organisation) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "urgent": alert.urgent,
        "headline": texts.headline(alert.kind, alert.urgent, organisation.name),
        "case_number": alert.case_number,
        "created_at": alert.created_at,
        "read_at": alert.read_at,
    }


def _own_alerts(user: User, organisation: Organisation) -> Any:
    return Alert.objects.filter(recipient=user, organisation=organisation)


@router.get(
    "/alerts",
    response={200: AlertListOut},
    summary="My alerts in this organisation, newest first (paged)",
)
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]) -> Any:
    user, organisation, _role = _member(request)
    alerts = _own_alerts(user, organisation)
    unread = alerts.filter(read_at__isnull=True)
    chosen = unread if filters.unread else alerts
    start = (filters.page - 1) * PAGE_SIZE
    return {
        "count": chosen.count(),
        "unread": unread.count(),
        "page": filters.page,
        "results": [_alert_out(a, organisation) for a in chosen[start : start + PAGE_SIZE]],
    }


class MarkedOut(Schema):
    marked: int = Field(description="How many alerts were unread and are now read.")


@router.post(
    "/alerts/read",
    response={200: MarkedOut},
    summary="Mark all my alerts in this organisation as read",
)
def mark_all_read(request: HttpRequest) -> Any:
    user, organisation, _role = _member(request)
    return {"marked": actions.mark_read(user, organisation, None)}


# --- Preferences -----------------------------------------------------------------------------


class PreferencesOut(Schema):
    email: str = Field(description="The member's address for alerts; empty: none.")
    channels: dict[str, list[str]] = Field(
        description="Per kind of event, the channels it is sent by (in_app always)."
    )
    quiet_from: int = Field(
        description="Quiet hours from (0-23, the local time of the alerting organisation)."
    )
    quiet_to: int = Field(description="Quiet hours to (0-23); equal to quiet_from: none.")
    phone: str = Field(description="The member's mobile number for text alerts; empty: none.")
    language: str = Field(
        description="ar, fr or en: the language of e-mails and texts; empty: the "
        "organisation's first language."
    )
    daily_digest: bool = Field(
        description="Non-urgent alerts by e-mail as one daily digest instead of one each."
    )


class PreferencesIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(default="", max_length=1000, description="Empty: no e-mail.")
    channels: dict[str, list[str]] = Field(
        default_factory=dict,
        max_length=20,
        description="Per kind of event, the channels besides in_app (which is always on), "
        'e.g. {"new_report": ["email"]}. A kind not named gets in_app only.',
    )
    quiet_from: int = Field(description="0-23")
    quiet_to: int = Field(description="0-23; equal to quiet_from: no quiet hours.")
    phone: str | None = Field(
        default=None,
        max_length=64,
        description="International form (+212 600 000 000); empty: none; left out: unchanged.",
    )
    language: str | None = Field(
        default=None, max_length=8, description="ar, fr, en or empty; left out: unchanged."
    )
    daily_digest: bool | None = Field(default=None, description="Left out: unchanged.")


def _preferences_out(user: User) -> dict[str, Any]:
    preference = AlertPreference.objects.filter(user=user).first()
    if preference is None:
        preference = AlertPreference(user=user)
    return {
        "email": actions.current_email(user),
        "channels": {kind: list(preference.channels.get(kind, [])) for kind in Kind.values},
        "quiet_from": preference.quiet_from,
        "quiet_to": preference.quiet_to,
        "phone": actions.current_phone(user),
        "language": preference.language,
        "daily_digest": preference.daily_digest,
    }


@router.get(
    "/alerts/preferences",
    response={200: PreferencesOut},
    summary="My alert preferences (they are the member's, whatever the organisation)",
)
def get_preferences(request: HttpRequest) -> Any:
    user, _organisation, _role = _member(request)
    return _preferences_out(user)


@router.put(
    "/alerts/preferences",
    response={200: PreferencesOut, 400: ErrorOut},
    summary="Replace my alert preferences",
    description=(
        "Checked as the preferences page checks them (an address that is not one, an hour "
        "out of range, a channel that cannot be chosen): 400 with per-field messages in "
        "`errors`, and nothing changed."
    ),
)
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> Any:
    user, _organisation, _role = _member(request)
    # The page's own form: its fields are the address, the hours, and one tick per
    # channel and kind ("email_new_report").
    data: dict[str, Any] = {
        "email": payload.email,
        "quiet_from": str(payload.quiet_from),
        "quiet_to": str(payload.quiet_to),
    }
    if payload.phone is not None:
        data["phone"] = payload.phone
    if payload.language is not None:
        data["language"] = payload.language
    if payload.daily_digest is not None:
        data["digest"] = "daily" if payload.daily_digest else "immediate"
    for kind, channels in payload.channels.items():
        for channel in channels:
            if channel == Channel.IN_APP and kind in Kind.values:
                continue
            data[f"{channel}_{kind}"] = "on"
    form = PreferencesForm(data)
    refused = [name for name in data if name not in form.fields]
    if refused or not form.is_valid():
        errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        if refused:
            errors["channels"] = [_("This kind of event or channel cannot be chosen.")]
        return Status(400, {"detail": _("Some values are not valid."), "errors": errors})
    actions.save_preferences(
        user,
        email=form.cleaned_data["email"],
        channels=form.channels(),
        quiet_from=form.cleaned_data["quiet_from"],
        quiet_to=form.cleaned_data["quiet_to"],
        # Left out of the request: kept as they are.
        phone=form.cleaned_data["phone"] if payload.phone is not None else None,
        language=form.cleaned_data["language"] if payload.language is not None else None,
        daily_digest=form.daily_digest(),
    )
    return _preferences_out(user)


# --- One alert (after the fixed paths above) ---------------------------------------------------


@router.get(
    "/alerts/{alert_id}",
    response={200: AlertOut},
    summary="One of my alerts",
)
def get_alert(request: HttpRequest, alert_id: int) -> Any:
    user, organisation, _role = _member(request)
    return _alert_out(get_object_or_404(_own_alerts(user, organisation), pk=alert_id), organisation)


@router.post(
    "/alerts/{alert_id}/read",
    response={200: AlertOut},
    summary="Mark one of my alerts as read",
)
def mark_one_read(request: HttpRequest, alert_id: int) -> Any:
    user, organisation, _role = _member(request)
    alert = get_object_or_404(_own_alerts(user, organisation), pk=alert_id)
    actions.mark_read(user, organisation, [alert.pk])
    alert.refresh_from_db(fields=["read_at"])
    return _alert_out(alert, organisation)


# --- The on-call rota (supervisors) --------------------------------------------------------------


class ShiftOut(Schema):
    id: int
    weekday: int = Field(description="0 Monday ... 6 Sunday")
    start_hour: int
    end_hour: int = Field(description="Exclusive; 24 is midnight.")
    member: str = Field(description="A username.")


class RotaExceptionOut(Schema):
    id: int
    date: dt.date
    start_hour: int
    end_hour: int = Field(description="Exclusive; 24 is midnight.")
    member: str = Field(description="A username.")


class RotaOut(Schema):
    on_call_now: list[str] = Field(description="Usernames of the members on call now.")
    shifts: list[ShiftOut] = Field(description="The weekly pattern.")
    exceptions: list[RotaExceptionOut] = Field(
        description="Dated exceptions from today on; for its hours, an exception replaces "
        "the weekly pattern."
    )


def _shift_out(shift: OnCallShift) -> dict[str, Any]:
    return {
        "id": shift.pk,
        "weekday": shift.weekday,
        "start_hour": shift.start_hour,
        "end_hour": shift.end_hour,
        "member": shift.user.username,
    }


def _exception_out(exception: OnCallException) -> dict[str, Any]:
    return {
        "id": exception.pk,
        "date": exception.date,
        "start_hour": exception.start_hour,
        "end_hour": exception.end_hour,
        "member": exception.user.username,
    }


@router.get(
    "/rota",
    response={200: RotaOut},
    summary="The organisation's on-call rota: who is on call now, the week, the exceptions",
)
def get_rota(request: HttpRequest) -> Any:
    _user, organisation = _supervisor(request)
    shifts = OnCallShift.objects.filter(organisation=organisation).select_related("user")
    return {
        "on_call_now": [u.username for u in actions.on_call(organisation)],
        "shifts": [_shift_out(s) for s in shifts],
        "exceptions": [_exception_out(e) for e in rota.upcoming_exceptions(organisation)],
    }


class ShiftIn(Schema):
    model_config = ConfigDict(extra="forbid")

    member: str = Field(max_length=150, description="The username of a caseworker or supervisor.")
    weekday: int = Field(description="0 Monday ... 6 Sunday")
    start_hour: int = Field(description="0-23")
    end_hour: int = Field(description="1-24, after start_hour (24 is midnight)")


def _named(organisation: Organisation, username: str) -> User | None:
    return User.objects.filter(username=username, memberships__organisation=organisation).first()


@router.post(
    "/rota/shifts",
    response={201: ShiftOut, 400: ErrorOut},
    summary="Add a weekly on-call shift",
    description="400 when the hours are out of range or the member is not a caseworker or "
    "supervisor of the organisation; nothing is added then.",
)
def add_shift(request: HttpRequest, payload: ShiftIn) -> Any:
    actor, organisation = _supervisor(request)
    member = _named(organisation, payload.member)
    try:
        if member is None:
            raise actions.ActionError("not_a_caseworker")
        shift = actions.add_shift(
            organisation,
            actor,
            user=member,
            weekday=payload.weekday,
            start=payload.start_hour,
            end=payload.end_hour,
        )
    except actions.ActionError as error:
        return Status(400, {"detail": error.message})
    return Status(201, _shift_out(shift))


@router.delete(
    "/rota/shifts/{shift_id}",
    response={204: None},
    summary="Remove a weekly on-call shift",
)
def remove_shift(request: HttpRequest, shift_id: int) -> Any:
    actor, organisation = _supervisor(request)
    shift = get_object_or_404(OnCallShift, pk=shift_id, organisation=organisation)
    actions.remove_shift(shift, actor)
    return Status(204, None)


class RotaExceptionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    member: str = Field(max_length=150, description="The username of a caseworker or supervisor.")
    date: dt.date = Field(description="Today or later (the organisation's local date).")
    start_hour: int = Field(description="0-23")
    end_hour: int = Field(description="1-24, after start_hour (24 is midnight)")


@router.post(
    "/rota/exceptions",
    response={201: RotaExceptionOut, 400: ErrorOut},
    summary="Add a dated exception to the rota (e.g. a holiday cover)",
    description="For its date and hours, the exception's members are on call instead of the "
    "weekly pattern. 400 when the date is past, the hours out of range or the member not a "
    "caseworker or supervisor of the organisation; nothing is added then.",
)
def add_exception(request: HttpRequest, payload: RotaExceptionIn) -> Any:
    actor, organisation = _supervisor(request)
    try:
        exception = rota.add_exception(
            organisation,
            actor,
            user=_named(organisation, payload.member),
            day=payload.date,
            start=payload.start_hour,
            end=payload.end_hour,
        )
    except rota.RotaError as error:
        return Status(400, {"detail": error.message})
    return Status(201, _exception_out(exception))


@router.delete(
    "/rota/exceptions/{exception_id}",
    response={204: None},
    summary="Remove a dated exception from the rota",
)
def remove_exception(request: HttpRequest, exception_id: int) -> Any:
    actor, organisation = _supervisor(request)
    exception = get_object_or_404(OnCallException, pk=exception_id, organisation=organisation)
    rota.remove_exception(exception, actor)
    return Status(204, None)
