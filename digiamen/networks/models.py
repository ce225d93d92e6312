"""Networks: national working groups and regional networks, run by one organisation (the
secretariat, whose network coordinators manage it) with other organisations as members.

Statistics sharing (``digiamen.evidence``), shared hash banks (``digiamen.media``), the
safeguarding benchmark and the directory's coordinators all build on these two models.
Whether a member shares its monthly figures is decided on its membership row.
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
        # Made in the evidence app; the tables kept their names when the models moved.
        db_table = "evidence_network"
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
        db_table = "evidence_networkmember"
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "organisation"], name="one_network_member")
        ]

    def __str__(self) -> str:
        return f"{self.organisation.slug} in {self.network.slug}"
