"""Digital-safeguarding self-assessments of organisations, and their action plans.

The questions are versioned data (``QuestionSet``): a network coordinator edits them by
publishing a new version; an assessment keeps the version it was started with. Notes,
evidence and action items are the organisation's own words about its weaknesses, so they
are sealed for the organisation like case data; statuses, scores and dates are plain.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User


class QuestionSet(models.Model):
    version = models.PositiveIntegerField(unique=True)
    # {"areas": [{"code", "name": {ar, fr, en}}], "questions": [{"code", "area", "text",
    # "guidance", "automatic"?}]}, checked by ``questions.validate``.
    content = models.JSONField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"safeguarding questions v{self.version}"

    @property
    def questions(self) -> list[dict[str, Any]]:
        return list(self.content["questions"])

    @property
    def areas(self) -> list[dict[str, Any]]:
        return list(self.content["areas"])


class Status(models.TextChoices):
    NOT_IN_PLACE = "not_in_place", _("Not in place")
    PARTLY = "partly", _("Partly in place")
    IN_PLACE = "in_place", _("In place")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Assessment(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="safeguarding_assessments"
    )
    question_set = models.ForeignKey(QuestionSet, on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Scores frozen at closing: {"overall": 0-100, "areas": {code: 0-100 or None}}.
    scores = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking for edits

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # At most one open assessment per organisation.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_assessment",
            )
        ]

    def __str__(self) -> str:
        return f"assessment {self.pk} of {self.organisation.slug}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    note = models.BinaryField(default=b"")  # sealed for the organisation; b"" when empty
    evidence = models.BinaryField(default=b"")  # a link or a document name, sealed
    automatic = models.BooleanField(default=False)  # filled in by the platform itself
    # What the platform measured, for automatic answers (e.g. {"share": 0.8}); no names.
    measured = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="one_answer")
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.status}"


class ActionItem(models.Model):
    class ItemStatus(models.TextChoices):
        OPEN = "open", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="action_items"
    )
    question = models.CharField(max_length=40)
    description = models.BinaryField()  # sealed for the organisation
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"action {self.pk} on {self.question}"

    @property
    def is_overdue(self) -> bool:
        return self.status != self.ItemStatus.DONE and self.due_on < timezone.localdate()


class BackupRun(models.Model):
    """Recorded by the operator's backup job (``manage.py record_backup``)."""

    ran_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"backup at {self.ran_at:%Y-%m-%d %H:%M}"


class BenchmarkChoice(models.Model):
    """Whether the organisation's name may appear in its networks' benchmark."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="safeguarding_benchmark"
    )
    show_name = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.organisation.slug} named: {self.show_name}"
