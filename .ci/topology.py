"""Production as installed by deploy/install.sh, run on this machine and attacked a little.

The real files of deploy/ (not copies): install.sh installs under a test prefix with a fresh
PostgreSQL database and a Redis database of its own; the processes are started from the
ExecStart lines of the systemd units it rendered (two application instances on two ports,
as two app hosts, and one queue consumer), and nginx runs the site it rendered, with a
self-signed certificate. Production settings throughout. Then, through nginx over HTTPS or
straight at one instance: a report made on one is a case on the other, sessions and rate
limits are shared, a hash added on one is matched on the other within 1 s, a `kill -9` of an
instance during 50 concurrent submissions loses no acknowledged report, and no log holds a
client address or a report's text. Standard library only; prints its figures.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).resolve().parent.parent
DOMAIN = "localhost"
APP_PORTS = (18101, 18102)
HTTP_PORT, HTTPS_PORT = 18180, 18543
REDIS_DB = 13
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
CLIENTS = ("198.51.100.23", "203.0.113.45", "203.0.113.77")  # documentation addresses

SEED = """
import json, secrets
from django_otp.plugins.otp_totp.models import TOTPDevice
from digiamen.accounts import actions
from digiamen.media import actions as media_actions
created = actions.create_organisation(slug="topology-lab", name="Topology lab", country="TN")
org, key = created.organisation, created.private_key
people = {}
for name, role in (("topo-supervisor", "supervisor"), ("topo-admin", "org_admin"),
                   ("topo-locked", "caseworker")):
    password = secrets.token_urlsafe(16)
    user, _ = actions.create_user(name, password)
    actions.add_member(org, key, user, role)
    secret = secrets.token_bytes(20)
    TOTPDevice.objects.create(user=user, name="topology", key=secret.hex(), confirmed=True)
    people[name] = {"password": password, "totp_hex": secret.hex()}
bank = media_actions.create_bank(org, None, name="Topology bank", source="test")
print(json.dumps({
    "people": people, "organisation": org.slug, "organisation_id": org.pk, "bank": bank.pk,
    "intake_key": actions.issue_api_key(org, "report_intake", label="topology", actor=None),
    "liaison_key": actions.issue_api_key(org, "platform_liaison", label="topology", actor=None),
}))
"""


def totp(secret_hex: str, at: float | None = None) -> str:
    import hashlib
    import hmac
    import struct

    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(secret_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def fail(message: str) -> None:
    print(f"topology: FAILED: {message}")
    raise SystemExit(1)


def expect(condition: object, message: str) -> None:
    if not condition:
        fail(message)


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]
    cookies: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


class Site:
    """HTTP to one application instance (as nginx would forward it) or HTTPS through nginx."""

    def __init__(self, certificate: Path) -> None:
        self.tls = ssl.create_default_context(cafile=str(certificate))

    def call(
        self,
        where: str | int,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        client: str = CLIENTS[0],
    ) -> Answer:
        sent = {"Host": DOMAIN, **(headers or {})}
        connection: http.client.HTTPConnection
        if where == "nginx":  # the certificate is checked for the site's name
            connection = http.client.HTTPSConnection(
                DOMAIN, HTTPS_PORT, context=self.tls, timeout=60
            )
        else:
            connection = http.client.HTTPConnection("127.0.0.1", int(where), timeout=60)
            sent.update({"X-Forwarded-For": client, "X-Forwarded-Proto": "https"})
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        cookies = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                cookies[pair.split("=", 1)[0]] = pair.split("=", 1)[1]
        return Answer(response.status, data, dict(response.getheaders()), cookies)

    def json(self, where: str | int, path: str, payload: Any, token: str = "", **kw: Any) -> Answer:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.call(where, "POST", path, json.dumps(payload).encode(), headers, **kw)

    def get(self, where: str | int, path: str, token: str = "", cookies: str = "") -> Answer:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if cookies:
            headers["Cookie"] = cookies
        return self.call(where, "GET", path, headers=headers)


class Installation:
    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.database = f"digiamen_topology_{secrets.token_hex(3)}"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs = prefix / "logs"
        self.backup_private_key = ""

    def install(self) -> float:
        started = time.monotonic()
        command = [
            "bash", str(SOURCE / "deploy" / "install.sh"), "--domain", DOMAIN, "--self-signed",
            "--prefix", str(self.prefix), "--app-ports", ",".join(map(str, APP_PORTS)),
            "--http-port", str(HTTP_PORT), "--https-port", str(HTTPS_PORT),
            "--db-name", self.database, "--redis-url", f"redis://127.0.0.1:6379/{REDIS_DB}",
            "--organisation", "first-cso", "--organisation-name", "First CSO", "--country", "MA",
            "--no-packages", "--no-start", "--workers", "2",
        ]  # fmt: skip
        for attempt in ("first", "again"):
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                print(result.stdout[-3000:], result.stderr[-3000:])
                fail(f"install.sh ({attempt}) exited {result.returncode}")
            key = re.search(r"Backup PRIVATE key.*\n\s+([A-Z2-7-]+)\n", result.stdout)
            if key:
                self.backup_private_key = key.group(1)
        expect("Nothing changed" in result.stdout, "install.sh run again changed something")
        return time.monotonic() - started

    @property
    def etc(self) -> Path:
        return self.prefix / "etc"

    def unit(self, name: str, instance: str = "") -> dict[str, str]:
        text = (self.etc / "systemd" / "system" / name).read_text()
        fields = dict(re.findall(r"^(\w+)=(.*)$", text, flags=re.M))
        return {k: v.replace("%i", instance) for k, v in fields.items()}

    def environment(self) -> dict[str, str]:
        path = self.etc / "digiamen" / "digiamen.env"
        pairs = re.findall(r"^([A-Z_]+)=(.*)$", path.read_text(), flags=re.M)
        return {"PATH": "/usr/bin:/bin", "HOME": str(self.prefix), **dict(pairs)}

    def start_unit(
        self, label: str, name: str, instance: str = "", **environment: str
    ) -> subprocess.Popen[bytes]:
        unit = self.unit(name, instance)
        self.logs.mkdir(exist_ok=True)
        log = (self.logs / f"{label}.log").open("ab")
        self.processes[label] = subprocess.Popen(
            [RUNUSER, "-u", unit["User"], "--", *unit["ExecStart"].split()],
            cwd=unit["WorkingDirectory"],
            env={**self.environment(), **environment},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self.processes[label]

    def start_nginx(self) -> None:
        root = self.etc / "nginx"
        (self.prefix / "run").mkdir(exist_ok=True)
        main = root / "nginx.conf"
        main.write_text(
            f"pid {self.prefix}/run/nginx.pid;\n"
            f"error_log {self.prefix}/var/log/nginx/main-error.log emerg;\n"
            "events {}\n"
            "http {\n  include /etc/nginx/mime.types;\n  access_log off;\n"
            f"  include {root}/sites-enabled/*.conf;\n}}\n"
        )
        check = subprocess.run(
            ["nginx", "-t", "-q", "-c", str(main)], capture_output=True, text=True
        )
        expect(check.returncode == 0, f"nginx -t: {check.stderr}")
        self.processes["nginx"] = subprocess.Popen(
            ["nginx", "-c", str(main), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(self.logs / "nginx.log").open("ab"),
            start_new_session=True,
        )

    def manage(self, *arguments: str, stdin: str = "", **environment: str) -> str:
        unit = self.unit("digiamen-queue.service")
        result = subprocess.run(
            [RUNUSER, "-u", unit["User"], "--", ".venv/bin/python", "manage.py", *arguments],
            cwd=unit["WorkingDirectory"],
            env={**self.environment(), **environment},
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        expect(result.returncode == 0, f"manage.py {arguments[0]}: {result.stderr[-2000:]}")
        return result.stdout

    def kill(self, label: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(label, None)
        if process and process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def stop(self) -> None:
        for label in list(self.processes):
            self.kill(label, signal.SIGTERM)

    def sql(self, query: str) -> str:
        result = subprocess.run(
            [RUNUSER, "-u", "postgres", "--", "psql", "-qtA", "-d", self.database, "-c", query],
            cwd="/",  # the postgres user cannot enter the clone
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    def reports_of(self, organisation_id: int) -> int:
        query = "SELECT count(*) FROM intake_report WHERE organisation_id = %d"
        return int(self.sql(query % organisation_id))

    def drop(self) -> None:
        for database in (self.database, f"{self.database}_restored"):
            subprocess.run(
                [RUNUSER, "-u", "postgres", "--", "psql", "-q", "-d", "postgres", "-c",
                 f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"],
                cwd="/",
                capture_output=True,
                check=False,
            )  # fmt: skip


def wait_until(condition: Any, seconds: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if condition():
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.05)
    fail(f"{what} not within {seconds:.0f} s")
    return seconds


def csrf_token(page: Answer, where: str) -> str:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if not found:
        fail(f"no CSRF token on {where}")
    assert found is not None  # noqa: S101  (fail() does not return)
    return found.group(1).decode()


def staff_session(site: Site, port: int, username: str, person: dict[str, str]) -> str:
    """The two-step sign-in form on one instance; returns the Cookie header of the session."""
    page = site.get(port, "/en/staff/login/")
    jar = dict(page.cookies)
    csrf = csrf_token(page, "the sign-in page")

    def post(path: str, fields: dict[str, str]) -> Answer:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **fields})
        answer = site.call(
            port,
            "POST",
            path,
            body.encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
                "Referer": f"https://{DOMAIN}{path}",
                "Origin": f"https://{DOMAIN}",
            },
        )
        jar.update(answer.cookies)
        return answer

    first = post("/en/staff/login/", {"username": username, "password": person["password"]})
    expect(first.status == 302, f"sign-in step one answered {first.status}")
    second = post("/en/staff/login/verify/", {"code": totp(person["totp_hex"])})
    expect(second.status == 302, f"sign-in step two answered {second.status}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def api_token(site: Site, where: str | int, username: str, person: dict[str, str]) -> str:
    body = {"username": username, "password": person["password"], "otp": totp(person["totp_hex"])}
    answer = site.json(where, "/api/v1/auth/login", body)
    expect(answer.status == 200, f"API sign-in of {username} answered {answer.status}")
    return str(answer.json()["token"])


def check_shared_index(
    setup: Installation, site: Site, seed: dict[str, Any], query: dict[str, Any]
) -> None:
    """The queue's snapshot of the banks, mapped by the application processes themselves."""
    code = "from digiamen.media.tasks import refresh_match_snapshot as r; print(r.call_local())"
    built = setup.manage("shell", "-c", code).strip().splitlines()[-1]
    expect(built.startswith("snapshot-"), f"no snapshot was built: {built}")
    deadline = time.monotonic() + 8  # processes look for a newer snapshot every 5 s
    mapping: list[str] = []
    while time.monotonic() < deadline and len(mapping) < 4:
        for port in APP_PORTS:
            answer = site.json(port, "/api/v1/hashes/match", query, token=seed["liaison_key"])
            expect(answer.json()["results"][0]["matches"], "the hash no longer matches")
        mapping = [
            maps.parent.name
            for maps in Path("/proc").glob("[0-9]*/maps")
            if _maps_file(maps, f"{built}/tables.npy")
        ]
        time.sleep(0.3)
    expect(len(mapping) >= 2, f"the snapshot is mapped by {len(mapping)} processes")
    print(f"  the queue's index snapshot ({built}) is mapped by {len(mapping)} worker processes")


def _maps_file(maps: Path, name: str) -> bool:
    try:
        return name in maps.read_text()
    except OSError:
        return False


def check_backup_and_restore(
    setup: Installation, site: Site, seed: dict[str, Any], marker: str
) -> None:
    """The backup unit's own command (as the timer starts it), then a restore of its file
    into a new database where the supervisor opens the case, served by a third instance."""
    unit = setup.unit("digiamen-backup.service")
    backup = subprocess.run(
        [RUNUSER, "-u", unit["User"], "--", *unit["ExecStart"].split()],
        cwd=unit["WorkingDirectory"],
        env=setup.environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    expect(
        backup.returncode == 0 and "Drill passed" in backup.stdout,
        f"backup unit: {backup.stderr[-2000:]}",
    )
    path = backup.stdout.split("Backup written: ", 1)[1].split(" (", 1)[0]
    expect(setup.backup_private_key, "install.sh printed no backup private key")
    restored = f"{setup.database}_restored"
    subprocess.run(
        [RUNUSER, "-u", "postgres", "--", "createdb", "-O", "digiamen", restored],
        cwd="/",
        check=True,
    )
    url = setup.environment()["DATABASE_URL"].rsplit("/", 1)[0] + f"/{restored}"
    out = setup.manage("restore", path, stdin=setup.backup_private_key + "\n", DATABASE_URL=url)
    expect("row counts and the audit chain head match" in out, f"restore said: {out}")
    port = 18103
    setup.start_unit("app-restored", "digiamen-app@.service", str(port), DATABASE_URL=url)
    wait_until(
        lambda: site.get(port, "/healthz").status == 200, 60, "an instance on the restored database"
    )
    token = api_token(site, port, "topo-supervisor", seed["people"]["topo-supervisor"])
    cases = site.get(port, "/api/v1/cases?channel=api", token=token).json()["results"]
    numbers = [case["number"] for case in cases]
    opened = [
        site.get(port, f"/api/v1/cases/{n}", token=token).json()["narrative"] for n in numbers
    ]
    expect(marker in opened, "the supervisor does not find the case in the restored database")
    setup.kill("app-restored", signal.SIGTERM)
    doctor = setup.manage("doctor")
    expect(doctor.endswith("Nothing wrong found.\n"), f"doctor: {doctor}")
    print(
        f"  the backup unit's backup ({Path(path).stat().st_size:,} bytes, drill passed) restored "
        f"into a new database; the supervisor opens the case there; `doctor` finds nothing wrong"
    )


def main() -> None:
    for program in ("nginx", "runuser", "psql", "systemd-analyze", "openssl", "rsync"):
        expect(shutil.which(program), f"{program} is not installed (.ci/run installs it)")
    prefix = Path(tempfile.mkdtemp(prefix="digiamen-topology-"))
    prefix.chmod(0o755)  # the service user reaches its folders below
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], capture_output=True, check=False)
    setup = Installation(prefix)
    try:
        run_checks(setup)
    finally:
        setup.stop()
        setup.drop()
        shutil.rmtree(prefix, ignore_errors=True)
        subprocess.run(
            ["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], capture_output=True, check=False
        )


def run_checks(setup: Installation) -> None:
    seconds = setup.install()
    print(f"  install.sh from scratch, then again (nothing changed): {seconds:.1f} s")

    units = setup.etc / "systemd" / "system"
    scratch = setup.prefix / "verify"
    scratch.mkdir()
    for name in ("digiamen-queue.service", "digiamen-backup.service", "digiamen-backup.timer"):
        shutil.copy(units / name, scratch / name)
    shutil.copy(units / "digiamen-app@.service", scratch / f"digiamen-app@{APP_PORTS[0]}.service")
    verify = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in scratch.iterdir())],
        capture_output=True,
        text=True,
        check=False,
    )
    expect(verify.returncode == 0, f"systemd-analyze verify: {verify.stderr}")
    print("  systemd-analyze verify: the four units pass")

    seed = json.loads(setup.manage("shell", "-c", SEED).strip().splitlines()[-1])
    people = seed["people"]
    for port in APP_PORTS:
        setup.start_unit(f"app-{port}", "digiamen-app@.service", str(port))
    setup.start_unit("queue", "digiamen-queue.service")
    setup.start_nginx()
    site = Site(setup.etc / "digiamen" / "tls" / "self-signed.pem")
    for port in APP_PORTS:
        wait_until(lambda p=port: site.get(p, "/healthz").status == 200, 60, f"instance {port}")
    wait_until(lambda: site.get("nginx", "/readyz").json() == {"ready": True}, 60, "/readyz")
    redirect = site.call(HTTP_PORT, "GET", "/en/")
    expect(
        redirect.status == 301 and redirect.headers["Location"].startswith("https://"),
        "HTTP to HTTPS",
    )
    page = site.get("nginx", "/en/")
    expect(page.status == 200, f"/en/ through nginx answered {page.status}")
    expect(page.headers.get("Strict-Transport-Security", "").startswith("max-age=63072000"), "HSTS")
    print(
        "  two instances, the queue and nginx are up; HTTP redirects to HTTPS, HSTS sent, "
        "/readyz ready"
    )

    a, b = APP_PORTS
    marker = f"topology report {secrets.token_hex(6)}"
    report = {"harm_types": ["sexual_extortion"], "country": "TN", "narrative": marker}
    made = site.json(a, "/api/v1/reports", report, token=seed["intake_key"])
    expect(made.status == 201, f"report on instance {a} answered {made.status}")
    supervisor = api_token(site, b, "topo-supervisor", people["topo-supervisor"])
    cases = site.get(b, "/api/v1/cases?channel=api", token=supervisor).json()["results"]
    expect(len(cases) == 1, f"instance {b} lists {len(cases)} cases")
    detail = site.get(b, f"/api/v1/cases/{cases[0]['number']}", token=supervisor).json()
    expect(detail["narrative"] == marker, "the case read on the other instance differs")
    print(f"  a report made on instance {a} is a case read on instance {b}")

    session = staff_session(site, a, "topo-admin", people["topo-admin"])
    dashboard = site.get(b, f"/en/staff/{seed['organisation']}/hashes/", cookies=session)
    expect(dashboard.status == 200, f"the session made on {a} answered {dashboard.status} on {b}")
    print(f"  a session made on instance {a} works on instance {b}")

    locked = people["topo-locked"]
    for attempt in range(5):
        wrong = {"username": "topo-locked", "password": "wrong password", "otp": "000000"}
        answer = site.json(APP_PORTS[attempt % 2], "/api/v1/auth/login", wrong, client=CLIENTS[1])
        expect(answer.status == 401, f"a wrong sign-in answered {answer.status}")
    right = {
        "username": "topo-locked",
        "password": locked["password"],
        "otp": totp(locked["totp_hex"]),
    }
    answer = site.json(b, "/api/v1/auth/login", right, client=CLIENTS[1])
    expect(answer.status == 401, f"after 5 failures spread over both instances: {answer.status}")
    # The lock holds for the client that failed only: the member elsewhere signs in.
    answer = site.json(a, "/api/v1/auth/login", right, client=CLIENTS[2])
    expect(answer.status == 200, f"another client after the lock answered {answer.status}")
    statuses = []
    for attempt in range(11):
        anonymous = {"harm_types": ["online_grooming"], "country": "MA"}
        statuses.append(
            site.json(
                APP_PORTS[attempt % 2], "/api/v1/reports", anonymous, client=CLIENTS[2]
            ).status
        )
    expect(statuses == [201] * 10 + [429], f"anonymous intake over both instances: {statuses}")
    print(
        "  sign-in failures on both instances lock the account for that client only; the "
        "intake limit (10/h) is shared"
    )

    bank_path = f"/en/staff/{seed['organisation']}/hashes/{seed['bank']}/"
    pdq = secrets.token_hex(32)
    query = {"hashes": [{"pdq": pdq, "quality": 100}]}
    # Every worker process of instance b answers once first: each has loaded its index.
    for _warm in range(12):
        before = site.json(b, "/api/v1/hashes/match", query, token=seed["liaison_key"])
        expect(
            before.status == 200 and before.json()["results"][0]["matches"] == [],
            f"match before: {before.body[:300]!r}",
        )
    form = site.get(a, bank_path, cookies=session)
    fields = {
        "csrfmiddlewaretoken": csrf_token(form, "the bank page"),
        "operation": "add",
        "pdq": pdq,
        "quality": "100",
        "classification": "unassessed",
    }
    added = site.call(
        a, "POST", bank_path, urllib.parse.urlencode(fields).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": session,
         "Referer": f"https://{DOMAIN}{bank_path}", "Origin": f"https://{DOMAIN}"},
    )  # fmt: skip
    expect(added.status in (200, 302), f"adding a hash on {a} answered {added.status}")
    added_at = time.monotonic()  # committed before the answer was sent
    wait_until(
        lambda: site.json(b, "/api/v1/hashes/match", query, token=seed["liaison_key"]).json()[
            "results"
        ][0]["matches"],
        5,
        "the added hash matched on the other instance",
    )
    freshness = time.monotonic() - added_at
    expect(
        freshness < 1.0, f"the added hash was matched on {b} after {freshness:.2f} s (budget 1 s)"
    )
    print(
        f"  a hash added on instance {a} is matched on instance {b} after "
        f"{freshness * 1000:.0f} ms (budget 1000 ms)"
    )

    check_shared_index(setup, site, seed, query)

    receipts: list[str] = []
    outcomes: dict[str, int] = {}
    stored_before = setup.reports_of(int(seed["organisation_id"]))

    def submit(number: int) -> None:
        body = {
            "harm_types": ["sexual_extortion"],
            "country": "TN",
            "narrative": f"{marker} #{number}",
        }
        try:
            answer = site.json("nginx", "/api/v1/reports", body, token=seed["intake_key"])
            key = str(answer.status)
            if answer.status == 201:
                receipts.append(answer.json()["receipt"])
        except OSError as error:
            key = type(error).__name__
        outcomes[key] = outcomes.get(key, 0) + 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(submit, n) for n in range(50)]
        while sum(outcomes.values()) < 12:
            time.sleep(0.02)
        setup.kill(f"app-{a}")  # kill -9 of the whole instance, mid-load
        concurrent.futures.wait(futures)
    stored = setup.reports_of(int(seed["organisation_id"])) - stored_before
    expect(
        stored >= len(receipts), f"{len(receipts)} receipts returned but {stored} reports stored"
    )
    found = 0
    for receipt in receipts:
        answer = site.json(b, "/api/v1/followup/session", {"receipt": receipt}, client=CLIENTS[0])
        found += answer.status == 201
    expect(
        found == len(receipts),
        f"{len(receipts) - found} acknowledged reports cannot be found by receipt",
    )
    print(
        f"  kill -9 of instance {a} during 50 concurrent submissions through nginx: "
        f"{json.dumps(outcomes, sort_keys=True)}; {len(receipts)} acknowledged, {stored} stored, "
        f"every receipt opens its mailbox"
    )
    setup.start_unit(f"app-{a}", "digiamen-app@.service", str(a))  # Restart=always
    wait_until(lambda: site.get(a, "/healthz").status == 200, 60, "the killed instance restarting")

    check_backup_and_restore(setup, site, seed, marker)
    # A request gunicorn itself refuses (a 45 KB header) is logged without its address.
    with socket.create_connection(("127.0.0.1", b), timeout=10) as rogue:
        rogue.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 45_000 + b"\r\n\r\n")
        rogue.recv(100)
    time.sleep(0.5)
    logs = b"".join(p.read_bytes() for p in (setup.prefix / "logs").glob("*.log"))
    logs += b"".join(p.read_bytes() for p in (setup.prefix / "var" / "log" / "nginx").glob("*.log"))
    for secret in (*CLIENTS, marker):
        expect(secret.encode() not in logs, f"a log holds {secret!r}")
    expect(b"client:" not in logs, "an nginx log line names a client")
    expect(b"ip=" not in logs and b"Invalid request refused" in logs, "gunicorn logged an address")
    print(
        f"  logs ({len(logs)} bytes of gunicorn, queue and nginx logs): no client address, "
        "no report text"
    )
    print("topology: passed")


if __name__ == "__main__":
    main()
