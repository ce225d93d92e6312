"""Training in the API (see digiamen/api.py): each member's modules and results; for org
admins and supervisors, how many of the active members are trained."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from digiamen.accounts.api import ApiPrincipal, bearer, refuse_role
from digiamen.accounts.models import Membership
from digiamen.training import actions, modules
from digiamen.training.permissions import AUTHORS

router = Router(tags=["training"], auth=bearer)


@router.get(
    "/training",
    response={200: dict[str, Any]},
    summary="The modules, the caller's last result in each, and (for admins and supervisors) "
    "the share of active members trained in the last twelve months",
)
def training(request: HttpRequest) -> Any:
    principal: ApiPrincipal = request.auth  # type: ignore[attr-defined]
    if principal.user is None:
        refuse_role()
    membership = Membership.objects.active().get(
        organisation=principal.organisation, user=principal.user
    )
    last = actions.last_completions(membership)
    found: dict[str, Any] = {
        "modules": [
            {
                "code": module.code,
                "version": module.version,
                "title": module.title,
                "own": module.own,
                "questions": len(module.questions),
                "pass_mark": module.pass_mark,
                "last_result": (
                    {
                        "score": last[module.code].score,
                        "passed": last[module.code].passed,
                        "completed_at": last[module.code].completed_at,
                        "version": last[module.code].version,
                    }
                    if module.code in last
                    else None
                ),
            }
            for module in modules.available(principal.organisation)
        ]
    }
    if principal.role in AUTHORS:
        team = actions.trained(principal.organisation)
        found["team"] = {"members": team.members, "trained": team.trained}
    return found
