"""The organisation's alert delivery failures, for its admins: when, how, how often and why
(an error code), and to whom (a username). Never an address, and never what was sent."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from digiamen.accounts.models import Role
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.alerts import actions
from digiamen.alerts.models import AlertDelivery, Channel, Kind

PAGE_SIZE = 50
# The columns the page shows, and nothing else.
FAILURE_FIELDS = (
    "pk",
    "created_at",
    "last_attempt_at",
    "next_attempt_at",
    "channel",
    "status",
    "attempts",
    "last_error",
    "alert__kind",
    "alert__urgent",
    "alert__recipient__username",
)


def explain_error(code: str) -> str:
    """What an error code means for the admin who reads the failures page (the code itself
    stays beside it, for whoever runs the server)."""
    explained = {
        "no_address": _("The member no longer has an address or number for this channel."),
        "no_sms_gateway": _("The organisation has no active text-message gateway."),
        "not_collected": _("The text-message gateway did not collect the message in time."),
        "undeliverable": _("The message cannot be delivered, however often it is tried."),
    }
    if code in explained:
        return explained[code]
    if "SMTP" in code:
        return _("The mail server refused the message.")
    if any(word in code for word in ("Timeout", "Connection", "OSError", "gaierror")):
        return _("The mail server could not be reached.")
    return _("An unexpected error: tell the person who runs the server.") if code else ""


@staff_required
@require_safe
def failures(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, [Role.ORG_ADMIN])
    deliveries = (
        AlertDelivery.objects.filter(
            alert__organisation=membership.organisation,
            status__in=[AlertDelivery.Status.FAILED, AlertDelivery.Status.RETRYING],
        )
        .order_by("-created_at", "-id")
        .values(*FAILURE_FIELDS)
    )
    raw = request.GET.get("page", "1")
    page = Paginator(deliveries, PAGE_SIZE).get_page(int(raw) if raw.isdigit() else 1)
    kinds, channels = dict(Kind.choices), dict(Channel.choices)
    statuses = dict(AlertDelivery.Status.choices)
    rows = [
        {
            **row,
            "kind": kinds.get(row["alert__kind"], row["alert__kind"]),
            "channel": channels.get(row["channel"], row["channel"]),
            "status": statuses.get(row["status"], row["status"]),
            "failed": row["status"] == AlertDelivery.Status.FAILED,
            "explained": explain_error(row["last_error"]),
        }
        for row in page.object_list
    ]
    return render(
        request,
        "alerts/failures.html",
        {"membership": membership, "page": page, "rows": rows},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest, org: str) -> HttpResponse:
    """What the organisation's alerts may say: by default no case number (org admins)."""
    membership = get_membership(request, org, [Role.ORG_ADMIN])
    organisation = membership.organisation
    status = 200
    if request.method == "POST":
        choice = request.POST.get("case_numbers", "")
        if choice in ("yes", "no"):
            actions.set_case_numbers(organisation, current_user(request), shown=choice == "yes")
            messages.success(request, _("Saved."))
            return redirect("alerts:policy", org)
        messages.error(request, _("Choose one of the two answers."))
        status = 400
    return render(
        request,
        "alerts/policy.html",
        {"membership": membership, "shown": actions.shows_case_numbers(organisation)},
        status=status,
    )
