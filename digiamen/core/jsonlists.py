"""Filtering on a JSON list of codes (a case's harm types) the way each database does
fastest, always by exact element: on PostgreSQL a jsonb containment (``@>``) that a GIN index
answers; on SQLite, the embedded mode's small data, a search of the list's elements
(``json_each``). Never a search of the list's text: a code inside another code
("grooming" in "online_grooming") is not a match."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)


class Holds(Func):
    """True where the JSON list in ``field`` has an element equal to ``value``."""

    arity = 1
    output_field = BooleanField()

    def __init__(self, field: str, value: str) -> None:
        super().__init__(F(field))
        self.value = value

    def _column(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        return compiler.compile(self.get_source_expressions()[0])

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, params = self._column(compiler, connection)
        # The column is the compiled field (Django's quoting); the value is a parameter.
        sql = f"EXISTS (SELECT 1 FROM json_each({column}) AS held WHERE held.value = %s)"  # noqa: S608
        return sql, (*params, self.value)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, params = self._column(compiler, connection)
        return f"{column} @> %s::jsonb", (*params, json.dumps([self.value]))


def holding(queryset: QuerySet[M], field: str, value: str) -> QuerySet[M]:
    """The rows whose JSON list ``field`` (e.g. a case's ``harm_types``) holds ``value``."""
    return queryset.filter(Holds(field, value))
