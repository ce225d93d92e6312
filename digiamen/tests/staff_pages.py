"""Every staff page, found from the URL configuration and opened as the demo member whose
role may see it: for tests that look at all of them (phone width, accessibility).

The demo data (``load_demo``) has one member of every role in each organisation and
something of everything (cases, referrals, the directory, hash banks, a network, a
safeguarding assessment), so each page's address can be filled in with a real object. A
page added later is picked up by itself; one whose address cannot be filled in, or that no
role may open, fails the test that asks (never silently left out).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import TOTP

# GET addresses that are not pages: files, redirects, forms' targets, signing out.
NOT_PAGES = re.compile(
    r"(export|\.csv|/report/$|/slip/$|/print/$|/logout/$|/assign/$|/delete/$|/revoke/$"
    r"|/deactivate/$|/confirm-key/$|/role/$|/reset-2fa/$|/step/|/done/$|/close/$|/status/$"
    r"|/verify/$|/protocol/|/notes/$|/tasks/$|/reply/$|/transfer/$|/consent/|/escalations/"
    r"|/share/$|/invitation/|/login/|/new/$|/recovery-codes/$|/actions/|/exchange/[^/]+/$"
    r"|/publish/$)"
)
# Pages the demo has nothing to show on: a transfer waiting for a decision.
NOT_IN_THE_DEMO = {"staff/<slug:org>/transfers/<int:transfer_id>/"}
ORG = "amane-demo"
ROLES = [
    "ma-supervisor",
    "ma-caseworker",
    "ma-org-admin",
    "ma-data-officer",
    "ma-network-coordinator",
    "ma-platform-liaison",
]


@dataclass(frozen=True)
class StaffPage:
    route: str  # the pattern, for messages
    path: str  # without the language prefix: "staff/amane-demo/cases/"
    username: str  # a demo member who may open it


def staff_routes() -> list[str]:
    """Every staff route pattern under the language prefix, e.g.
    "staff/<slug:org>/cases/<str:number>/"."""

    def walk(patterns: list[Any], prefix: str = "") -> list[str]:
        found = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append(prefix + str(pattern.pattern))
        return found

    routes = walk(get_resolver().url_patterns)
    language = re.compile(r"^(en|fr|ar)/")
    return sorted(
        {language.sub("", route) for route in routes if language.match(route) and "staff/" in route}
    )


def demo_values() -> dict[str, str]:
    """A real object of the demo organisation for each name a staff address takes."""
    from digiamen.cases.models import Case, Transfer
    from digiamen.directory.models import DirectoryOrganisation, Location, Service
    from digiamen.intake.models import Helpline
    from digiamen.media.models import BankEntry, HashBank
    from digiamen.networks.models import Network
    from digiamen.referrals.models import Referral
    from digiamen.safeguarding.models import Assessment

    case = (
        Case.objects.filter(organisation__slug=ORG, assigned_to__isnull=False)
        .exclude(status=Case.Status.CLOSED)
        .order_by("number")
        .first()
        or Case.objects.filter(organisation__slug=ORG).first()
    )
    entry = DirectoryOrganisation.objects.filter(owner__slug=ORG).first()
    service = Service.objects.filter(organisation=entry).first()
    location = Location.objects.filter(organisation=entry).first()
    bank = HashBank.objects.filter(organisation__slug=ORG).first() or HashBank.objects.first()
    assessment = Assessment.objects.filter(organisation__slug=ORG).first()
    referral = Referral.objects.filter(from_organisation__slug=ORG).first()
    transfer = Transfer.objects.filter(case__organisation__slug=ORG).first()
    network = Network.objects.filter(secretariat__slug=ORG).first()
    helpline = Helpline.objects.filter(owner__slug=ORG).first()
    values = {
        "org": ORG,
        "number": case.number if case else "",
        "entry_id": str(entry.pk) if entry else "",
        "service_id": str(service.pk) if service else "",
        "location_id": str(location.pk) if location else "",
        "bank_id": str(bank.pk) if bank else "",
        "assessment_id": str(assessment.pk) if assessment else "",
        "area": assessment.question_set.areas[0]["code"] if assessment else "",
        "referral_id": str(referral.pk) if referral else "",
        "transfer_id": str(transfer.pk) if transfer else "",
        "network_slug": network.slug if network else "",
        "helpline_id": str(helpline.pk) if helpline else "",
        # A lesson of the library, in Arabic (awareness.lessons).
        "harm_type": "sexual_extortion",
        "audience": "adolescent",
        "language": "ar",
        "code": "recognising",  # a training module
        "consultation_code": "SCHOOL-VOICES",  # a consultation still being written
    }
    if bank is not None:
        first = BankEntry.objects.filter(bank=bank).first()
        values["entry_id_of_bank"] = str(first.pk) if first else ""
    return values


def fill(route: str, values: dict[str, str]) -> str | None:
    """The route with its converters replaced by demo values; None if one is missing."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        if name == "entry_id" and "/hashes/" in route:
            name = "entry_id_of_bank"
        found = values.get(name, "")
        missing = missing or not found
        return found

    path = re.sub(r"<(?:\w+:)?(\w+)>", value, route)
    return None if missing else path


def sign_in_client(user: dict[str, str], language: str = "en") -> Client:
    client = Client()
    response = client.post(
        f"/{language}/staff/login/",
        {"username": user["username"], "password": user["password"]},
    )
    assert response.status_code == 302, response.status_code
    code = f"{TOTP(_key(user['totp_secret'])).token():06d}"
    response = client.post(response["Location"], {"code": code})
    assert response.status_code == 302, response.status_code
    return client


def _key(secret: str) -> bytes:
    import base64

    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def demo_users(var_dir: Path) -> dict[str, dict[str, str]]:
    data = json.loads((var_dir / "demo-credentials.json").read_text())
    return {user["username"]: user for user in data["users"]}


def staff_pages(var_dir: Path) -> tuple[list[StaffPage], list[str]]:
    """Each staff page with a demo member who may open it; and the routes that could not
    be opened by anyone (with why), which a test fails on."""
    users = demo_users(var_dir)
    clients = {name: sign_in_client(users[name]) for name in ROLES}
    values = demo_values()
    pages, problems = [], []
    for route in staff_routes():
        if NOT_PAGES.search("/" + route) or route in NOT_IN_THE_DEMO:
            continue
        path = fill(route, values)
        if path is None:
            problems.append(f"{route}: no demo object to fill it in")
            continue
        for name in ROLES:
            response = clients[name].get(f"/en/{path}")
            if response.status_code in (302, 405):
                break  # a way on (the staff home goes to the organisation), or a form's target
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                pages.append(StaffPage(route, path, name))
                break
        else:
            problems.append(f"{route}: no demo role gets a page")
    return pages, problems


def browser_page_as(browser: Any, base: str, user: dict[str, str], **context: Any) -> Any:
    """A page of a new browser context (``context``: Playwright's options) signed in as a
    demo member, in English; the language of each page is in its address."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from digiamen.conftest import click_to_next_page

    page = browser.new_context(**context).new_page()
    page.goto(f"{base}/en/staff/login/")
    page.fill("input[name=username]", user["username"])
    page.fill("input[name=password]", user["password"])
    click_to_next_page(page, "main button[type=submit]")
    # staff_pages() signed in with this member's current code a moment ago: the one-time
    # code's replay guard is reset (the second factor is tested elsewhere).
    TOTPDevice.objects.filter(user__username=user["username"]).update(last_t=-1)
    page.fill("input[name=code]", f"{TOTP(_key(user['totp_secret'])).token():06d}")
    click_to_next_page(page, "main button[type=submit]")
    assert "/login/" not in page.url, user["username"]
    return page
