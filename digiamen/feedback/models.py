"""What a child said of the help they got, kept apart from their case.

An answer row names the organisation, the kind of help (a referred service and its type, or
the organisation's own casework), the first harm type and the month it was given: nothing
else. It has no link to the report or the case, no time of day (the month only) and a random
key, so neither its number nor its order tells which case closed before it. The few words the
child may add are sealed for the organisation.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation
from digiamen.directory.models import Service

# The service type of an answer about the organisation's own help (no referral completed).
OWN_HELP = "own_help"


class Answer(models.Model):
    class Listened(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("A little")
        NO = "no", _("No")

    class Helped(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    class Recommend(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Not sure")
        NO = "no", _("No")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    service_type = models.CharField(max_length=40)
    # The referred service the help came from, if a referral was completed; a service
    # removed from the directory leaves its type.
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, related_name="+")
    harm_type = models.CharField(max_length=48, blank=True)
    listened = models.CharField(max_length=8, choices=Listened.choices)
    helped = models.CharField(max_length=8, choices=Helped.choices)
    recommend = models.CharField(max_length=8, choices=Recommend.choices)
    sealed_words = models.BinaryField(default=b"")

    class Meta:
        indexes = [models.Index(fields=["organisation", "month"], name="feedback_org_month")]

    def __str__(self) -> str:
        return f"feedback answer of {self.organisation_id}"


class TextQuestions(models.Model):
    """The questions under way by text message, for a reporter who reported so.

    The answers given so far wait here, tied to the report, only until the last question is
    answered (then an ``Answer`` is stored and this row deleted, in one transaction), the
    reporter declines, or the questions expire unanswered.
    """

    report = models.OneToOneField("intake.Report", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=2)
    listened = models.CharField(max_length=8, blank=True)
    helped = models.CharField(max_length=8, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"text questions {self.pk}"
