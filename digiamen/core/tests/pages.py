"""Every page of the site, reached as the user who may see it. Later apps add theirs here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.test import Client

from digiamen.accounts import actions
from digiamen.conftest import World, sign_in


@dataclass(frozen=True)
class Page:
    path: str  # without the language prefix
    who: str  # "anonymous", "pending" (password given), "enrolling", or a member's name


def all_pages(world: World) -> list[Page]:
    issued = actions.invite(world.amane, "caseworker", actor=None)
    # A member of two organisations sees the list of both on the staff home page.
    erin = world.add_member("erin", world.amane, "supervisor")
    world.add_member("sara", world.amane, "supervisor")
    actions.add_member(world.jordan, world.jordan_key, erin.user, "data_officer")
    from digiamen.intake import actions as intake_actions

    report = intake_actions.submit_report(
        {"harm_types": ["cyberbullying"], "country": "MA"},
        channel="web",
        submission_id="pages-test",
    ).report
    from digiamen.directory.boundaries import import_demo_boundaries
    from digiamen.directory.tests.helpers import make_directory_organisation, make_service

    entry = make_directory_organisation("Amane", "MA", owner=world.amane)
    service = make_service(entry, areas=["MA-06"])
    from digiamen.directory.tests.helpers import make_location

    shelter = make_location(entry, admin1="MA-06", confidential=True, address_1="1 Hidden")
    service.at_locations.create(location=shelter)
    from digiamen.intake.models import Helpline

    helpline = Helpline.objects.create(
        owner=world.amane, country="MA", name={"en": "Amane line"}, phone="2511"
    )
    world.add_member("nour", world.amane, "network_coordinator")
    import_demo_boundaries()
    referred = _referred_case(world, service)
    from digiamen.evidence import actions as evidence_actions

    evidence_actions.create_network(
        slug="mena", name="MENA", kind="regional", secretariat=world.amane
    )
    from digiamen.safeguarding import actions as safeguarding_actions

    assessment = safeguarding_actions.start(world.amane, world.alice.user)
    from digiamen.consultations.tests.helpers import open_consultation
    from digiamen.media import actions as media_actions
    from digiamen.media.demo import demo_picture

    consultation = open_consultation(world)
    from digiamen.media.hashing import hash_image

    bank = media_actions.create_bank(world.amane, None, name="Known", source="demo")
    known = hash_image(demo_picture())
    media_actions.add_entries(bank, None, [known.as_dict()])
    pictured = intake_actions.submit_report(
        {
            "harm_types": ["sexual_extortion"],
            "country": "MA",
            "image_hashes": [{**known.as_dict(), "hashed_on": "device"}],
        },
        channel="web",
        submission_id="pages-picture",
    ).report
    world.add_member("dora", world.amane, "data_officer")
    return [
        Page("/", "anonymous"),
        Page("/report/", "anonymous"),
        Page("/followup/", "anonymous"),
        Page("/advice/", "anonymous"),
        Page("/staff/amane/reports/new/", "bob"),
        Page("/staff/amane/cases/", "bob"),
        Page(f"/staff/amane/cases/{report.case.number}/", "bob"),
        Page("/staff/amane/cases/dashboard/", "sara"),
        Page("/staff/amane/transfers/", "sara"),
        Page(f"/staff/amane/cases/{report.case.number}/", "sara"),
        Page("/staff/login/", "anonymous"),
        Page("/staff/login/recovery/", "anonymous"),
        Page(f"/staff/invitation/{issued.token}/", "anonymous"),
        Page("/staff/login/verify/", "pending"),
        Page("/staff/login/enrol/", "enrolling"),
        Page("/staff/", "erin"),
        Page("/staff/amane/", "alice"),
        Page("/staff/amane/members/", "alice"),
        Page("/staff/amane/audit/", "alice"),
        Page("/staff/amane/recovery-key/", "alice"),
        Page("/staff/amane/settings/", "alice"),
        Page("/staff/amane/front-door/", "alice"),
        Page(f"/staff/amane/front-door/helplines/{helpline.pk}/edit/", "alice"),
        Page("/staff/amane/protocols/", "alice"),
        Page("/staff/amane/case-settings/", "alice"),
        Page("/staff/account/", "bob"),
        Page("/staff/account/recovery-codes/", "bob"),
        Page("/help/", "anonymous"),
        Page("/help/?country=MA&area=MA-06", "anonymous"),
        Page("/staff/amane/directory/", "bob"),
        Page(f"/staff/amane/directory/organisations/{entry.pk}/", "alice"),
        Page(f"/staff/amane/directory/organisations/{entry.pk}/", "nour"),
        Page(f"/staff/amane/directory/locations/{shelter.pk}/edit/", "alice"),
        Page(f"/staff/amane/directory/services/{service.pk}/", "nour"),
        Page(f"/staff/amane/directory/services/{service.pk}/edit/", "alice"),
        Page(f"/staff/amane/directory/organisations/{entry.pk}/locations/new/", "alice"),
        Page("/staff/amane/directory/organisations/new/", "nour"),
        Page("/staff/amane/directory/areas/", "alice"),
        Page("/staff/amane/directory/coverage/", "nour"),
        Page("/staff/amane/directory/coverage/?country=network", "alice"),
        Page("/staff/amane/directory/boundaries/", "nour"),
        Page("/staff/amane/directory/exchange/", "nour"),
        Page(f"/staff/amane/cases/{report.case.number}/referrals/", "sara"),
        Page(f"/staff/amane/cases/{referred.case.number}/referrals/", "sara"),
        Page(f"/staff/amane/cases/{referred.case.number}/referrals/{referred.pk}/slip/", "sara"),
        Page("/staff/amane/referrals/", "bob"),
        Page(f"/staff/amane/referrals/{referred.pk}/", "sara"),
        Page("/staff/amane/statistics/", "sara"),
        Page("/staff/amane/statistics/?rows=month&columns=harm_type", "nour"),
        Page("/staff/amane/statistics/platforms/", "sara"),
        Page("/staff/amane/sharing/", "alice"),
        Page("/staff/amane/statistics/services/", "sara"),
        Page("/staff/amane/statistics/services/?rows=both&answers_by=service", "nour"),
        Page("/staff/amane/statistics/services/words/", "sara"),
        Page("/staff/amane/networks/mena/", "nour"),
        Page("/staff/amane/networks/mena/platforms/", "nour"),
        Page("/staff/amane/networks/mena/settings/", "nour"),
        Page("/staff/amane/safeguarding/", "alice"),
        Page(f"/staff/amane/safeguarding/{assessment.pk}/", "alice"),
        Page(f"/staff/amane/safeguarding/{assessment.pk}/", "sara"),
        Page("/staff/amane/safeguarding/questions/", "nour"),
        Page("/staff/amane/networks/mena/safeguarding/", "nour"),
        Page("/report/image/", "anonymous"),
        Page(f"/staff/amane/cases/{pictured.case.number}/", "bob"),
        Page("/staff/amane/hashes/", "alice"),
        Page(f"/staff/amane/hashes/{bank.pk}/", "dora"),
        Page("/staff/amane/hashes/hotline/", "alice"),
        Page("/staff/amane/channels/", "alice"),
        Page("/staff/amane/alerts/", "bob"),
        Page("/staff/amane/alerts/preferences/", "bob"),
        Page("/staff/amane/alerts/on-call/", "sara"),
        Page("/staff/amane/alerts/failures/", "alice"),
        Page("/staff/amane/alerts/policy/", "alice"),
        Page("/learn/", "anonymous"),
        Page("/learn/sexual_extortion/adolescent/", "anonymous"),
        Page("/learn/online_grooming/caregiver/", "anonymous"),
        Page("/staff/amane/awareness/", "alice"),
        Page("/staff/amane/awareness/campaigns/add/", "alice"),
        Page("/staff/amane/awareness/sessions/add/", "bob"),
        Page("/staff/amane/awareness/lessons/", "bob"),
        Page("/staff/amane/awareness/materials/", "bob"),
        Page("/staff/amane/awareness/lessons/online_grooming/child/ar/", "bob"),
        Page("/staff/amane/statistics/prevention/", "sara"),
        Page("/staff/amane/statistics/prevention/?rows=admin1", "sara"),
        Page("/staff/amane/training/", "alice"),
        Page("/staff/amane/training/recognising/", "bob"),
        Page("/staff/amane/training/protocols/", "sara"),
        Page("/staff/amane/training/new/", "alice"),
        Page("/consultations/", "anonymous"),
        Page(f"/consultations/{consultation.code}/", "anonymous"),
        Page("/staff/amane/consultations/", "alice"),
        Page("/staff/amane/consultations/new/", "alice"),
        Page(f"/staff/amane/consultations/{consultation.code}/", "sara"),
        Page(f"/staff/amane/consultations/{consultation.code}/words/", "sara"),
        Page("/no-such-page/", "anonymous"),
    ]


def _referred_case(world: World, service: Any) -> Any:
    """A case with consent to referral, referred to a service its own organisation keeps."""
    from django.http import HttpRequest

    from digiamen.intake import actions as intake_actions
    from digiamen.referrals import actions as actions_referrals

    report = intake_actions.submit_report(
        {
            "harm_types": ["sexual_extortion"],
            "country": "MA",
            "admin1": "MA-06",
            "consent_referral": True,
            "consent_statistics": True,
        },
        channel="web",
        submission_id="pages-test-referral",
    ).report
    return actions_referrals.refer(
        HttpRequest(),
        report.case,
        world.members["sara"].user,
        service=service,
        reason="Needs advice on reporting.",
    )


def client_for(world: World, who: str, language: str) -> Client:
    client = Client()
    if who == "anonymous":
        return client
    if who in ("pending", "enrolling"):
        member = (
            world.bob
            if who == "pending"
            else world.add_member(f"new{len(world.members)}", world.amane, "caseworker")
        )
        if who == "enrolling":
            member.device.delete()
        client.post(
            f"/{language}/staff/login/",
            {"username": member.user.username, "password": member.password},
        )
        return client
    sign_in(client, world.members.get(who) or getattr(world, who), language)
    return client


def rendered_pages(world: World, languages: list[str]) -> Iterator[tuple[Page, str, Any]]:
    for page in all_pages(world):
        for language in languages:
            client = client_for(world, page.who, language)
            yield page, language, client.get(f"/{language}{page.path}")
