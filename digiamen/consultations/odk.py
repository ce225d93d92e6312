"""A consultation as a form for ODK Collect or KoboCollect, filled in with children in a
session, and its submissions read back as answers (``actions.check``, the same rules as the
web page). The form is built as an XLSForm (openpyxl) and turned into an XForm by pyxform,
as the report form is (``channels.openrosa``)."""

from __future__ import annotations

import hashlib
from io import BytesIO
from typing import Any

from defusedxml import ElementTree
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from pyxform.xls2xform import convert

from digiamen.channels.openrosa import LANGUAGES, in_each_language
from digiamen.consultations import actions
from digiamen.consultations.models import Consultation
from digiamen.consultations.questions import age_bands
from digiamen.core import places
from digiamen.core.taxonomy import Locality, Sex

FORM_PREFIX = "consultation_"


def form_id(consultation: Consultation) -> str:
    return FORM_PREFIX + consultation.code.lower().replace("-", "_")


def version(consultation: Consultation) -> str:
    # A published consultation does not change: its publication time names the version.
    moment = consultation.published_at or consultation.created_at
    return moment.strftime("%Y%m%d%H%M")


def _age_bands(consultation: Consultation) -> list[tuple[str, list[str]]]:
    by_language = []
    for language in LANGUAGES:
        with translation.override(language):
            by_language.append(age_bands(consultation.age_min, consultation.age_max))
    return [
        (code, [bands[n][1] for bands in by_language])
        for n, (code, _label) in enumerate(by_language[0])
    ]


def build_xlsform(consultation: Consultation) -> bytes:
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    label_columns = [f"label::{name}" for name in LANGUAGES.values()]
    survey.append(["type", "name", *label_columns])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", *label_columns])
    profile: list[tuple[str, Any, list[tuple[str, list[str]]]]] = [
        (
            "age_band",
            _("How old are you?"),
            _age_bands(consultation),
        ),
        (
            "sex",
            _("Are you a girl or a boy?"),
            [(c, in_each_language(label)) for c, label in Sex.choices],
        ),
        (
            "admin1",
            _("Where do you live?"),
            [
                (area.code, [area.name(language) for language in LANGUAGES])
                for country in actions.countries_of(consultation)
                for area in places.areas(country)
            ],
        ),
        (
            "locality",
            _("Do you live in a city or in the countryside?"),
            [(c, in_each_language(label)) for c, label in Locality.choices],
        ),
    ]
    for name, label, options in profile:
        if not options:
            continue
        survey.append([f"select_one {name}", name, *in_each_language(label)])
        for code, labels in options:
            choices.append([name, code, *labels])
    for index, question in enumerate(consultation.asked()):
        texts = [question.text(language) for language in LANGUAGES]
        if question.kind == "words":
            survey.append(["text", f"q{index}", *texts])
            continue
        kind = "select_one" if question.kind == "one" else "select_multiple"
        survey.append([f"{kind} q{index}_choices", f"q{index}", *texts])
        for number in range(len(question.choices)):
            choices.append(
                [
                    f"q{index}_choices",
                    str(number),
                    *(question.choice_texts(language)[number] for language in LANGUAGES),
                ]
            )
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    title = consultation.title_in("ar")
    settings.append([title, form_id(consultation), version(consultation), LANGUAGES["ar"]])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xform(consultation: Consultation) -> str:
    result = convert(
        xlsform=BytesIO(build_xlsform(consultation)), file_type=".xlsx", validate=False
    )
    return str(result.xform)


def form_entry(consultation: Consultation) -> dict[str, str]:
    body = xform(consultation)
    digest = hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()
    title = consultation.title_in("ar")
    return {
        "form_id": form_id(consultation),
        "name": title,
        "version": version(consultation),
        "hash": f"md5:{digest}",
        "xform": body,
    }


def answers_of(consultation: Consultation, data: bytes) -> dict[str, Any]:
    """The submission's values under the web form's names (several answers as a list)."""
    root = ElementTree.fromstring(data, forbid_dtd=True)
    values: dict[str, Any] = {}
    kinds = {f"q{i}": q.kind for i, q in enumerate(consultation.asked())}
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if element is root or len(element) or name not in {*kinds, *actions.PROFILE_FIELDS}:
            continue
        text = (element.text or "").strip()
        values[name] = text.split() if kinds.get(name) == "several" else text
    return values
