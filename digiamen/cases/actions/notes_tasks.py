"""Notes, tasks and replies to the reporter."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from digiamen.accounts.models import User
from digiamen.cases import replies
from digiamen.cases.actions.base import _event, _locked
from digiamen.cases.actions.sealing import seal_into_case
from digiamen.cases.models import (
    Case,
    Note,
    Task,
)
from digiamen.core import writings
from digiamen.intake.actions import post_staff_reply
from digiamen.intake.models import Message

# --- Notes and tasks ----------------------------------------------------------------------


def add_note(case: Case, actor: User, text: str) -> Note:
    with transaction.atomic():
        case = _locked(case, None)
        note = Note.objects.create(case=case, author=actor, body=b"")
        seal_into_case(case, note, "body", text)
        writings.sign(note, text, organisation=case.organisation, author=actor, case_id=case.pk)
        _event(case, "note_added", actor)
    return note


def add_task(
    case: Case, actor: User, *, title: str, due_at: datetime, assignee: User | None
) -> Task:
    with transaction.atomic():
        case = _locked(case, None)
        task = Task.objects.create(
            case=case,
            created_by=actor,
            assigned_to=assignee,
            due_at=due_at,
            title=b"",
        )
        seal_into_case(case, task, "title", title)
        writings.sign(task, title, organisation=case.organisation, author=actor, case_id=case.pk)
        _event(case, "task_added", actor)
    return task


def complete_task(task: Task, actor: User) -> None:
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.done_at is None:
            task.done_at = timezone.now()
            task.save(update_fields=["done_at"])
            _event(task.case, "task_done", actor)


# --- Replies to the reporter ------------------------------------------------------------------


def reply_to_reporter(case: Case, actor: User, text: str) -> Message:
    """Write to the reporter through their mailbox, if one can reach them.

    Raises ``replies.ReplyRefused`` (why, and the other contact route consent allows) for a
    purged or closed case and for a report without a reachable mailbox; nothing is written.
    """
    with transaction.atomic():
        # Locked: a case closed or purged meanwhile is refused, not written into.
        case = (
            Case.objects.select_for_update()
            .select_related("report", "organisation")
            .get(pk=case.pk)
        )
        route = replies.reply_route(case)
        if not route.open:
            raise replies.ReplyRefused(route)
        return post_staff_reply(case.report, actor, text)
