"""Answers the platform knows itself, measured from its own data, never from what anyone says.

Each check gives a status and what it measured (counts and shares only, never names). While
an assessment is open they are measured again every time it is shown; closing freezes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.cases.actions import settings_for
from digiamen.safeguarding.models import BackupRun, Status
from digiamen.training.actions import trained

INACTIVE_DAYS = 90
BACKUP_FRESH_DAYS = 7
BACKUP_STALE_DAYS = 30
RETENTION_GOOD_DAYS = 730


@dataclass(frozen=True)
class Measured:
    status: str
    measured: dict[str, Any] = field(default_factory=dict)


def _members(organisation: Organisation) -> list[Membership]:
    return list(
        Membership.objects.active().filter(organisation=organisation).select_related("user")
    )


def two_factor(organisation: Organisation) -> Measured:
    members = _members(organisation)
    if not members:
        return Measured(Status.NOT_APPLICABLE, {"members": 0})
    with_device = set(
        TOTPDevice.objects.filter(
            user_id__in=[member.user_id for member in members], confirmed=True
        ).values_list("user_id", flat=True)
    )
    share = len(with_device) / len(members)
    status = (
        Status.IN_PLACE if share == 1 else Status.PARTLY if share >= 0.5 else Status.NOT_IN_PLACE
    )
    return Measured(status, {"members": len(members), "with_two_factor": len(with_device)})


def inactive_accounts(organisation: Organisation) -> Measured:
    members = _members(organisation)
    cutoff = timezone.now() - timedelta(days=INACTIVE_DAYS)
    inactive = [
        member for member in members if (member.user.last_login or member.created_at) < cutoff
    ]
    if not inactive:
        status = Status.IN_PLACE
    elif len(inactive) * 4 <= len(members):
        status = Status.PARTLY
    else:
        status = Status.NOT_IN_PLACE
    return Measured(status, {"members": len(members), "inactive": len(inactive)})


def admin_count(organisation: Organisation) -> Measured:
    admins = sum(1 for member in _members(organisation) if member.role == Role.ORG_ADMIN)
    if 2 <= admins <= 3:
        status = Status.IN_PLACE
    elif admins in (1, 4, 5):
        status = Status.PARTLY
    else:
        status = Status.NOT_IN_PLACE
    return Measured(status, {"admins": admins})


def recovery_key(organisation: Organisation) -> Measured:
    confirmed = organisation.recovery_key_confirmed_at is not None
    return Measured(Status.IN_PLACE if confirmed else Status.NOT_IN_PLACE, {"confirmed": confirmed})


def retention(organisation: Organisation) -> Measured:

    days = settings_for(organisation).retention_days
    return Measured(
        Status.IN_PLACE if days <= RETENTION_GOOD_DAYS else Status.PARTLY, {"days": days}
    )


def backup(organisation: Organisation) -> Measured:
    last = BackupRun.objects.order_by("-ran_at").first()
    if last is None:
        return Measured(Status.NOT_IN_PLACE, {"days_since": None})
    days = (timezone.now() - last.ran_at).days
    if days <= BACKUP_FRESH_DAYS:
        status = Status.IN_PLACE
    elif days <= BACKUP_STALE_DAYS:
        status = Status.PARTLY
    else:
        status = Status.NOT_IN_PLACE
    return Measured(status, {"days_since": days})


def https(organisation: Organisation) -> Measured:
    on = bool(getattr(settings, "HTTPS", False)) and bool(
        getattr(settings, "SECURE_SSL_REDIRECT", False)
    )
    return Measured(Status.IN_PLACE if on else Status.NOT_IN_PLACE, {"https": on})


def _trained(organisation: Organisation, module: str = "") -> Measured:
    """Active members who passed a training module (this one, if named) in the last twelve
    months (``training``): all of them in place, at least half partly."""
    found = trained(organisation, module)
    if not found.members:
        return Measured(Status.NOT_APPLICABLE, {"members": 0})
    share = found.share
    status = (
        Status.IN_PLACE if share >= 1 else Status.PARTLY if share >= 0.5 else Status.NOT_IN_PLACE
    )
    return Measured(status, {"members": found.members, "trained": found.trained})


def staff_training(organisation: Organisation) -> Measured:
    return _trained(organisation)


def training_recognising(organisation: Organisation) -> Measured:
    return _trained(organisation, "recognising")


def training_security(organisation: Organisation) -> Measured:
    return _trained(organisation, "digital_safeguarding")


CHECKS: dict[str, Callable[[Organisation], Measured]] = {
    "two_factor": two_factor,
    "inactive_accounts": inactive_accounts,
    "admin_count": admin_count,
    "recovery_key": recovery_key,
    "retention": retention,
    "backup": backup,
    "https": https,
    "staff_training": staff_training,
    "training_recognising": training_recognising,
    "training_security": training_security,
}
