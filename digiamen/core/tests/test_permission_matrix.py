"""Every staff page and API endpoint, as each role, another organisation and anonymously."""

from __future__ import annotations

import json

from django.test import Client

from digiamen.accounts.models import Role
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World, sign_in

ALL = set(Role.values)
ADMIN = {Role.ORG_ADMIN}
CASEWORK = {Role.CASEWORKER, Role.SUPERVISOR}
DIRECTORY_READERS = ALL - {Role.PLATFORM_LIAISON}
DIRECTORY_KEEPERS = {Role.ORG_ADMIN, Role.NETWORK_COORDINATOR}
STATISTICS = {Role.DATA_OFFICER, Role.SUPERVISOR, Role.NETWORK_COORDINATOR}
AWARENESS_RECORDERS = CASEWORK | {Role.ORG_ADMIN, Role.DATA_OFFICER}
CONSULTATION_EDITORS = STATISTICS | {Role.ORG_ADMIN}


def directory_entry(world: World) -> tuple[str, str]:
    """(directory organisation id, service id) of an entry the organisation keeps."""
    from digiamen.directory.tests.helpers import make_directory_organisation, make_service

    entry = make_directory_organisation("Amane", "MA", owner=world.amane)
    return str(entry.pk), str(make_service(entry, areas=["MA-06"]).pk)


def test_every_staff_url_and_endpoint(world: World) -> None:
    case = new_case()
    entry, service = directory_entry(world)
    members = {role: world.add_member(f"m-{role}", world.amane, role) for role in Role.values}
    from digiamen.evidence import actions as evidence_actions

    evidence_actions.create_network(
        slug="mena", name="MENA", kind="regional", secretariat=world.amane
    )
    coordinator = {Role.NETWORK_COORDINATOR}
    from digiamen.safeguarding import actions as safeguarding_actions

    assessment = safeguarding_actions.start(world.amane, world.alice.user).pk
    from digiamen.media import actions as media_actions

    bank = media_actions.create_bank(world.amane, None, name="B", source="").pk
    from digiamen.consultations.tests.helpers import open_consultation

    open_consultation(world)
    banks = {Role.ORG_ADMIN, Role.DATA_OFFICER}
    pages = {
        "/en/staff/amane/": ALL,
        "/en/staff/amane/members/": ADMIN,
        "/en/staff/amane/audit/": ADMIN,
        "/en/staff/amane/recovery-key/": ADMIN,
        "/en/staff/amane/key-signatures/": ADMIN,
        "/en/staff/amane/settings/": ADMIN,
        "/en/staff/amane/front-door/": ADMIN,
        "/en/staff/amane/protocols/": ADMIN,
        "/en/staff/amane/case-settings/": ADMIN,
        "/en/staff/amane/reports/new/": CASEWORK,
        "/en/staff/amane/cases/": CASEWORK,
        f"/en/staff/amane/cases/{case.number}/": CASEWORK,
        # Printing needs the case opened: supervisors (the case is not assigned).
        f"/en/staff/amane/cases/{case.number}/print/": {Role.SUPERVISOR},
        "/en/staff/amane/cases/dashboard/": {Role.SUPERVISOR},
        "/en/staff/amane/transfers/": {Role.SUPERVISOR},
        "/en/staff/amane/directory/": DIRECTORY_READERS,
        f"/en/staff/amane/directory/organisations/{entry}/": DIRECTORY_READERS,
        f"/en/staff/amane/directory/services/{service}/": DIRECTORY_READERS,
        "/en/staff/amane/directory/organisations/new/": DIRECTORY_KEEPERS,
        f"/en/staff/amane/directory/organisations/{entry}/edit/": DIRECTORY_KEEPERS,
        f"/en/staff/amane/directory/organisations/{entry}/services/new/": DIRECTORY_KEEPERS,
        f"/en/staff/amane/directory/organisations/{entry}/locations/new/": DIRECTORY_KEEPERS,
        f"/en/staff/amane/directory/services/{service}/edit/": DIRECTORY_KEEPERS,
        "/en/staff/amane/directory/areas/": DIRECTORY_KEEPERS,
        "/en/staff/amane/directory/coverage/": DIRECTORY_KEEPERS,
        "/en/staff/amane/directory/boundaries/": DIRECTORY_KEEPERS,
        "/en/staff/amane/directory/exchange/": DIRECTORY_KEEPERS,
        "/en/staff/amane/directory/exchange/json/": DIRECTORY_KEEPERS,
        # Referring seals what the case holds, so only those who may open the case refer.
        f"/en/staff/amane/cases/{case.number}/referrals/": {Role.SUPERVISOR},
        "/en/staff/amane/referrals/": CASEWORK,
        "/en/staff/amane/statistics/": STATISTICS,
        "/en/staff/amane/statistics/platforms/": STATISTICS,
        "/en/staff/amane/sharing/": ADMIN,
        "/en/staff/amane/statistics/services/": STATISTICS,
        # The children's own words: supervisors, who act on them.
        "/en/staff/amane/statistics/services/words/": {Role.SUPERVISOR},
        "/en/staff/amane/networks/mena/": coordinator,
        "/en/staff/amane/networks/mena/platforms/": coordinator,
        "/en/staff/amane/networks/mena/settings/": coordinator,
        "/en/staff/amane/networks/mena/export/": coordinator,
        "/en/staff/amane/safeguarding/": ALL,
        f"/en/staff/amane/safeguarding/{assessment}/": ALL,
        "/en/staff/amane/safeguarding/questions/": coordinator,
        "/en/staff/amane/networks/mena/safeguarding/": coordinator,
        "/en/staff/amane/hashes/": banks,
        f"/en/staff/amane/hashes/{bank}/": banks,
        "/en/staff/amane/hashes/hotline/": banks,
        "/en/staff/amane/hashes/hotline/export.csv": banks,
        "/en/staff/amane/channels/": ADMIN,
        "/en/staff/amane/alerts/": ALL,
        "/en/staff/amane/alerts/preferences/": ALL,
        "/en/staff/amane/alerts/on-call/": {Role.SUPERVISOR},
        "/en/staff/amane/alerts/failures/": ADMIN,
        "/en/staff/amane/alerts/policy/": ADMIN,
        "/en/staff/amane/awareness/": DIRECTORY_READERS,
        "/en/staff/amane/awareness/campaigns/add/": {
            Role.ORG_ADMIN,
            Role.SUPERVISOR,
            Role.DATA_OFFICER,
        },
        "/en/staff/amane/awareness/sessions/add/": AWARENESS_RECORDERS,
        "/en/staff/amane/awareness/lessons/": DIRECTORY_READERS,
        "/en/staff/amane/awareness/lessons/online_grooming/leader/fr/": DIRECTORY_READERS,
        "/en/staff/amane/awareness/materials/": DIRECTORY_READERS,
        # Every member trains; admins and supervisors write the organisation's modules.
        "/en/staff/amane/training/": ALL,
        "/en/staff/amane/training/first_contact/": ALL,
        "/en/staff/amane/training/new/": {Role.ORG_ADMIN, Role.SUPERVISOR},
        "/en/staff/amane/statistics/prevention/": STATISTICS,
        "/en/staff/amane/statistics/prevention/export/": STATISTICS,
        # Children's consultations: who organises evidence work; supervisors and network
        # coordinators read the children's words.
        "/en/staff/amane/consultations/": CONSULTATION_EDITORS,
        "/en/staff/amane/consultations/new/": CONSULTATION_EDITORS,
        "/en/staff/amane/consultations/VOIX-2027/": CONSULTATION_EDITORS,
        "/en/staff/amane/consultations/VOIX-2027/words/": {
            Role.SUPERVISOR,
            Role.NETWORK_COORDINATOR,
        },
    }
    endpoints = {
        "/api/v1/auth/me": ALL,
        "/api/v1/cases?queue=all": CASEWORK,
        f"/api/v1/cases/{case.number}": CASEWORK,
        f"/api/v1/cases/{case.number}/referrals": CASEWORK,
        f"/api/v1/cases/{case.number}/referral-suggestions": CASEWORK,
        "/api/v1/referrals?direction=in": CASEWORK,
        "/api/v1/referrals?direction=out": CASEWORK,
        "/api/v1/stats?by=harm_type,admin1": STATISTICS,
        "/api/v1/stats/feedback?by=service": STATISTICS,
        "/api/v1/safeguarding/assessments": ALL,
        f"/api/v1/safeguarding/assessments/{assessment}": ALL,
        "/api/v1/alerts": ALL,
        "/api/v1/alerts?unread=true": ALL,
        "/api/v1/alerts/preferences": ALL,
        "/api/v1/rota": {Role.SUPERVISOR},
        "/api/v1/training": ALL,
        "/api/v1/consultations": CONSULTATION_EDITORS,
        "/api/v1/consultations/VOIX-2027/results": CONSULTATION_EDITORS,
    }
    clients = {}
    tokens = {}
    for role, member in members.items():
        clients[role] = Client()
        sign_in(clients[role], member)
        login = Client().post(
            "/api/v1/auth/login",
            json.dumps(
                {
                    "username": member.user.username,
                    "password": member.password,
                    "otp": member.totp(),
                    "organisation": "amane",
                }
            ),
            content_type="application/json",
        )
        tokens[role] = {"HTTP_AUTHORIZATION": f"Bearer {login.json()['token']}"}
    outsider = Client()
    sign_in(outsider, world.charlie)

    checked = 0
    for url, allowed in pages.items():
        for role, client in clients.items():
            status = client.get(url).status_code
            # Refused to the organisation's other roles: 403 where the page says which roles
            # may open it, 404 where even its existence is a case's (a case page).
            assert status == 200 if role in allowed else status in (403, 404), (url, role, status)
            checked += 1
        assert outsider.get(url).status_code == 404, url
        response = Client().get(url)
        assert response.status_code == 302 and "/staff/login/" in response["Location"], url
    for url, allowed in endpoints.items():
        for role, auth in tokens.items():
            status = Client().get(url, **auth).status_code
            # The API tells a role it may not use an operation (403); pages hide (404).
            assert status == (200 if role in allowed else 403), (url, role, status)
            checked += 1
        assert Client().get(url).status_code == 401, url
    assert checked == (len(pages) + len(endpoints)) * len(Role.values)


def test_every_state_changing_route_refuses_outsiders(world: World) -> None:
    """POST routes: anonymous visitors are sent to sign in (pages) or get 401 (API); another
    organisation's member gets 404; nothing changes and nothing fails."""
    from digiamen.cases.models import CaseEvent

    case = new_case()
    entry, service = directory_entry(world)
    outsider = Client()
    sign_in(outsider, world.charlie)
    events_before = CaseEvent.objects.count()
    routes = [
        f"/en/staff/amane/cases/{case.number}/{suffix}"
        for suffix in [
            "step/triage/",
            "step/assign/",
            "step/take/",
            "step/start/",
            "step/first_contact/",
            "step/close/",
            "step/approve/",
            "step/reopen/",
            "notes/",
            "tasks/",
            "tasks/1/done/",
            "reply/",
            "consent/",
            "consent/override/",
            "escalations/",
            "escalations/1/",
            "transfer/",
            "protocol/sexual_extortion-1/",
        ]
    ] + [
        "/en/staff/amane/members/",
        "/en/staff/amane/members/1/deactivate/",
        "/en/staff/amane/members/1/role/",
        "/en/staff/amane/members/1/reset-2fa/",
        "/en/staff/amane/members/1/confirm-key/",
        "/en/staff/amane/invitations/1/revoke/",
        "/en/staff/amane/recovery-key/",
        "/en/staff/amane/recovery-key/new/",
        "/en/staff/amane/settings/",
        "/en/staff/amane/front-door/",
        "/en/staff/amane/front-door/rules/1/delete/",
        "/en/staff/amane/front-door/helplines/1/delete/",
        "/en/staff/amane/protocols/",
        "/en/staff/amane/case-settings/",
        "/en/staff/amane/transfers/1/",
        "/en/staff/amane/cases/assign/",
        "/en/staff/amane/reports/new/",
        "/en/staff/amane/directory/organisations/new/",
        f"/en/staff/amane/directory/organisations/{entry}/edit/",
        f"/en/staff/amane/directory/organisations/{entry}/services/new/",
        f"/en/staff/amane/directory/organisations/{entry}/locations/new/",
        f"/en/staff/amane/directory/services/{service}/edit/",
        f"/en/staff/amane/directory/services/{service}/status/",
        f"/en/staff/amane/directory/services/{service}/verify/",
        "/en/staff/amane/directory/areas/",
        "/en/staff/amane/directory/boundaries/",
        "/en/staff/amane/directory/exchange/",
        f"/en/staff/amane/cases/{case.number}/referrals/",
        "/en/staff/amane/referrals/1/",
        "/en/staff/amane/sharing/",
        "/en/staff/amane/networks/mena/settings/",
        "/en/staff/amane/safeguarding/",
        "/en/staff/amane/safeguarding/1/close/",
        "/en/staff/amane/safeguarding/1/areas/policies/",
        "/en/staff/amane/safeguarding/1/actions/",
        "/en/staff/amane/safeguarding/1/actions/1/",
        "/en/staff/amane/safeguarding/questions/",
        "/en/staff/amane/hashes/",
        "/en/staff/amane/hashes/1/",
        "/en/staff/amane/hashes/1/entries/1/",
        "/en/staff/amane/hashes/hotline/",
        "/en/staff/amane/channels/",
        "/en/staff/amane/alerts/",
        "/en/staff/amane/alerts/preferences/",
        "/en/staff/amane/alerts/on-call/",
        "/en/staff/amane/alerts/on-call/exceptions/",
    ]
    for url in routes:
        anonymous = Client().post(url, {"version": 1, "text": "x", "risk": "high"})
        assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"], url
        assert outsider.post(url, {"version": 1, "text": "x", "risk": "high"}).status_code == 404, (
            url
        )
    for url in [
        f"/api/v1/cases/{case.number}/{suffix}"
        for suffix in ["transitions", "notes", "tasks", "replies", "escalations", "referrals"]
    ] + [
        "/api/v1/referrals/1/status",
        "/api/v1/hashes/match",
        "/api/v1/alerts/read",
        "/api/v1/alerts/1/read",
        "/api/v1/rota/shifts",
        "/api/v1/rota/exceptions",
    ]:
        assert Client().post(url, "{}", content_type="application/json").status_code == 401, url
    assert CaseEvent.objects.count() == events_before
