from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digiamen.core.text import IsolatedSelect, TextField
from digiamen.media.hashing import HashRejected, clean_hash_set
from digiamen.media.models import Classification
from digiamen.networks.models import Network


class BankForm(forms.Form):
    name = TextField(label=_("Name"), max_length=120)
    source = TextField(
        label=_("Source (for example a hotline, or our own reports)"),
        max_length=200,
        required=False,
    )
    network = forms.ModelChoiceField(
        label=_("Share with a network"),
        queryset=Network.objects.none(),
        required=False,
        empty_label=_("Not shared"),
        widget=IsolatedSelect,
    )

    def __init__(self, *args: Any, networks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["network"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = networks if networks is not None else Network.objects.none()


class EntryForm(forms.Form):
    md5 = forms.CharField(label="MD5", max_length=40, required=False)
    sha256 = forms.CharField(label="SHA-256", max_length=70, required=False)
    pdq = forms.CharField(label="PDQ", max_length=70, required=False)
    quality = forms.IntegerField(label=_("PDQ quality"), min_value=0, max_value=100, required=False)
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    reference = TextField(label=_("Reference at the source"), max_length=100, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            hashes = clean_hash_set(
                {
                    "md5": data.get("md5"),
                    "sha256": data.get("sha256"),
                    "pdq": data.get("pdq"),
                    "quality": 100 if data.get("quality") is None else data.get("quality"),
                }
            )
        except HashRejected as error:
            raise forms.ValidationError(error.message) from error
        data["row"] = {
            **hashes,
            "classification": data["classification"],
            "reference": data.get("reference", ""),
        }
        return data


class CsvForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
