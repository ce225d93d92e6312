"""Networks and what their members share with them: monthly protected aggregates, never cases.

A network (a national working group or a regional network) is run by the network coordinators
of one organisation, its secretariat. Other organisations are added as members; each member's
admins decide whether its monthly figures are shared (off until they turn it on). What is
shared is what the organisation's own statistics page would show for one month and one
dimension, after disclosure control: a hidden cell is stored as hidden (NULL), never as its
value. Aggregates of another instance arrive as signed HXL files from a trusted peer.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation


class NetworkQuerySet(models.QuerySet["Network"]):
    def of(self, organisation: Organisation) -> NetworkQuerySet:
        """The networks an organisation runs or is a member of."""
        return self.filter(
            models.Q(secretariat=organisation) | models.Q(members__organisation=organisation)
        ).distinct()


class Network(models.Model):
    class Kind(models.TextChoices):
        NATIONAL = "national", _("National working group")
        REGIONAL = "regional", _("Regional network")

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    secretariat = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="networks_run"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NetworkMember(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="network_memberships"
    )
    shares_statistics = models.BooleanField(default=False)
    sharing_changed_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "organisation"], name="one_network_member")
        ]

    def __str__(self) -> str:
        return f"{self.organisation.slug} in {self.network.slug}"


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
