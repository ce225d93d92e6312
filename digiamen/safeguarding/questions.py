"""The question sets: loading the shipped first version, validating an edited one, labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from digiamen.safeguarding.models import QuestionSet

FIRST_VERSION = Path(__file__).resolve().parent / "data" / "questions-v1.json"
LANGUAGES = ("ar", "fr", "en")
AREAS = ("policies", "capacity", "social_media", "literacy", "technical", "monitoring")
AUTOMATIC = (
    "two_factor",
    "inactive_accounts",
    "admin_count",
    "recovery_key",
    "retention",
    "backup",
    "https",
    "staff_training",
    "training_recognising",
    "training_security",
)
MAX_QUESTIONS = 120
MAX_TEXT = 600

_TEXTS = {
    "type": "object",
    "properties": {
        lang: {"type": "string", "minLength": 1, "maxLength": MAX_TEXT} for lang in LANGUAGES
    },
    "required": list(LANGUAGES),
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "version": {"type": "integer"},
        "areas": {
            "type": "array",
            "minItems": len(AREAS),
            "maxItems": len(AREAS),
            "items": {
                "type": "object",
                "properties": {"code": {"enum": list(AREAS)}, "name": _TEXTS},
                "required": ["code", "name"],
                "additionalProperties": False,
            },
        },
        "questions": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_QUESTIONS,
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,39}$"},
                    "area": {"enum": list(AREAS)},
                    "text": _TEXTS,
                    "guidance": _TEXTS,
                    "automatic": {"enum": list(AUTOMATIC)},
                },
                "required": ["code", "area", "text", "guidance"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["areas", "questions"],
    "additionalProperties": False,
}


class QuestionSetError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def validate(content: Any) -> dict[str, Any]:
    """The content if it is a valid question set, else ``QuestionSetError`` (translated)."""
    try:
        jsonschema.validate(content, SCHEMA)
    except jsonschema.ValidationError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "-"
        raise QuestionSetError(
            _("The questions are not valid at %(where)s.") % {"where": where}
        ) from None
    codes = [question["code"] for question in content["questions"]]
    if len(codes) != len(set(codes)):
        raise QuestionSetError(_("Two questions have the same code."))
    if {area["code"] for area in content["areas"]} != set(AREAS):
        raise QuestionSetError(_("The six areas are each needed once."))
    checks = [q["automatic"] for q in content["questions"] if "automatic" in q]
    if len(checks) != len(set(checks)):
        raise QuestionSetError(_("An automatic check is used by two questions."))
    return {"areas": content["areas"], "questions": content["questions"]}


def first_version_content() -> dict[str, Any]:
    return validate(json.loads(FIRST_VERSION.read_text(encoding="utf-8")))


def current() -> QuestionSet:
    """The newest version (the first one is created on first use)."""
    found = QuestionSet.objects.order_by("-version").first()
    if found is None:
        found, _created = QuestionSet.objects.get_or_create(
            version=1, defaults={"content": first_version_content()}
        )
    return found


def localised(texts: dict[str, str]) -> str:
    language = (get_language() or "en").split("-")[0]
    return texts.get(language) or texts["en"]


def question_map(question_set: QuestionSet) -> dict[str, dict[str, Any]]:
    return {question["code"]: question for question in question_set.questions}
