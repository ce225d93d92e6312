"""Budgets for the directory, with a large generated directory on PostgreSQL:

* the public "where to get help" page: at most 20 KB transferred (gzip, headers included)
  and fast, whatever the number of services in the country;
* staff pages (coverage matrix and map, the directory list, a case's referral
  suggestions): p95 server time under 150 ms, a constant number of queries;
* the public HSDS API (list and detail) and a whole-directory HSDS export: time and size.

Runs in its own process against a throw-away PostgreSQL database, like bench_cases.
"""

from __future__ import annotations

import gzip
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = int(os.environ.get("BENCH_SERVICES", "20000"))
DATABASE = "directory"  # a label: the database itself is new for each run
REPEAT = 30
STAFF_BUDGET_MS = 100  # the budgets issue: every staff page under 100 ms (DESIGN.md: 150)
PAGE_BUDGET_BYTES = 20 * 1024


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import run_worker

    run_worker(__file__, DATABASE)


def _generate(rng: random.Random) -> None:
    from digiamen.core import places
    from digiamen.directory.models import (
        DirectoryOrganisation,
        Location,
        Phone,
        Service,
        ServiceArea,
        ServiceAtLocation,
    )
    from digiamen.directory.taxonomy import ServiceType

    countries = list(places.COUNTRY_CODES)
    types = ServiceType.values
    organisations = DirectoryOrganisation.objects.bulk_create(
        [
            DirectoryOrganisation(
                name=f"Organisation {n}",
                description="Generated for the benchmark.",
                country=countries[n % len(countries)],
            )
            for n in range(SERVICES // 10)
        ]
    )
    batch = 2000
    for offset in range(0, SERVICES, batch):
        services, areas, phones, locations, links = [], [], [], [], []
        for n in range(offset, min(offset + batch, SERVICES)):
            organisation = organisations[n % len(organisations)]
            service = Service(
                organisation=organisation,
                name=f"Service {n}",
                description="Support for children and families. " * 4,
                service_type=rng.choice(types),
                languages=["ar", "fr"],
                free_of_charge=rng.random() < 0.7,
                child_friendly=rng.random() < 0.5,
                disability_access=rng.random() < 0.3,
                minimum_age=rng.choice([None, 6, 12]),
                maximum_age=17,
            )
            services.append(service)
            country_areas = places.areas(organisation.country)
            # One in ten covers the whole country; the rest one to three areas.
            if rng.random() < 0.1:
                areas.append(ServiceArea(service=service, country=organisation.country))
            else:
                for area in rng.sample(country_areas, k=min(len(country_areas), rng.randint(1, 3))):
                    areas.append(
                        ServiceArea(service=service, country=organisation.country, admin1=area.code)
                    )
            phones.append(Phone(service=service, number=f"+000 {n:08d}"))
            if rng.random() < 0.5:
                area = rng.choice(country_areas)
                location = Location(
                    organisation=organisation,
                    name=f"Centre {n}",
                    address_1=f"{n} Example street",
                    city="Town",
                    country=organisation.country,
                    admin1=area.code,
                    is_confidential=rng.random() < 0.05,
                )
                locations.append(location)
                links.append(ServiceAtLocation(service=service, location=location))
        Service.objects.bulk_create(services)
        ServiceArea.objects.bulk_create(areas)
        Phone.objects.bulk_create(phones)
        Location.objects.bulk_create(locations)
        ServiceAtLocation.objects.bulk_create(links)


def _transferred(response: object) -> int:
    headers = "".join(f"{k}: {v}\r\n" for k, v in response.items())  # type: ignore[attr-defined]
    return len(headers.encode()) + len(gzip.compress(response.content, 9))  # type: ignore[attr-defined]


def worker() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from harness import p95_ms, print_page, record_budget, timed_get

    from digiamen.accounts import actions as account_actions
    from digiamen.directory import boundaries, hsds
    from digiamen.directory.models import Service
    from digiamen.intake import actions as intake_actions
    from digiamen.referrals import actions as actions_referrals

    call_command("migrate", verbosity=0)
    created = account_actions.create_organisation(slug="bench", name="Bench", country="MA")
    password = "bench passphrase 2026"
    user, _key = account_actions.create_user("coordinator", password)
    account_actions.add_member(
        created.organisation, created.private_key, user, "network_coordinator"
    )
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)

    started = time.perf_counter()
    _generate(random.Random(11))
    boundaries.import_demo_boundaries(actor=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"   generated {SERVICES} services in {time.perf_counter() - started:.0f} s")

    public = Client(HTTP_HOST="127.0.0.1")
    print("   public pages (raw server time; transferred = headers + gzip body, no assets)")
    for label, url in {
        "help: choose a country": "/ar/help/",
        "help: Sfax, all services": "/ar/help/?country=TN&area=TN-61",
        "help: Casablanca, legal aid, free": "/fr/help/?country=MA&area=MA-06"
        "&type=legal_aid&free=on",
        "API: services of an area": "/api/v1/directory/services?country=TN&area=TN-61",
    }.items():
        samples, response = timed_get(public, url, REPEAT)
        size = _transferred(response)
        flag = "ok" if size <= PAGE_BUDGET_BYTES or url.startswith("/api/") else "OVER BUDGET"
        print(
            f"   {label:<36} p50 {statistics.median(samples) * 1000:6.1f} ms  "
            f"p95 {p95_ms(samples):6.1f} ms  {size / 1024:5.1f} KB "
            f"({size / PAGE_BUDGET_BYTES:4.0%} of 20 KB) {flag}"
        )
        if not url.startswith("/api/"):
            record_budget(
                f"{label}: transferred", round(size / 1024, 1), PAGE_BUDGET_BYTES / 1024, "KB"
            )
    some = Service.objects.order_by("id").first()
    samples, _response = timed_get(
        public, f"/api/v1/directory/services/{some.pk if some else ''}", REPEAT
    )
    print(f"   {'API: one service':<36} p50 {statistics.median(samples) * 1000:6.1f} ms")

    staff = Client(HTTP_HOST="127.0.0.1")
    staff.post("/en/staff/login/", {"username": "coordinator", "password": password})
    code = f"{TOTP(device.bin_key).token():06d}"
    if staff.post("/en/staff/login/verify/", {"code": code}).status_code != 302:
        raise RuntimeError("sign-in failed")
    print(f"   staff pages (budget p95 {STAFF_BUDGET_MS} ms)")
    for label, url in {
        "coverage: whole network": "/en/staff/bench/directory/coverage/",
        "coverage: Algeria (58 wilayas)": "/en/staff/bench/directory/coverage/?country=DZ",
        "coverage: Morocco with the map": "/ar/staff/bench/directory/coverage/?country=MA"
        "&service_type=legal_aid",
        "directory list (coordinator)": "/en/staff/bench/directory/",
        "directory: needs verification": "/en/staff/bench/directory/?needs_verification=on",
    }.items():
        samples, _response = timed_get(staff, url, REPEAT)
        with CaptureQueriesContext(connection) as queries:
            staff.get(url)
        print_page(label, samples, len(queries), STAFF_BUDGET_MS)

    report = intake_actions.submit_report(
        {
            "harm_types": ["sexual_extortion"],
            "country": "MA",
            "admin1": "MA-06",
            "age_band": "12_14",
            "consent_referral": True,
        },
        channel="web",
        submission_id="bench-referral",
    ).report
    suggestions_samples = []
    for _ in range(REPEAT + 1):
        begin = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            suggested = actions_referrals.suggest_services(report.case)
        suggestions_samples.append(time.perf_counter() - begin)
    suggestions_samples = sorted(suggestions_samples[1:])
    print_page(
        f"referral suggestions ({len(suggested)} shown)",
        suggestions_samples,
        len(queries),
        STAFF_BUDGET_MS,
    )

    begin = time.perf_counter()
    document = hsds.export_json()
    elapsed = time.perf_counter() - begin
    print(
        f"   HSDS JSON export of {SERVICES} services: {elapsed:5.1f} s, "
        f"{len(document) / 1024 / 1024:5.1f} MB"
    )


if __name__ == "__main__" and "--worker" in sys.argv:
    sys.path.insert(0, str(ROOT))
    worker()
