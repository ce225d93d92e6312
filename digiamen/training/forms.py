from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from digiamen.core.text import IsolatedRadioSelect, TextField
from digiamen.training.modules import PROTOCOLS, SHIPPED_ORDER, Module

MAX_PAGES = 10
MAX_QUESTIONS = 10
MAX_CHOICES = 5


class QuizForm(forms.Form):
    """One set of radio buttons per question of the module."""

    def __init__(self, module: Module, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for index, question in enumerate(module.questions):
            # An organisation's own module is a stored text: each of its texts keeps its
            # own direction.
            self.fields[f"q{index}"] = forms.TypedChoiceField(
                label=format_html("<bdi>{}</bdi>", question.text)
                if module.stored
                else question.text,
                choices=[(str(n), choice) for n, choice in enumerate(question.choices)],
                coerce=int,
                widget=IsolatedRadioSelect if module.stored else forms.RadioSelect,
                error_messages={"required": _("Choose one answer.")},
            )

    def chosen(self) -> list[int | None]:
        return [self.cleaned_data.get(f"q{n}") for n in range(len(self.fields))]


def parse_pages(text: str) -> list[dict[str, str]]:
    """Pages written as "# Title" lines, each followed by its text."""
    pages: list[dict[str, str]] = []
    for line in text.splitlines():
        if line.startswith("# "):
            pages.append({"title": line[2:].strip(), "body": ""})
        elif pages:
            pages[-1]["body"] += line + "\n"
        elif line.strip():
            raise ValidationError(_("Start each page with a line “# Title”."))
    for page in pages:
        page["body"] = page["body"].strip()
        if not page["title"] or not page["body"]:
            raise ValidationError(_("Each page needs a title and some text."))
    if not 1 <= len(pages) <= MAX_PAGES:
        raise ValidationError(_("Write from 1 to %(n)s pages.") % {"n": MAX_PAGES})
    return pages


def parse_quiz(text: str) -> list[dict[str, Any]]:
    """Questions written as "? question", then "* right answer" and "- wrong answer" lines."""
    questions: list[dict[str, Any]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        mark, rest = line[:1], line[1:].strip()
        if mark == "?" and rest:
            questions.append({"text": rest, "choices": [], "answer": -1})
        elif mark in "*-" and rest and questions:
            if mark == "*":
                if questions[-1]["answer"] >= 0:
                    raise ValidationError(_("Each question has exactly one right answer (*)."))
                questions[-1]["answer"] = len(questions[-1]["choices"])
            questions[-1]["choices"].append(rest)
        else:
            raise ValidationError(
                _("Each line starts with ? (a question), * (the right answer) or - (a wrong one).")
            )
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise ValidationError(_("Write from 1 to %(n)s questions.") % {"n": MAX_QUESTIONS})
    for question in questions:
        if question["answer"] < 0:
            raise ValidationError(_("Each question has exactly one right answer (*)."))
        if not 2 <= len(question["choices"]) <= MAX_CHOICES:
            raise ValidationError(
                _("Each question has from 2 to %(n)s answers.") % {"n": MAX_CHOICES}
            )
    return questions


class OwnModuleForm(forms.Form):
    code = forms.SlugField(
        label=_("Short name (letters, digits and dashes)"),
        max_length=40,
        help_text=_("The same short name again makes a new version of that module."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("ar", "العربية"), ("fr", "Français"), ("en", "English")],
    )
    title = TextField(label=_("Title"), max_length=120)
    summary = TextField(label=_("In one sentence"), max_length=240, required=False)
    pages = TextField(
        label=_("Pages"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Start each page with a line “# Title”. Plain text; - for a list."),
    )
    quiz = TextField(
        label=_("Quiz"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "A line “? question”, then “* right answer” and “- wrong answer” lines, for "
            "each question."
        ),
    )

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).lower()
        if code in (*SHIPPED_ORDER, PROTOCOLS):
            raise ValidationError(_("This short name belongs to a module of the platform."))
        return code

    def clean_pages(self) -> list[dict[str, str]]:
        return parse_pages(self.cleaned_data["pages"])

    def clean_quiz(self) -> list[dict[str, Any]]:
        return parse_quiz(self.cleaned_data["quiz"])

    def content(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "summary": data["summary"],
            "pages": data["pages"],
            "questions": data["quiz"],
        }
