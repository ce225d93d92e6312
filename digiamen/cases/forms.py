from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Membership, Organisation, Role, User
from digiamen.cases.models import Case, CaseSettings, ConsentRecord, Escalation
from digiamen.core.taxonomy import (
    AgeBand,
    Channel,
    HarmType,
    Platform,
    RiskLevel,
    UrgentFlag,
)
from digiamen.core.text import IsolatedSelect, TextField


def any_of(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


QUEUES = [
    ("new", _("New")),
    ("mine", _("Assigned to me")),
    ("high", _("High risk")),
    ("overdue", _("First contact overdue")),
    ("urgent", _("Urgent (flags or high risk)")),
    ("tasks", _("My tasks due today or late")),
    ("replies", _("Unread replies from reporters")),
    ("all", _("All")),
]


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(label=_("Queue"), choices=QUEUES, required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=any_of(Case.Status.choices)
    )
    harm = forms.ChoiceField(label=_("Harm"), required=False, choices=any_of(HarmType.choices))
    risk = forms.ChoiceField(label=_("Risk"), required=False, choices=any_of(RiskLevel.choices))
    admin1 = forms.CharField(label=_("Area code"), required=False, max_length=8)
    age = forms.ChoiceField(label=_("Age"), required=False, choices=any_of(AgeBand.choices))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=any_of(Channel.choices))
    number = forms.CharField(label=_("Case number"), required=False, max_length=24)
    page = forms.IntegerField(
        required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput
    )


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


RISK_QUESTIONS = [
    (UrgentFlag.IMMEDIATE_DANGER, _("Is the child in danger right now?")),
    (UrgentFlag.ACTIVE_THREAT_TO_SHARE, _("Is someone threatening to share images of the child?")),
    (UrgentFlag.SELF_HARM_RISK, _("Has the child spoken of hurting themselves?")),
    (
        UrgentFlag.PERPETRATOR_PHYSICAL_ACCESS,
        _("Can the person who harms the child reach them physically?"),
    ),
    (UrgentFlag.PERPETRATOR_IN_HOUSEHOLD, _("Does that person live with the child?")),
]


class TriageForm(VersionedForm):
    """A short guided assessment: five questions, then the risk level (or the suggestion)."""

    flags = forms.MultipleChoiceField(
        label=_("Tick every question answered yes"),
        choices=RISK_QUESTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    risk = forms.ChoiceField(
        label=_("Risk level"),
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "Leave it empty to use the suggestion: high when any answer is yes, "
            "medium for sexual harms, low otherwise."
        ),
    )


def offer_assignees(form: forms.Form, organisation: Organisation) -> None:
    """The form's ``assignee`` choices: the organisation's active caseworkers and supervisors,
    as a subquery (one query, when the choices are rendered or a value is checked)."""
    members = Membership.objects.active().filter(
        organisation=organisation, role__in=[Role.CASEWORKER, Role.SUPERVISOR]
    )
    field = form.fields["assignee"]
    if isinstance(field, forms.ModelChoiceField):
        field.queryset = User.objects.filter(pk__in=members.values("user_id"))


class CaseNumbers(forms.MultipleChoiceField):
    """Ticked case numbers: any text is a candidate here, the action looks each one up in
    the organisation (a number of another organisation is simply not found)."""

    def valid_value(self, value: Any) -> bool:
        return True


class BulkAssignForm(forms.Form):
    """Supervisors: several cases of the queue to one member at once."""

    case = CaseNumbers(label=_("Cases"), error_messages={"required": _("Tick at least one case.")})
    assignee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Assign the ticked cases to"), queryset=User.objects.none(), widget=IsolatedSelect
    )

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_assignees(self, organisation)

    def clean_case(self) -> list[str]:
        numbers = [str(number).strip().upper() for number in self.cleaned_data["case"]]
        if len(numbers) > BULK_ASSIGN_MAX or any(
            not number or len(number) > 24 or not number.isprintable() for number in numbers
        ):
            raise forms.ValidationError(_("Choose at most 50 cases from the list."), code="cases")
        return sorted(set(numbers))


BULK_ASSIGN_MAX = 50


class AssignForm(VersionedForm):
    assignee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), widget=IsolatedSelect
    )

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_assignees(self, organisation)


class CloseForm(VersionedForm):
    reason = forms.ChoiceField(label=_("Closure reason"), choices=Case.ClosureReason.choices)


class TextForm(forms.Form):
    text = TextField(
        label=_("Text"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("For what"), choices=ConsentRecord.Purpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        choices=[("yes", _("Agrees")), ("no", _("Does not agree"))],
    )
    given_by = forms.ChoiceField(
        label=_("Given by"),
        choices=[
            c for c in ConsentRecord.GivenBy.choices if c[0] != ConsentRecord.GivenBy.SUPERVISOR
        ],
    )
    method = forms.ChoiceField(
        label=_("How"),
        choices=[c for c in ConsentRecord.Method.choices if c[0] != ConsentRecord.Method.OVERRIDE],
    )


class OverrideForm(forms.Form):
    purpose = forms.ChoiceField(label=_("For what"), choices=ConsentRecord.Purpose.choices)
    reason = forms.CharField(
        label=_("Why this is in the child's best interests"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EscalationForm(forms.Form):
    platform = forms.ChoiceField(
        label=_("To"), choices=[*Platform.choices, ("hotline", _("The national hotline"))]
    )
    kind = forms.ChoiceField(label=_("Request"), choices=Escalation.Kind.choices)
    reference = TextField(
        label=_("Link, account name or report number"),
        max_length=2000,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )


class EscalationAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[
            ("acknowledged", _("Acknowledged")),
            ("removed", _("Removed")),
            ("refused", _("Refused")),
            ("no_answer", _("No answer")),
        ]
    )


class TransferForm(forms.Form):
    to_organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Transfer to"), queryset=Organisation.objects.none(), widget=IsolatedSelect
    )

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_organisation"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = Organisation.objects.exclude(pk=organisation.pk).order_by(
                "country", "name"
            )


class ProtocolForm(forms.Form):
    """One step per line, in each language, the same number of lines."""

    harm_type = forms.CharField(widget=forms.HiddenInput, max_length=48)
    ar = TextField(
        label=_("Steps in Arabic"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6, "lang": "ar"}),
    )
    fr = TextField(
        label=_("Steps in French"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6, "lang": "fr"}),
    )
    en = TextField(
        label=_("Steps in English"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6, "lang": "en"}),
    )

    @classmethod
    def for_protocol(cls, protocol: Any) -> ProtocolForm:
        return cls(
            initial={
                "harm_type": protocol.harm_type,
                **{
                    lang: "\n".join(step.get(lang, "") for step in protocol.steps)
                    for lang in ("ar", "fr", "en")
                },
            }
        )

    def lines(self) -> dict[str, list[str]]:
        return {
            lang: [line.strip() for line in self.cleaned_data[lang].splitlines() if line.strip()]
            for lang in ("ar", "fr", "en")
        }


class TaskForm(forms.Form):
    title = TextField(label=_("Task"), max_length=300)
    due_at = forms.DateTimeField(
        label=_("Due (YYYY-MM-DD HH:MM, local time)"),
        widget=forms.DateTimeInput(attrs={"dir": "ltr"}),
    )


class CaseSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CaseSettings
        fields = [
            "high_risk_hours",
            "medium_risk_hours",
            "low_risk_hours",
            "untriaged_hours",
            "closure_needs_approval",
            "self_assignment",
            "retention_days",
            "escalation_reminder_days",
        ]
        labels = {
            "high_risk_hours": _("First contact within (hours), high risk"),
            "medium_risk_hours": _("First contact within (hours), medium risk"),
            "low_risk_hours": _("First contact within (hours), low risk"),
            "untriaged_hours": _("First contact within (hours), before triage"),
            "closure_needs_approval": _("Closing a case needs a supervisor's approval"),
            "self_assignment": _("Caseworkers may take cases themselves"),
            "retention_days": _("Purge closed cases after (days)"),
            "escalation_reminder_days": _("Remind about unanswered escalations after (days)"),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in (
            "high_risk_hours",
            "medium_risk_hours",
            "low_risk_hours",
            "untriaged_hours",
            "escalation_reminder_days",
        ):
            value = cleaned.get(name)
            if value is not None and not 1 <= value <= 24 * 30:
                self.add_error(name, _("Choose a value between 1 and 720."))
        retention = cleaned.get("retention_days")
        if retention is not None and not 30 <= retention <= 3650:
            self.add_error("retention_days", _("Choose between 30 days and 10 years."))
        return cleaned


class SavedFilterForm(forms.Form):
    name = TextField(
        label=_("Name of this filter"),
        max_length=60,
        help_text=_("For you alone, for example “Urgent in Casablanca”."),
    )


class RecordUploadForm(forms.Form):
    record = forms.FileField(label=_("Signed case record"))
    public_key = forms.CharField(
        label=_("Public key of the instance that should have signed it (optional)"),
        required=False,
        max_length=60,
    )
