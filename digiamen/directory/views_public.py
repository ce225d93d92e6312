"""The public "where to get help" page: no sign-in, no JavaScript, small enough for 2G."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from digiamen.core.text import IsolatedSelect
from digiamen.directory import places
from digiamen.directory.forms import country_choices
from digiamen.directory.models import Service
from digiamen.directory.nearby import services_near
from digiamen.directory.taxonomy import SERVICE_LANGUAGES, ServiceType

# Enough for any governorate today; keeps the page within its 20 KB budget.
MAX_SHOWN = 30


class HelpSearchForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    area = forms.ChoiceField(
        label=_("Governorate, region or wilaya"), required=False, widget=IsolatedSelect
    )
    type = forms.ChoiceField(label=_("Kind of help"), required=False)
    language = forms.ChoiceField(label=_("Language spoken"), required=False)
    free = forms.BooleanField(label=_("Free of charge"), required=False)
    accessible = forms.BooleanField(
        label=_("Accessible to children with disabilities"), required=False
    )
    child_friendly = forms.BooleanField(label=_("Child-friendly"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        fields: dict[str, Any] = self.fields
        fields["country"].choices = [("", _("Choose a country")), *country_choices()]
        fields["type"].choices = anything + list(ServiceType.choices)
        fields["language"].choices = anything + list(SERVICE_LANGUAGES.items())
        country = self.data.get("country", "") if self.is_bound else ""
        areas = places.areas_of(country, level=1) if places.is_country(str(country)) else []
        fields["area"].choices = [("", _("The whole country"))] + [
            (area.code, area.name) for area in areas
        ]
        # Without JavaScript the areas appear once a country is chosen.
        self.areas_shown = bool(areas)


def _filtered(data: dict[str, Any]) -> Any:
    services = Service.objects.all()
    if data.get("type"):
        services = services.filter(service_type=data["type"])
    if data.get("free"):
        services = services.filter(free_of_charge=True)
    if data.get("accessible"):
        services = services.filter(disability_access=True)
    if data.get("child_friendly"):
        services = services.filter(child_friendly=True)
    return services


@require_safe
def help_page(request: HttpRequest) -> HttpResponse:
    form = HelpSearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "searched": False}
    if not form.is_bound:
        return render(request, "directory/public/help.html", context)
    if not form.is_valid():
        return render(request, "directory/public/help.html", context, status=400)
    data = form.cleaned_data
    country, area = data["country"], data["area"]
    if country:
        found = services_near(
            country, area, services=_filtered(data), language=data["language"], limit=MAX_SHOWN
        )
        context.update(
            searched=True,
            in_area=found.in_area,
            country_wide=found.country_wide,
            more=found.more,
            country_name=places.country_name(country),
            area_name=places.place_name(area) if area else "",
        )
    return render(request, "directory/public/help.html", context)
