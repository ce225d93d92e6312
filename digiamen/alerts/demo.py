"""Demo alerts: every member has an address at example.org, and someone is on call at
every hour (the caseworker by day, the supervisor by night). In an organisation with an SMS
gateway (the demo's first), members also have a number from the range kept for drama
(+44 7700 900xxx, which belongs to nobody) and take new reports and escalations by text."""

from __future__ import annotations

from typing import Any

from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.alerts import actions
from digiamen.alerts.models import Channel, Kind, OnCallShift
from digiamen.channels import actions as channel_actions

BY_TEXT = (Kind.NEW_REPORT, Kind.ESCALATION)


def load(organisations: list[Organisation]) -> dict[str, Any]:
    addresses: list[dict[str, str]] = []
    numbers = iter(range(900100, 901000))
    for organisation in organisations:
        memberships = list(
            Membership.objects.active().filter(organisation=organisation).select_related("user")
        )
        texts = channel_actions.sms_gateway(organisation) is not None
        for membership in memberships:
            user = membership.user
            email = f"{user.username}@example.org"
            phone = f"+447700{next(numbers)}" if texts else ""
            actions.save_preferences(
                user,
                email=email,
                channels={
                    kind: [
                        Channel.IN_APP,
                        Channel.EMAIL,
                        *([Channel.SMS] if phone and kind in BY_TEXT else []),
                    ]
                    for kind in Kind.values
                },
                quiet_from=0,
                quiet_to=0,
                phone=phone,
            )
            addresses.append({"username": user.username, "email": email, "phone": phone})
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
