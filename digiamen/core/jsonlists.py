"""Filtering on the JSON lists of a report (harm types, platforms) the way each database
does fastest: on PostgreSQL a jsonb containment (``@>``) that a GIN index answers; on SQLite,
the embedded mode's small data, a search for the quoted value in the list's text."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def holding(queryset: QuerySet[M], field: str, value: str) -> QuerySet[M]:
    """The rows whose JSON list ``field`` (a lookup path, e.g. ``report__harm_types``) holds
    ``value``."""
    lookup: dict[str, Any]
    if connections[queryset.db].vendor == "postgresql":
        lookup = {f"{field}__contains": [value]}
    else:
        # The list's text holds each value in double quotes: '"online_grooming"' matches that
        # value only, never a value that contains it.
        lookup = {f"{field}__icontains": f'"{value}"'}
    return queryset.filter(**lookup)
