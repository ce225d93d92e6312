"""Budget: with 100 000 cases on PostgreSQL, the queue pages and the case page answer with
p95 server time under 150 ms; no N+1 (the number of queries per page is printed).

Runs in its own process against a throw-away PostgreSQL database (`digiamen_bench`), which
it creates, fills with generated reports and cases (bulk inserts; the encrypted fields are
real ciphertext sealed to the organisation), then measures pages through Django's test
client as a signed-in supervisor (whose case page decrypts the report and audits the read).
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("BENCH_CASES", "100000"))
DATABASE = "cases"  # a label: the database itself is new for each run
REPEAT = 30


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import run_worker

    run_worker(__file__, DATABASE)


def worker() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from harness import print_page, timed_get

    from digiamen.accounts import actions as account_actions
    from digiamen.cases.models import Case, CaseSettings
    from digiamen.core import crypto, encryption
    from digiamen.core.taxonomy import AgeBand, Channel, HarmType
    from digiamen.intake.models import Report

    call_command("migrate", verbosity=0)
    created = account_actions.create_organisation(slug="bench", name="Bench", country="MA")
    organisation = created.organisation
    password = "bench passphrase 2026"
    user, _key = account_actions.create_user("supervisor", password)
    account_actions.add_member(organisation, created.private_key, user, "supervisor")
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    case_settings = CaseSettings.objects.create(organisation=organisation)

    started = time.perf_counter()
    record_key = encryption.new_record_key(organisation)
    summary = crypto.seal(bytes(crypto.new_private_key().public_key), b"{}")
    rng = random.Random(7)
    now = timezone.now()
    harms, ages, channels = HarmType.values, AgeBand.values, Channel.values
    batch = 5000
    for offset in range(0, CASES, batch):
        reports = []
        for n in range(offset, min(offset + batch, CASES)):
            report = Report(
                organisation=organisation,
                channel=rng.choice(channels),
                harm_types=[rng.choice(harms)],
                country="MA",
                admin1=f"MA-{rng.randint(1, 12):02d}",
                age_band=rng.choice(ages),
                created_at=now - timedelta(minutes=n),
                receipt_lookup=f"{n:064d}",
                mailbox_public_key=b"\0" * 32,
                reporter_summary=summary,
                submission_id=f"bench-{n}",
                sealed_key=record_key.envelope,
            )
            record = str(report.public_id)
            report.narrative = record_key.encrypt("A story " * 40, field="narrative", record=record)
            report.involved_accounts = record_key.encrypt(
                "@someone", field="involved_accounts", record=record
            )
            report.contact = record_key.encrypt("", field="contact", record=record)
            reports.append(report)
        Report.objects.bulk_create(reports)
        Case.objects.bulk_create(
            [
                Case(
                    organisation=organisation,
                    report=report,
                    number=f"MA-26-{offset + i + 1:06d}",
                    status=rng.choice(["new", "triaged", "open", "closed"]),
                    risk_level=rng.choice(["", "high", "medium", "low"]),
                    first_contact_due=report.created_at + timedelta(hours=24),
                    created_at=report.created_at,
                    updated_at=report.created_at,
                )
                for i, report in enumerate(reports)
            ]
        )
    case_settings.next_number = CASES + 1
    case_settings.save()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"   generated {CASES} reports and cases in {time.perf_counter() - started:.0f} s")

    client = Client(HTTP_HOST="127.0.0.1")
    client.post("/en/staff/login/", {"username": "supervisor", "password": password})
    code = f"{TOTP(device.bin_key).token():06d}"
    response = client.post("/en/staff/login/verify/", {"code": code})
    if response.status_code != 302:
        raise RuntimeError("sign-in failed")
    middle = Case.objects.get(number=f"MA-26-{CASES // 2:06d}")
    pages = {
        "queue: new": "/en/staff/bench/cases/?queue=new",
        "queue: high risk": "/en/staff/bench/cases/?queue=high",
        "queue: overdue": "/en/staff/bench/cases/?queue=overdue",
        "queue: all, harm + area filter": "/en/staff/bench/cases/?queue=all&harm=cyberbullying"
        "&admin1=MA-06",
        "queue: search by number": f"/en/staff/bench/cases/?queue=all&number={middle.number}",
        "supervisor dashboard": "/en/staff/bench/cases/dashboard/",
        "case page (decrypts, audits)": f"/en/staff/bench/cases/{middle.number}/",
    }
    for label, url in pages.items():
        samples, _response = timed_get(client, url, REPEAT)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print_page(label, samples, len(queries), 150)


if __name__ == "__main__" and "--worker" in sys.argv:
    sys.path.insert(0, str(ROOT))
    worker()
