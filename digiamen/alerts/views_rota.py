"""The on-call rota's dated exceptions (supervisors), shown and added on the rota page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from digiamen.accounts.models import CASEWORK_ROLES, Membership, Organisation, Role
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.alerts import actions, rota
from digiamen.alerts.forms import ShiftForm
from digiamen.alerts.forms_rota import ExceptionForm
from digiamen.alerts.models import OnCallException, OnCallShift


def rota_members(organisation: Organisation) -> list[Membership]:
    return list(
        Membership.objects.active()
        .filter(organisation=organisation, role__in=list(CASEWORK_ROLES))
        .select_related("user")
        .order_by("user__username")
    )


def exception_context(
    organisation: Organisation, members: list[Membership], form: ExceptionForm | None = None
) -> dict[str, object]:
    """What the rota page shows of the exceptions, and their form."""
    choices = [(m.user.pk, m.user.username) for m in members]
    return {
        "exceptions": rota.upcoming_exceptions(organisation),
        "exception_form": form or ExceptionForm(members=choices),
    }


@staff_required
@require_POST
def exceptions(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, [Role.SUPERVISOR])
    organisation = membership.organisation
    actor = current_user(request)
    operation = request.POST.get("operation", "")
    if operation == "remove":
        raw = request.POST.get("exception", "")
        exception = get_object_or_404(
            OnCallException, pk=int(raw) if raw.isdigit() else 0, organisation=organisation
        )
        rota.remove_exception(exception, actor)
        messages.success(request, _("Saved."))
        return redirect("alerts:on_call", org)
    members = rota_members(organisation)
    choices = [(m.user.pk, m.user.username) for m in members]
    form = ExceptionForm(request.POST, members=choices)
    if operation == "add" and form.is_valid():
        by_id = {m.user.pk: m.user for m in members}
        try:
            rota.add_exception(
                organisation,
                actor,
                user=by_id.get(form.cleaned_data["member"]),
                day=form.cleaned_data["date"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
        except rota.RotaError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("alerts:on_call", org)
    elif operation != "add":
        form.add_error(None, _("Some values are not valid."))
    return render(
        request,
        "alerts/on_call.html",
        {
            "membership": membership,
            "form": ShiftForm(members=choices),
            "shifts": OnCallShift.objects.filter(organisation=organisation).select_related("user"),
            "now_on_call": actions.on_call(organisation),
            **exception_context(organisation, members, form),
        },
        status=400,
    )
