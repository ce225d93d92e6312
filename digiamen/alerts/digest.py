"""The daily digest: one content-free e-mail a day with how many non-urgent alerts of each
kind are waiting, for members who chose it instead of one e-mail per alert.

From ALERT_DIGEST_HOUR on (the local time of the member's organisation), each member with
e-mails kept for the digest gets one digest for the day: the deliveries it covers are
linked to it (what was included is stored, so nothing is counted twice) and the day's row
is unique (so never two a day). Urgent alerts never wait for it
(``actions.create_alerts``), and nothing is sent when nothing waits.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, tzinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from digiamen.accounts import time_zones
from digiamen.accounts.models import Organisation
from digiamen.alerts import address, texts
from digiamen.alerts.delivery import NoAddress, backoff, error_code, send_email
from digiamen.alerts.models import AlertDelivery, AlertDigest, AlertPreference
from digiamen.core import audit

logger = logging.getLogger(__name__)

PENDING = (AlertDelivery.Status.QUEUED, AlertDelivery.Status.RETRYING)


def make_digest(user_id: int, now: datetime, zone: tzinfo | None = None) -> AlertDigest | None:
    """Today's digest of this member (today in ``zone``, the site's by default) with every
    e-mail kept for it, or None if they have one for today already or nothing waits."""
    day = timezone.localtime(now, zone).date()
    with transaction.atomic():
        try:
            with transaction.atomic():
                digest = AlertDigest.objects.create(user_id=user_id, day=day, created_at=now)
        except IntegrityError:
            return None  # today's is made already: what came since waits for tomorrow
        kept = list(
            AlertDelivery.objects.select_for_update(of=("self",))
            .filter(
                status=AlertDelivery.Status.DIGEST,
                digest__isnull=True,
                alert__recipient_id=user_id,
            )
            .select_related("alert")
        )
        if not kept:
            transaction.set_rollback(True)
            return None
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for delivery in kept:
            counts[str(delivery.alert.organisation_id)][delivery.alert.kind] += 1
        digest.counts = {org: dict(kinds) for org, kinds in counts.items()}
        digest.save(update_fields=["counts"])
        AlertDelivery.objects.filter(pk__in=[d.pk for d in kept]).update(
            digest=digest, status=AlertDelivery.Status.QUEUED
        )
    return digest


def _claim(digest_id: int, now: datetime) -> AlertDigest | None:
    with transaction.atomic():
        found = (
            AlertDigest.objects.select_for_update().filter(pk=digest_id, status__in=PENDING).first()
        )
        if found is None:
            return None
        if found.attempts and found.next_attempt_at is not None and found.next_attempt_at > now:
            return None
        found.attempts += 1
        found.next_attempt_at = now + backoff(found.attempts)
        found.save(update_fields=["attempts", "next_attempt_at"])
        return found


def attempt_digest(digest_id: int, now: datetime) -> str:
    found = _claim(digest_id, now)
    if found is None:
        return ""
    try:
        preference = AlertPreference.objects.filter(user_id=found.user_id).first()
        to = address.open_address(preference.email, user_id=found.user_id) if preference else ""
        if not to or preference is None:
            raise NoAddress
        names = {
            str(pk): name
            for pk, name in Organisation.objects.filter(
                pk__in=[int(org) for org in found.counts]
            ).values_list("pk", "name")
        }
        # The organisation of the first alert gives the language when the member chose none.
        first = Organisation.objects.get(pk=int(next(iter(found.counts))))
        send_email(to, texts.digest_for(found.counts, names, texts.language_for(first, preference)))
    except Exception as error:
        return _failed(found, error, now)
    sent_at = timezone.now()
    with transaction.atomic():
        AlertDigest.objects.filter(pk=found.pk).update(
            status=AlertDelivery.Status.SENT, sent_at=sent_at, next_attempt_at=None
        )
        found.deliveries.update(status=AlertDelivery.Status.SENT, sent_at=sent_at)
    return AlertDelivery.Status.SENT


def _failed(found: AlertDigest, error: BaseException, now: datetime) -> str:
    code = error_code(error)
    final = isinstance(error, NoAddress) or found.attempts >= settings.ALERT_MAX_ATTEMPTS
    status = AlertDelivery.Status.FAILED if final else AlertDelivery.Status.RETRYING
    logger.warning("alert digest %s attempt %s failed: %s", found.pk, found.attempts, code)
    with transaction.atomic():
        AlertDigest.objects.filter(pk=found.pk).update(
            status=status, last_error=code, next_attempt_at=None if final else found.next_attempt_at
        )
        found.deliveries.update(status=status, last_error=code)
        if final:
            for organisation in Organisation.objects.filter(
                pk__in=[int(org) for org in found.counts]
            ):
                audit.record(
                    "alert.delivery_failed",
                    organisation=organisation,
                    obj=found,
                    details={"channel": "digest", "attempts": found.attempts, "error": code},
                )
    return status


def send_digests(now: datetime | None = None) -> int:
    """From the digest hour on: today's digest for each member with e-mails kept for it,
    and another attempt of each digest waiting to be retried. Returns how many were sent."""
    now = now or timezone.now()
    made: list[int] = []
    waiting = (
        AlertDelivery.objects.filter(status=AlertDelivery.Status.DIGEST, digest__isnull=True)
        .values_list("alert__recipient_id", "alert__organisation_id")
        .distinct()
    )
    # A member's day is their organisation's (the first one with something waiting).
    organisation_of: dict[int, int] = {}
    for user_id, organisation_id in sorted(waiting):
        organisation_of.setdefault(user_id, organisation_id)
    organisations = Organisation.objects.in_bulk(set(organisation_of.values()))
    for user_id, organisation_id in organisation_of.items():
        zone = time_zones.zone_of(organisations[organisation_id])
        if timezone.localtime(now, zone).hour < settings.ALERT_DIGEST_HOUR:
            continue
        digest = make_digest(user_id, now, zone)
        if digest is not None:
            made.append(digest.pk)
    retrying = AlertDigest.objects.filter(
        status=AlertDelivery.Status.RETRYING, next_attempt_at__lte=now
    ).values_list("pk", flat=True)
    return sum(attempt_digest(pk, now) == AlertDelivery.Status.SENT for pk in [*made, *retrying])
