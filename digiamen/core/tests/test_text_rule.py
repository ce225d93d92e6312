"""One rule for free text: every text field of every form and API schema follows it, and
the rule itself: NFC, no direction or control characters (refused from staff, removed from
a reporter's words)."""

from __future__ import annotations

import importlib
import typing

import pytest
from django import forms
from ninja import Schema

from digiamen.core.startup import application_modules
from digiamen.core.text import (
    PlainText,
    ReporterText,
    ReporterTextField,
    text_problem,
    validate_text,
    without_invisible,
)

# Fields that are not free text: secrets, codes, identifiers, numbers typed as text.
NOT_FREE_TEXT = {
    "username", "password", "new_password1", "new_password2", "old_password", "code", "otp",
    "receipt", "token", "secret", "slug", "number", "admin1", "md5", "sha256", "pdq", "phone",
    "email", "website", "url", "harm_type", "country", "organisation", "key", "recovery_key",
    "contact_value", "submission_id", "language", "languages", "start", "pow", "image_hashes",
    "version", "step", "assignee", "reason", "channel", "platform", "content", "from_",
    "instance_id", "query", "q", "area", "areas", "scope", "kind", "status", "role",
    "classification", "risk", "flags", "id", "ids", "field", "month", "format",
    "end", "parent", "public_key", "by", "harm", "age", "service_type", "question", "owner",
    "checksum", "fingerprint", "member", "campaign",
}  # fmt: skip


def _subclasses(base: type) -> set[type]:
    found, pending = set(), [base]
    while pending:
        for child in pending.pop().__subclasses__():
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


@pytest.fixture(scope="module")
def loaded() -> None:
    for name in application_modules():
        importlib.import_module(name)


def own(cls: type) -> bool:
    return cls.__module__.startswith("digiamen.") and ".tests" not in cls.__module__


def test_every_free_text_form_field_follows_the_rule(loaded: None) -> None:
    missing = []
    for form in filter(own, _subclasses(forms.BaseForm)):
        for name, field in getattr(form, "base_fields", {}).items():
            if (
                not isinstance(field, forms.CharField)
                or isinstance(field, forms.SlugField | forms.EmailField | forms.URLField)
                or isinstance(field.widget, forms.PasswordInput | forms.HiddenInput)
            ):
                continue
            if name in NOT_FREE_TEXT or isinstance(field, ReporterTextField):
                continue  # a reporter's words: invisible characters removed, not refused
            if validate_text not in field.validators:
                missing.append(f"{form.__module__}.{form.__name__}.{name}")
    assert missing == []


def test_every_free_text_api_field_follows_the_rule(loaded: None) -> None:
    missing = []
    for schema in filter(own, _subclasses(Schema)):
        if schema.__name__.endswith("Out"):
            continue  # answers, not input
        hints = typing.get_type_hints(schema, include_extras=True)
        for name, hint in hints.items():
            if name.startswith("_") or name in NOT_FREE_TEXT:
                continue
            plain = hint is str or (
                typing.get_origin(hint) is typing.Union and str in typing.get_args(hint)
            )
            if plain and not {PlainText, ReporterText} & {hint, *typing.get_args(hint)}:
                missing.append(f"{schema.__module__}.{schema.__name__}.{name}")
    assert missing == []


@pytest.mark.parametrize(
    "text",
    ["moc.\u202eenilpleh", "a\u2066b\u2069", "nul\x00", "bell\x07", "c1\x85"],
)
def test_direction_and_control_characters_are_refused_or_removed(text: str) -> None:
    assert text_problem(text)
    cleaned = without_invisible(text)
    assert text_problem(cleaned) is None and len(cleaned) < len(text)


def test_arabic_marks_joiners_and_line_breaks_stay_and_text_is_nfc() -> None:
    arabic = "مرحبا\u200f hello\u200e\nسطر\tجديد \u200c\u200d"
    assert text_problem(arabic) is None and without_invisible(arabic) == arabic
    assert without_invisible("e\u0301") == "\u00e9"  # NFC


def test_a_staff_note_with_an_override_is_refused_on_the_page_and_in_the_api() -> None:
    from pydantic import ValidationError

    from digiamen.cases.api import TextIn
    from digiamen.cases.forms import TextForm
    from digiamen.core.api_errors import field_message

    form = TextForm(data={"text": "call \u202e5550199"})
    assert not form.is_valid()
    assert "change its direction" in form.errors["text"][0]
    with pytest.raises(ValidationError) as refused:
        TextIn.model_validate({"text": "call \u202e5550199"})
    assert "change its direction" in field_message(dict(refused.value.errors()[0]))
    assert TextIn.model_validate({"text": "e\u0301 مرحبا"}).text == "\u00e9 مرحبا"


def test_a_reporters_story_keeps_its_words_without_the_override(db: None) -> None:
    from digiamen.intake.forms import validate_answers
    from digiamen.media.api import ReportIn

    story = "he said \u202eoll\u202c and \x07"
    answers, errors = validate_answers(
        {
            "harm_types": ["sexual_extortion"],
            "country": "MA",
            "narrative": story,
            "contact_method": "receipt",
        }
    )
    assert errors == {} and answers["narrative"] == "he said oll and"
    payload = ReportIn.model_validate({"harm_types": ["sexual_extortion"], "narrative": story})
    assert payload.narrative == "he said oll and "
