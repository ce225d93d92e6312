"""Staff training: the organisation's own modules and each member's completions.

The default modules are files shipped with the code (``training/modules/*.json``) and the
organisation's protocols (``cases.protocols``); an organisation adds modules of its own.
A completion keeps the module's code and version, the score and whether it passed: the
digital-safeguarding self-assessment reads them for its capacity-building area.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from digiamen.accounts.models import Organisation, User


class OwnModule(models.Model):
    """A module an organisation wrote, in one language: pages and a quiz (``content``, in
    the shape of the shipped modules, with the language's texts only)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="training_modules"
    )
    code = models.SlugField(max_length=40)
    version = models.PositiveIntegerField(default=1)
    language = models.CharField(max_length=2)
    content = models.JSONField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code", "version"], name="one_own_module_version"
            )
        ]

    def __str__(self) -> str:
        return f"training module {self.code} v{self.version} of {self.organisation_id}"


class Completion(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    module = models.CharField(max_length=40)
    version = models.CharField(max_length=40)
    score = models.PositiveSmallIntegerField()  # per cent of the quiz's questions right
    passed = models.BooleanField()
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "user", "-completed_at"], name="training_completions"
            )
        ]

    def __str__(self) -> str:
        return f"{self.module} by {self.user_id}: {self.score}%"
