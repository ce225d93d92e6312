"""Alerts to staff: that something is waiting, and where; never what.

An alert carries no content: no case number, harm type, name, place or text. It names its
recipient, the organisation and the kind of event; the event itself is known only by a
``dedup_key`` (internal ids), so that the same event never alerts the same person twice.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User


class Kind(models.TextChoices):
    NEW_REPORT = "new_report", _("A new report")
    ASSIGNED = "assigned", _("A case assigned to you")
    ESCALATION = "escalation", _("An urgent case nobody has opened")
    DEADLINE_HALF = "deadline_half", _("Half the time to first contact has passed")
    DEADLINE = "deadline", _("First contact is overdue")
    REPORTER_WROTE = "reporter_wrote", _("A reporter wrote on a case of yours")
    TRANSFER_IN = "transfer_in", _("A case transferred to your organisation")
    REFERRAL_IN = "referral_in", _("A referral to your organisation")
    REFERRAL_ANSWER = "referral_answer", _("An answer to your referral")
    PLATFORM_SILENT = "platform_silent", _("A platform has not answered your escalation")
    TASK_DUE = "task_due", _("A task of yours is due")
    CLOSURE = "closure", _("A closure waits for your approval")
    SECURITY = "security", _("Your account's security")
    AUDIT_HEAD = "audit_head", _("The audit log's fingerprint (admins)")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")


class Alert(models.Model):
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="alerts")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    urgent = models.BooleanField(default=False)
    # What event this is (e.g. "report:12"), for deduplication only; never shown.
    dedup_key = models.CharField(max_length=80)
    # The case's number, only where the organisation chose to have it in alerts
    # (AlertPolicy); empty otherwise: an alert then names no case at all.
    case_number = models.CharField(max_length=24, blank=True)
    # Audit-head alerts only: "EVENT:CODE", the signed head's fingerprint
    # (``operations.witness.fingerprint``), a hash of a hash: nothing of any case.
    fingerprint = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"], name="one_alert_per_event_and_recipient"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="alert_unread")]

    def __str__(self) -> str:
        return f"alert {self.pk} ({self.kind}) for {self.recipient_id}"


class AlertDelivery(models.Model):
    """One channel's delivery of an alert: attempts and result, never the text or address."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RETRYING = "retrying", _("Waiting to retry")
        # A text message in the gateway's outbox, until the gateway collects it.
        OUTBOX = "outbox", _("Waiting for the gateway")
        # A non-urgent e-mail kept for the member's daily digest.
        DIGEST = "digest", _("Kept for the daily digest")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    # An error's class or SMTP code ("SMTPRecipientsRefused", "ConnectionRefusedError"), never
    # its message: a server's message may repeat the address.
    last_error = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The channel whose failure made this delivery (a fallback); empty for a chosen one.
    fallback_for = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    # A text message's row in the gateway's outbox (deleted when the gateway collects it):
    # its id only, so that its going can be seen; never a link that would keep it.
    outbox_id = models.BigIntegerField(null=True, blank=True)
    # The daily digest this e-mail went into.
    digest = models.ForeignKey(
        "AlertDigest", on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "channel"], name="one_delivery_per_channel")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.channel}, {self.status})"


def default_channels() -> dict[str, list[str]]:
    return {kind: [Channel.IN_APP, Channel.EMAIL] for kind in Kind.values}


class Language(models.TextChoices):
    ARABIC = "ar", _("Arabic")
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class AlertPreference(models.Model):
    """A member's choices. The address and the number are under the alerts key
    (``alerts.address``): the queue's worker must read them to send, with nobody's key
    unlocked."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="alert_preference")
    email = models.BinaryField(blank=True, default=b"")
    phone = models.BinaryField(blank=True, default=b"")
    # The language of e-mails and texts; empty: the organisation's first language.
    language = models.CharField(max_length=2, choices=Language.choices, blank=True, default="")
    # Non-urgent alerts by e-mail: one digest a day instead of one e-mail each.
    daily_digest = models.BooleanField(default=False)
    # {kind: [channel, ...]}; in-app is always on.
    channels = models.JSONField(default=default_channels, blank=True)
    # Hours of the day (0-23, the organisation's time zone) when nothing but an urgent alert to the
    # person on call is sent by e-mail; equal: no quiet hours.
    quiet_from = models.PositiveSmallIntegerField(default=0)
    quiet_to = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"alert preferences of {self.user_id}"

    def is_quiet(self, hour: int) -> bool:
        if self.quiet_from == self.quiet_to:
            return False
        if self.quiet_from < self.quiet_to:
            return self.quiet_from <= hour < self.quiet_to
        return hour >= self.quiet_from or hour < self.quiet_to

    def wants(self, kind: str, channel: str) -> bool:
        return channel in (self.channels or {}).get(kind, [])


class AlertDigest(models.Model):
    """One member's daily digest: how many alerts of each kind waited, per organisation
    (``{organisation id: {kind: count}}``), never which. One a day at most."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    counts = models.JSONField(default=dict)
    status = models.CharField(
        max_length=8, choices=AlertDelivery.Status.choices, default=AlertDelivery.Status.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_a_day")]

    def __str__(self) -> str:
        return f"digest {self.pk} of {self.user_id} ({self.day})"


class OnCallShift(models.Model):
    """One weekly slot of the rota: on ``weekday`` (0 Monday) from ``start_hour`` to
    ``end_hour`` (exclusive, 24 = midnight), the organisation's time zone."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="on_call_shifts"
    )
    weekday = models.PositiveSmallIntegerField()
    start_hour = models.PositiveSmallIntegerField()
    end_hour = models.PositiveSmallIntegerField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["weekday", "start_hour", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6)
                & models.Q(start_hour__lt=models.F("end_hour"))
                & models.Q(end_hour__lte=24),
                name="on_call_shift_in_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"on call {self.weekday} {self.start_hour}-{self.end_hour}: {self.user_id}"


class OnCallException(models.Model):
    """A dated exception to the weekly rota (a holiday cover, a swap): on ``date`` from
    ``start_hour`` to ``end_hour`` (exclusive, 24 = midnight), site time zone, the members of
    the exceptions covering an hour are on call instead of that hour's weekly pattern."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="on_call_exceptions"
    )
    date = models.DateField()
    start_hour = models.PositiveSmallIntegerField()
    end_hour = models.PositiveSmallIntegerField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "start_hour", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_hour__lt=models.F("end_hour"))
                & models.Q(end_hour__lte=24),
                name="on_call_exception_in_a_day",
            )
        ]
        indexes = [models.Index(fields=["organisation", "date"], name="on_call_exception_day")]

    def __str__(self) -> str:
        return f"on call {self.date} {self.start_hour}-{self.end_hour}: {self.user_id}"


class AlertPolicy(models.Model):
    """What an organisation lets its alerts say. By default nothing of a case; an
    organisation may choose to have the case number in them (for a team that handles many
    cases at once), knowing that an e-mail or a text leaves the platform's protection."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="alert_policy"
    )
    case_numbers = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"alert policy of {self.organisation_id}"


class PendingNewReport(models.Model):
    """A stored report whose staff have not been alerted yet. Written in the report's own
    transaction, so it exists exactly when the report does; the queue takes these rows in
    batches (alerts.new_reports), each organisation's team and rota read once per batch.
    A lost task or a queue that was down leaves the row for the next run."""

    report = models.OneToOneField(
        "intake.Report", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"report {self.report_id} waiting for its alerts"
