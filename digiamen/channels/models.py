"""Text-message channels: gateways (RapidPro/TextIt flows, SMS gateways, WhatsApp), the
scripted conversations that turn messages into reports, and the outbox the gateway collects.

What the server must read to reply (a plain SMS gateway's number, a RapidPro contact id,
the outbox) is ciphertext under the channel key (see store.py) and kept only as long as
needed; what the reporter writes is sealed for the organisation as it arrives.
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

    class Provider(models.TextChoices):
        # A plain gateway knows numbers only: the server must keep a number to reply.
        SMS_GATEWAY = "sms_gateway", _("SMS gateway (it sends to numbers)")
        # RapidPro/TextIt keeps the numbers; the server keeps only the contact's UUID.
        RAPIDPRO = "rapidpro", _("RapidPro or TextIt (it sends to contacts)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SMS)
    provider = models.CharField(
        max_length=16, choices=Provider.choices, default=Provider.SMS_GATEWAY
    )
    # Where a RapidPro gateway's outbox is sent (its API, by contact UUID). Without them the
    # outbox waits for a relay to collect it. The token is under the channel key.
    rapidpro_url = models.URLField(blank=True, default="")
    rapidpro_token = models.BinaryField(blank=True, default=b"")
    secret_hash = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    """One reporter's conversation, then (if they agreed to be contacted) the way back.

    ``answers`` holds only the categorical choices the script needs (under the channel
    key); the free text is in ``sealed``, sealed for the organisation as it arrived.
    ``reply_to`` is empty until a report is made whose reporter agreed to be contacted.
    """

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="conversations")
    sender_lookup = models.CharField(max_length=64)
    reply_to = models.BinaryField(blank=True, default=b"")
    language = models.CharField(max_length=2)
    step = models.CharField(max_length=16)
    answers = models.BinaryField()
    # The report-to-be's fields sealed for the organisation (base64): its id, the envelope
    # of its data key, and the ciphertexts. The server cannot open any of them.
    sealed = models.JSONField(default=dict, blank=True)
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
                fields=["gateway", "sender_lookup"],
                condition=Q(report__isnull=True),
                name="one_open_conversation_per_sender",
            )
        ]
        indexes = [models.Index(fields=["gateway", "sender_lookup"], name="conversation_sender")]

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
    """A counsellor's reply waiting for the gateway. Deleted when the gateway has it (or
    RapidPro took it), and unsent after CHANNEL_OUTBOX_MAX_AGE_HOURS."""

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="outbox")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, null=True, related_name="+")
    reply_to = models.BinaryField()
    text = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]

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
