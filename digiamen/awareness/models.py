"""Prevention work: campaign codes that reports can carry, and awareness sessions held.

Nothing here names a person: a campaign is an organisation's label for a poster, a radio
spot or a school visit; a session is a date, a place (an admin-1 area), a setting, an
audience and counts of participants by age band and sex. A report records only the code it
arrived with (``intake.Report.campaign``), a category like its channel.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User


class CampaignChannel(models.TextChoices):
    POSTER = "poster", _("Posters and leaflets")
    SCHOOL_SESSION = "school_session", _("School sessions")
    RADIO = "radio", _("Radio or television")
    SOCIAL_MEDIA = "social_media", _("Social media")
    COMMUNITY = "community", _("Community events")
    OTHER = "other", _("Other")


class Campaign(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # Printed on posters and in links (/ar/report/?c=SCHOOL-RABAT-2027): capitals, digits
    # and hyphens; unique on the instance, so that a link names one campaign.
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    channel = models.CharField(max_length=16, choices=CampaignChannel.choices)
    # Empty: the organisation's whole country.
    admin1 = models.CharField(max_length=8, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "code"]

    def __str__(self) -> str:
        return self.code


class Setting(models.TextChoices):
    SCHOOL = "school", _("School")
    CARE_CENTRE = "care_centre", _("Care centre")
    PLACE_OF_WORSHIP = "place_of_worship", _("Mosque, church or other place of worship")
    YOUTH_CLUB = "youth_club", _("Youth club")
    ONLINE = "online", _("Online")
    COMMUNITY_MEETING = "community_meeting", _("Community meeting")


class Audience(models.TextChoices):
    CHILDREN = "children", _("Children (10 to 13)")
    ADOLESCENTS = "adolescents", _("Adolescents (14 to 17)")
    CAREGIVERS = "caregivers", _("Parents and caregivers")
    EDUCATORS = "educators", _("Teachers, care workers and service providers")
    LEADERS = "leaders", _("Religious and community leaders")
    MIXED = "mixed", _("Mixed audience")


# Participants are counted by these age bands and by sex; the children reached are the
# bands under 18.
PARTICIPANT_BANDS = ("under_10", "10_13", "14_17", "adult")
CHILD_BANDS = ("under_10", "10_13", "14_17")
PARTICIPANT_SEXES = ("female", "male")


class AwarenessSession(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    held_on = models.DateField()
    admin1 = models.CharField(max_length=8)
    setting = models.CharField(max_length=24, choices=Setting.choices)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    # {"10_13": {"female": 12, "male": 9}, ...}: counts only, never names.
    participants = models.JSONField(default=dict)
    # Sums kept with the row, for the evidence tables (participants is the breakdown).
    children_reached = models.PositiveIntegerField(default=0)
    adults_reached = models.PositiveIntegerField(default=0)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    facilitator = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["organisation", "held_on"], name="awareness_session_org_day")
        ]

    def __str__(self) -> str:
        return f"awareness session {self.pk}"


class LessonVersion(models.Model):
    """An organisation's own version of a lesson in one language. Every version is kept; the
    newest published one is shown. One member drafts, another publishes (both audited)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    harm_type = models.CharField(max_length=40)
    audience = models.CharField(max_length=16)
    language = models.CharField(max_length=2)
    title = models.CharField(max_length=120)
    # Limited Markdown, rendered and sanitised when shown (``awareness.lessons.render``).
    body = models.TextField()
    drafted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-drafted_at", "-id"]
        indexes = [
            models.Index(
                fields=["organisation", "harm_type", "audience", "language"],
                name="lesson_version_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"lesson version {self.pk}"
