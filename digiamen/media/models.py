"""Hashes, never images: banks of known hashes, the hashes of reported images, and matches.

A bank belongs to one organisation and may be shared with a network it belongs to. Every
change to a bank's entries is also appended to ``BankChange``, the feed that keeps each
process's in-memory matching index fresh without a rebuild (see matching.py).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User
from digiamen.intake.models import Report
from digiamen.networks.models import Network


class Classification(models.TextChoices):
    BASELINE = "baseline", _("Child sexual abuse material (international baseline)")
    NATIONAL = "national", _("Illegal under national law")
    EXPLOITATIVE = "exploitative", _("Sexualised or exploitative, not illegal")
    INTIMATE = "intimate", _("Intimate image shared without consent")
    UNASSESSED = "unassessed", _("Not yet assessed")


class HashKind(models.TextChoices):
    MD5 = "md5", "MD5"
    SHA256 = "sha256", "SHA-256"
    PDQ = "pdq", "PDQ"


class HashBank(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="hash_banks"
    )
    network = models.ForeignKey(
        Network, on_delete=models.SET_NULL, null=True, blank=True, related_name="hash_banks"
    )
    name = models.CharField(max_length=120)
    source = models.CharField(max_length=200, blank=True)
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="bank_name_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class BankEntry(models.Model):
    """One known image, by any of its hashes."""

    bank = models.ForeignKey(HashBank, on_delete=models.CASCADE, related_name="entries")
    md5 = models.CharField(max_length=32, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    classification = models.CharField(
        max_length=16, choices=Classification.choices, default=Classification.UNASSESSED
    )
    reference = models.CharField(max_length=100, blank=True)
    is_enabled = models.BooleanField(default=True)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-added_at", "-id"]
        indexes = [
            models.Index(fields=["md5"], name="bank_entry_md5"),
            models.Index(fields=["sha256"], name="bank_entry_sha256"),
            models.Index(fields=["bank", "-added_at"], name="bank_entry_recent"),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk} in bank {self.bank_id}"


class BankChange(models.Model):
    """Append-only: an entry's state after a change (added, enabled, disabled, removed)."""

    id = models.BigAutoField(primary_key=True)
    entry_id = models.BigIntegerField()
    bank_id = models.BigIntegerField()
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="bank_change_age")]

    def __str__(self) -> str:
        return f"change {self.pk}"


class ReportedImage(models.Model):
    """The hashes of one image sent with a report; the image itself never reached us or
    was discarded after hashing."""

    class HashedOn(models.TextChoices):
        DEVICE = "device", _("On the reporter's device")
        SERVER = "server", _("On the server, image discarded")
        APP = "app", _("By a partner app")

    class HotlineStatus(models.TextChoices):
        NOT_SENT = "", _("Not answered yet")
        CONFIRMED = "confirmed", _("Confirmed illegal")
        NOT_ILLEGAL = "not_illegal", _("Assessed as not illegal")
        REMOVED = "removed", _("Removed from the internet")
        UNKNOWN = "unknown", _("Not found by the hotline")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="images")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    md5 = models.CharField(max_length=32, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    hashed_on = models.CharField(max_length=8, choices=HashedOn.choices)
    hotline_status = models.CharField(
        max_length=16, choices=HotlineStatus.choices, blank=True, default=""
    )
    hotline_classification = models.CharField(
        max_length=16, choices=Classification.choices, blank=True
    )
    hotline_reference = models.CharField(max_length=100, blank=True)
    hotline_answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["organisation", "created_at"], name="reported_image_org")]

    def __str__(self) -> str:
        return f"image {self.pk} of report {self.report_id}"


class ImageMatch(models.Model):
    image = models.ForeignKey(ReportedImage, on_delete=models.CASCADE, related_name="matches")
    bank = models.ForeignKey(HashBank, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(BankEntry, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=8, choices=HashKind.choices)
    distance = models.PositiveSmallIntegerField(default=0)
    classification = models.CharField(max_length=16, choices=Classification.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["distance", "id"]

    def __str__(self) -> str:
        return f"match {self.pk}"
