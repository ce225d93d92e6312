"""Demo alerts: every member has an address at example.org, and someone is on call at
every hour (the caseworker by day, the supervisor by night)."""

from __future__ import annotations

from typing import Any

from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.alerts import actions
from digiamen.alerts.models import Kind, OnCallShift


def load(organisations: list[Organisation]) -> dict[str, Any]:
    addresses: list[dict[str, str]] = []
    for organisation in organisations:
        memberships = list(
            Membership.objects.active().filter(organisation=organisation).select_related("user")
        )
        for membership in memberships:
            user = membership.user
            email = f"{user.username}@example.org"
            actions.save_preferences(
                user,
                email=email,
                channels={kind: ["in_app", "email"] for kind in Kind.values},
                quiet_from=0,
                quiet_to=0,
            )
            addresses.append({"username": user.username, "email": email})
        by_role = {m.role: m.user for m in memberships}
        day, night = by_role.get(Role.CASEWORKER), by_role.get(Role.SUPERVISOR)
        for weekday in range(7):
            for member, start, end in ((night, 0, 8), (day, 8, 20), (night, 20, 24)):
                if member is not None:
                    OnCallShift.objects.create(
                        organisation=organisation,
                        user=member,
                        weekday=weekday,
                        start_hour=start,
                        end_hour=end,
                    )
    return {"alert_addresses": addresses}
