"""What children said of the help they got: protected tables on the service-outcomes page,
in the brief, in the API and in a network's figures."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from digiamen.accounts.models import Organisation, Role
from digiamen.cases.tests.test_api import token_for
from digiamen.conftest import World
from digiamen.directory.tests.helpers import make_directory_organisation, make_service
from digiamen.evidence import actions, brief, statistics, voices
from digiamen.evidence.tests.test_network import regional
from digiamen.feedback.models import OWN_HELP, Answer
from digiamen.networks.models import Network

__all__ = ["regional"]  # the fixture, imported for these tests

PAGE = "/{lang}/staff/amane/statistics/services/?rows=service_type&start=2026-01&end=2026-12"
MARCH = date(2026, 3, 1)


def answers(
    organisation: Organisation,
    count: int,
    *,
    service_type: str = OWN_HELP,
    listened: str = "yes",
    service: Any = None,
) -> None:
    for _ in range(count):
        Answer.objects.create(
            organisation=organisation,
            month=MARCH,
            service_type=service_type,
            service=service,
            harm_type="sexual_extortion",
            listened=listened,
            helped="yes",
            recommend="partly",
        )


def _cells(html: str) -> list[str]:
    return re.findall(r"<td>([^<]*)</td>", html)


def test_nothing_is_shown_under_five_answers_then_a_protected_table(world: World) -> None:
    chosen = statistics.period("2026-01", "2026-12")
    answers(world.amane, 4)
    found = voices.answer_tables(world.amane, "service_type", chosen)
    assert not found.shown
    answers(world.amane, 1, listened="no")
    found = voices.answer_tables(world.amane, "service_type", chosen)
    assert found.shown and found.answers == 5
    listened = found.tables[0]
    # yes 4, a little 0, no 1: the small counts are hidden, the row's answers shown.
    assert listened.as_rows()[0][1:] == (["<5", 0, "<5"], 5)


def test_a_row_under_five_answers_shows_nothing_not_even_its_zeros(world: World) -> None:
    chosen = statistics.period("2026-01", "2026-12")
    answers(world.amane, 12)
    answers(world.amane, 2, service_type="legal_aid")
    with translation.override("en"):
        found = voices.answer_tables(world.amane, "service_type", chosen)
    rows = {label: (cells, total) for label, cells, total in found.tables[0].as_rows()}
    assert rows["Legal aid"] == (["<5", "<5", "<5"], "<5")
    # The other row is hidden as much as needed for the legal-aid row not to be worked out.
    own, total = rows["Your organisation's own help"]
    assert total == "<5" or own.count("<5") >= 1
    assert rows[""][1] in (14, "<5")


def test_rows_by_referred_service(world: World) -> None:
    service = make_service(make_directory_organisation(name="Centre"), name="Centre Amal")
    answers(world.amane, 6, service_type="child_helpline", service=service)
    found = voices.answer_tables(world.amane, "service", statistics.period("2026-01", "2026-12"))
    assert [label for _code, label in found.tables[0].rows] == ["Centre Amal"]


@pytest.mark.parametrize("role", [Role.DATA_OFFICER, Role.SUPERVISOR, Role.NETWORK_COORDINATOR])
@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_service_outcomes_page_shows_the_answers(
    world: World, signed_in: Any, role: str, language: str
) -> None:
    answers(world.amane, 7)
    member = world.add_member(f"m-{role}", world.amane, role)
    page = signed_in(member, language).get(PAGE.format(lang=language))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<table class="statistics"') == 3
    assert "7" in _cells(html)


def test_the_page_says_nothing_is_shown_yet(world: World, signed_in: Any) -> None:
    answers(world.amane, 3)
    member = world.add_member("dora", world.amane, Role.DATA_OFFICER)
    html = signed_in(member).get(PAGE.format(lang="en")).content.decode()
    assert "nothing is shown yet" in html and "3" not in _cells(html)


def test_other_roles_another_organisation_and_strangers_see_no_answers(
    world: World, signed_in: Any
) -> None:
    answers(world.amane, 7)
    url = PAGE.format(lang="en")
    assert signed_in(world.bob).get(url).status_code == 403
    assert signed_in(world.charlie).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_a_bad_grouping_is_refused(world: World, signed_in: Any) -> None:
    member = world.add_member("dora", world.amane, Role.DATA_OFFICER)
    page = signed_in(member, "fr").get(PAGE.format(lang="fr") + "&answers_by=case")
    assert page.status_code == 400


def test_the_api_gives_the_protected_tables_only(world: World) -> None:
    officer = world.add_member("dora", world.amane, Role.DATA_OFFICER)
    auth = token_for(officer)
    answers(world.amane, 3)
    url = "/api/v1/stats/feedback?from=2026-01&to=2026-12"
    early = Client().get(url, **auth)
    assert early.status_code == 200
    assert early.json()["answers"] == "<5" and early.json()["tables"] == []
    answers(world.amane, 3, listened="no")
    data = Client().get(url, **auth).json()
    assert data["answers"] == 6
    listened = data["tables"][0]
    assert listened["question"] == "listened"
    assert listened["cells"] == [["<5", 0, "<5"]] and listened["total"] == 6
    assert Client().get(url + "&by=case", **auth).status_code == 400
    assert Client().get(url, **token_for(world.bob)).status_code == 403
    assert Client().get(url).status_code == 401


def test_the_brief_carries_the_answers_once_there_are_enough(world: World) -> None:
    chosen = statistics.period("2026-01", "2026-12")
    answers(world.amane, 4)
    with translation.override("en"):
        assert "What children said" not in brief.brief_html(world.amane, chosen)
        answers(world.amane, 4)
        assert "What children said" in brief.brief_html(world.amane, chosen)


def test_a_network_shows_rows_answered_for_by_three_organisations(
    world: World, regional: Network, signed_in: Any
) -> None:
    chosen = statistics.period("2026-01", "2026-12")
    answers(world.amane, 6)
    answers(world.jordan, 6)
    found = voices.network_tables(regional, chosen)
    # Two organisations only: each could subtract its own answers and read the other's.
    assert found.tables[0].as_rows()[0][1:] == (["<5", "<5", "<5"], "<5")
    third = Organisation.objects.create(slug="tunis", name="Tunis", country="TN")
    actions.add_member(regional, "tunis", world.alice.user)
    actions.set_sharing(regional.members.get(organisation=third), True, world.alice.user)
    answers(third, 6)
    found = voices.network_tables(regional, chosen)
    assert found.tables[0].as_rows()[0][1:] == ([18, 0, 0], 18)
    coordinator = world.add_member("nora", world.amane, "network_coordinator")
    page = signed_in(coordinator).get(
        "/en/staff/amane/networks/mena/?rows=harm_type&start=2026-01&end=2026-12"
    )
    assert page.status_code == 200 and "What children said" in page.content.decode()


def _with_words(world: World, texts: list[str]) -> None:
    from digiamen.feedback.actions import seal_words

    for text in texts:
        answer = Answer.objects.create(
            organisation=world.amane,
            month=MARCH,
            service_type=OWN_HELP,
            listened="yes",
            helped="yes",
            recommend="yes",
        )
        seal_words(answer, text)


WORDS = "/{lang}/staff/amane/statistics/services/words/?start=2026-01&end=2026-12"


def test_a_supervisor_reads_the_words_once_five_children_wrote(
    world: World, signed_in: Any
) -> None:
    from digiamen.core.models import AuditEvent

    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    _with_words(world, ["شكرا لكم", "Merci", "Thanks", "Too slow"])
    page = signed_in(sara, "fr").get(WORDS.format(lang="fr"))
    assert page.status_code == 200
    assert "Merci</bdi>" not in page.content.decode() and "rien n'est encore affiché" in (
        page.content.decode().replace("&#x27;", "'")
    )
    assert not AuditEvent.objects.filter(action="feedback.words_read").exists()
    _with_words(world, ["\u202egnp.olleh"])
    html = signed_in(sara, "ar").get(WORDS.format(lang="ar")).content.decode()
    for text in ["شكرا لكم", "Merci", "Thanks", "Too slow"]:
        assert f'<bdi class="user-text">{text}</bdi>' in html
    assert AuditEvent.objects.filter(action="feedback.words_read").count() == 1
    # The services page leads a supervisor there.
    services = signed_in(sara).get(PAGE.format(lang="en")).content.decode()
    assert "/statistics/services/words/" in services


def test_only_supervisors_read_the_words(world: World, signed_in: Any) -> None:
    url = WORDS.format(lang="en")
    officer = world.add_member("dora", world.amane, Role.DATA_OFFICER)
    assert signed_in(officer).get(url).status_code == 403
    assert signed_in(world.bob).get(url).status_code == 403
    assert signed_in(world.charlie).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    assert signed_in(sara).get(url + "&start=2026-13").status_code == 400
