"""Alerts (issue #19): from a committed urgent report to the on-call person's e-mail accepted
by an SMTP server, with 50 reports arriving at once.

The production path end to end: gunicorn as the shipped unit runs it, PostgreSQL, the queue
consumer as its unit runs it on Redis (default poll interval), and a real SMTP server
(aiosmtpd) on 127.0.0.1 in this process. Each report carries the hash of a picture a bank
of the organisation knows, so each is urgent, and one caseworker is on call all week with
an e-mail address: each report makes one alert and one e-mail.

The time of each alert is measured on the server's clock, from the case's creation (inside
the report's transaction, so a little before its commit: the figure errs long) to the
moment the SMTP server accepted the e-mail (the delivery's ``sent_at``). Budget: p95 < 60 s.

Redis: a database number that is empty when the benchmark starts is used and emptied
afterwards; a busy one is never touched (none free: the benchmark says so and skips).
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from bench.harness import empty_redis_database, machine, record_budget, throwaway_database
from bench.server import free_port, run_python, served

REPORTS = 50
WAIT_SECONDS = 300
BUDGET_P95_SECONDS = 60.0

SETUP = """
from digiamen.accounts import actions as accounts
from digiamen.accounts.models import Role
from digiamen.alerts import actions as alerts
from digiamen.alerts.models import OnCallShift
from digiamen.media import actions as media
from digiamen.media.demo import demo_picture
from digiamen.media.hashing import hash_image

created = accounts.create_organisation(
    slug="bench", name="Bench", country="MA", languages=["ar", "fr", "en"]
)
organisation, key = created.organisation, created.private_key
user, _ = accounts.create_user("oncall", "a long password for the bench 1")
accounts.add_member(organisation, key, user, Role.CASEWORKER)
for weekday in range(7):
    OnCallShift.objects.create(
        organisation=organisation, user=user, weekday=weekday, start_hour=0, end_hour=24
    )
alerts.save_preferences(
    user,
    email="oncall@example.org",
    channels={"new_report": ["in_app", "email"]},
    quiet_from=0,
    quiet_to=0,
)
picture = hash_image(demo_picture()).as_dict()
bank = media.create_bank(organisation, None, name="Known", source="bench")
media.add_entries(bank, None, [{**picture, "classification": "baseline"}])
"""

LATENCIES = """
import json
from digiamen.alerts.models import AlertDelivery
from digiamen.cases.models import Case

created = {
    f"report:{report}": at for report, at in Case.objects.values_list("report_id", "created_at")
}
rows = AlertDelivery.objects.filter(channel="email").values_list(
    "alert__dedup_key", "status", "sent_at", "attempts", "alert__urgent"
)
print(json.dumps([
    [
        status,
        attempts,
        (sent - created[key]).total_seconds() if sent and key in created else None,
        urgent,
    ]
    for key, status, sent, attempts, urgent in rows
]))
"""


class Inbox:
    # A plain class: run.py loads benchmarks outside sys.modules, where dataclasses fail.
    def __init__(self) -> None:
        self.arrived: list[float] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.arrived.append(time.time())
        return "250 Message accepted"


def post_report(base: str, body: bytes) -> int:
    request = urllib.request.Request(
        base + "/api/v1/reports", body, {"Content-Type": "application/json"}
    )
    for _attempt in range(20):
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
                return int(response.status)
        except urllib.error.HTTPError as answer:
            answer.read()
            retry_after = answer.headers.get("Retry-After", "")
            if answer.code != 503 or not retry_after.isdigit():
                return int(answer.code)
            time.sleep(float(retry_after))
    return 503


def main() -> None:
    import logging
    import os
    import tempfile
    from pathlib import Path

    import django
    from aiosmtpd.controller import Controller

    from bench.server import environment

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digiamen.settings")
    django.setup()
    from digiamen.media.demo import demo_picture
    from digiamen.media.hashing import hash_image

    picture = hash_image(demo_picture()).as_dict()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's, one line a message
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with throwaway_database("alerts") as postgres_url, empty_redis_database() as redis_url:
            if postgres_url is None or redis_url is None:
                return
            settings = {
                "REDIS_URL": redis_url,
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp_port),
                "EMAIL_USE_TLS": "false",
            }
            with served(
                database_url=postgres_url,
                production=True,
                setup=SETUP,
                queue=True,
                **settings,
            ) as base:
                print(f"   machine: {machine()}")
                with tempfile.TemporaryDirectory() as tmp:
                    env = environment(Path(tmp), postgres_url, **settings)
                    body = json.dumps(
                        {
                            "harm_types": ["sexual_extortion"],
                            "country": "MA",
                            "narrative": "He says he will send my photo to everyone tonight.",
                            "image_hashes": [picture],
                        }
                    ).encode()
                    statuses: list[int] = []
                    threads = [
                        threading.Thread(target=lambda: statuses.append(post_report(base, body)))
                        for _ in range(REPORTS)
                    ]
                    started = time.time()
                    for thread in threads:
                        thread.start()
                    for thread in threads:
                        thread.join()
                    stored = time.time() - started
                    deadline = time.monotonic() + WAIT_SECONDS
                    expected = sum(status == 201 for status in statuses)
                    while len(inbox.arrived) < expected and time.monotonic() < deadline:
                        time.sleep(0.2)
                    time.sleep(1)  # a late twin would show here
                    rows = json.loads(run_python(env, LATENCIES).strip().splitlines()[-1])
    finally:
        controller.stop()

    accepted = sum(status == 201 for status in statuses)
    if accepted < REPORTS:
        print(f"   answers other than 201: {sorted(s for s in statuses if s != 201)}")
    # Only urgent alerts count: a report the bank did not recognise would not be one.
    latencies = sorted(row[2] for row in rows if row[0] == "sent" and row[2] is not None and row[3])
    unsent = REPORTS - len(latencies)
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else 1e9
    print(
        f"   {REPORTS} urgent reports sent at once: {accepted} stored in {stored:.1f} s; "
        f"{len(inbox.arrived)} e-mails received by the SMTP server"
    )
    if latencies:
        print(
            f"   case stored -> e-mail accepted: p50 {statistics.median(latencies):.2f} s  "
            f"p95 {p95:.2f} s  max {latencies[-1]:.2f} s  (attempts: "
            f"{sorted({row[1] for row in rows})})"
        )
    twice = max(0, len(inbox.arrived) - REPORTS)
    print(f"   e-mails not sent: {unsent}; more e-mails than reports: {twice}")
    record_budget(
        f"alerts: urgent report -> e-mail accepted, {REPORTS} at once: p95",
        round(p95, 2),
        BUDGET_P95_SECONDS,
        "s",
    )
    record_budget("alerts: urgent reports without their e-mail", unsent, 0, "reports")
    record_budget("alerts: e-mails sent twice", max(0, len(inbox.arrived) - REPORTS), 0, "e-mails")
