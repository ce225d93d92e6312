"""Offline collection with ODK Collect or KoboCollect: the report form as an XLSForm (built
here with openpyxl, in Arabic, French and English), turned into an XForm by pyxform, and
submissions read back into the same answers the web flow produces.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from typing import Any

from defusedxml import ElementTree
from django.utils import translation
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from pyxform.xls2xform import convert

from digiamen.core import places
from digiamen.core.taxonomy import (
    AgeBand,
    Disability,
    HarmType,
    Locality,
    PerpetratorRelationship,
    Platform,
    ReporterType,
    Sex,
)

FORM_ID = "digiamen_report"
# Raise when the form changes: a submission from an older form is refused.
FORM_VERSION = "2026120501"
# Submissions of the form before the campaign code question are still read.
ACCEPTED_VERSIONS = frozenset({FORM_VERSION, "2026120301"})
LANGUAGES = {"ar": "Arabic (ar)", "fr": "French (fr)", "en": "English (en)"}
SUBMISSION_MAX_BYTES = 512 * 1024

CHOICE_LISTS: dict[str, Any] = {
    "reporter_type": ReporterType,
    "harm_type": HarmType,
    "platform": Platform,
    "locality": Locality,
    "age_band": AgeBand,
    "sex": Sex,
    "disability": Disability,
    "perpetrator": PerpetratorRelationship,
}

# (type, name, label) of each question; labels are the web form's words.
QUESTIONS: list[tuple[str, str, str]] = [
    ("select_one reporter_type", "reporter_type", gettext_noop("Who is reporting?")),
    ("select_multiple harm_type", "harm_types", gettext_noop("What happened?")),
    ("select_multiple platform", "platforms", gettext_noop("Apps or websites")),
    ("select_one country", "country", gettext_noop("Country")),
    ("select_one admin1", "admin1", gettext_noop("Region")),
    ("select_one locality", "locality", gettext_noop("Town or countryside")),
    ("select_one age_band", "age_band", gettext_noop("Age")),
    ("select_one sex", "sex", gettext_noop("Girl or boy")),
    ("select_one disability", "disability", gettext_noop("Disability")),
    (
        "select_one perpetrator",
        "perpetrator_relationship",
        gettext_noop("Who is doing this to the child?"),
    ),
    ("text", "narrative", gettext_noop("In your words")),
    ("text", "involved_accounts", gettext_noop("Accounts and links")),
    ("text", "contact_value", gettext_noop("Phone number to reach the reporter (optional)")),
    ("select_one yes_no", "consent_contact", gettext_noop("The reporter agrees to be contacted")),
    (
        "select_one yes_no",
        "consent_referral",
        gettext_noop("The reporter agrees to be referred to a service"),
    ),
    (
        "select_one yes_no",
        "consent_statistics",
        gettext_noop("The reporter agrees to be counted in statistics"),
    ),
    # The awareness session or poster the report came through (awareness.campaigns).
    ("text", "campaign", gettext_noop("Campaign code (optional)")),
]
REQUIRED = {"harm_types"}


def _labels(text: str) -> list[str]:
    """The same words in each language, through the project's translations."""
    labels = []
    for language in LANGUAGES:
        with translation.override(language):
            labels.append(str(translation.gettext(text)))
    return labels


def in_each_language(label: Any) -> list[str]:
    """A lazy translation (a taxonomy's label) in each of the form's languages."""
    labels = []
    for language in LANGUAGES:
        with translation.override(language):
            labels.append(str(label))
    return labels


def build_xlsform() -> bytes:
    """The XLSForm: survey, choices and settings sheets."""
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    label_columns = [f"label::{name}" for name in LANGUAGES.values()]
    survey.append(["type", "name", *label_columns, "required", "choice_filter", "relevant"])
    for kind, name, label in QUESTIONS:
        choice_filter = "country=${country}" if name == "admin1" else ""
        relevant = "${country} != ''" if name == "admin1" else ""
        required = "yes" if name in REQUIRED else ""
        survey.append([kind, name, *_labels(label), required, choice_filter, relevant])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", *label_columns, "country"])
    for list_name, taxonomy in CHOICE_LISTS.items():
        for code, label in taxonomy.choices:
            choices.append([list_name, code, *in_each_language(label), ""])
    for code in places.COUNTRY_CODES:
        choices.append(
            ["country", code, *(places.country_name(code, lang) for lang in LANGUAGES), ""]
        )
        for area in places.areas(code):
            choices.append(["admin1", area.code, *(area.name(lang) for lang in LANGUAGES), code])
    for code, label in (("yes", gettext_noop("Yes")), ("no", gettext_noop("No"))):
        choices.append(["yes_no", code, *_labels(label), ""])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language", "instance_name"])
    settings.append(
        [
            "Digi-Amen report",
            FORM_ID,
            FORM_VERSION,
            LANGUAGES["ar"],
            "concat('report-', ${country})",
        ]
    )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@cache
def xform() -> str:
    """The XForm served to ODK Collect (built once per process)."""
    result = convert(xlsform=BytesIO(build_xlsform()), file_type=".xlsx", validate=False)
    return str(result.xform)


def xform_hash() -> str:
    return "md5:" + hashlib.md5(xform().encode(), usedforsecurity=False).hexdigest()


class SubmissionError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class OtherForm(SubmissionError):
    """A submission of another form than the report's (a consultation's, through
    ``core.signals.openrosa_submission``), well-formed and with its instance ID."""

    def __init__(self, form_id: str, instance_id: str) -> None:
        super().__init__("unknown_form")
        self.form_id = form_id
        self.instance_id = instance_id


@dataclass(frozen=True)
class Submission:
    instance_id: str
    answers: dict[str, Any]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_submission(data: bytes) -> Submission:
    """The answers of an OpenRosa submission of our form, as the web form's answer names."""
    if len(data) > SUBMISSION_MAX_BYTES:
        raise SubmissionError("too_large")
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except Exception as error:  # defusedxml and expat raise several kinds on hostile XML
        raise SubmissionError("broken_xml") from error
    values: dict[str, str] = {}
    instance_id = ""
    for element in root.iter():
        name = _local(element.tag)
        if name == "instanceID":
            instance_id = (element.text or "").strip()
        elif element is not root and len(element) == 0:
            values[name] = (element.text or "").strip()
    if not instance_id or len(instance_id) > 100:
        raise SubmissionError("no_instance_id")
    if root.get("id") != FORM_ID:
        raise OtherForm(str(root.get("id") or "")[:100], instance_id)
    if root.get("version") not in ACCEPTED_VERSIONS:
        raise SubmissionError("unknown_version")
    answers: dict[str, Any] = {}
    for _kind, name, _label in QUESTIONS:
        value = values.get(name, "")
        if name in ("harm_types", "platforms"):
            answers[name] = value.split() if value else []
        elif name.startswith("consent_"):
            answers[name] = value == "yes"
        elif value:
            answers[name] = value
    answers["contact_method"] = "phone" if answers.get("contact_value") else "receipt"
    return Submission(instance_id=instance_id, answers=answers)
