"""The on-call rota's dated exceptions: the form of the rota page (and of the API)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digiamen.alerts.forms import END_HOURS, HOURS, OwnDirectionSelect


class ExceptionForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int, widget=OwnDirectionSelect)
    date = forms.DateField(
        label=_("Date"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date", "dir": "ltr"}, format="%Y-%m-%d"),
    )
    start = forms.TypedChoiceField(label=_("From"), choices=HOURS, coerce=int)
    end = forms.TypedChoiceField(label=_("To"), choices=END_HOURS, coerce=int, initial=24)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "exception")
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("end", _("The end must come after the start."))
        return cleaned
