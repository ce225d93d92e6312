"""Changes to assessments and action plans: checked, atomic and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Membership, Organisation, User
from digiamen.core import audit, encryption, tampering
from digiamen.core.errors import ActionError
from digiamen.safeguarding import checks, questions, scoring
from digiamen.safeguarding.models import ActionItem, Answer, Assessment, QuestionSet, Status

NOTE_MAX = 2000
EVIDENCE_MAX = 300
DESCRIPTION_MAX = 500


class SafeguardingError(ActionError):
    messages = {
        "closed": _("This assessment is closed; start a re-assessment to change answers."),
        "open_exists": _("An assessment is already open; finish or close it first."),
        "unknown_question": _("This question is not part of this assessment's version."),
        "automatic": _("The platform fills this answer in itself."),
        "unknown_status": _("Choose one of the answers offered."),
        "not_member": _("The owner must be an active member of the organisation."),
        "unanswered": _("Answer every question before closing (“Not applicable” is an answer)."),
        "changed": _("Someone else changed this assessment meanwhile; reload and try again."),
        "too_long": _("This text is too long."),
        "past_due": _("The due date cannot be in the past."),
    }


def _clean_text(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) > limit:
        raise SafeguardingError("too_long")
    return text


def answer_place(
    organisation: Organisation, question: str, column: str, row: int = 0
) -> encryption.Place:
    """An answer's note or evidence is bound to its organisation and question, not to its
    row: the next assessment starts from a copy of the last answers."""
    return encryption.Place(
        "safeguarding.answer",
        column,
        row,
        f"accounts.organisation#{organisation.pk}:{question}",
        bind_row=False,
    )


def _seal(organisation: Organisation, question: str, column: str, text: str) -> bytes:
    if not text:
        return b""
    place = answer_place(organisation, question, column)
    return encryption.seal_for_organisation(organisation, text, place=place)


def _locked(assessment: Assessment, version: int | None = None) -> Assessment:
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not locked.is_open:
        raise SafeguardingError("closed")
    if version is not None and locked.version != version:
        raise SafeguardingError("changed")
    return locked


@dataclass
class OpenedTexts:
    notes: list[str]  # per answer, in the order given
    evidence: list[str]
    descriptions: list[str]  # per action item


def opened_texts(
    request: HttpRequest, assessment: Assessment, answers: list[Answer], items: list[ActionItem]
) -> OpenedTexts:
    """The answers' notes and evidence and the action items' descriptions, opened with one
    audit event; an empty value stays "", one that does not belong where it is found reads
    as the tampering marker."""
    organisation = assessment.organisation
    sealed = [(a.note, answer_place(organisation, a.question, "note", a.pk)) for a in answers] + [
        (a.evidence, answer_place(organisation, a.question, "evidence", a.pk)) for a in answers
    ]
    sealed += [
        (item.description, encryption.Place.of(item, "description", assessment)) for item in items
    ]
    present = [(bytes(value), place) for value, place in sealed if bytes(value)]
    opened = iter(
        encryption.open_many_for_member(
            request,
            organisation,
            present,
            audit_object=assessment,
            audit_action="safeguarding.read",
        )
        if present
        else []
    )
    texts = [tampering.text_of(next(opened)) if bytes(value) else "" for value, _ in sealed]
    count = len(answers)
    return OpenedTexts(texts[:count], texts[count : 2 * count], texts[2 * count :])


def start(organisation: Organisation, actor: User) -> Assessment:
    """A new assessment of the current question version, starting from the last answers."""
    question_set = questions.current()
    known = questions.question_map(question_set)
    previous = Assessment.objects.filter(organisation=organisation).first()
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                organisation=organisation,
                question_set=question_set,
                previous=previous,
                started_by=actor,
            )
            copied = []
            if previous is not None:
                for answer in previous.answers.all():
                    if answer.question in known and not answer.automatic:
                        copied.append(
                            Answer(
                                assessment=assessment,
                                question=answer.question,
                                status=answer.status,
                                note=answer.note,
                                evidence=answer.evidence,
                                updated_by=answer.updated_by,
                                updated_at=answer.updated_at,
                            )
                        )
            Answer.objects.bulk_create(copied)
            refresh_automatic(assessment)
            audit.record(
                "safeguarding.started",
                actor=actor,
                organisation=organisation,
                obj=assessment,
                details={"version": question_set.version, "copied": len(copied)},
            )
    except IntegrityError:
        raise SafeguardingError("open_exists") from None
    return assessment


def refresh_automatic(assessment: Assessment) -> None:
    """Measure the automatic answers again (only while the assessment is open)."""
    if not assessment.is_open:
        return
    for question in assessment.question_set.questions:
        check = question.get("automatic")
        if not check:
            continue
        measured = checks.CHECKS[check](assessment.organisation)
        Answer.objects.update_or_create(
            assessment=assessment,
            question=question["code"],
            defaults={
                "status": measured.status,
                "automatic": True,
                "measured": measured.measured,
                "updated_at": timezone.now(),
                "updated_by": None,
            },
        )


@dataclass(frozen=True)
class AnswerInput:
    question: str
    status: str
    note: str = ""
    evidence: str = ""


def answer(assessment: Assessment, actor: User, given: list[AnswerInput], *, version: int) -> None:
    """Record a group of answers (an area's form) at once: all or nothing."""
    known = questions.question_map(assessment.question_set)
    for item in given:
        question = known.get(item.question)
        if question is None:
            raise SafeguardingError("unknown_question")
        if question.get("automatic"):
            raise SafeguardingError("automatic")
        if item.status and item.status not in Status.values:
            raise SafeguardingError("unknown_status")
    with transaction.atomic():
        locked = _locked(assessment, version)
        organisation = locked.organisation
        for item in given:
            note = _clean_text(item.note, NOTE_MAX)
            evidence = _clean_text(item.evidence, EVIDENCE_MAX)
            Answer.objects.update_or_create(
                assessment=locked,
                question=item.question,
                defaults={
                    "status": item.status,
                    "note": _seal(organisation, item.question, "note", note),
                    "evidence": _seal(organisation, item.question, "evidence", evidence),
                    "automatic": False,
                    "updated_at": timezone.now(),
                    "updated_by": actor,
                },
            )
        locked.version += 1
        locked.save(update_fields=["version"])
        audit.record(
            "safeguarding.answered",
            actor=actor,
            organisation=organisation,
            obj=locked,
            details={"answers": len(given)},
        )


def statuses(assessment: Assessment) -> dict[str, str]:
    return dict(assessment.answers.values_list("question", "status"))


def current_scores(assessment: Assessment) -> dict[str, Any]:
    if not assessment.is_open and assessment.scores:
        return assessment.scores
    return scoring.scores(assessment.question_set.questions, statuses(assessment))


def close(assessment: Assessment, actor: User, *, version: int) -> Assessment:
    with transaction.atomic():
        locked = _locked(assessment, version)
        refresh_automatic(locked)
        found = statuses(locked)
        if any(not found.get(q["code"]) for q in locked.question_set.questions):
            raise SafeguardingError("unanswered")
        locked.scores = scoring.scores(locked.question_set.questions, found)
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.version += 1
        locked.save(update_fields=["scores", "closed_at", "closed_by", "version"])
        audit.record(
            "safeguarding.closed",
            actor=actor,
            organisation=locked.organisation,
            obj=locked,
            details={"overall": locked.scores["overall"]},
        )
    return locked


def add_action_item(
    assessment: Assessment,
    actor: User,
    *,
    question: str,
    description: str,
    owner: User,
    due_on: date,
) -> ActionItem:
    if question not in questions.question_map(assessment.question_set):
        raise SafeguardingError("unknown_question")
    if (
        not Membership.objects.active()
        .filter(organisation=assessment.organisation, user=owner)
        .exists()
    ):
        raise SafeguardingError("not_member")
    if due_on < timezone.localdate():
        raise SafeguardingError("past_due")
    text = _clean_text(description, DESCRIPTION_MAX)
    with transaction.atomic():
        item = ActionItem.objects.create(
            assessment=assessment,
            question=question,
            description=b"",
            owner=owner,
            due_on=due_on,
        )
        encryption.store_sealed(
            item,
            "description",
            lambda place: encryption.seal_for_organisation(
                assessment.organisation, text, place=place
            ),
            owner=assessment,
        )
        audit.record(
            "safeguarding.action_added",
            actor=actor,
            organisation=assessment.organisation,
            obj=item,
            details={"question": question},
        )
    return item


def set_action_status(item: ActionItem, actor: User, status: str) -> None:
    if status not in ActionItem.ItemStatus.values:
        raise SafeguardingError("unknown_status")
    with transaction.atomic():
        item.status = status
        item.done_at = timezone.now() if status == ActionItem.ItemStatus.DONE else None
        item.save(update_fields=["status", "done_at"])
        audit.record(
            "safeguarding.action_status",
            actor=actor,
            organisation=item.assessment.organisation,
            obj=item,
            details={"status": status},
        )


def publish_question_set(content: Any, actor: User) -> QuestionSet:
    """A network coordinator's edited questions become the next version."""
    valid = questions.validate(content)
    with transaction.atomic():
        latest = QuestionSet.objects.select_for_update().order_by("-version").first()
        number = (latest.version if latest else 0) + 1
        question_set = QuestionSet.objects.create(version=number, content=valid, published_by=actor)
        audit.record(
            "safeguarding.questions_published",
            actor=actor,
            obj=question_set,
            details={"version": number, "questions": len(valid["questions"])},
        )
    return question_set
