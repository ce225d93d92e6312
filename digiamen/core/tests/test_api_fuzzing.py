"""Property-based fuzzing of the whole API against its own OpenAPI document (schemathesis).

Every operation of /api/v1/openapi.json is called with requests generated from the document
(valid ones and, separately, ones that break it), as an anonymous caller, as each staff role
with a bearer token and with each kind of organisation API key, on the demo world. Each
response must not be a server error and must match the document: its status code is listed,
its body matches the schema for that code, a request the document calls valid is not refused
as invalid, and one it calls invalid is not accepted. Any mismatch is a bug in the code or in
the document.

The figures (cases run per caller, failures) are printed at the end of the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import schemathesis.checks
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from digiamen.accounts import actions
from digiamen.accounts.models import Membership, User
from digiamen.api import api
from digiamen.core import encryption
from digiamen.tests.support import record_figure

# Cases per operation and caller: valid requests, then invalid ones.
POSITIVE_EXAMPLES = 12
NEGATIVE_EXAMPLES = 8
MINIMUM_CASES = 5000

CHECK_NAMES = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
]


def _checks() -> list[Any]:
    return [getattr(schemathesis.checks, name) for name in CHECK_NAMES]


@dataclass
class Caller:
    name: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Tally:
    cases: int = 0
    failures: list[str] = field(default_factory=list)


TALLY: dict[str, Tally] = {}


@pytest.fixture(scope="module")
def demo_callers(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[dict[str, Caller]]:
    """The demo world, loaded once for the module, inside a transaction undone at the end."""
    var = tmp_path_factory.mktemp("fuzz-var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo")
            yield _callers(var / "demo-credentials.json")
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _callers(credentials_file: Path) -> dict[str, Caller]:
    credentials = json.loads(credentials_file.read_text(encoding="utf-8"))
    callers = {"anonymous": Caller("anonymous")}
    for entry in credentials["users"]:
        if entry["organisation"] != credentials["users"][0]["organisation"]:
            continue
        user = User.objects.get(username=entry["username"])
        membership = Membership.objects.get(user=user)
        private_key = encryption.unlock_user_key(user, entry["password"])
        issued = actions.issue_api_token(user, membership.organisation, private_key)
        callers[entry["role"]] = Caller(entry["role"], {"Authorization": f"Bearer {issued.bearer}"})
    for key in credentials["api_keys"]:
        name = f"api-key-{key['role']}"
        callers[name] = Caller(name, {"Authorization": f"Bearer {key['key']}"})
    return callers


CALLER_NAMES = [
    "anonymous",
    "caseworker",
    "supervisor",
    "org_admin",
    "data_officer",
    "network_coordinator",
    "platform_liaison",
    "api-key-report_intake",
    "api-key-platform_liaison",
]


def _checks_for(case: Any, checks: list[Any]) -> list[Any]:
    """Two limits of what a document can say about a multipart report, where the check that
    a valid request is accepted cannot apply (every other check still does):
    * a picture part is bytes of any kind to the document, which cannot say which bytes are
      a JPEG: a report carrying generated 'pictures' may be refused though it allows them;
    * schemathesis 4 generates multipart bodies without their required `report` part."""
    multipart = case.media_type == "multipart/form-data" and isinstance(case.body, dict)
    if multipart and (case.body.get("image") or "report" not in case.body):
        return [
            check for check in checks if check is not schemathesis.checks.positive_data_acceptance
        ]
    return checks


# A 400 answers values that are each valid but break a rule between them, which the
# operation's description states and JSON Schema cannot (a period that ends before it
# starts); 422 answers a value the document itself refuses. So a request the document calls
# valid may get a 400, never a 422.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
"""


def _schema() -> Any:
    document = api.get_openapi_schema(path_prefix="/api/v1")
    schema = schemathesis.openapi.from_dict(
        json.loads(json.dumps(document, default=str)),
        config=SchemathesisConfig.from_str(CONFIG),
    )
    schema.app = get_wsgi_application()
    return schema


@pytest.fixture
def wsgi_keeps_the_test_connection() -> Iterator[None]:
    """Called through WSGI, Django closes the connection after each request; the test client
    does not, and neither may this test: the demo world lives in the test's transaction."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("caller_name", CALLER_NAMES)
def test_every_operation_answers_as_its_document_says(
    demo_callers: dict[str, Caller], caller_name: str, wsgi_keeps_the_test_connection: None
) -> None:
    caller = demo_callers[caller_name]
    tally = TALLY.setdefault(caller_name, Tally())
    checks = _checks()
    schema = _schema()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in (
            (GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
        ):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def call(case: Any) -> None:
                tally.cases += 1
                response = case.call(headers={**caller.headers, "Accept-Language": "en"})
                case.validate_response(
                    response, checks=_checks_for(case, checks), headers=caller.headers
                )

            try:
                call()
            except Unsatisfiable:
                # The document leaves no way to break this part (a path of uuid format the
                # generator cannot negate, say): nothing to send, nothing wrong.
                continue
            except (Exception, BaseExceptionGroup) as error:  # every failure listed, not only one
                tally.failures.append(f"{operation.label} ({mode.value}): {_summary(error)}")
    record_figure(
        "API fuzzing (schemathesis)",
        f"{caller_name}: {tally.cases} cases, {len(tally.failures)} failures",
    )
    assert not tally.failures, "\n\n".join(tally.failures)


def _summary(error: BaseException) -> str:
    """The failure's kinds, statuses and body, without the reproduction commands."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    kept = [line for line in lines if not line.startswith(("Reproduce", "st replay"))]
    return " | ".join(kept[1:10]) if len(kept) > 1 else (kept[0] if kept else repr(error))


def test_enough_cases_were_generated() -> None:
    """At least MINIMUM_CASES per run, counted over every caller (runs after the others)."""
    if len(TALLY) < len(CALLER_NAMES):
        pytest.skip("the fuzzing tests did not all run in this session")
    total = sum(t.cases for t in TALLY.values())
    record_figure("API fuzzing (schemathesis)", f"total: {total} cases")
    assert total >= MINIMUM_CASES
