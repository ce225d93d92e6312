"""A corpus of hostile inputs sent to every route of the site that could take a body.

Every URL pattern (public pages, staff pages, the API, the text-message and OpenRosa
gateways, every import) is called on the demo world by a caller who may use it (so the input
reaches the code that reads it), with each input of the corpus: oversized, truncated,
invalid UTF-8, UTF-16, NUL and direction characters, deep nesting, huge numbers, wrong types
and content types, duplicate keys, XML entities and external DTDs, zip and decompression
bombs, polyglot files, formula cells. For each: never a server error; when refused (4xx), no
row written in any table; nothing of the input in the logs. The count of inputs x routes is
printed at the end of the run.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.tests.support import record_figure

MARKER = "zq-hostile-7"


@dataclass(frozen=True)
class Hostile:
    name: str
    content_type: str
    body: bytes


def _png_bomb() -> bytes:
    """A valid PNG header announcing 100 000 x 100 000 pixels over a small compressed body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 2_000_000, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("services.csv", b"0" * 60_000_000)  # 60 MB in about 60 KB
        archive.writestr("../../escape.csv", MARKER)
    return buffer.getvalue()


def _multipart(parts: list[tuple[str, str, bytes, str]]) -> tuple[str, bytes]:
    boundary = "hostileBoundary7"
    body = b""
    for field, filename, content, content_type in parts:
        disposition = f'form-data; name="{field}"'
        if filename:
            disposition += f'; filename="{filename}"'
        body += (
            (
                f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    return f"multipart/form-data; boundary={boundary}", body + f"--{boundary}--\r\n".encode()


FILE_FIELDS = [
    "file",
    "upload",
    "csv",
    "image",
    "package",
    "boundaries",
    "questions",
    "report",
    "xml_submission_file",  # OpenRosa
]


def _files(filename: str, content: bytes, content_type: str) -> Hostile:
    kind, body = _multipart(
        [(field, filename, content, content_type) for field in FILE_FIELDS]
        + [("text", "", MARKER.encode() + b"\x00\xe2\x80\xae", "text/plain")]
    )
    return Hostile(f"upload {filename}", kind, body)


TEXT_FIELDS = ["text", "title", "name", "narrative", "description", "reason", "note", "message"]


def corpus() -> list[Hostile]:
    hostile_text = MARKER + "\x00\u202e\u2066<script>"
    form_fields = "&".join(f"{f}={MARKER}%00%E2%80%AE" for f in TEXT_FIELDS)
    deep = b"[" * 100_000 + b"]" * 100_000
    formula = (
        f'md5,classification,reference\n=HYPERLINK("http://x","{MARKER}"),csam,'
        "@SUM(1+1)\n+cmd|' /C calc'!A0,csam,-2+3\n"
    ).encode()
    xml_entities = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + MARKER.encode() + b'">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">'
        b"]><data>&c;</data>"
    )
    xml_external = (
        b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd">'
        b'<!DOCTYPE s [<!ENTITY e SYSTEM "file:///etc/passwd">]><data>&e;</data>'
    )
    polyglot = b"GIF89a/*\x01\x00\x01\x00\x00\xff\xff\xff,*/=alert(1);//" + MARKER.encode()
    return [
        Hostile("oversized form", "application/x-www-form-urlencoded", b"text=" + b"a" * 3_000_000),
        Hostile(
            "too many fields",
            "application/x-www-form-urlencoded",
            b"&".join(f"f{i}=1".encode() for i in range(2_000)),
        ),
        Hostile("invalid UTF-8 form", "application/x-www-form-urlencoded", b"text=\xff\xfe\xc3("),
        Hostile(
            "NUL and direction characters",
            "application/x-www-form-urlencoded",
            form_fields.encode(),
        ),
        Hostile(
            "wrong types in a form",
            "application/x-www-form-urlencoded",
            b"version=1e999999&version=-0&risk[]=high&due_at=0&page=99999999999999999999",
        ),
        Hostile("truncated JSON", "application/json", b'{"text": "' + MARKER.encode()),
        Hostile(
            "JSON in UTF-16", "application/json", json.dumps({"text": MARKER}).encode("utf-16")
        ),
        Hostile("deeply nested JSON", "application/json", deep),
        Hostile(
            "huge numbers",
            "application/json",
            b'{"version": 1e999999, "id": ' + b"9" * 10_000 + b"}",
        ),
        Hostile(
            "wrong JSON types",
            "application/json",
            json.dumps([{"text": {"a": [MARKER]}, "version": "x"}]).encode(),
        ),
        Hostile(
            "duplicate keys",
            "application/json",
            b'{"text": "a", "text": "' + MARKER.encode() + b'", "harm_types": ["csam"]}',
        ),
        Hostile(
            "NUL in JSON",
            "application/json",
            json.dumps({"text": hostile_text, "narrative": hostile_text}).encode(),
        ),
        Hostile("JSON as text/plain", "text/plain", json.dumps({"text": MARKER}).encode()),
        Hostile("XML entities", "application/xml", xml_entities),
        Hostile("XML external DTD", "text/xml", xml_external),
        Hostile(
            "broken multipart",
            "multipart/form-data; boundary=nope",
            b'--other\r\nContent-Disposition: form-data; name="a"\r\n\r\n' + MARKER.encode(),
        ),
        _files("bomb.png", _png_bomb(), "image/png"),
        _files("bomb.zip", _zip_bomb(), "application/zip"),
        _files("polyglot.gif", polyglot, "image/gif"),
        _files("formula.csv", formula, "text/csv"),
        _files("nul.csv", b"md5\n" + MARKER.encode() + b"\x00\x00\n", "text/csv"),
        _files("entities.xml", xml_entities, "text/xml"),
        _files("external.xml", xml_external, "text/xml"),
    ]


# --- the demo world and its callers --------------------------------------------------------


@dataclass
class Callers:
    staff: dict[str, Client]
    tokens: dict[str, dict[str, str]]
    values: dict[str, str]
    gateway_headers: dict[str, str]
    field_worker_headers: dict[str, str]


def _signed_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/en/staff/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content[:300]
    device = TOTPDevice.objects.get(user__username=username)
    code = (
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    )
    assert client.post(response["Location"], {"code": code}).status_code == 302
    return client


def _values(credentials: dict[str, Any]) -> dict[str, str]:
    """A real object for each kind of URL parameter, from the demo organisation."""
    from digiamen.cases.models import Case

    organisation = credentials["users"][0]["organisation"]

    def first(label: str, **filters: Any) -> str:
        model = apps.get_model(label)
        found = model.objects.filter(**filters).order_by("pk").first()
        return str(found.pk) if found else "1"

    case = Case.objects.filter(organisation__slug=organisation).order_by("pk").first()
    return {
        "org": organisation,
        "number": case.number if case else "MA-26-00001",
        "step": "triage",
        "token": "not-an-invitation",
        "form_id": "digiamen",
        "kind": "csv",
        "area": "policies",
        "code": "recognising",  # a training module: hostile answers to its quiz
        "consultation_code": "SAFE-ONLINE",  # open in the demo: hostile answers to it
        "network_slug": credentials["networks"][0]["slug"],
        "gateway_id": credentials["gateways"][0]["id"],
        "assessment_id": first("safeguarding.Assessment"),
        "bank_id": str(credentials["hash_banks"][0]["id"]),
        "entry_id": first("media.BankEntry"),
        "escalation_id": first("cases.Escalation"),
        "helpline_id": first("intake.Helpline"),
        "invitation_id": first("accounts.Invitation"),
        "item_id": first("safeguarding.ActionItem"),
        "location_id": first("directory.Location"),
        "member_id": first("accounts.Membership"),
        "referral_id": first("referrals.Referral"),
        "rule_id": first("intake.RoutingRule"),
        "service_id": first("directory.Service"),
        "step_id": "sexual_extortion-1",
        "task_id": first("cases.Task"),
        "transfer_id": first("cases.Transfer"),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Callers]:
    """The demo world, loaded once for the module, inside a transaction undone at the end."""
    var = tmp_path_factory.mktemp("corpus-var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo", verbosity=0)
            credentials = json.loads((var / "demo-credentials.json").read_text())
            yield _callers(credentials)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _callers(credentials: dict[str, Any]) -> Callers:
    from digiamen.accounts import actions
    from digiamen.accounts.models import Membership, User
    from digiamen.core import encryption

    organisation = credentials["users"][0]["organisation"]
    staff: dict[str, Client] = {}
    tokens: dict[str, dict[str, str]] = {}
    for entry in credentials["users"]:
        if entry["organisation"] != organisation:
            continue
        staff[entry["role"]] = _signed_in(entry["username"], entry["password"])
        user = User.objects.get(username=entry["username"])
        membership = Membership.objects.get(user=user, organisation__slug=organisation)
        key = encryption.unlock_user_key(user, entry["password"])
        bearer = actions.issue_api_token(user, membership.organisation, key).bearer
        tokens[entry["role"]] = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}
    for key in credentials["api_keys"]:
        tokens[f"key-{key['role']}"] = {"HTTP_AUTHORIZATION": f"Bearer {key['key']}"}
    gateway = credentials["gateways"][0]
    worker = credentials["field_workers"][0]
    basic = base64.b64encode(f"{worker['username']}:{worker['password']}".encode()).decode()
    return Callers(
        staff=staff,
        tokens=tokens,
        values=_values(credentials),
        gateway_headers={"HTTP_AUTHORIZATION": f"Token {gateway['secret']}"},
        field_worker_headers={"HTTP_AUTHORIZATION": f"Basic {basic}"},
    )


# --- every route -----------------------------------------------------------------------------


def _patterns(resolvers: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def routes(values: dict[str, str]) -> list[str]:
    found = []
    for pattern in _patterns(get_resolver().url_patterns):
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), pattern)
        path = path.replace("^", "").replace("$", "")
        if path.startswith(("/static/", "/favicon")):
            continue
        found.append(path)
    return sorted(set(found))


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _caller_for(path: str, demo: Callers) -> Callable[[Hostile], Any]:
    """A caller who may use this route: the input then reaches the code that reads it."""

    def post_with(client: Client, **headers: str) -> Callable[[Hostile], Any]:
        def post(hostile: Hostile) -> Any:
            return client.generic(
                "POST", path, hostile.body, content_type=hostile.content_type, **headers
            )

        return post

    if path.startswith("/channels/"):
        return post_with(Client(), **demo.gateway_headers)
    if path.startswith("/openrosa/"):
        return post_with(Client(), **demo.field_worker_headers)
    if path.startswith("/api/"):
        for headers in demo.tokens.values():
            status = Client().post(path, b"{}", content_type="application/json", **headers)
            if status.status_code not in (401, 403):
                return post_with(Client(), **headers)
        return post_with(Client())
    if "/staff/" in path:
        for client in demo.staff.values():
            if client.get(path).status_code not in (302, 404):
                return post_with(client)
    return post_with(Client())


FIELDLESS = re.compile(
    # Actions that read no input (the click is the whole request): whatever body comes with
    # them is not read, so they may act; they must still never fail.
    r"/(step/[a-z_]+|done|leave|logout|take|verify|deactivate|reset-2fa|revoke|delete|close"
    r"|recovery-codes|recovery-key/new|case-keys/share|alerts/(?:\d+/)?read)/?$"
)
# Routes that may take any of these inputs without refusing it, and why.
MAY_ACCEPT = {
    "/en/staff/login/enrol/": "a member who has enrolled already is sent on (302)",
    "/en/staff/amane-demo/settings/": "a form of tick boxes only: a box not sent is unticked",
    "/api/v1/openapi.json": "the document, the same whatever is sent",
}


@pytest.mark.slow
@pytest.mark.django_db
def test_no_hostile_input_fails_or_writes_half(
    demo: Callers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    inputs = corpus()
    problems: list[str] = []
    tried = 0
    paths = routes(demo.values)
    assert len(paths) >= 100
    for path in paths:
        post = _caller_for(path, demo)
        for hostile in inputs:
            before = _row_counts()
            caplog.clear()
            try:
                response = post(hostile)
            except Exception as error:
                problems.append(f"{path} [{hostile.name}]: raised {type(error).__name__}")
                continue
            tried += 1
            status = response.status_code
            if status >= 500:
                problems.append(f"{path} [{hostile.name}]: {status}")
            if 400 <= status < 500:
                changed = {k: v for k, v in _row_counts().items() if before[k] != v}
                if changed:
                    problems.append(f"{path} [{hostile.name}]: {status} but wrote {changed}")
            elif status == 302 and "/staff/login/" in response.get("Location", ""):
                pass  # no caller may use it (an anonymous visitor is sent to sign in)
            elif not FIELDLESS.search(path) and path not in MAY_ACCEPT:
                problems.append(f"{path} [{hostile.name}]: taken ({status}), not refused")
            for record in caplog.records:
                if MARKER in record.getMessage():
                    problems.append(f"{path} [{hostile.name}]: the input reached a log line")
    record_figure(
        "Hostile input corpus",
        f"{len(inputs)} inputs x {len(paths)} routes = {tried} requests, {len(problems)} problems",
    )
    assert not problems, "\n".join(problems)
