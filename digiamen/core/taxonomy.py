"""The shared taxonomy: stable codes (never change them), translated labels.

Harm types follow the Luxembourg Guidelines' terms. Never "child pornography".
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HarmType(models.TextChoices):
    ONLINE_GROOMING = "online_grooming", _("Online grooming")
    SEXUAL_EXTORTION = "sexual_extortion", _("Sexual extortion (sextortion)")
    NON_CONSENSUAL_IMAGE_SHARING = (
        "non_consensual_image_sharing",
        _("Sharing of sexual images without consent"),
    )
    CSAM = "csam", _("Child sexual abuse material")
    LIVE_STREAMED_ABUSE = "live_streamed_abuse", _("Live-streamed sexual abuse")
    ONLINE_COMMERCIAL_SEXUAL_EXPLOITATION = (
        "online_commercial_sexual_exploitation",
        _("Online commercial sexual exploitation"),
    )
    FAKE_OPPORTUNITY_EXPLOITATION = (
        "fake_opportunity_exploitation",
        _("Exploitation through fake opportunities"),
    )
    EXPOSURE_TO_SEXUAL_CONTENT = "exposure_to_sexual_content", _("Exposure to sexual content")
    CYBERBULLYING = "cyberbullying", _("Cyberbullying")
    ONLINE_RADICALISATION = "online_radicalisation", _("Online radicalisation")
    OTHER = "other", pgettext_lazy("harm type", "Something else")


# One short sentence per harm type, in words a child understands.
HARM_EXPLANATIONS: dict[str, Promise] = {
    HarmType.ONLINE_GROOMING: _(
        "Someone online is becoming your “special friend”, asking for secrets, photos or to meet."
    ),
    HarmType.SEXUAL_EXTORTION: _(
        "Someone threatens to share a picture or video of you unless you send more or pay."
    ),
    HarmType.NON_CONSENSUAL_IMAGE_SHARING: _(
        "A private picture or video of you was shared, even if you took it yourself."
    ),
    HarmType.CSAM: _("You saw or received sexual pictures or videos of children."),
    HarmType.LIVE_STREAMED_ABUSE: _(
        "Someone made a child do sexual things on a video call or a live stream."
    ),
    HarmType.ONLINE_COMMERCIAL_SEXUAL_EXPLOITATION: _(
        "Someone offers money, gifts or phone credit in exchange for sexual things."
    ),
    HarmType.FAKE_OPPORTUNITY_EXPLOITATION: _(
        "Someone promised fame, modelling, a job, trading profits or game tokens, then asked "
        "for sexual things."
    ),
    HarmType.EXPOSURE_TO_SEXUAL_CONTENT: _(
        "Someone sent you sexual pictures, videos or messages you did not want."
    ),
    HarmType.CYBERBULLYING: _(
        "Someone insults, threatens or humiliates you online, again and again."
    ),
    HarmType.ONLINE_RADICALISATION: _(
        "Someone online pushes you towards violence or hatred, or to join a violent group."
    ),
    HarmType.OTHER: _("Something else online that worries you."),
}


class Platform(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    FACEBOOK = "facebook", "Facebook"
    MESSENGER = "messenger", "Messenger"
    INSTAGRAM = "instagram", "Instagram"
    TIKTOK = "tiktok", "TikTok"
    SNAPCHAT = "snapchat", "Snapchat"
    TELEGRAM = "telegram", "Telegram"
    YOUTUBE = "youtube", "YouTube"
    X = "x", "X (Twitter)"
    DISCORD = "discord", "Discord"
    FREE_FIRE = "free_fire", "Free Fire"
    PUBG_MOBILE = "pubg_mobile", "PUBG Mobile"
    ROBLOX = "roblox", "Roblox"
    IMO = "imo", "Imo"
    VIBER = "viber", "Viber"
    OTHER_WEBSITE = "other_website", _("Another website or app")
    OFFLINE = "offline", _("Not online (in person)")


class AgeBand(models.TextChoices):
    AGE_0_5 = "0_5", _("0 to 5 years")
    AGE_6_11 = "6_11", _("6 to 11 years")
    AGE_12_14 = "12_14", _("12 to 14 years")
    AGE_15_17 = "15_17", _("15 to 17 years")
    UNKNOWN = "unknown", _("I don't know or prefer not to say")


class Sex(models.TextChoices):
    FEMALE = "female", _("Girl")
    MALE = "male", _("Boy")
    OTHER = "other", _("Other or prefer not to say")
    UNKNOWN = "unknown", _("I don't know")


class Disability(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("I don't know or prefer not to say")


class ReporterType(models.TextChoices):
    CHILD = "child", _("I am the child it happened to")
    FRIEND = "friend", _("A friend or another young person")
    PARENT = "parent", _("A parent or caregiver")
    TEACHER = "teacher", _("A teacher or school staff")
    SOCIAL_WORKER = "social_worker", _("A social worker or CSO staff")
    COMMUNITY_LEADER = "community_leader", _("A religious or community leader")
    HEALTH_WORKER = "health_worker", _("A health worker")
    OTHER = "other", pgettext_lazy("reporter", "Someone else")
    UNKNOWN = "unknown", _("Prefer not to say")


class PerpetratorRelationship(models.TextChoices):
    STRANGER_ONLINE = "stranger_online", _("A stranger met online")
    ONLINE_ACQUAINTANCE = "online_acquaintance", _("Someone known only online")
    FRIEND_OR_PEER = "friend_or_peer", _("A friend or another young person")
    ROMANTIC_PARTNER = "romantic_partner", _("A boyfriend or girlfriend")
    FAMILY_MEMBER = "family_member", _("A family member")
    TEACHER_OR_TUTOR = "teacher_or_tutor", _("A teacher or tutor")
    OTHER_KNOWN_ADULT = "other_known_adult", _("Another adult the child knows")
    UNKNOWN = "unknown", _("Not known")


class Locality(models.TextChoices):
    URBAN = "urban", _("A city or town")
    RURAL = "rural", _("A village or the countryside")
    UNKNOWN = "unknown", _("I don't know or prefer not to say")


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    API = "api", _("Partner app")
    PHONE = "phone", _("Phone call")
    WALK_IN = "walk_in", _("Walk-in")
    OUTREACH = "outreach", _("Outreach")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", "WhatsApp"
    OFFLINE_FORM = "offline_form", _("Offline form (ODK)")
    TRANSFER = "transfer", _("Transfer from another organisation")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class UrgentFlag(models.TextChoices):
    IMMEDIATE_DANGER = "immediate_danger", _("Immediate danger")
    ACTIVE_THREAT_TO_SHARE = "active_threat_to_share", _("Active threat to share images")
    SELF_HARM_RISK = "self_harm_risk", _("Risk of self-harm")
    PERPETRATOR_PHYSICAL_ACCESS = (
        "perpetrator_physical_access",
        _("Perpetrator has physical access to the child"),
    )
    PERPETRATOR_IN_HOUSEHOLD = "perpetrator_in_household", _("Perpetrator is in the household")


def choices_with_codes(choices: type[models.TextChoices]) -> list[str]:
    return [str(value) for value in choices.values]
