"""Periodic jobs of case work: retention, and reminders of overdue tasks."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from digiamen.cases.actions import purge_expired_cases, remind_unanswered_escalations
from digiamen.cases.models import CaseEvent, Task
from digiamen.core import signals


@db_periodic_task(crontab(minute="17", hour="2"))
def purge_cases_past_retention() -> int:
    return purge_expired_cases()


@db_periodic_task(crontab(minute="*/15"))
def remind_overdue_tasks() -> int:
    """An overdue task goes on its case's timeline once; the queues show it."""
    now = timezone.now()
    reminded = 0
    for task in Task.objects.filter(
        done_at__isnull=True, reminded_at__isnull=True, due_at__lt=now
    ).select_related("case"):
        with transaction.atomic():
            task.reminded_at = now
            task.save(update_fields=["reminded_at"])
            CaseEvent.objects.create(case=task.case, kind="task_overdue", details={"task": task.pk})
            signals.task_due.send(sender=Task, task=task)
        reminded += 1
    return reminded


@db_periodic_task(crontab(minute="5", hour="*"))
def remind_escalations_without_answer() -> int:
    """Escalations that platforms have not answered after the organisation's delay."""
    return remind_unanswered_escalations()
