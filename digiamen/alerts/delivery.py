"""Sending one delivery, with retries and back-off; what is stored of it has no content.

A delivery is claimed in a short transaction (its attempt counted, its next attempt put off
for as long as a send may take), sent with no transaction open (an SMTP server's delay must
not hold the database), then its result written. A failure is stored as the error's class
or SMTP code only, never its message (a server's message may repeat the address), and never
raised: the caller is a queue task or a periodic job, never a user's request.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from digiamen.alerts import address, texts
from digiamen.alerts.models import AlertDelivery, AlertPreference, Channel
from digiamen.core import audit

logger = logging.getLogger(__name__)

PENDING = (AlertDelivery.Status.QUEUED, AlertDelivery.Status.RETRYING)
# How long a claimed attempt may take before another worker may try again.
CLAIM = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failed attempt, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


class NoAddress(Exception):
    """The member removed their address since the alert was queued."""


def _claim(delivery_id: int, now: datetime) -> AlertDelivery | None:
    with transaction.atomic():
        found = (
            AlertDelivery.objects.select_for_update()
            .select_related("alert__organisation", "alert__recipient")
            .filter(pk=delivery_id, status__in=PENDING)
            .first()
        )
        if found is None:
            return None
        if found.attempts and found.next_attempt_at is not None and found.next_attempt_at > now:
            return None  # not due yet (a retry), or another worker holds it
        found.attempts += 1
        found.last_attempt_at = now
        found.next_attempt_at = now + CLAIM
        found.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
        return found


def error_code(error: BaseException) -> str:
    code = getattr(error, "smtp_code", None)
    if isinstance(code, int):
        return f"{type(error).__name__}:{code}"
    return type(error).__name__[:64]


def _send_email(found: AlertDelivery) -> None:
    alert = found.alert
    preference = AlertPreference.objects.filter(user_id=alert.recipient_id).first()
    to = address.open_address(preference.email, user_id=alert.recipient_id) if preference else ""
    if not to:
        raise NoAddress
    text = texts.text_for(alert)
    message = EmailMessage(
        subject=text.subject,
        body=text.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Content-Language": text.language, "Auto-Submitted": "auto-generated"},
        connection=get_connection(fail_silently=False),
    )
    message.send()


def attempt(delivery_id: int, now: datetime | None = None) -> str:
    """One attempt of one delivery; returns its status afterwards ("" if not due)."""
    now = now or timezone.now()
    found = _claim(delivery_id, now)
    if found is None:
        return ""
    try:
        if found.channel != Channel.EMAIL:
            raise NotImplementedError(found.channel)
        _send_email(found)
    except Exception as error:
        # smtplib's errors, a refused connection (OSError), a backend's own: recorded only.
        return _failed(found, error, now)
    AlertDelivery.objects.filter(pk=found.pk).update(
        status=AlertDelivery.Status.SENT, sent_at=timezone.now(), next_attempt_at=None
    )
    return AlertDelivery.Status.SENT


def _failed(found: AlertDelivery, error: BaseException, now: datetime) -> str:
    code = error_code(error)
    final = isinstance(error, NoAddress | NotImplementedError) or (
        found.attempts >= settings.ALERT_MAX_ATTEMPTS
    )
    status = AlertDelivery.Status.FAILED if final else AlertDelivery.Status.RETRYING
    logger.warning("alert delivery %s attempt %s failed: %s", found.pk, found.attempts, code)
    with transaction.atomic():
        AlertDelivery.objects.filter(pk=found.pk).update(
            status=status,
            last_error=code,
            next_attempt_at=None if final else now + backoff(found.attempts),
        )
        if final:
            audit.record(
                "alert.delivery_failed",
                organisation=found.alert.organisation,
                obj=found,
                details={"channel": found.channel, "attempts": found.attempts, "error": code},
            )
    return status


def retry_due(now: datetime | None = None) -> int:
    """Every pending delivery whose time has come (a retry, or a queued one whose task was
    lost): one attempt each. Returns how many were attempted."""
    now = now or timezone.now()
    due = list(
        AlertDelivery.objects.filter(status__in=PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for delivery_id in due:
        attempt(delivery_id, now)
    return len(due)
