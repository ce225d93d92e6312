from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Membership, Organisation
from digiamen.core.text import IsolatedSelect, validate_text
from digiamen.safeguarding import actions, questions
from digiamen.safeguarding.models import ActionItem, Status


class AreaForm(forms.Form):
    """The answers of one area: a status, a note and evidence per question."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, area_questions: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area_questions = [q for q in area_questions if not q.get("automatic")]
        for question in self.area_questions:
            code = question["code"]
            self.fields[f"status_{code}"] = forms.ChoiceField(
                # Written by a network coordinator: escaped (Django shows help texts as
                # HTML) and in its own direction.
                label=format_html("<bdi>{}</bdi>", questions.localised(question["text"])),
                help_text=format_html("<bdi>{}</bdi>", questions.localised(question["guidance"])),
                choices=Status.choices,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=actions.NOTE_MAX,
                validators=[validate_text],
                widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
            )
            self.fields[f"evidence_{code}"] = forms.CharField(
                label=_("Evidence (a link or a document name; no sensitive files)"),
                required=False,
                max_length=actions.EVIDENCE_MAX,
                validators=[validate_text],
                widget=forms.TextInput(attrs={"dir": "auto"}),
            )

    def answers(self) -> list[actions.AnswerInput]:
        data = self.cleaned_data
        return [
            actions.AnswerInput(
                question=q["code"],
                status=data.get(f"status_{q['code']}") or "",
                note=data.get(f"note_{q['code']}") or "",
                evidence=data.get(f"evidence_{q['code']}") or "",
            )
            for q in self.area_questions
        ]


class ActionItemForm(forms.Form):
    question = forms.ChoiceField(label=_("Question"), widget=IsolatedSelect)
    description = forms.CharField(
        label=_("What will be done"),
        max_length=actions.DESCRIPTION_MAX,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
    )
    owner = forms.ChoiceField(label=_("Who is responsible"), widget=IsolatedSelect)
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self,
        *args: Any,
        organisation: Organisation,
        question_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = question_choices  # type: ignore[attr-defined]
        members = Membership.objects.active().filter(organisation=organisation)
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            (str(m.user_id), m.user.username) for m in members.select_related("user")
        ]


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.ItemStatus.choices)


class QuestionSetForm(forms.Form):
    content = forms.CharField(
        label=_("Questions (JSON)"),
        max_length=200_000,
        widget=forms.Textarea(
            # Code: left to right, the texts are quoted values (core/text.py).
            attrs={"rows": 24, "dir": "ltr", "class": "code", "spellcheck": "false"}
        ),
        help_text=_(
            "Six areas and their questions, each with its text and guidance in Arabic, French "
            "and English. Publishing makes a new version; assessments keep the version they "
            "were started with."
        ),
    )
