"""Drive the report flow as a browser without JavaScript would: one POST per step."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

STEP_ANSWERS: list[dict[str, Any]] = [
    {"reporter_type": "child"},
    {"harm_types": ["sexual_extortion"]},
    {
        "platforms": ["instagram", "snapchat"],
        "country": "TN",
        "admin1": "TN-61",
        "locality": "urban",
    },
    {"age_band": "12_14", "sex": "female", "disability": "no"},
    {
        "narrative": "He says he will send my photos to my class.",
        "involved_accounts": "@bad_guy_1234",
    },
    {"contact_method": "receipt", "contact_value": ""},
    {"consent_contact": "on", "consent_statistics": "on"},
]


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def start(client: Client, path: str) -> tuple[str, str]:
    """Open the first step; returns ('start' or 'draft', its value)."""
    html = client.get(path).content.decode()
    if 'name="draft"' in html:
        return "draft", hidden(html, "draft")
    return "start", hidden(html, "start")


def walk(
    client: Client, path: str, steps: list[dict[str, Any]] | None = None, *, send: bool = True
) -> Any:
    """Answer every step and (by default) send. Returns the last response."""
    key, value = start(client, path)
    response = None
    for answers in steps if steps is not None else STEP_ANSWERS:
        response = client.post(path, {key: value, "action": "next", **answers})
        assert response.status_code == 200, response.content.decode()[-2000:]
        key, value = "draft", hidden(response.content.decode(), "draft")
    if not send:
        return response
    return client.post(path, {"draft": value, "action": "send"})


def receipt_of(html: str) -> str:
    match = re.search(r'class="receipt" dir="ltr">([0-9 ]{29})<', html)
    assert match, "no receipt in the page"
    return match.group(1)


def supervisor_of(world: Any, organisation: Any) -> Any:
    """A supervisor of the organisation (made once): they may open all its cases."""
    name = f"supervisor-{organisation.slug}"
    return world.members.get(name) or world.add_member(name, organisation, "supervisor")


def staff_reply(world: Any, report: Any, text: str) -> Client:
    """A supervisor of the report's organisation writes to the reporter from the case."""
    from digiamen.conftest import sign_in

    client = Client()
    sign_in(client, supervisor_of(world, report.organisation))
    case = report.case
    response = client.post(
        f"/en/staff/{report.organisation.slug}/cases/{case.number}/reply/", {"text": text}
    )
    assert response.status_code == 302, response.status_code
    return client
