"""The directory's own codes: service types, phone and location kinds, languages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceType(models.TextChoices):
    CHILD_HELPLINE = "child_helpline", _("Child helpline")
    MEDICAL_CARE = "medical_care", _("Medical care")
    PSYCHOSOCIAL_SUPPORT = "psychosocial_support", _("Psychosocial support")
    LEGAL_AID = "legal_aid", _("Legal aid")
    SAFE_ACCOMMODATION = "safe_accommodation", _("Safe accommodation")
    POLICE_CYBERCRIME_UNIT = "police_cybercrime_unit", _("Police cyber-crime unit")
    CHILD_FRIENDLY_JUSTICE = "child_friendly_justice", _("Child-friendly justice")
    EDUCATION_AND_AWARENESS = "education_and_awareness", _("Education and awareness")
    ECONOMIC_EMPOWERMENT = "economic_empowerment", _("Economic empowerment")
    DIGITAL_EVIDENCE_AND_TAKEDOWN = (
        "digital_evidence_and_takedown",
        _("Digital evidence and takedown support"),
    )
    DISABILITY_SERVICES = "disability_services", _("Disability services")
    OTHER = "other", _("Other service")


class ServiceStatus(models.TextChoices):
    # HSDS 3.0's own values.
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Closed for good")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")


class LocationType(models.TextChoices):
    # HSDS 3.0's own values.
    PHYSICAL = "physical", _("A place people visit")
    POSTAL = "postal", _("A postal address")
    VIRTUAL = "virtual", _("Online or by phone only")


class PhoneType(models.TextChoices):
    # HSDS 3.0's own values.
    TEXT = "text", _("Text messages")
    VOICE = "voice", _("Voice")
    FAX = "fax", _("Fax")
    CELL = "cell", _("Mobile")
    VIDEO = "video", _("Video call")
    PAGER = "pager", _("Pager")
    TEXTPHONE = "textphone", _("Textphone")


# Languages a service can be offered in: ISO 639-1 codes (639-3 where there is none, as
# HSDS allows), each named in itself.
SERVICE_LANGUAGES: dict[str, str] = {
    "ar": "العربية",
    "fr": "Français",
    "en": "English",
    "zgh": "ⵜⴰⵎⴰⵣⵉⵖⵜ (Tamazight)",
    "es": "Español",
}

# A service not verified for this long is flagged for the network coordinators.
VERIFICATION_MAX_AGE_DAYS = 365
