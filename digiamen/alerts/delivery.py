"""Sending one delivery, with retries and back-off; what is stored of it has no content.

A delivery is claimed in a short transaction (its attempt counted, its next attempt put off
for as long as a send may take), sent with no transaction open (an SMTP server's delay must
not hold the database), then its result written. A failure is stored as the error's class
or SMTP code only, never its message (a server's message may repeat the address), and never
raised: the caller is a queue task or a periodic job, never a user's request.

A text message is "sent" by putting it in the organisation's SMS gateway outbox; it counts
as sent once the gateway has collected it (the row is gone), and as failed if the gateway
has not within ALERT_SMS_COLLECT_MINUTES (``check_outbox``). A channel that failed for good
falls back to the other one (e-mail <-> text), as a delivery of its own.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from digiamen.accounts import time_zones
from digiamen.alerts import address, texts
from digiamen.alerts.models import AlertDelivery, AlertPreference, Channel
from digiamen.channels import actions as channel_actions
from digiamen.channels.models import OutboundMessage
from digiamen.core import audit

logger = logging.getLogger(__name__)

PENDING = (AlertDelivery.Status.QUEUED, AlertDelivery.Status.RETRYING)
# How long a claimed attempt may take before another worker may try again.
CLAIM = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failed attempt, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


class Undeliverable(Exception):
    """A delivery that cannot succeed by trying again; ``code`` is what is recorded."""

    code = "undeliverable"


class NoAddress(Undeliverable):
    """The member removed their address or number since the alert was queued."""

    code = "no_address"


class NoGateway(Undeliverable):
    """The organisation has no active SMS gateway (one that sends to numbers)."""

    code = "no_sms_gateway"


class NotCollected(Undeliverable):
    """The gateway did not collect the text within ALERT_SMS_COLLECT_MINUTES."""

    code = "not_collected"


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
    if isinstance(error, Undeliverable):
        return error.code
    code = getattr(error, "smtp_code", None)
    if isinstance(code, int):
        return f"{type(error).__name__}:{code}"
    return type(error).__name__[:64]


def _preference(found: AlertDelivery) -> AlertPreference | None:
    return AlertPreference.objects.filter(user_id=found.alert.recipient_id).first()


def _send_email(found: AlertDelivery, preference: AlertPreference | None) -> None:
    alert = found.alert
    to = address.open_address(preference.email, user_id=alert.recipient_id) if preference else ""
    if not to:
        raise NoAddress
    send_email(to, texts.text_for(alert, preference))


def send_email(to: str, text: texts.Text) -> None:
    message = EmailMessage(
        subject=text.subject,
        body=text.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Content-Language": text.language, "Auto-Submitted": "auto-generated"},
        connection=get_connection(fail_silently=False),
    )
    message.send()


def _queue_text(found: AlertDelivery, preference: AlertPreference | None, now: datetime) -> None:
    """Into the organisation's SMS gateway outbox: the headline alone, to the member's
    number. Sent once the gateway has collected it (``check_outbox``)."""
    alert = found.alert
    number = (
        address.open_address(preference.phone, user_id=alert.recipient_id, field="phone")
        if preference
        else ""
    )
    if not number:
        raise NoAddress
    gateway = channel_actions.sms_gateway(alert.organisation)
    if gateway is None:
        raise NoGateway
    text = texts.sms_for(alert, preference)
    with transaction.atomic():
        message = channel_actions.queue_text_to_number(gateway, number, text.body)
        AlertDelivery.objects.filter(pk=found.pk).update(
            status=AlertDelivery.Status.OUTBOX,
            outbox_id=message.pk,
            next_attempt_at=now + timedelta(minutes=settings.ALERT_SMS_COLLECT_MINUTES),
        )


def attempt(delivery_id: int, now: datetime | None = None) -> str:
    """One attempt of one delivery; returns its status afterwards ("" if not due)."""
    now = now or timezone.now()
    found = _claim(delivery_id, now)
    if found is None:
        return ""
    try:
        preference = _preference(found)
        if found.channel == Channel.EMAIL:
            _send_email(found, preference)
        elif found.channel == Channel.SMS:
            _queue_text(found, preference, now)
            return AlertDelivery.Status.OUTBOX
        else:
            raise Undeliverable
    except Exception as error:
        # smtplib's errors, a refused connection (OSError), a backend's own: recorded only.
        return _failed(found, error, now)
    AlertDelivery.objects.filter(pk=found.pk).update(
        status=AlertDelivery.Status.SENT, sent_at=timezone.now(), next_attempt_at=None
    )
    return AlertDelivery.Status.SENT


def _failed(found: AlertDelivery, error: BaseException, now: datetime) -> str:
    code = error_code(error)
    final = isinstance(error, Undeliverable) or found.attempts >= settings.ALERT_MAX_ATTEMPTS
    status = AlertDelivery.Status.FAILED if final else AlertDelivery.Status.RETRYING
    logger.warning("alert delivery %s attempt %s failed: %s", found.pk, found.attempts, code)
    fallback: int | None = None
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
            fallback = _fallback(found, now)
    if fallback is not None:
        # The worker that saw the failure sends the fallback at once (the periodic retry
        # would, a minute later, if this one stopped here).
        attempt(fallback, now)
    return status


# A failed channel falls back to the other one, once: never the same alert twice on one
# channel (the constraint one_delivery_per_channel), and never back again.
FALLBACK = {Channel.EMAIL: Channel.SMS, Channel.SMS: Channel.EMAIL}


def _fallback(found: AlertDelivery, now: datetime) -> int | None:
    """The fallback delivery made for a failed one, or None: the member has no address or
    number for it, the organisation no SMS gateway, the alert went that way already, or it
    is not urgent and the member's quiet hours have begun."""
    target = FALLBACK.get(Channel(found.channel)) if found.digest_id is None else None
    preference = _preference(found) if target else None
    if target is None or preference is None:
        return None
    # Quiet hours hold back a non-urgent alert's fallback as they would have held it.
    local_hour = time_zones.local(now, found.alert.organisation).hour
    if not found.alert.urgent and preference.is_quiet(local_hour):
        return None
    if target == Channel.EMAIL and not preference.email:
        return None
    if target == Channel.SMS and (
        not preference.phone or channel_actions.sms_gateway(found.alert.organisation) is None
    ):
        return None
    if AlertDelivery.objects.filter(alert_id=found.alert_id, channel=target).exists():
        return None
    try:
        with transaction.atomic():
            made = AlertDelivery.objects.create(
                alert_id=found.alert_id,
                channel=target,
                fallback_for=found.channel,
                created_at=now,
                next_attempt_at=now + timedelta(minutes=2),
            )
    except IntegrityError:  # made by a concurrent worker
        return None
    return made.pk


def check_outbox(now: datetime | None = None) -> int:
    """Text messages in a gateway's outbox: collected (the row is gone) -> sent; still
    there after ALERT_SMS_COLLECT_MINUTES -> taken back out (never sent late) and failed,
    which falls back to e-mail. Returns how many were settled."""
    now = now or timezone.now()
    settled = 0
    waiting = AlertDelivery.objects.filter(status=AlertDelivery.Status.OUTBOX).select_related(
        "alert__organisation"
    )
    for found in list(waiting):
        message = OutboundMessage.objects.filter(pk=found.outbox_id or 0, report__isnull=True)
        if message.exists():
            if found.next_attempt_at is not None and found.next_attempt_at > now:
                continue
            with transaction.atomic():
                taken_back, _count = message.delete()
            if taken_back:
                _failed(found, NotCollected(), now)
                settled += 1
                continue
        # The gateway collected it (mark_sent deleted the row), maybe just now.
        settled += AlertDelivery.objects.filter(
            pk=found.pk, status=AlertDelivery.Status.OUTBOX
        ).update(status=AlertDelivery.Status.SENT, sent_at=now, next_attempt_at=None)
    return settled


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
