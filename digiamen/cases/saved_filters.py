"""Saved queue filters: what may be kept, and a saved filter applied as far as it still can
be (a member's role, or the taxonomy, may have changed since it was saved).

Only categories are kept (queue, status, harm type, risk, area code, age band, channel):
never the case number search, and nothing typed about a child.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from digiamen.cases.forms import QueueFilterForm

SAVED_KEYS = ("queue", "status", "harm", "risk", "admin1", "age", "channel")


def params_of(cleaned: dict[str, Any]) -> dict[str, str]:
    """The categories of a valid queue filter, as the queue's address would carry them."""
    return {key: str(cleaned[key]) for key in SAVED_KEYS if cleaned.get(key)}


def find(saved: list[dict[str, Any]], filter_id: str) -> dict[str, Any] | None:
    return next((entry for entry in saved if entry.get("id") == filter_id), None)


def applied(entry: dict[str, Any]) -> tuple[QueueFilterForm, list[str]]:
    """The queue's filter form for a saved filter, and the names of the parts left out
    because they are no longer valid choices."""
    params = {key: str(value) for key, value in entry.get("params", {}).items()}
    params = {key: value for key, value in params.items() if key in SAVED_KEYS}
    form = QueueFilterForm(_query(params))
    if form.is_valid():
        return form, []
    dropped = [str(form.fields[name].label) for name in form.errors if name in form.fields]
    kept = {key: value for key, value in params.items() if key not in form.errors}
    form = QueueFilterForm(_query(kept))
    form.is_valid()
    return form, dropped


def _query(params: dict[str, str]) -> QueryDict:
    query = QueryDict(mutable=True)
    query.update(params)
    return query
