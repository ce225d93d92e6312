"""Intake under a surge (budgets issue #25): what one report costs the database, and that
what each process keeps to save it (salt, routing, helplines) follows every change.

The counts leave out the audit append (core.audit, counted by its own tests): they pin
intake's own statements, listed beside each count.
"""

from __future__ import annotations

import json
import struct
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from digiamen.accounts import actions as account_actions
from digiamen.conftest import World
from digiamen.core import encryption
from digiamen.core.models import CaseworkKey, OrganisationKey
from digiamen.intake import actions_admin, routing
from digiamen.intake.models import Helpline, Report, RoutingRule
from digiamen.intake.tests.helpers import STEP_ANSWERS, hidden, start

BODY = {"harm_types": ["sexual_extortion"], "country": "MA", "narrative": "He threatens me."}

# One report through the API: the receiving organisation with its keys (one query), the
# report, the case number (one UPDATE … RETURNING), the case, its first event, its consent
# records, and the row that makes it wait for its alerts (the queue alerts every waiting
# report in one run). Not the routing, the receipt salt or the helplines (kept per process).
API_STATEMENTS = 7
# Through the web form, besides: the draft read by the page, then taken for sending (one
# UPDATE), and the services near the child shown on the receipt page (two).
WEB_STATEMENTS = API_STATEMENTS + 2 + 2


def _own_statements(queries: list[dict[str, Any]]) -> list[str]:
    """The statements of a request without the audit append and transaction bookkeeping."""
    return [
        q["sql"]
        for q in queries
        if "core_audit" not in q["sql"]
        and not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))
    ]


def _post(client: Client, **headers: str) -> Any:
    return client.post(
        "/api/v1/reports", json.dumps(BODY), content_type="application/json", **headers
    )


def _api_statements(**headers: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = _post(Client(), **headers)
    assert response.status_code == 201, response.content
    return _own_statements(captured.captured_queries)


def _warm_up(**headers: str) -> None:
    # The first report makes the receipt salt and the case settings, the second reads the
    # salt once for this process: from the third on, a report costs what every later one does.
    for _ in range(2):
        assert _post(Client(), **headers).status_code == 201


def test_one_api_report_costs_a_fixed_number_of_statements(world: World) -> None:
    _warm_up()
    assert len(_api_statements()) == API_STATEMENTS
    # More of everything the report reads does not make it cost more.
    for number in range(5):
        Helpline.objects.create(
            owner=world.amane, country="MA", name={"en": f"Line {number}"}, phone=f"11{number}"
        )
    RoutingRule.objects.create(country="MA", admin1="MA-01", organisation=world.jordan)
    RoutingRule.objects.create(country="JO", admin1="", organisation=world.jordan)
    _warm_up()
    for _ in range(3):
        assert len(_api_statements()) == API_STATEMENTS
    assert Report.objects.count() == 4 + 3 + 1


def test_a_partner_key_report_costs_the_same_besides_the_key(world: World) -> None:
    key = account_actions.issue_api_key(world.jordan, "report_intake", label="app", actor=None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    _warm_up(**auth)
    with_key = _api_statements(**auth)
    key_statements = [sql for sql in with_key if "accounts_api" in sql]
    assert key_statements  # the key is read: the count below is the report's own
    assert len(with_key) - len(key_statements) == API_STATEMENTS
    assert Report.objects.filter(organisation=world.jordan).count() == 3


def _web_statements() -> list[str]:
    client = Client()
    kind, value = start(client, "/en/report/")
    for answers in STEP_ANSWERS:
        response = client.post("/en/report/", {kind: value, "action": "next", **answers})
        kind, value = "draft", hidden(response.content.decode(), "draft")
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/en/report/", {"draft": value, "action": "send"})
    assert response.status_code == 201
    return _own_statements(captured.captured_queries)


def test_one_web_report_costs_a_fixed_number_of_statements(world: World) -> None:
    _web_statements()
    _web_statements()
    assert len(_web_statements()) == WEB_STATEMENTS
    for number in range(3):
        Helpline.objects.create(
            owner=world.amane, country="TN", name={"en": f"Line {number}"}, phone=f"11{number}"
        )
    _web_statements()
    assert len(_web_statements()) == WEB_STATEMENTS


def test_a_routing_change_takes_effect_at_once_in_this_process(world: World) -> None:
    _warm_up()
    assert Report.objects.latest("id").organisation == world.amane
    rule = actions_admin.add_routing_rule(world.jordan, world.alice.user, "MA", "")
    assert _post(Client()).status_code == 201
    assert Report.objects.latest("id").organisation == world.jordan
    actions_admin.delete_routing_rule(rule, world.alice.user)
    assert _post(Client()).status_code == 201
    assert Report.objects.latest("id").organisation == world.amane


def test_a_routing_change_made_elsewhere_takes_effect_within_the_cache_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _warm_up()
    # Another process's edit: rows changed without this process's signals.
    RoutingRule.objects.bulk_create(
        [RoutingRule(country="MA", admin1="", organisation=world.jordan)]
    )
    assert _post(Client()).status_code == 201
    assert Report.objects.latest("id").organisation == world.amane  # kept for a while
    later = time.monotonic() + routing.ROUTING_CACHE_SECONDS + 1
    monkeypatch.setattr("digiamen.core.process_cache.time.monotonic", lambda: later)
    assert _post(Client()).status_code == 201
    assert Report.objects.latest("id").organisation == world.jordan


def test_a_kept_route_to_an_organisation_without_keys_is_routed_afresh(world: World) -> None:
    _warm_up()
    # What another process may have kept: an organisation that cannot receive any more.
    routing._routes._entries[("MA", "")] = (time.monotonic() + 60, world.amane.pk + 1000)
    assert _post(Client()).status_code == 201
    assert Report.objects.latest("id").organisation == world.amane


def _sealed_to_version(report: Report) -> int:
    envelope = bytes(report.sealed_key)
    assert envelope[:4] == encryption.CASEWORK_ENVELOPE_MAGIC
    version: int = struct.unpack(">I", envelope[4:8])[0]
    return version


def test_a_key_rotation_takes_effect_for_the_next_report(world: World) -> None:
    _warm_up()
    assert _sealed_to_version(Report.objects.latest("id")) == 1
    # Case data is sealed to the casework key: a member leaving makes its next generation.
    account_actions.rotate_organisation_key(
        world.amane, world.amane_key, actor=None, departing=world.bob.user
    )
    assert OrganisationKey.objects.filter(organisation=world.amane).count() == 2
    assert CaseworkKey.objects.filter(organisation=world.amane, circle="casework").count() == 2
    assert _post(Client()).status_code == 201
    assert _sealed_to_version(Report.objects.latest("id")) == 2


def test_the_organisation_key_of_an_organisation_without_casework_key_rotates_at_once(
    world: World,
) -> None:
    from digiamen.accounts import actions as accounts

    quiet = accounts.create_organisation(slug="quiet", name="Quiet", country="TN")
    RoutingRule.objects.create(country="TN", admin1="", organisation=quiet.organisation)
    body = {**BODY, "country": "TN"}

    def sealed_to_version() -> int:
        response = Client().post(
            "/api/v1/reports", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 201
        report = Report.objects.latest("id")
        assert report.organisation == quiet.organisation
        envelope = bytes(report.sealed_key)
        assert envelope[:4] == encryption.ENVELOPE_MAGIC  # no casework key: the organisation's
        version: int = struct.unpack(">I", envelope[4:8])[0]
        return version

    assert sealed_to_version() == 1
    encryption.rotate_organisation_key(quiet.organisation, quiet.private_key, [])
    assert sealed_to_version() == 2


def test_a_key_row_rewritten_in_place_is_not_sealed_to(world: World) -> None:
    """What a process verified stays what it seals to while the rows are the same rows: a
    public key swapped in the database (not a new generation) is not taken."""
    _warm_up()
    current = CaseworkKey.objects.get(organisation=world.amane, circle="casework")
    verified = bytes(current.public_key)
    CaseworkKey.objects.filter(pk=current.pk).update(public_key=bytes(32))
    assert _post(Client()).status_code == 201
    organisation, key = encryption.organisation_and_case_key(world.amane.pk)
    assert bytes(key.public_key) == verified and organisation == world.amane


def test_a_new_helpline_is_shown_with_the_next_report(world: World) -> None:
    _warm_up()
    assert _post(Client()).json()["helplines"] == []
    helpline = actions_admin.add_helpline(
        world.amane,
        world.alice.user,
        {
            "name_ar": "خط",
            "name_fr": "Ligne",
            "name_en": "Line",
            "phone": "1234",
            "free_of_charge": True,
            "hours": "",
        },
    )
    assert [h["phone"] for h in _post(Client()).json()["helplines"]] == ["1234"]
    actions_admin.delete_helpline(helpline, world.amane, world.alice.user)
    assert _post(Client()).json()["helplines"] == []


def test_answers_are_checked_with_the_steps_own_fields_and_the_same_verdicts() -> None:
    """The API's checks use the step forms' fields as they are (no copy per report) and
    judge exactly as the pages' forms do."""
    from digiamen.intake import forms

    data = {
        "reporter_type": "child",
        "harm_types": ["sexual_extortion", "no_such_harm"],
        "country": "MA",
        "admin1": "JO-AM",  # not in Morocco
        "age_band": "12_14",
        "narrative": "He threatens me.",
        "contact_method": "phone",
        "contact_value": "not a number",
        "consent_contact": True,
    }
    answers, errors = forms.validate_answers(data)
    expected_errors: dict[str, list[str]] = {}
    for step in forms.ANSWER_STEPS:
        fields = {name: data[name] for name in step.base_fields if name in data}
        checking, page = forms._checking_form(step)(data=fields), step(data=fields)
        assert all(checking.fields[name] is step.base_fields[name] for name in step.base_fields)
        assert not any(page.fields[name] is step.base_fields[name] for name in step.base_fields)
        assert checking.is_valid() == page.is_valid()
        for name, messages in page.errors.items():
            expected_errors.setdefault(name, []).extend(str(m) for m in messages)
    assert errors == expected_errors
    assert set(errors) == {"harm_types", "admin1", "contact_value"}
    assert answers["age_band"] == "12_14" and answers["consent_contact"] is True
