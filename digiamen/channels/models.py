"""Text-message channels: gateways (RapidPro/TextIt flows, SMS gateways, WhatsApp), the
scripted conversations that turn messages into reports, and the outbox the gateway collects.

Phone numbers and texts are ciphertext under the channel key (see store.py): the server
must read a number to reply to it, so they cannot be sealed for the organisation only.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation
from digiamen.intake.models import Report


class Gateway(models.Model):
    class Kind(models.TextChoices):
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", "WhatsApp"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SMS)
    secret_hash = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="conversations")
    phone_lookup = models.CharField(max_length=64)
    phone = models.BinaryField()
    language = models.CharField(max_length=2)
    step = models.CharField(max_length=16)
    answers = models.BinaryField()
    # The sender's time of the last message applied: an older message is out of order.
    last_sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    report = models.OneToOneField(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="text_conversation"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "phone_lookup"],
                condition=Q(report__isnull=True),
                name="one_open_conversation_per_phone",
            )
        ]
        indexes = [models.Index(fields=["gateway", "phone_lookup"], name="conversation_phone")]

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class InboundMessage(models.Model):
    """A message id seen from a gateway, with the answer given: a retry gets the same."""

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=100)
    reply = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "message_id"], name="one_message_per_id")
        ]

    def __str__(self) -> str:
        return self.message_id


class OutboundMessage(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the gateway")
        SENT = "sent", _("Sent")

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="outbox")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, null=True, related_name="+")
    phone = models.BinaryField()
    text = models.BinaryField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["gateway", "status"], name="outbox_queue")]

    def __str__(self) -> str:
        return f"outbound {self.pk}"


class FieldWorker(models.Model):
    """An outreach worker of an organisation who collects reports offline (ODK Collect,
    KoboCollect) and may do nothing else: no staff page, no case, no API token. The password
    is kept as an Argon2 hash for Basic authentication, and the Digest secret (HA1, needed
    by ODK Collect's Digest authentication) is kept encrypted under the channel key."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    username = models.CharField(max_length=64, unique=True)
    password_hash = models.CharField(max_length=200)
    digest_secret = models.BinaryField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username
