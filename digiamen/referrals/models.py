"""Referrals of a case to services in the directory.

The model lived in the directory app; its table keeps the name it had there
(``directory_referral``), with its rows (``referrals.0001`` and ``directory.0002``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User
from digiamen.cases.models import Case
from digiamen.directory.models import Service
from digiamen.directory.taxonomy import ServiceType


class Referral(models.Model):
    """A child referred from a case to a service, with consent.

    When the service's organisation is on the platform, it receives a copy sealed to it
    holding what consent allows, and answers in its own referrals queue.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_out"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    # The receiving platform organisation, if the service's organisation has one.
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_in"
    )
    # Copied at sending, for statistics that outlive a service's later edits.
    service_type = models.CharField(max_length=40, choices=ServiceType.choices)
    country = models.CharField(max_length=2, blank=True)
    admin1 = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    # The caseworker's reason for referring, sealed for the sending organisation.
    sealed_reason = models.BinaryField(default=b"")
    # What consent allows the receiver to know, sealed to the receiving organisation.
    sealed_copy = models.BinaryField(default=b"")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        # Made by the directory app, where referrals started; kept with its rows.
        db_table = "directory_referral"
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["from_organisation", "-sent_at"], name="referral_out"),
            models.Index(fields=["to_organisation", "status"], name="referral_in"),
            models.Index(fields=["service_type", "admin1"], name="referral_stats"),
        ]

    def __str__(self) -> str:
        return f"referral of {self.case_id} to {self.service_id}"
