"""Sealed values bound to their place: someone who can write to the database (a host, a
compromised admin, a server seized and given back) moves a sealed value to another row or
another case. It must not open there: the page shows the tampering marker instead of the
text, the read is audited, and nothing else changes.

Each kind of value sealed on its own is moved from case A to case B (or from one
safeguarding question or action to another) and read where it was moved to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from digiamen.cases import actions
from digiamen.cases.models import Case, ConsentRecord, Escalation, Note, Task, Transfer
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import Member, World
from digiamen.core import encryption
from digiamen.core.models import AuditEvent
from digiamen.directory.tests.helpers import make_directory_organisation, make_service
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Message
from digiamen.referrals import actions as referral_actions
from digiamen.referrals.models import Referral
from digiamen.safeguarding import actions as safeguarding_actions
from digiamen.safeguarding.models import ActionItem, Answer, Assessment

MARKER = "This entry has been tampered with"


def _request(member: Member) -> Any:
    request = RequestFactory().get("/")
    request.user = member.user
    request.keyring = encryption.KeyRing(user=member.user, private_key=member.private_key)
    return request


@dataclass
class Scene:
    world: World
    sara: Member  # supervisor of Amane
    jo: Member  # supervisor of Jordan
    first: Case
    second: Case
    signed_in: Any

    def page_of(self, case: Case) -> str:
        client = self.signed_in(self.sara)
        response = client.get(f"/en/staff/amane/cases/{case.number}/")
        assert response.status_code == 200
        return str(response.content.decode())


def _case_with_every_value(world: World, sara: Member, service: Any, label: str) -> Case:
    case = new_case(consent_referral=True)
    case = actions.triage(case, sara.user, version=case.version, risk="low", flags=[])
    case = actions.assign(case, sara.user, version=case.version, assignee=sara.user)
    case = actions.start(case, sara.user, version=case.version)
    actions.add_note(case, sara.user, f"{label}-NOTE")
    actions.add_task(case, sara.user, title=f"{label}-TASK", due_at=timezone.now(), assignee=None)
    actions.escalate(case, sara.user, platform="tiktok", kind="takedown", reference=f"@{label}")
    actions.override_consent(case, sara.user, purpose="contact", reason=f"{label}-BEST")
    intake_actions.post_reporter_message(case.report, f"{label}-MESSAGE")
    request = _request(sara)
    referral_actions.refer(request, case, sara.user, service=service, reason=f"{label}-REASON")
    actions.transfer_case(request, case, sara.user, to_organisation=world.jordan)
    return case


@pytest.fixture
def scene(world: World, signed_in: Any) -> Scene:
    sara = world.add_member("sara", world.amane, "supervisor")
    jo = world.add_member("jo", world.jordan, "supervisor")
    service = make_service(make_directory_organisation(name="Jordan", owner=world.jordan))
    first = _case_with_every_value(world, sara, service, "FIRST")
    second = _case_with_every_value(world, sara, service, "SECOND")
    return Scene(world, sara, jo, first, second, signed_in)


def _move(model: Any, column: str, source: Any, target: Any) -> None:
    """What the attacker does: copy one row's sealed bytes over another's."""
    value = model.objects.filter(pk=source.pk).values_list(column, flat=True).get()
    model.objects.filter(pk=target.pk).update(**{column: value})


def _tampered_events() -> int:
    return AuditEvent.objects.filter(action="protected_data.tampered").count()


def _on_the_case_page(model: Any, column: str, first_text: str) -> Callable[[Scene], None]:
    def check(scene: Scene) -> None:
        _move(
            model,
            column,
            model.objects.filter(**_of_case(model, scene.first)).get(),
            model.objects.filter(**_of_case(model, scene.second)).get(),
        )
        page = scene.page_of(scene.second)
        assert MARKER in page and first_text not in page
        assert first_text in scene.page_of(scene.first)  # the original still reads

    return check


def _of_case(model: Any, case: Case) -> dict[str, Any]:
    if model is Message:
        return {"report": case.report, "direction": Message.Direction.FROM_REPORTER}
    return {"case": case}


def _override_reason(scene: Scene) -> None:
    first = ConsentRecord.objects.exclude(override_reason=None).get(case=scene.first)
    second = ConsentRecord.objects.exclude(override_reason=None).get(case=scene.second)
    _move(ConsentRecord, "override_reason", first, second)
    second.refresh_from_db()
    (opened,) = encryption.open_many_for_member(
        _request(scene.sara),
        scene.world.amane,
        [
            (
                bytes(second.override_reason),
                encryption.Place.of(second, "override_reason", scene.second),
            )
        ],
        audit_object=scene.second,
    )
    assert opened is None


def _referral_reason(scene: Scene) -> None:
    first = Referral.objects.get(case=scene.first)
    second = Referral.objects.get(case=scene.second)
    _move(Referral, "sealed_reason", first, second)
    slip = scene.signed_in(scene.sara).get(
        f"/en/staff/amane/cases/{scene.second.number}/referrals/{second.pk}/slip/"
    )
    assert slip.status_code == 200
    assert MARKER in slip.content.decode() and "FIRST-REASON" not in slip.content.decode()


def _referral_copy(scene: Scene) -> None:
    first = Referral.objects.get(case=scene.first)
    second = Referral.objects.get(case=scene.second)
    _move(Referral, "sealed_copy", first, second)
    page = scene.signed_in(scene.jo).get(f"/en/staff/jordan/referrals/{second.pk}/")
    assert page.status_code == 200
    assert MARKER in page.content.decode() and "FIRST-REASON" not in page.content.decode()
    untouched = scene.signed_in(scene.jo).get(f"/en/staff/jordan/referrals/{first.pk}/")
    assert "FIRST-REASON" in untouched.content.decode()


def _transfer_copy(scene: Scene) -> None:
    first = Transfer.objects.get(case=scene.first)
    second = Transfer.objects.get(case=scene.second)
    _move(Transfer, "sealed_copy", first, second)
    cases_before = Case.objects.count()
    response = scene.signed_in(scene.jo).post(
        f"/en/staff/jordan/transfers/{second.pk}/", {"decision": "accept"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/en/staff/jordan/transfers/"
    assert MARKER in response.content.decode()
    second.refresh_from_db()
    assert second.status == Transfer.Status.PENDING and Case.objects.count() == cases_before


def _a_note_moved_by_its_case_column(scene: Scene) -> None:
    """The other way to move: leave the bytes, point the row at the other case."""
    Note.objects.filter(case=scene.first).update(case=scene.second)
    page = scene.page_of(scene.second)
    assert MARKER in page and "FIRST-NOTE" not in page and "SECOND-NOTE" in page


KINDS: dict[str, Callable[[Scene], None]] = {
    "note": _on_the_case_page(Note, "body", "FIRST-NOTE"),
    "task": _on_the_case_page(Task, "title", "FIRST-TASK"),
    "escalation": _on_the_case_page(Escalation, "content_reference", "@FIRST"),
    "message": _on_the_case_page(Message, "for_organisation", "FIRST-MESSAGE"),
    "best-interests reason": _override_reason,
    "referral reason": _referral_reason,
    "referral copy": _referral_copy,
    "transfer copy": _transfer_copy,
    "note moved by its case": _a_note_moved_by_its_case_column,
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_moved_value_does_not_open_and_the_attempt_is_recorded(scene: Scene, kind: str) -> None:
    before = _tampered_events()
    KINDS[kind](scene)
    assert _tampered_events() > before


def test_values_of_both_cases_read_normally_when_nothing_moved(scene: Scene) -> None:
    page = scene.page_of(scene.second)
    for secret in ("SECOND-NOTE", "SECOND-TASK", "@SECOND", "SECOND-MESSAGE"):
        assert secret in page
    assert MARKER not in page and _tampered_events() == 0


# --- Safeguarding: bound to the organisation and question, carried to the next assessment ----


def _answered_assessment(world: World) -> Any:
    assessment = safeguarding_actions.start(world.amane, world.alice.user)
    questions = [q["code"] for q in assessment.question_set.questions if not q.get("automatic")]
    given = [
        safeguarding_actions.AnswerInput(code, "in_place", f"NOTE-{code}", f"DOC-{code}")
        for code in questions[:2]
    ]
    safeguarding_actions.answer(assessment, world.alice.user, given, version=assessment.version)
    for code in questions[:2]:
        safeguarding_actions.add_action_item(
            assessment,
            world.alice.user,
            question=code,
            description=f"ACTION-{code}",
            owner=world.alice.user,
            due_on=timezone.localdate() + timedelta(days=30),
        )
    return assessment, questions[:2]


@pytest.mark.parametrize("column", ["note", "evidence"])
def test_a_safeguarding_answer_moved_to_another_question_shows_the_marker(
    world: World, signed_in: Any, column: str
) -> None:
    assessment, (first, second) = _answered_assessment(world)
    rows = {a.question: a for a in Answer.objects.filter(assessment=assessment)}
    _move(Answer, column, rows[first], rows[second])
    before = _tampered_events()
    page = signed_in(world.alice).get(f"/en/staff/amane/safeguarding/{assessment.pk}/")
    html = page.content.decode()
    assert MARKER in html
    prefix = "NOTE" if column == "note" else "DOC"
    assert f"{prefix}-{first}" in html  # once, where it belongs
    assert html.count(f"{prefix}-{first}") == 1
    assert _tampered_events() == before + 1


def test_a_safeguarding_action_moved_to_another_shows_the_marker(
    world: World, signed_in: Any
) -> None:
    assessment, (first, second) = _answered_assessment(world)
    items = {i.question: i for i in ActionItem.objects.filter(assessment=assessment)}
    _move(ActionItem, "description", items[first], items[second])
    html = signed_in(world.alice).get(f"/en/staff/amane/safeguarding/{assessment.pk}/")
    assert MARKER in html.content.decode()


def test_answers_carried_to_the_next_assessment_still_open(world: World, signed_in: Any) -> None:
    assessment, (first, _second) = _answered_assessment(world)
    # Closed as if every question were answered (closing itself is tested elsewhere).
    Assessment.objects.filter(pk=assessment.pk).update(closed_at=timezone.now())
    following = safeguarding_actions.start(world.amane, world.alice.user)
    html = signed_in(world.alice).get(f"/en/staff/amane/safeguarding/{following.pk}/")
    assert f"NOTE-{first}" in html.content.decode() and MARKER not in html.content.decode()


# --- Values from before binding ----------------------------------------------------------------


def _unbound_note(case: Case, member: Member, text: str) -> Note:
    """A note as written before binding existed: the ciphertext's associated data names no
    place."""
    record_key = encryption.new_case_record_key(case.organisation)
    ciphertext = record_key.encrypt(text, field="sealed-value")
    return Note.objects.create(
        case=case, author=member.user, body=encryption.join_sealed(record_key.envelope, ciphertext)
    )


def test_values_from_before_binding_open_and_are_bound_by_the_first_reader(
    world: World, signed_in: Any
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    case = new_case()
    note = _unbound_note(case, sara, "WRITTEN-BEFORE")
    assert not encryption.is_bound(bytes(note.body))
    report = StringIO()
    call_command("sealed_values", stdout=report)
    assert "cases.note.body" in report.getvalue() and "1 unbound" in report.getvalue()

    page = signed_in(sara).get(f"/en/staff/amane/cases/{case.number}/").content.decode()
    assert "WRITTEN-BEFORE" in page and MARKER not in page
    note.refresh_from_db()
    assert encryption.is_bound(bytes(note.body))
    report = StringIO()
    call_command("sealed_values", stdout=report)
    assert "unbound" not in report.getvalue().replace("0 unbound", "")
    # Bound now: moving it to another case no longer works.
    other = new_case()
    Note.objects.filter(pk=note.pk).update(case=other)
    page = signed_in(sara).get(f"/en/staff/amane/cases/{other.number}/").content.decode()
    assert MARKER in page and "WRITTEN-BEFORE" not in page
