"""What networks' members share with them: monthly protected aggregates, never cases.

Networks themselves and their members live in ``digiamen.networks`` (hash banks, the
safeguarding benchmark and the directory use them too). Each member's admins decide
whether its monthly figures are shared (off until they turn it on). What is
shared is what the organisation's own statistics page would show for one month and one
dimension, after disclosure control: a hidden cell is stored as hidden (NULL), never as its
value. Aggregates of another instance arrive as signed HXL files from a trusted peer.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from digiamen.accounts.models import Organisation
from digiamen.networks.models import Network


class PeerInstance(models.Model):
    """Another Digi-Amen instance whose signed aggregate files this network accepts."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="peers")
    name = models.SlugField(max_length=50)
    # An Ed25519 verify key, 32 bytes, given by the peer's operator out of band.
    public_key = models.BinaryField(max_length=32)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="one_peer_name")]

    def __str__(self) -> str:
        return self.name


class SharedAggregate(models.Model):
    """One cell of a member's protected one-way table for one month.

    ``value`` is a category code of the dimension ("" where not given), or "TOTAL"; ``count`` is
    NULL when the cell was hidden at the source. ``source`` names the member organisation
    (by slug) or, for an imported file, the peer and the source named in it.
    """

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="aggregates")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    peer = models.ForeignKey(
        PeerInstance, on_delete=models.CASCADE, null=True, blank=True, related_name="aggregates"
    )
    source = models.CharField(max_length=120)
    country = models.CharField(max_length=2)
    month = models.DateField()
    dimension = models.CharField(max_length=32)
    value = models.CharField(max_length=64, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "source", "month", "dimension", "value"],
                name="one_shared_cell",
            )
        ]
        indexes = [
            models.Index(fields=["network", "dimension", "month"], name="shared_by_dimension")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.month:%Y-%m} {self.dimension}={self.value}"


class ReportDay(models.Model):
    """How many reports consenting to statistics an organisation received on one day (UTC)
    in one area, through a campaign or not: what the prevention tables count.

    Kept by the database, not by the application: triggers on the reports' table (see
    ``evidence.report_days``) count every insert, change and delete, whichever code or
    statement makes it (a report, a consent withdrawn, a bulk update, a retention purge),
    and every ``migrate`` counts the whole table again. Counts only, shown only through
    disclosure control, like the reports they count.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    admin1 = models.CharField(max_length=8, blank=True)
    through_campaign = models.BooleanField()
    reports = models.IntegerField()

    class Meta:
        constraints = [
            # The triggers' upsert target, and the index of every read (an organisation's
            # days in a period).
            models.UniqueConstraint(
                fields=["organisation", "day", "admin1", "through_campaign"],
                name="one_count_per_report_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.admin1 or '-'}: {self.reports}"
