"""Forms of the referral pages: filtering suggestions, sending a referral, answering one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from digiamen.directory.taxonomy import ServiceType
from digiamen.directory.validation import validate_directory_text
from digiamen.referrals import actions as referrals
from digiamen.referrals.models import Referral


class SuggestionFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=gettext_lazy("Type of service"),
        required=False,
        choices=[("", gettext_lazy("Any")), *ServiceType.choices],
    )


class ReferralForm(forms.Form):
    service = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Why you refer the child, and what they need"),
        help_text=gettext_lazy(
            "The service reads this. Write only what it needs to help; no names unless "
            "consent allows."
        ),
        max_length=referrals.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        validators=[validate_directory_text],
    )


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Answer"),
        choices=[
            (Referral.Status.ACCEPTED, gettext_lazy("Accepted")),
            (Referral.Status.DECLINED, gettext_lazy("Declined")),
            (Referral.Status.COMPLETED, gettext_lazy("Completed")),
        ],
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
