"""The world of every page (``pages.all_pages``) where every stored text staff, partners or
reporters wrote holds a marker (``isolation.marker``), and the pages and steps that show them.

``SHOWN`` names the markers some page must show; ``NOT_SHOWN`` the stored texts no page shows
(kept sealed, or only exported), so that the list stays true both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any
from unittest import mock

from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from digiamen.conftest import Member, World
from digiamen.core.tests.isolation import marker as M
from digiamen.core.tests.pages import Page, all_pages

LANGUAGES = ("ar", "fr", "en")

SHOWN = {
    # accounts
    "organisation", "other_organisation", "discreet_title", "username",
    # intake: the reporter's words, the mailbox, helplines
    "narrative", "involved_accounts", "reporter_message", "staff_reply", "helpline_name_ar",
    "helpline_name_fr", "helpline_name_en", "helpline_hours",
    # cases
    "note", "task_title", "escalation_reference", "protocol_step",
    # directory
    "entry_name", "entry_name_fr", "entry_alternate_name", "entry_description",
    "entry_description_fr", "service_name", "service_name_fr", "service_alternate_name",
    "service_description", "service_description_fr", "application_process", "eligibility",
    "fees", "schedule_description", "location_name", "location_description",
    "location_transportation", "location_address", "location_city", "location_accessibility",
    "shelter_name", "shelter_address", "shelter_city", "area_name", "region_name",
    "referral_reason",
    # media, channels, evidence, safeguarding
    "bank_name", "bank_source", "gateway_name", "network_name", "question_area",
    "question_text", "question_guidance", "automatic_question_text", "answer_note",
    "answer_evidence", "action_item",
    # awareness: a campaign's name, an organisation's own lesson
    "campaign_name", "lesson_title", "lesson_body",
    # feedback: what children wrote with their answers
    "feedback_words",
    # training: an organisation's own module
    "module_title", "module_summary", "module_page_title", "module_page_body",
    "module_question", "module_choice",
    # consultations: an organisation's questions to children, and what children wrote
    "consultation_title", "consultation_introduction", "consultation_question",
    "consultation_choice", "consultation_words",
}  # fmt: skip

NOT_SHOWN = {
    # Sealed for the record: no page opens it.
    "consent_override_reason",
    # Kept with a bank's hash: no page shows it.
    "bank_entry_reference",
    # Only in the HSDS exchange files (directory/hsds.py), not on a page.
    "phone_description", "service_at_location_description",
}  # fmt: skip


@dataclass(frozen=True)
class Step:
    """A page reached by a form (a POST, or a PDF's HTML): ``show`` returns its HTML."""

    name: str
    who: str
    show: Callable[[Client, str], str]
    plain_text: bool = False  # made into a PDF: only FSI/PDI isolate (isolation.check)


def _request_of(member: Member) -> HttpRequest:
    """A request whose member's key is unlocked, for actions that open sealed data."""
    from digiamen.core.encryption import KeyRing

    request = HttpRequest()
    request.user = member.user
    request.keyring = KeyRing(user=member.user, private_key=member.private_key)  # type: ignore[attr-defined]
    return request


def build(world: World) -> tuple[list[Page], list[Step]]:
    pages = all_pages(world)
    _rename(world)
    service, location = _directory(world)
    _front_door(world)
    case, receipt, referral = _casework(world, service)
    sent = _transfers(world)
    assessment, reassessment = _safeguarding(world)
    _evidence_media_channels(world)
    _awareness(world)
    _feedback(world, service)
    _training(world)
    consulted = _consultation(world)
    amane = "/staff/amane"
    pages += [
        Page(f"{amane}/cases/{case.number}/", "sara"),
        Page(f"{amane}/cases/{sent.number}/", "sara"),
        Page(f"{amane}/cases/dashboard/", "sara"),
        Page(f"{amane}/cases/{case.number}/referrals/", "sara"),
        Page(f"{amane}/cases/{case.number}/referrals/{referral.pk}/slip/", "sara"),
        Page(f"{amane}/referrals/{referral.pk}/", "sara"),
        Page(f"{amane}/referrals/", "sara"),
        Page(f"{amane}/safeguarding/{reassessment.pk}/", "alice"),
        Page(f"{amane}/networks/mena/", "nour"),
        Page(f"{amane}/directory/locations/{location.pk}/edit/", "alice"),
        Page("/help/?country=IQ&area=IQ-BG", "anonymous"),
        Page(f"{amane}/directory/coverage/?country=IQ", "nour"),
        Page(f"{amane}/directory/areas/", "nour"),
        Page("/learn/sexual_extortion/adolescent/amane/", "anonymous"),
        Page(f"{amane}/awareness/lessons/sexual_extortion/adolescent/ar/", "sara"),
        # The referred service names a row of the children's answers.
        Page(f"{amane}/statistics/services/?rows=service_type&answers_by=service", "sara"),
        Page(f"{amane}/statistics/services/words/", "sara"),
        Page(f"{amane}/training/", "sara"),
        Page(f"{amane}/training/stored-texts/", "bob"),
        Page("/", "anonymous"),
        Page("/consultations/", "anonymous"),
        Page(f"/consultations/{consulted}/", "anonymous"),
        Page(f"{amane}/consultations/", "sara"),
        Page(f"{amane}/consultations/{consulted}/", "sara"),
        Page(f"{amane}/consultations/{consulted}/words/", "sara"),
    ]
    steps = [
        Step("the reporter's follow-up page", "anonymous", _conversation(receipt)),
        Step("a message naming a network", "alice", _sharing_message(world)),
        Step("the review step of a report", "anonymous", _report_flow(send=False)),
        Step("the receipt of a report", "anonymous", _report_flow(send=True)),
        Step(
            "the safeguarding report (PDF)",
            "alice",
            _pdf_html(
                "digiamen.safeguarding.views", f"{amane}/safeguarding/{assessment.pk}/report/"
            ),
            plain_text=True,
        ),
        Step(
            "the evidence brief (PDF)",
            "sara",
            _pdf_html("digiamen.evidence.brief", f"{amane}/statistics/export/pdf/"),
            plain_text=True,
        ),
        Step(
            "a consultation's brief (PDF)",
            "sara",
            _pdf_html(
                "digiamen.consultations.views", f"{amane}/consultations/{consulted}/export/pdf/"
            ),
            plain_text=True,
        ),
    ]
    return pages, steps


def _awareness(world: World) -> None:
    """A campaign named by its organisation, and a lesson of its own, published."""
    from digiamen.awareness.models import Campaign, LessonVersion

    today = timezone.localdate()
    Campaign.objects.create(
        organisation=world.amane,
        code="STORED-TEXTS",
        name=M("campaign_name"),
        channel="poster",
        starts_on=today,
        ends_on=today,
        created_by=world.alice.user,
    )
    for language in ("ar", "fr", "en"):
        LessonVersion.objects.create(
            organisation=world.amane,
            harm_type="sexual_extortion",
            audience="adolescent",
            language=language,
            title=M("lesson_title"),
            body=M("lesson_body"),
            drafted_by=world.alice.user,
            published_by=world.members["sara"].user,
            published_at=timezone.now(),
        )


def _feedback(world: World, service: Any) -> None:
    """Five children answered about the referred service, each with a few words."""
    from digiamen.feedback.actions import seal_words
    from digiamen.feedback.models import Answer

    for _ in range(5):
        answer = Answer.objects.create(
            organisation=world.amane,
            month=timezone.now().date().replace(day=1),
            service=service,
            service_type=service.service_type,
            listened="yes",
            helped="yes",
            recommend="yes",
        )
        seal_words(answer, M("feedback_words"))


def _training(world: World) -> None:
    """A module the organisation wrote itself."""
    from digiamen.training.models import OwnModule

    OwnModule.objects.create(
        organisation=world.amane,
        code="stored-texts",
        language="fr",
        content={
            "title": M("module_title"),
            "summary": M("module_summary"),
            "pages": [{"title": M("module_page_title"), "body": M("module_page_body")}],
            "questions": [
                {"text": M("module_question"), "choices": [M("module_choice"), "b"], "answer": 0}
            ],
        },
        created_by=world.alice.user,
    )


def _consultation(world: World) -> str:
    """A consultation in the organisation's words, answered by five children, one of them
    with a few words."""
    from digiamen.consultations import actions
    from digiamen.consultations.models import Consultation, Response, Words

    today = timezone.now().date()
    consultation = Consultation.objects.create(
        organisation=world.amane,
        code="MARKERS-2027",
        languages=["ar", "fr", "en"],
        titles={lang: M("consultation_title") for lang in LANGUAGES},
        introductions={lang: M("consultation_introduction") for lang in LANGUAGES},
        questions=[
            {
                "kind": "one",
                "texts": {lang: M("consultation_question") for lang in LANGUAGES},
                "choices": [{lang: M("consultation_choice") for lang in LANGUAGES}, {"ar": "b"}],
            },
            {"kind": "words", "texts": {"ar": "~"}, "choices": []},
        ],
        starts_on=today - timedelta(days=2),
        ends_on=today + timedelta(days=30),
        status=Consultation.Status.PUBLISHED,
    )
    for _ in range(5):
        Response.objects.create(
            consultation=consultation,
            channel="web",
            month=actions.this_month(),
            age_band="12_14",
            sex="female",
            locality="urban",
            answers=[0, None],
        )
    words = Words.objects.create(consultation=consultation, question=1, month=actions.this_month())
    actions.seal_words(words, M("consultation_words"), world.amane)
    return consultation.code


def _rename(world: World) -> None:
    from digiamen.accounts.models import Organisation, User

    Organisation.objects.filter(pk=world.amane.pk).update(
        name=M("organisation"), discreet_title=M("discreet_title")
    )
    Organisation.objects.filter(pk=world.jordan.pk).update(name=M("other_organisation"))
    world.amane.refresh_from_db()
    world.jordan.refresh_from_db()
    # A username is chosen by the member: it may be Arabic.
    sara = world.members["sara"]
    User.objects.filter(pk=sara.user.pk).update(username=M("username"))
    sara.user.refresh_from_db()


def _directory(world: World) -> Any:
    from digiamen.directory.models import (
        AddedArea,
        DirectoryOrganisation,
        Location,
        Phone,
        Schedule,
        Service,
        ServiceArea,
    )
    from digiamen.directory.tests.helpers import (
        make_directory_organisation,
        make_location,
        make_service,
    )

    entry = DirectoryOrganisation.objects.get(owner=world.amane)
    entry.name, entry.alternate_name = M("entry_name"), M("entry_alternate_name")
    entry.description = M("entry_description")
    entry.translations = {
        "fr": {"name": M("entry_name_fr"), "description": M("entry_description_fr")}
    }
    entry.save()
    service = Service.objects.get(organisation=entry)
    service.name, service.alternate_name = M("service_name"), M("service_alternate_name")
    service.description = M("service_description")
    service.application_process = M("application_process")
    service.eligibility_description = M("eligibility")
    service.fees_description = M("fees")
    service.translations = {
        "fr": {"name": M("service_name_fr"), "description": M("service_description_fr")}
    }
    service.save()
    Phone.objects.filter(service=service).update(description=M("phone_description"))
    Schedule.objects.create(
        service=service,
        byday="MO,TU",
        opens_at=time(9),
        closes_at=time(17),
        description=M("schedule_description"),
    )
    Location.objects.filter(organisation=entry, is_confidential=True).update(
        name=M("shelter_name"), address_1=M("shelter_address"), city=M("shelter_city")
    )
    public = make_location(
        entry,
        admin1="MA-06",
        name=M("location_name"),
        description=M("location_description"),
        transportation=M("location_transportation"),
        address_1=M("location_address"),
        city=M("location_city"),
        accessibility=M("location_accessibility"),
    )
    service.at_locations.create(location=public, description=M("service_at_location_description"))
    names = dict.fromkeys(LANGUAGES, M("area_name"))
    AddedArea.objects.create(code="MA0699", country="MA", parent="MA-06", level=2, names=names)
    ServiceArea.objects.create(service=service, country="MA", admin1="MA0699")
    # A region of a country outside the project's own data: the public page lists it.
    names = dict.fromkeys(LANGUAGES, M("region_name"))
    AddedArea.objects.create(code="IQ-BG", country="IQ", level=1, names=names)
    make_service(make_directory_organisation("Baghdad", "IQ"), areas=["IQ-BG"])
    return service, public


def _front_door(world: World) -> None:
    from digiamen.intake.models import Helpline

    Helpline.objects.filter(owner=world.amane).update(
        name={lang: M(f"helpline_name_{lang}") for lang in LANGUAGES},
        hours=M("helpline_hours"),
    )


def _casework(world: World, service: Any) -> tuple[Any, str, Any]:
    from digiamen.cases import actions as cases
    from digiamen.cases.models import Escalation
    from digiamen.intake import actions as intake
    from digiamen.referrals import actions as actions_referrals

    sara = world.members["sara"]
    protocol = cases.organisation_protocols(world.amane)["sexual_extortion"]
    steps = list(protocol.steps)
    steps[0] = {**steps[0], **dict.fromkeys(LANGUAGES, M("protocol_step"))}
    protocol.steps = steps
    protocol.save(update_fields=["steps"])
    submission = intake.submit_report(
        {
            "harm_types": ["sexual_extortion"],
            "country": "MA",
            "admin1": "MA-06",
            "narrative": M("narrative"),
            "involved_accounts": M("involved_accounts"),
            "consent_contact": True,
            "consent_referral": True,
            "consent_statistics": True,
        },
        channel="web",
        submission_id="stored-texts",
    )
    case = submission.report.case
    cases.assign(case, sara.user, version=case.version, assignee=sara.user)
    case.refresh_from_db()
    cases.tick_protocol_step(case, sara.user, protocol.steps[0]["id"])
    cases.add_note(case, sara.user, M("note"))
    cases.add_task(
        case,
        sara.user,
        title=M("task_title"),
        due_at=timezone.now() + timedelta(days=1),
        assignee=sara.user,
    )
    cases.escalate(
        case,
        sara.user,
        platform="instagram",
        kind=Escalation.Kind.values[0],
        reference=M("escalation_reference"),
    )
    cases.override_consent(
        case, sara.user, purpose="statistics", reason=M("consent_override_reason")
    )
    cases.reply_to_reporter(case, sara.user, M("staff_reply"))
    intake.post_reporter_message(submission.report, M("reporter_message"))
    referral = actions_referrals.refer(
        _request_of(sara), case, sara.user, service=service, reason=M("referral_reason")
    )
    return case, submission.receipt, referral


def _transfers(world: World) -> Any:
    """A case sent to the other organisation (which took it, with the reporter's mailbox),
    and one received from it."""
    from digiamen.cases import actions as cases
    from digiamen.intake import actions as intake

    sent = intake.submit_report(
        {"harm_types": ["cyberbullying"], "country": "MA", "consent_referral": True},
        channel="web",
        submission_id="stored-texts-sent",
    ).report.case
    sara = world.members["sara"]
    transfer = cases.transfer_case(_request_of(sara), sent, sara.user, to_organisation=world.jordan)
    received = intake.submit_report(
        {"harm_types": ["cyberbullying"], "country": "JO", "consent_referral": True},
        channel="web",
        submission_id="stored-texts-received",
        organisation=world.jordan,
    ).report.case
    jamal = world.add_member("jamal", world.jordan, "supervisor")
    cases.transfer_case(_request_of(jamal), received, jamal.user, to_organisation=world.amane)
    cases.decide_transfer(_request_of(jamal), transfer, jamal.user, accept=True)
    return sent


def _safeguarding(world: World) -> tuple[Any, Any]:
    """A closed assessment (read-only view, PDF, benchmark) and its re-assessment (forms)."""
    from digiamen.safeguarding import actions as safeguarding
    from digiamen.safeguarding.models import Assessment, BenchmarkChoice, QuestionSet

    assessment = Assessment.objects.get(organisation=world.amane)
    question_set = assessment.question_set
    content = question_set.content
    content["areas"][0]["name"] = dict.fromkeys(LANGUAGES, M("question_area"))
    first = content["questions"][0]
    first["text"] = dict.fromkeys(LANGUAGES, M("question_text"))
    first["guidance"] = dict.fromkeys(LANGUAGES, M("question_guidance"))
    automatic = next(q for q in content["questions"] if q.get("automatic"))
    automatic["text"] = dict.fromkeys(LANGUAGES, M("automatic_question_text"))
    QuestionSet.objects.filter(pk=question_set.pk).update(content=content)
    assessment.refresh_from_db()
    given = [
        safeguarding.AnswerInput(
            question=q["code"],
            status="not_in_place" if q is first else "not_applicable",
            note=M("answer_note") if q is first else "",
            evidence=M("answer_evidence") if q is first else "",
        )
        for q in content["questions"]
        if not q.get("automatic")
    ]
    alice, sara = world.alice, world.members["sara"]
    safeguarding.answer(assessment, alice.user, given, version=assessment.version)
    safeguarding.add_action_item(
        assessment,
        alice.user,
        question=first["code"],
        description=M("action_item"),
        owner=sara.user,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    assessment.refresh_from_db()
    safeguarding.close(assessment, alice.user, version=assessment.version)
    BenchmarkChoice.objects.update_or_create(organisation=world.amane, defaults={"show_name": True})
    return assessment, safeguarding.start(world.amane, alice.user)


def _evidence_media_channels(world: World) -> None:
    from digiamen.channels.actions import create_gateway
    from digiamen.media.models import BankEntry, HashBank
    from digiamen.networks.models import Network, NetworkMember

    Network.objects.filter(slug="mena").update(name=M("network_name"))
    NetworkMember.objects.create(
        network=Network.objects.get(slug="mena"), organisation=world.jordan
    )
    HashBank.objects.filter(organisation=world.amane).update(
        name=M("bank_name"), source=M("bank_source")
    )
    BankEntry.objects.filter(bank__organisation=world.amane).update(
        reference=M("bank_entry_reference")
    )
    create_gateway(world.amane, name=M("gateway_name"))


# --- Pages reached by a form ------------------------------------------------------------------


def _conversation(receipt: str) -> Callable[[Client, str], str]:
    def show(client: Client, language: str) -> str:
        response = client.post(f"/{language}/followup/", {"receipt": receipt})
        assert response.status_code == 200, response.status_code
        return response.content.decode()

    return show


def _sharing_message(world: World) -> Callable[[Client, str], str]:
    from digiamen.networks.models import NetworkMember

    member = NetworkMember.objects.get(network__slug="mena", organisation=world.amane)

    def show(client: Client, language: str) -> str:
        member.refresh_from_db()
        share = "off" if member.shares_statistics else "on"  # both messages name the network
        path = f"/{language}/staff/amane/sharing/"
        response = client.post(path, {"member": member.pk, "share": share}, follow=True)
        assert response.status_code == 200, response.status_code
        return str(response.content.decode())

    return show


def _report_flow(*, send: bool) -> Callable[[Client, str], str]:
    from digiamen.intake.tests.helpers import STEP_ANSWERS, walk

    answers = [dict(step) for step in STEP_ANSWERS]
    answers[2] = {"country": "MA", "admin1": "MA-06", "locality": "urban"}
    answers[4] = {"narrative": M("narrative"), "involved_accounts": M("involved_accounts")}

    def show(client: Client, language: str) -> str:
        response = walk(client, f"/{language}/report/", answers, send=send)
        assert response.status_code == (201 if send else 200), response.status_code
        return str(response.content.decode())

    return show


def _pdf_html(module: str, path: str) -> Callable[[Client, str], str]:
    """The HTML a PDF is made of, caught before WeasyPrint lays it out."""

    def show(client: Client, language: str) -> str:
        made: list[str] = []

        def render_pdf(html: str) -> bytes:
            made.append(html)
            return b"%PDF-"

        with mock.patch(f"{module}.render_pdf", render_pdf):
            response = client.get(f"/{language}{path}")
        assert response.status_code == 200 and made, response.status_code
        return made[0]

    return show
