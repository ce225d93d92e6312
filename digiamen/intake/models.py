"""Reports from the public front door, operators and partner apps, and the reporter's mailbox.

Identifying and free-text fields are ciphertext (see digiamen.core.encryption); the
categorical fields used for routing and statistics are plain.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User
from digiamen.core.taxonomy import (
    AgeBand,
    Channel,
    Disability,
    Locality,
    PerpetratorRelationship,
    ReporterType,
    Sex,
)


class RoutingRule(models.Model):
    """Reports from this country (and area, if set) go to this organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="routing_rules"
    )
    country = models.CharField(max_length=2)
    admin1 = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country", "admin1"], name="one_route_per_area")
        ]

    def __str__(self) -> str:
        return f"{self.country}/{self.admin1 or '*'} -> {self.organisation_id}"


class Helpline(models.Model):
    """A number a child can call, shown with the safety advice for their country.

    Children of the country see every helpline of it, whoever keeps it; only the admins of the
    owner organisation change or remove it.
    """

    # PROTECT: an organisation is not removed while children are shown numbers it keeps.
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="helplines")
    country = models.CharField(max_length=2, db_index=True)
    name = models.JSONField(help_text=_("Name in each language: {'ar': ..., 'fr': ..., 'en': ...}"))
    phone = models.CharField(max_length=32)
    free_of_charge = models.BooleanField(default=True)
    hours = models.CharField(max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["country", "order", "id"]

    def __str__(self) -> str:
        return f"{self.country} {self.phone}"

    def name_in(self, language: str) -> str:
        return str(self.name.get(language) or self.name.get("en") or self.phone)

    @property
    def name_in_current(self) -> str:
        return self.name_in(get_language() or "en")


class ReceiptKdfSalt(models.Model):
    """One random salt per instance for deriving receipt secrets (made on first use)."""

    salt = models.BinaryField(max_length=16)

    def __str__(self) -> str:
        return "receipt salt"


class Draft(models.Model):
    """An unfinished report. Its answers are encrypted under a key that only the page holds.

    The database keeps a hash of the draft's id and the ciphertext: without the page, an
    abandoned draft is unreadable, and it is deleted when it expires.
    """

    class Mode(models.TextChoices):
        PUBLIC = "public", _("Public")
        OPERATOR = "operator", _("Operator")

    token_hash = models.CharField(max_length=64, unique=True)
    ciphertext = models.BinaryField()
    step = models.PositiveSmallIntegerField(default=0)
    furthest_step = models.PositiveSmallIntegerField(default=0)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.PUBLIC)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True)
    operator = models.ForeignKey(User, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"draft {self.pk}"


class Report(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        SEEN = "seen", _("Seen")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="reports")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # The awareness campaign's code the report arrived with (a poster's link), a category
    # like the channel: never anything about the reporter (``awareness.campaigns``).
    campaign = models.CharField(max_length=40, blank=True, default="", db_default="")
    received_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)

    # Categorical, non-identifying: routing and statistics.
    reporter_type = models.CharField(
        max_length=32, choices=ReporterType.choices, default=ReporterType.UNKNOWN
    )
    harm_types = models.JSONField(default=list)
    platforms = models.JSONField(default=list)
    country = models.CharField(max_length=2, blank=True)
    admin1 = models.CharField(max_length=8, blank=True)
    locality = models.CharField(max_length=16, choices=Locality.choices, default=Locality.UNKNOWN)
    # Who harms the child, as the reporter sees it; a category, never a name.
    perpetrator_relationship = models.CharField(
        max_length=24,
        choices=PerpetratorRelationship.choices,
        default=PerpetratorRelationship.UNKNOWN,
        db_default=PerpetratorRelationship.UNKNOWN,
    )
    age_band = models.CharField(max_length=16, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    disability = models.CharField(
        max_length=16, choices=Disability.choices, default=Disability.UNKNOWN
    )
    contact_method = models.CharField(max_length=16, default="receipt")
    consent_contact = models.BooleanField(default=False)
    consent_referral = models.BooleanField(default=False)
    consent_statistics = models.BooleanField(default=False)

    # Encrypted under the report's data key (envelope sealed to the organisation).
    sealed_key = models.BinaryField()
    narrative = models.BinaryField()
    involved_accounts = models.BinaryField()
    contact = models.BinaryField()

    # The reporter's mailbox: found by a hash derived from the receipt; what the reporter
    # may read is sealed to a key pair that only the receipt derives.
    receipt_lookup = models.CharField(max_length=64, unique=True)
    mailbox_public_key = models.BinaryField(max_length=32)
    reporter_summary = models.BinaryField()
    # The verify key of the reporter's message signatures (``intake.reporter_signing``),
    # encrypted under the report's data key like the story; empty for text-message reports
    # sealed before they arrived and for reports older than the signatures.
    mailbox_verify_key = models.BinaryField(default=b"", db_default=b"")
    # A copy received by transfer with the reporter's consent carries the same mailbox
    # public key (and sealed summary); this points at the report whose receipt opens it,
    # so the follow-up page gathers the conversation with every organisation.
    mailbox_home = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="mailbox_copies"
    )
    submission_id = models.CharField(max_length=64, unique=True)
    # The reporter was asked about the help they got (``feedback``) and answered or
    # skipped: never asked again. Which of the two is not kept, so that nothing here leads
    # to an answer. Set on the mailbox's home report (the receipt's).
    feedback_done = models.BooleanField(default=False, db_default=False)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="report_org_recent"),
            # Statistics count an organisation's reports of a period by consent.
            models.Index(
                fields=["organisation", "created_at", "consent_statistics"],
                name="report_org_statistics",
            ),
            # The statistics' tables read only these columns of consenting reports: on
            # PostgreSQL an index-only scan of this narrow index, not the wide rows (sealed
            # story and contact). SQLite has no covering index and skips it.
            models.Index(
                fields=["organisation", "created_at"],
                include=[
                    "harm_types",
                    "platforms",
                    "age_band",
                    "sex",
                    "disability",
                    "country",
                    "admin1",
                    "locality",
                    "reporter_type",
                    "channel",
                    "perpetrator_relationship",
                    "campaign",
                ],
                condition=models.Q(consent_statistics=True),
                name="report_statistics_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.public_id}"


class Message(models.Model):
    """One message of the conversation between the reporter and the organisation."""

    class Direction(models.TextChoices):
        FROM_REPORTER = "from_reporter", _("From the reporter")
        TO_REPORTER = "to_reporter", _("To the reporter")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=16, choices=Direction.choices)
    author = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    for_organisation = models.BinaryField()
    for_reporter = models.BinaryField()
    read_by_staff_at = models.DateTimeField(null=True)
    read_by_reporter_at = models.DateTimeField(null=True)
    # The reporter's signature over the message (``intake.reporter_signing``): empty for
    # messages to the reporter (signed by their author as writings) and by text message.
    reporter_signature = models.BinaryField(default=b"", db_default=b"")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"message {self.pk} ({self.direction})"


class FollowupSession(models.Model):
    """A reporter's short visit to their mailbox, opened with the receipt.

    The token's secret is never stored; it wraps the mailbox private key for the visit.
    """

    key_id = models.CharField(max_length=32, unique=True)
    secret_hash = models.CharField(max_length=64)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    wrapped_mailbox_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"follow-up session {self.key_id}"
