"""Demo data: the first demo organisation assessed itself four months ago, made a plan, and
has a re-assessment open, so that scores, progress and overdue actions show at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.safeguarding import actions
from digiamen.safeguarding.actions import AnswerInput
from digiamen.safeguarding.models import ActionItem, Assessment, Status

# An answer per question, cycling, so every area has a mix; the same on every load.
PATTERN = [Status.IN_PLACE, Status.PARTLY, Status.NOT_IN_PLACE, Status.PARTLY, Status.IN_PLACE]
PLAN = [
    ("training_grooming", "Train the two new counsellors on grooming and sextortion", 45),
    ("photo_rules", "Write the rules for photos of children on our pages", -10),
]


def load(organisations: list[Organisation]) -> dict[str, Any]:
    organisation = organisations[0]
    admin = Membership.objects.filter(organisation=organisation, role=Role.ORG_ADMIN).first()
    if admin is None:
        return {}
    first = actions.start(organisation, admin.user)
    given = [
        AnswerInput(question["code"], PATTERN[index % len(PATTERN)])
        for index, question in enumerate(first.question_set.questions)
        if not question.get("automatic")
    ]
    actions.answer(first, admin.user, given, version=first.version)
    first.refresh_from_db()
    for question, text, days in PLAN:
        item = actions.add_action_item(
            first,
            admin.user,
            question=question,
            description=text,
            owner=admin.user,
            due_on=timezone.localdate() + timedelta(days=abs(days)),
        )
        if days < 0:  # one action is overdue, as happens
            ActionItem.objects.filter(pk=item.pk).update(
                due_on=timezone.localdate() + timedelta(days=days)
            )
    closed = actions.close(first, admin.user, version=first.version)
    four_months_ago = timezone.now() - timedelta(days=120)
    Assessment.objects.filter(pk=closed.pk).update(
        started_at=four_months_ago - timedelta(days=7), closed_at=four_months_ago
    )
    actions.start(organisation, admin.user)
    return {}
