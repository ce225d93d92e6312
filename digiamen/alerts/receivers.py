"""What alerts listen to from the apps below (core.signals): they never import alerts."""

from __future__ import annotations

from typing import Any

from digiamen.accounts.models import User
from digiamen.alerts import actions
from digiamen.cases.models import Case


def case_assigned(sender: object, *, case: Case, assignee: User, actor: User, **_: Any) -> None:
    """The assignee learns of it after the commit; assigning oneself alerts nobody."""
    if assignee.pk == actor.pk:
        return
    case_id, assignee_id, version = case.pk, assignee.pk, case.version
    actions.after_commit(lambda: actions.alert_assigned(case_id, assignee_id, version))
