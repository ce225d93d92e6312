from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from digiamen.core import signals
from digiamen.core.text import list_separator


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # What the apps above invite visitors to (an open children's consultation).
    language = get_language() or "ar"
    invitations = [
        found
        for _receiver, found in signals.public_invitations.send(sender=None, language=language)
        if found
    ]
    return render(request, "core/home.html", {"invitations": invitations})


def form_page_status(request: HttpRequest) -> int:
    """The status of a form page: a POST that reaches the page again was not carried out
    (each success redirects), so it says so with 400; the page itself is 200."""
    return 400 if request.method == "POST" else 200


def render_error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render_error(
        request,
        403,
        _("This form has expired"),
        _(
            "For your safety, forms stop working after a while. Go back, reload the page and "
            "try again."
        ),
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(
        request,
        400,
        _("Something was wrong with the request"),
        _("The page could not understand what was sent. Go back and try again."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    allowed = getattr(exception, "allowed", None)
    if allowed:  # accounts.permissions.RoleRequired: a member, in another role
        return render_error(
            request,
            403,
            _("Your role cannot open this page"),
            _(
                "Your role in this organisation: %(role)s. This page is for: %(roles)s. Ask one of "
                "them, or an organisation admin if your role should change."
            )
            % {
                "role": getattr(exception, "role", ""),
                "roles": list_separator(get_language()).join(str(role) for role in allowed),
            },
        )
    return render_error(request, 403, _("Not allowed"), _("You do not have access to this page."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 404, _("Page not found"), _("There is nothing at this address."))


def server_error(request: HttpRequest) -> HttpResponse:
    return render_error(
        request,
        500,
        _("Something went wrong"),
        _("An error happened on our side. Nothing you sent was lost. Please try again."),
    )
