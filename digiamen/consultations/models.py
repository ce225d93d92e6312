"""Children's consultations: a few questions an organisation (or a network) asks children,
and their answers, kept as counts-to-be that name nobody.

A response row holds the channel, the age band, sex, area and kind of place the child
chose, the month, and the chosen answers: no time of day, no link to a report, a random
key. The few words a child writes are kept apart from the response (``Words``: the
question and the month only, sealed for the organisation), so that words are never read
beside the age, sex and area of the child who wrote them.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation
from digiamen.channels.models import Gateway
from digiamen.consultations.questions import Question, from_data
from digiamen.networks.models import Network

LANGUAGES = ("ar", "fr", "en")


def _in(texts: dict[str, str], language: str, languages: list[str]) -> str:
    for choice in (language, *languages):
        if texts.get(choice):
            return str(texts[choice])
    return ""


class Consultation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    class Kind(models.TextChoices):
        ONE = "one", _("One answer")
        SEVERAL = "several", _("Several answers")
        WORDS = "words", _("A few words")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # A network's consultation, run by its secretariat: open to the children of every
    # member's country, and answered through every member's text-message gateways.
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The web address part and the text-message keyword: capital letters, digits, hyphens.
    code = models.CharField(max_length=24, unique=True)
    languages = models.JSONField(default=list)
    # {language: text} for each of ``languages``.
    titles = models.JSONField(default=dict)
    introductions = models.JSONField(default=dict)
    # [{"kind": Kind, "texts": {language: text}, "choices": [{language: text}, ...]}]
    questions = models.JSONField(default=list)
    age_min = models.PositiveSmallIntegerField(default=10)
    age_max = models.PositiveSmallIntegerField(default=17)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "code"]
        indexes = [models.Index(fields=["status", "ends_on"], name="consultation_open")]

    def __str__(self) -> str:
        return self.code

    def title_in(self, language: str) -> str:
        """The title in ``language``, else in the consultation's first language (a JSON
        object's keys come back in no set order from PostgreSQL)."""
        return _in(self.titles, language, self.languages)

    def introduction_in(self, language: str) -> str:
        return _in(self.introductions, language, self.languages)

    def asked(self) -> list[Question]:
        """The questions, each falling back on the consultation's languages in order."""
        return from_data(self.questions, self.languages)

    def is_open_on(self, day: date) -> bool:
        return self.status == self.Status.PUBLISHED and self.starts_on <= day <= self.ends_on


class Response(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("Website")
        SMS = "sms", _("Text message")
        ODK = "odk", _("Offline form (ODK Collect)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="responses"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    month = models.DateField()
    age_band = models.CharField(max_length=16)
    sex = models.CharField(max_length=16)
    admin1 = models.CharField(max_length=8, blank=True)
    locality = models.CharField(max_length=16)
    # One entry per question: a choice's number, a list of them, or None (no answer, or
    # words, which are kept apart).
    answers = models.JSONField(default=list)
    # An offline form sent twice is counted once: a keyed hash of its instance ID.
    submission_lookup = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "submission_lookup"],
                condition=~models.Q(submission_lookup=""),
                name="one_response_per_submission",
            )
        ]

    def __str__(self) -> str:
        return f"response to {self.consultation_id}"


class Words(models.Model):
    """A child's few words to one question, sealed for the organisation, apart from the
    rest of their answers. Words written by text message wait on the conversation
    (``session``) until its last answer, and go with it if it is abandoned."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    question = models.PositiveSmallIntegerField()
    month = models.DateField()
    sealed = models.BinaryField(default=b"")
    session = models.ForeignKey(
        "TextSession", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"words to question {self.question} of {self.consultation_id}"


class TextSession(models.Model):
    """A consultation answered by text message, while it is under way: the choices made so
    far, under the sender's keyed lookup (never the number), for an hour at most."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="+")
    sender_lookup = models.CharField(max_length=64)
    language = models.CharField(max_length=2)
    step = models.PositiveSmallIntegerField(default=0)
    answers = models.JSONField(default=dict)
    harm_mentioned = models.BooleanField(default=False)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "sender_lookup"], name="one_consultation_session_per_sender"
            )
        ]

    def __str__(self) -> str:
        return f"text session {self.pk}"
