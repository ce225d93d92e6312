"""What the operations app keeps: the queue's heartbeat, the audit chain's signed heads and the
heads witnessed with peer instances."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """The last time a background process said it was alive (the Huey consumer: "queue")."""

    name = models.CharField(max_length=32, primary_key=True)
    beat_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} alive at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class AuditCheckpoint(models.Model):
    """The audit chain's head as this instance signed it (hourly, ``tasks.sign_audit_head``),
    with the instance key, which lives outside the database: someone who rewrites the chain
    and recomputes its hashes cannot sign a matching checkpoint."""

    last_event_id = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(default=timezone.now)
    public_key = models.BinaryField(max_length=32)  # the instance key that signed it
    signature = models.BinaryField(max_length=64)

    class Meta:
        ordering = ["-last_event_id"]

    def __str__(self) -> str:
        return f"audit head {self.last_event_id} signed {self.signed_at:%Y-%m-%d %H:%M}"


class AuditWitness(models.Model):
    """A head of this instance's chain, signed back by a trusted peer instance (a receipt):
    kept here, and the peer keeps the head too (``WitnessedHead`` on its side)."""

    checkpoint = models.ForeignKey(AuditCheckpoint, on_delete=models.PROTECT, related_name="+")
    peer_name = models.CharField(max_length=50)
    peer_public_key = models.BinaryField(max_length=32)
    signature = models.BinaryField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "peer_public_key"], name="one_receipt_per_peer"
            )
        ]

    def __str__(self) -> str:
        return f"head {self.checkpoint.last_event_id} witnessed by {self.peer_name}"


class WitnessedHead(models.Model):
    """A peer instance's audit head that this instance witnessed (and signed back)."""

    peer_name = models.CharField(max_length=50)
    peer_public_key = models.BinaryField(max_length=32)
    last_event_id = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    stated_at = models.DateTimeField()  # when the peer signed it
    witnessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["peer_public_key", "last_event_id"], name="one_head_per_peer_and_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.peer_name}'s head {self.last_event_id}"
