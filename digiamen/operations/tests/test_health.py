"""/healthz, /readyz and `manage.py doctor`: a status for anyone, detail only with the health
token, and plain words with the remedy for the operator."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from digiamen.conftest import World
from digiamen.media import actions as media_actions
from digiamen.media.matching import process_index
from digiamen.media.models import BankChange
from digiamen.operations.actions import record_backup_run
from digiamen.operations.models import Heartbeat
from digiamen.operations.tasks import queue_heartbeat

TOKEN = "health-token-for-tests-0123456789"


@pytest.fixture(autouse=True)
def _token(settings: Any, tmp_path: Path) -> None:
    settings.HEALTH_TOKEN = TOKEN
    settings.BACKUP_PUBLIC_KEY_FILE = tmp_path / "backup_public_key"
    settings.BACKUP_DIR = tmp_path / "backups"


def test_healthz_answers_without_touching_the_database(
    client: Client, db: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_waits_for_the_queue_and_says_no_more_to_strangers(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json() == {"ready": False}
    queue_heartbeat.call_local()
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"ready": True}
    wrong = client.get("/readyz", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.json() == {"ready": True}


@pytest.mark.django_db
def test_readyz_details_for_the_health_token(client: Client) -> None:
    Heartbeat.objects.create(name="queue", beat_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 503
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert checks["database"]["ok"] and checks["match_index"]["ok"]
    assert not checks["queue"]["ok"] and "last reported 600 s ago" in checks["queue"]["detail"]


@pytest.mark.django_db
def test_the_match_index_is_brought_up_to_date_before_it_counts_as_ready(world: World) -> None:
    bank = media_actions.create_bank(world.amane, world.alice.user, name="Known", source="test")
    index = process_index()
    assert index.pending_changes() == 0  # loads the (empty) index
    media_actions.add_entries(bank, world.alice.user, [{"pdq": "f" * 64, "quality": 100}])
    assert BankChange.objects.exists() and index.max_seen < BankChange.objects.latest("id").pk
    assert index.pending_changes() == 0  # applied by the check itself
    assert index.max_seen == BankChange.objects.latest("id").pk and index.size() == 1


def doctor() -> tuple[str, str]:
    out = StringIO()
    try:
        call_command("doctor", stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), ""


@pytest.mark.django_db
def test_doctor_names_each_problem_with_what_to_do(settings: Any, tmp_path: Path) -> None:
    out, error = doctor()
    assert "PROBLEM  queue: the queue consumer (run_huey) has never reported; start" in out
    assert "PROBLEM  backups: no backup key, so no backups; run `manage.py backup_key`" in out
    assert "OK       database:" in out and "OK       audit: the audit chain is whole" in out
    assert error == "2 problems found."

    queue_heartbeat.call_local()
    call_command("backup_key", stdout=StringIO())
    out, error = doctor()
    assert "PROBLEM  backups: no backup has passed its drill yet" in out and error
    record_backup_run()
    out, error = doctor()
    assert error == "" and out.endswith("Nothing wrong found.\n")


@pytest.mark.django_db
def test_doctor_warns_of_a_certificate_about_to_expire(settings: Any, tmp_path: Path) -> None:
    certificate = tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
         "-subj", "/CN=report.example.org", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(certificate)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    settings.TLS_CERTIFICATE_FILE = str(certificate)
    out, _ = doctor()
    assert "PROBLEM  certificate: the TLS certificate expires in 3 days; renew it" in out


@pytest.mark.django_db
def test_a_database_without_the_audit_head_trigger_is_not_ready(client: Client) -> None:
    from django.db import connection

    from digiamen.core import audit

    queue_heartbeat.call_local()
    assert audit.head_trigger_present()
    drop = (
        f"DROP TRIGGER {audit.HEAD_TRIGGER} ON core_auditevent"
        if connection.vendor == "postgresql"
        else f"DROP TRIGGER {audit.HEAD_TRIGGER}"
    )
    with connection.cursor() as cursor:
        cursor.execute(drop)  # undone with the test's transaction
    assert not audit.head_trigger_present()
    response = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 503
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert not checks["audit_trigger"]["ok"] and checks["queue"]["ok"]
    out = StringIO()
    with pytest.raises((CommandError, SystemExit)):
        call_command("doctor", stdout=out)
    assert "head trigger is missing" in out.getvalue() and "0006" in out.getvalue()
