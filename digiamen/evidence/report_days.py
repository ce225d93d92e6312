"""The reports counted per day, kept by the database: ``ReportDay`` rows, maintained by
triggers on ``intake_report``.

Why triggers: the prevention tables count an organisation's consenting reports per month,
per area and around a day. Counted from the reports themselves that is a scan of every report
of the period (a third of a second for a year of a busy organisation, over budget); counted
from these rows it is a few thousand small rows. A count kept by application code drifts the
first time a report changes in a way that code did not foresee (a queryset ``update``, a
cascade, a purge, a data migration); a trigger sees every statement.

Why a recount after every ``migrate``: SQLite rebuilds a table to alter it, and the rebuild
drops the table's triggers. ``migrate`` ends by installing the triggers again and counting
every report afresh, under a lock that holds reports' writes for the moment it takes.

Days are UTC days, like the prevention tables' months and windows.
"""

# ruff: noqa: S608  (every statement is built from this module's constants, never from input)
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

REPORTS = "intake_report"
DAYS = "evidence_reportday"
KEY = "organisation_id, day, admin1, through_campaign"
COLUMNS = f"{KEY}, reports"
# What a report is counted by: a change to any of these moves it to another count.
COUNTED_BY = ("organisation_id", "created_at", "admin1", "campaign", "consent_statistics")
TRIGGERS = (
    "evidence_report_days_added",
    "evidence_report_days_removed",
    "evidence_report_days_moved",
)


def _day(row: str, vendor: str) -> str:
    if vendor == "postgresql":
        return f"({row}created_at AT TIME ZONE 'UTC')::date"
    return f"date({row}created_at)"


def _key_of(row: str, vendor: str) -> str:
    """A report's count's key (organisation, day, area, through a campaign) in SQL."""
    return f"{row}organisation_id, {_day(row, vendor)}, {row}admin1, ({row}campaign <> '')"


def _matches(row: str, vendor: str) -> str:
    return (
        f"organisation_id = {row}organisation_id AND day = {_day(row, vendor)} "
        f"AND admin1 = {row}admin1 AND through_campaign = ({row}campaign <> '')"
    )


def _postgresql() -> list[str]:
    # Inserts and deletes are counted once per statement (a purge of ten thousand reports
    # is one grouped update); a change is counted per row, and only when a counted column
    # changes (the WHEN clause is checked without calling the function).
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COUNTED_BY)
    return [
        f"""CREATE OR REPLACE FUNCTION evidence_report_days_added() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN
            INSERT INTO {DAYS} AS d ({COLUMNS})
            SELECT {_key_of("", "postgresql")}, COUNT(*) FROM added
            WHERE consent_statistics GROUP BY 1, 2, 3, 4
            ON CONFLICT ({KEY}) DO UPDATE SET reports = d.reports + EXCLUDED.reports;
            RETURN NULL;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION evidence_report_days_removed() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN
            UPDATE {DAYS} AS d SET reports = d.reports - gone.n
            FROM (
                SELECT {_key_of("", "postgresql")}, COUNT(*) AS n FROM removed
                WHERE consent_statistics GROUP BY 1, 2, 3, 4
            ) AS gone (organisation_id, day, admin1, through_campaign, n)
            WHERE d.organisation_id = gone.organisation_id AND d.day = gone.day
                AND d.admin1 = gone.admin1 AND d.through_campaign = gone.through_campaign;
            RETURN NULL;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION evidence_report_days_moved() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN
            IF OLD.consent_statistics THEN
                UPDATE {DAYS} SET reports = reports - 1 WHERE {_matches("OLD.", "postgresql")};
            END IF;
            IF NEW.consent_statistics THEN
                INSERT INTO {DAYS} AS d ({COLUMNS})
                VALUES ({_key_of("NEW.", "postgresql")}, 1)
                ON CONFLICT ({KEY}) DO UPDATE SET reports = d.reports + 1;
            END IF;
            RETURN NULL;
        END $$""",
        *[f"DROP TRIGGER IF EXISTS {name} ON {REPORTS}" for name in TRIGGERS],
        f"""CREATE TRIGGER evidence_report_days_added AFTER INSERT ON {REPORTS}
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT
        EXECUTE FUNCTION evidence_report_days_added()""",
        f"""CREATE TRIGGER evidence_report_days_removed AFTER DELETE ON {REPORTS}
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
        EXECUTE FUNCTION evidence_report_days_removed()""",
        f"""CREATE TRIGGER evidence_report_days_moved
        AFTER UPDATE OF {", ".join(COUNTED_BY)} ON {REPORTS}
        FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION evidence_report_days_moved()""",
    ]


def _sqlite() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COUNTED_BY)
    add_new = (
        f"INSERT INTO {DAYS} ({COLUMNS}) SELECT {_key_of('NEW.', 'sqlite')}, 1 "
        f"WHERE NEW.consent_statistics "
        f"ON CONFLICT ({KEY}) DO UPDATE SET reports = reports + 1;"
    )
    remove_old = (
        f"UPDATE {DAYS} SET reports = reports - 1 "
        f"WHERE OLD.consent_statistics AND {_matches('OLD.', 'sqlite')};"
    )
    return [
        *[f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS],
        f"CREATE TRIGGER evidence_report_days_added AFTER INSERT ON {REPORTS} BEGIN {add_new} END",
        f"CREATE TRIGGER evidence_report_days_removed AFTER DELETE ON {REPORTS} "
        f"BEGIN {remove_old} END",
        f"CREATE TRIGGER evidence_report_days_moved "
        f"AFTER UPDATE OF {', '.join(COUNTED_BY)} ON {REPORTS} WHEN {changed} "
        f"BEGIN {remove_old} {add_new} END",
    ]


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return _postgresql()
    if vendor == "sqlite":
        return _sqlite()
    raise NotImplementedError(f"report days are not kept on {vendor}")


def install(connection: BaseDatabaseWrapper) -> None:
    """The triggers, made or made again (the same statements whether they exist or not)."""
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor):
            cursor.execute(statement)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            on = f" ON {REPORTS}" if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def recount(connection: BaseDatabaseWrapper) -> None:
    """Every count made again from the reports, with reports' writes held meanwhile."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Readers go on; a report written now waits until the counts are whole again.
            cursor.execute(f"LOCK TABLE {REPORTS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {DAYS}")
        cursor.execute(
            f"INSERT INTO {DAYS} ({COLUMNS}) "
            f"SELECT {_key_of('', connection.vendor)}, COUNT(*) FROM {REPORTS} "
            "WHERE consent_statistics GROUP BY 1, 2, 3, 4"
        )


def keep_after_migrate(using: str, **_kwargs: Any) -> None:
    """post_migrate: the triggers installed and the counts made again, when both tables are
    there (not after migrating back before them)."""
    from django.db import connections

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if {REPORTS, DAYS} <= tables:
        with transaction.atomic(using=using):
            install(connection)
            recount(connection)
