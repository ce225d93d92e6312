"""The on-call rota's dated exceptions (a holiday cover, a swap) and who is on call at an hour.

For one hour of one day, the exceptions covering it replace the weekly pattern: if any
exception of that date covers the hour, its members are on call and the weekly shifts of
that hour are not. Hours not covered by an exception keep the weekly pattern.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts import time_zones
from digiamen.accounts.models import CASEWORK_ROLES, Membership, Organisation, User
from digiamen.alerts.models import OnCallException, OnCallShift
from digiamen.core import audit
from digiamen.core.errors import ActionError


class RotaError(ActionError):
    messages = {
        "not_a_caseworker": _(
            "Only caseworkers and supervisors of this organisation can be on call."
        ),
        "hours": _("Give an hour from 0 to 23 and an end after the start (24 is midnight)."),
        "past": _("Choose today or a later date."),
    }


def on_call_user_ids(organisation: Organisation, local: datetime) -> set[int]:
    """Who the rota puts on call at ``local`` (the organisation's local time): the members
    of the exceptions covering this hour of this date, or else of the weekly pattern."""
    covering = set(
        OnCallException.objects.filter(
            organisation=organisation,
            date=local.date(),
            start_hour__lte=local.hour,
            end_hour__gt=local.hour,
        ).values_list("user_id", flat=True)
    )
    if covering:
        return covering
    return set(
        OnCallShift.objects.filter(
            organisation=organisation,
            weekday=local.weekday(),
            start_hour__lte=local.hour,
            end_hour__gt=local.hour,
        ).values_list("user_id", flat=True)
    )


def upcoming_exceptions(organisation: Organisation) -> list[OnCallException]:
    """Today's and later exceptions, in date and hour order (past ones are history)."""
    return list(
        OnCallException.objects.filter(
            organisation=organisation,
            date__gte=time_zones.local(timezone.now(), organisation).date(),
        ).select_related("user")
    )


def add_exception(
    organisation: Organisation,
    actor: User,
    *,
    user: User | None,
    day: date,
    start: int,
    end: int,
) -> OnCallException:
    """``user`` None: someone who is not an active caseworker or supervisor here was named."""
    if not 0 <= start < end <= 24:
        raise RotaError("hours")
    if day < time_zones.local(timezone.now(), organisation).date():
        raise RotaError("past")
    with transaction.atomic():
        member = (
            user is not None
            and Membership.objects.active()
            .filter(organisation=organisation, user=user, role__in=list(CASEWORK_ROLES))
            .exists()
        )
        if user is None or not member:
            raise RotaError("not_a_caseworker")
        exception = OnCallException.objects.create(
            organisation=organisation,
            user=user,
            date=day,
            start_hour=start,
            end_hour=end,
            created_by=actor,
        )
        audit.record(
            "alerts.rota_exception_added",
            actor=actor,
            organisation=organisation,
            obj=exception,
            details={
                "date": day.isoformat(),
                "start": start,
                "end": end,
                "member": user.username,
            },
        )
    return exception


def remove_exception(exception: OnCallException, actor: User) -> None:
    with transaction.atomic():
        audit.record(
            "alerts.rota_exception_removed",
            actor=actor,
            organisation=exception.organisation_id,
            obj=exception,
            details={
                "date": exception.date.isoformat(),
                "start": exception.start_hour,
                "end": exception.end_hour,
            },
        )
        exception.delete()
