"""What the operations app keeps: the queue's heartbeat."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """The last time a background process said it was alive (the Huey consumer: "queue")."""

    name = models.CharField(max_length=32, primary_key=True)
    beat_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} alive at {self.beat_at:%Y-%m-%d %H:%M:%S}"
