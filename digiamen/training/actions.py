"""Taking a module's quiz, writing a module of one's own, and who is trained."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.core import audit
from digiamen.training.models import Completion, OwnModule
from digiamen.training.modules import Module

# "Trained in the last 12 months" (the self-assessment's capacity area).
TRAINED_WITHIN = timedelta(days=365)
AUTHORS = (Role.ORG_ADMIN, Role.SUPERVISOR)


def score(module: Module, chosen: list[int | None]) -> int:
    """Per cent of the questions answered right (a question left out is wrong)."""
    if not module.questions:
        return 100
    right = sum(
        1
        for question, answer in zip(module.questions, chosen, strict=True)
        if answer == question.answer
    )
    return round(right * 100 / len(module.questions))


def complete(membership: Membership, module: Module, chosen: list[int | None]) -> Completion:
    """Record a member's attempt at the quiz; passed at the module's pass mark."""
    result = score(module, chosen)
    completion = Completion.objects.create(
        organisation=membership.organisation,
        user=membership.user,
        module=module.code,
        version=module.version,
        score=result,
        passed=result >= module.pass_mark,
    )
    audit.record(
        "training.completed",
        actor=membership.user,
        organisation=membership.organisation,
        obj=completion,
        details={"module": module.code, "score": result, "passed": completion.passed},
    )
    return completion


def add_own_module(
    membership: Membership, *, code: str, language: str, content: dict[str, Any]
) -> OwnModule:
    """A module of the organisation's own; the same code again makes its next version."""
    with transaction.atomic():
        previous = (
            OwnModule.objects.select_for_update()
            .filter(organisation=membership.organisation, code=code)
            .order_by("-version")
            .first()
        )
        row = OwnModule.objects.create(
            organisation=membership.organisation,
            code=code,
            version=previous.version + 1 if previous else 1,
            language=language,
            content=content,
            created_by=membership.user,
        )
        audit.record(
            "training.module_saved",
            actor=membership.user,
            organisation=membership.organisation,
            obj=row,
            details={"code": code, "version": row.version},
        )
    return row


@dataclass(frozen=True)
class Trained:
    members: int
    trained: int

    @property
    def share(self) -> float:
        return self.trained / self.members if self.members else 0.0


def trained(organisation: Organisation, module: str = "") -> Trained:
    """Active members, and those who passed a module (this one, if named) in the last
    twelve months."""
    members = set(
        Membership.objects.active()
        .filter(organisation=organisation)
        .values_list("user_id", flat=True)
    )
    since = timezone.now() - TRAINED_WITHIN
    completions = Completion.objects.filter(
        organisation=organisation, user_id__in=members, passed=True, completed_at__gte=since
    )
    if module:
        completions = completions.filter(module=module)
    passed = set(completions.values_list("user_id", flat=True))
    return Trained(len(members), len(passed))


def last_completions(membership: Membership) -> dict[str, Completion]:
    """The member's newest attempt at each module."""
    newest: dict[str, Completion] = {}
    for completion in Completion.objects.filter(
        organisation=membership.organisation, user=membership.user
    ).order_by("completed_at", "id"):
        newest[completion.module] = completion
    return newest
