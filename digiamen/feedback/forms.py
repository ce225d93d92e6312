from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digiamen.core.text import TextField
from digiamen.feedback.models import Answer

WORDS_MAX = 500


class AnswerForm(forms.Form):
    listened = forms.ChoiceField(
        label=_("Did you feel listened to?"),
        choices=Answer.Listened.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an answer, or press “No, thank you”.")},
    )
    helped = forms.ChoiceField(
        label=_("Did you get the help you needed?"),
        choices=Answer.Helped.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an answer, or press “No, thank you”.")},
    )
    recommend = forms.ChoiceField(
        label=_("Would you tell a friend to contact us?"),
        choices=Answer.Recommend.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an answer, or press “No, thank you”.")},
    )
    words = TextField(
        label=_("Anything else you want to tell us? (you can leave this empty)"),
        required=False,
        max_length=WORDS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The questions end with their own question mark: no colon after them.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
