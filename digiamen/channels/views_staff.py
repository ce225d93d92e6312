"""Field workers and gateways of an organisation (its admins only)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from digiamen.accounts.models import Role
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.channels import actions, field_workers, openrosa
from digiamen.channels.models import FieldWorker, Gateway
from digiamen.core.text import TextField


class FieldWorkerForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=64)
    password = forms.CharField(
        label=gettext_lazy("Password (at least 12 characters)"),
        min_length=field_workers.PASSWORD_MIN,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
    )


class GatewayForm(forms.Form):
    name = TextField(label=gettext_lazy("Name"), max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Gateway.Kind.choices)
    provider = forms.ChoiceField(
        label=gettext_lazy("Sends through"),
        choices=Gateway.Provider.choices,
        initial=Gateway.Provider.SMS_GATEWAY,
    )
    rapidpro_url = forms.URLField(
        label=gettext_lazy("RapidPro address (optional)"),
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"dir": "ltr", "placeholder": "https://"}),
    )
    rapidpro_token = forms.CharField(
        label=gettext_lazy("RapidPro API token (optional)"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"dir": "ltr"}),
        help_text=gettext_lazy(
            "With both, counsellors' replies go to the RapidPro contact through its API; "
            "without them, they wait in the outbox."
        ),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        url = str(cleaned.get("rapidpro_url") or "")
        token = str(cleaned.get("rapidpro_token") or "").strip()
        cleaned["rapidpro_token"] = token
        if cleaned.get("provider") != Gateway.Provider.RAPIDPRO:
            if url or token:
                self.add_error(
                    "provider", _("Only a RapidPro gateway sends through RapidPro's API.")
                )
            return cleaned
        if bool(url) != bool(token):
            self.add_error(
                "rapidpro_token",
                _("Give both the RapidPro address and its API token, or neither."),
            )
        if url and not url.startswith("https://"):
            self.add_error("rapidpro_url", _("The RapidPro address must start with https://."))
        return cleaned


@staff_required
@require_http_methods(["GET", "POST"])
def channels_page(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, [Role.ORG_ADMIN])
    organisation = membership.organisation
    operation = request.POST.get("operation", "")
    form = FieldWorkerForm(request.POST if operation == "add" else None)
    gateway_form = GatewayForm(request.POST if operation == "add_gateway" else None)
    # An unknown operation is not carried out: 400, like a refused form.
    known = operation in ("add_gateway", "rotate", "enable", "disable", "add")
    status = 400 if request.method == "POST" and not known else 200
    # A gateway's secret is shown once, in this response only (never in a message or a URL).
    new_secret: tuple[Gateway, str] | None = None
    if operation == "add_gateway":
        if gateway_form.is_valid():
            new_secret = actions.create_gateway(
                organisation,
                name=gateway_form.cleaned_data["name"],
                kind=gateway_form.cleaned_data["kind"],
                provider=gateway_form.cleaned_data["provider"],
                rapidpro_url=gateway_form.cleaned_data["rapidpro_url"],
                rapidpro_token=gateway_form.cleaned_data["rapidpro_token"],
                actor=current_user(request),
            )
            gateway_form = GatewayForm()
        else:
            status = 400
    if operation == "rotate":
        gateway = get_object_or_404(
            Gateway, pk=request.POST.get("gateway") or 0, organisation=organisation
        )
        new_secret = (gateway, actions.rotate_secret(gateway, current_user(request)))
    if operation in ("enable", "disable"):
        worker = get_object_or_404(
            FieldWorker, pk=request.POST.get("worker") or 0, organisation=organisation
        )
        field_workers.set_active(worker, current_user(request), active=operation == "enable")
        messages.success(request, _("Saved."))
        return redirect("channels_staff:channels", org)
    if operation == "add":
        if form.is_valid():
            try:
                field_workers.create_field_worker(
                    organisation,
                    current_user(request),
                    form.cleaned_data["username"],
                    form.cleaned_data["password"],
                )
            except field_workers.FieldWorkerError as error:
                form.add_error(
                    "username" if error.code != "password" else "password", error.message
                )
            else:
                messages.success(request, _("The field worker was added."))
                return redirect("channels_staff:channels", org)
        status = 400
    return render(
        request,
        "channels/channels.html",
        {
            "membership": membership,
            "workers": FieldWorker.objects.filter(organisation=organisation),
            "gateways": Gateway.objects.filter(organisation=organisation),
            "form": form,
            "gateway_form": gateway_form,
            "new_secret": new_secret,
            "server_url": request.build_absolute_uri("/"),
            "form_list_url": request.build_absolute_uri(reverse("openrosa:form_list")),
            "form_version": openrosa.FORM_VERSION,
        },
        status=status,
    )
