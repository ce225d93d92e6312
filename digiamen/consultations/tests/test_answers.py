"""Children answer on the web, by text message and with ODK Collect; every answer lands in
the same protected tables; bad input of each kind gets a clear message and stores nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from digiamen.accounts.models import Role
from digiamen.cases.tests.test_api import token_for
from digiamen.channels.models import Conversation
from digiamen.channels.tests.test_conversations import form, gateway
from digiamen.channels.tests.test_openrosa import basic, submit, worker
from digiamen.conftest import World
from digiamen.consultations import actions, odk, results, texts
from digiamen.consultations.models import Consultation, Response, TextSession, Words
from digiamen.consultations.questions import parse
from digiamen.consultations.tests.helpers import open_consultation, web_answer
from digiamen.core import encryption
from digiamen.core.models import AuditEvent
from digiamen.evidence.tests.test_pdf_text import text_layer
from digiamen.intake.models import Helpline, Report

__all__ = ["gateway", "worker"]  # the fixtures, imported for these tests

URL = "/fr/consultations/VOIX-2027/"


def _stored() -> tuple[int, int, int]:
    return Response.objects.count(), Words.objects.count(), TextSession.objects.count()


def test_a_child_answers_on_the_web_without_a_cookie(world: World) -> None:
    open_consultation(world)
    client = Client()
    page = client.get(URL)
    assert page.status_code == 200 and not page.cookies
    html = page.content.decode()
    # A plain form: it works without JavaScript (the page's only script is the quick exit).
    assert len(page.content) <= 20 * 1024 and '<form method="post" novalidate>' in html
    assert "Te sens-tu en sécurité en ligne" in html and "Tanger" in html  # its areas
    response = client.post(URL, web_answer())
    assert response.status_code == 200 and not response.cookies
    assert "Merci" in response.content.decode()
    answer = Response.objects.get()
    assert answer.channel == "web" and answer.answers == [1, [0, 2], None]
    assert (answer.age_band, answer.sex, answer.admin1, answer.locality) == (
        "12_14",
        "female",
        "MA-06",
        "rural",
    )
    # The words are apart from the answer, sealed: not in the database in plain text.
    words = Words.objects.get()
    assert words.question == 2 and b"ecoutent" not in bytes(words.sealed)
    assert "écoutent".encode() not in bytes(words.sealed)
    assert encryption.is_bound(bytes(words.sealed))


def test_words_about_harm_offer_the_report_and_the_helpline(world: World) -> None:
    open_consultation(world)
    Helpline.objects.create(
        owner=world.amane,
        country="MA",
        name={"fr": "Allo Enfance", "ar": "ألو طفولة"},
        phone="2511",
    )
    response = Client().post(URL, web_answer(q2="Quelqu'un me menace de publier mes photos"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "/fr/report/" in html and "2511" in html and "pas ta faute" in html
    quiet = Client().post(URL, web_answer(q2="Plus de cours sur Internet"))
    assert "pas ta faute" not in quiet.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"q0": "7"}, "Sélectionnez un choix valide"),
        ({"q1": ["0", "9"]}, "Sélectionnez un choix valide"),
        ({"age_band": "0_5"}, "Sélectionnez un choix valide"),
        ({"admin1": "JO-AM"}, "Sélectionnez un choix valide"),
        ({"q2": "x" * 501}, "500"),
        ({"q2": "Bonjour \u202etexte\u202c"}, "changent son sens"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(
    world: World, changes: dict[str, Any], message: str
) -> None:
    open_consultation(world)
    response = Client().post(URL, web_answer(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _stored() == (0, 0, 0)


def test_after_its_last_day_or_closed_nothing_is_taken(world: World) -> None:
    consultation = open_consultation(world)
    Consultation.objects.filter(pk=consultation.pk).update(
        ends_on=timezone.now().date() - timedelta(days=3)
    )
    late = Client().post(URL, web_answer())
    assert late.status_code == 400 and "Cette consultation est fermée" in late.content.decode()
    assert Client().get(URL).status_code == 410
    assert _stored() == (0, 0, 0)


def test_a_post_from_another_site_is_refused(world: World) -> None:
    open_consultation(world)
    response = Client().post(URL, web_answer(), HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403 and _stored() == (0, 0, 0)


def test_a_draft_is_not_found_and_the_home_page_invites_to_open_ones(world: World) -> None:
    assert "Donne ton avis" not in Client().get("/fr/").content.decode()
    open_consultation(world)
    home = Client().get("/fr/").content.decode()
    assert "Donne ton avis" in home and "/fr/consultations/VOIX-2027/" in home and "Maroc" in home
    listed = Client().get("/fr/consultations/").content.decode()
    assert "Ta sécurité en ligne" in listed
    Consultation.objects.update(status=Consultation.Status.DRAFT)
    assert Client().get(URL).status_code == 404
    assert "Donne ton avis" not in Client().get("/fr/").content.decode()


def _sms(gateway: Any, text: str) -> str:
    response = form(gateway, text)
    assert response.status_code == 200, response.content
    return response.content.decode()


def test_a_child_answers_by_text_message(world: World, gateway: Any) -> None:
    open_consultation(world)
    first = _sms(gateway, "voix-2027 fr")  # the keyword, then a word that names French
    assert "Ta sécurité en ligne" in first and "1. 6 à 11 ans" in first
    assert "Fille" in _sms(gateway, "2")  # 12 to 14; next: girl or boy
    assert "Tanger" in _sms(gateway, "١")  # an Arabic-Indic digit: a girl; next: the areas
    assert "Réponds avec un numéro" in _sms(gateway, "99")  # not on the list: asked again
    assert "campagne" in _sms(gateway, "1")  # the first area; next: city or countryside
    assert "Te sens-tu" in _sms(gateway, "2")  # the countryside
    assert "Réponds avec un numéro" in _sms(gateway, "oui")  # not a number: asked again
    assert "Où vas-tu" in _sms(gateway, "2")
    assert "Que devraient" in _sms(gateway, "1 3")
    assert "Merci" in _sms(gateway, "Qu'ils nous écoutent")
    answer = Response.objects.get()
    assert answer.channel == "sms" and answer.answers == [1, [0, 2], None]
    assert (answer.age_band, answer.sex, answer.locality) == ("12_14", "female", "rural")
    assert answer.admin1 == "MA-01"
    words = Words.objects.get()
    assert words.session is None and "écoutent".encode() not in bytes(words.sealed)
    assert not TextSession.objects.exists() and not Report.objects.exists()
    assert not Conversation.objects.exists()


WORDS_FIRST = {
    "fr": "~ Que devraient faire les adultes ?\n? Te sens-tu en sécurité ?\n- Oui\n- Non",
    "ar": "~ ماذا يجب أن يفعل الكبار؟\n? هل تشعر بالأمان؟\n- نعم\n- لا",
}


def test_in_arabic_by_default_and_stop_forgets_everything(world: World, gateway: Any) -> None:
    open_consultation(world, questions=parse(WORDS_FIRST))
    assert "سلامتك على الإنترنت" in _sms(gateway, "VOIX-2027")
    for text in ["2", "1", "1", "1"]:
        _sms(gateway, text)
    assert "هل تشعر بالأمان" in _sms(gateway, "أفكاري")  # words, waiting for the end
    assert Words.objects.count() == 1 and TextSession.objects.count() == 1
    assert not Response.objects.exists()
    assert "STOP" not in _sms(gateway, "STOP")
    assert _stored() == (0, 0, 0) and not Report.objects.exists()


def test_a_closed_keyword_says_so_and_stores_nothing(world: World, gateway: Any) -> None:
    consultation = open_consultation(world)
    actions.close(consultation, world.alice.user)
    closed = _sms(gateway, "VOIX-2027 fr")
    assert "Cette consultation est fermée" in closed
    assert _stored() == (0, 0, 0) and not Report.objects.exists()
    assert not Conversation.objects.exists()


def test_an_over_long_text_answer_is_refused(world: World, gateway: Any) -> None:
    open_consultation(world)
    for text in ["VOIX-2027 fr", "0", "0", "0", "0", "0", "0"]:
        _sms(gateway, text)
    assert "500" in _sms(gateway, "x" * 600)
    assert Words.objects.count() == 0
    assert "Merci" in _sms(gateway, "Court")
    assert Words.objects.count() == 1 and Response.objects.count() == 1


def test_an_abandoned_text_consultation_leaves_nothing(world: World, gateway: Any) -> None:
    open_consultation(world, questions=parse(WORDS_FIRST))
    for text in ["VOIX-2027", "0", "0", "0", "0", "mes mots"]:
        _sms(gateway, text)
    assert TextSession.objects.count() == 1
    TextSession.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert texts.expire() == 2  # the session and its waiting words
    assert _stored() == (0, 0, 0)


def test_odk_collect_lists_downloads_and_submits_the_consultation(
    world: World, worker: Any
) -> None:
    consultation = open_consultation(world)
    listed = Client().get("/openrosa/formList", **basic()).content.decode()
    form_id = odk.form_id(consultation)
    assert f"<formID>{form_id}</formID>" in listed
    xform = Client().get(f"/openrosa/forms/{form_id}.xml", **basic()).content.decode()
    assert "Te sens-tu en sécurité en ligne" in xform and 'lang="Arabic (ar)"' in xform
    xml = f"""<?xml version="1.0"?>
<data id="{form_id}" version="{odk.version(consultation)}">
  <age_band>15_17</age_band><sex>male</sex><admin1>MA-06</admin1><locality>urban</locality>
  <q0>0</q0><q1>1 2</q1><q2>Plus de cours</q2>
  <meta><instanceID>uuid:consultation-1</instanceID></meta>
</data>""".encode()
    assert submit(xml, basic()).status_code == 201
    assert submit(xml, basic()).status_code == 202  # the same form twice: counted once
    answer = Response.objects.get()
    assert answer.channel == "odk" and answer.answers == [0, [1, 2], None]
    assert Words.objects.count() == 1
    bad = xml.replace(b"<q0>0</q0>", b"<q0>9</q0>").replace(b"consultation-1", b"c-2")
    assert submit(bad, basic()).status_code == 400 and Response.objects.count() == 1
    actions.close(consultation, world.alice.user)
    late = xml.replace(b"consultation-1", b"consultation-3")
    assert submit(late, basic()).status_code == 400 and Response.objects.count() == 1
    assert form_id not in Client().get("/openrosa/formList", **basic()).content.decode()


def test_web_and_text_answers_meet_in_one_protected_table(
    world: World, gateway: Any, signed_in: Any, tmp_path: Path
) -> None:
    open_consultation(world)
    for _n in range(6):
        assert Client().post(URL, web_answer(q0="0")).status_code == 200
    for _n in range(5):
        for text in ["VOIX-2027", "2", "1", "1", "1", "2", "0", "0"]:
            _sms(gateway, text)
    consultation = Consultation.objects.get()
    found = results.results(consultation, "channel")
    assert found.answers == 11 and found.shown
    [feel_safe, _where] = found.tables
    rows = {
        code: cells
        for (code, _label), (_l, cells, _t) in zip(
            feel_safe.rows, feel_safe.as_rows(), strict=False
        )
    }
    assert rows == {"web": [6, 0, 0], "sms": [0, 5, 0]}
    by_sex = results.results(consultation, "sex").tables[0].as_rows()
    assert by_sex[-1][1] == [6, 5, 0] and by_sex[-1][2] == 11  # totals: both channels
    assert Response.objects.filter(channel="sms").count() == 5
    supervisor = world.add_member("sara", world.amane, Role.SUPERVISOR)
    client = signed_in(supervisor, "ar")
    page = client.get("/ar/staff/amane/consultations/VOIX-2027/?by=sex")
    assert page.status_code == 200 and "بنت" in page.content.decode()
    pdf = client.get("/ar/staff/amane/consultations/VOIX-2027/export/pdf/?by=sex")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    words = client.get("/ar/staff/amane/consultations/VOIX-2027/words/")
    assert "Qu&#x27;ils" in words.content.decode()  # the six written on the web
    assert AuditEvent.objects.filter(action="consultation.words_read").count() == 1
    text = text_layer(pdf.content, tmp_path, shot="consultation-brief-ar")
    assert "بنت" in text and "11" in text


def test_words_are_read_once_there_are_enough_answers(world: World, signed_in: Any) -> None:
    open_consultation(world)
    for n in range(5):
        Client().post(URL, web_answer(q2=f"Idée numéro {n}"))
    supervisor = world.add_member("sara", world.amane, Role.SUPERVISOR)
    page = signed_in(supervisor).get("/en/staff/amane/consultations/VOIX-2027/words/")
    html = page.content.decode()
    assert all(f"Idée numéro {n}" in html for n in range(5))
    assert "Girl" not in html and "12 to 14" not in html  # never beside who wrote them
    assert AuditEvent.objects.filter(action="consultation.words_read").count() == 1


def test_nothing_is_shown_under_five_answers(world: World, signed_in: Any) -> None:
    open_consultation(world)
    for _n in range(4):
        Client().post(URL, web_answer())
    found = results.results(Consultation.objects.get())
    assert not found.shown
    page = signed_in(world.alice).get("/en/staff/amane/consultations/VOIX-2027/")
    assert "nothing is shown yet" in page.content.decode()


def test_the_api_gives_protected_tables_only(world: World) -> None:
    open_consultation(world)
    officer = world.add_member("dora", world.amane, Role.DATA_OFFICER)
    auth = token_for(officer)
    url = "/api/v1/consultations/VOIX-2027/results?by=age_band"
    assert Client().get(url, **auth).json()["answers"] == "<5"
    for _n in range(6):
        Client().post(URL, web_answer())
    data = Client().get(url, **auth).json()
    assert data["answers"] == 6 and len(data["tables"]) == 2
    assert data["tables"][0]["total"] == 6 and "words" not in str(data["tables"])
    assert "Qu'ils" not in str(data)
    listed = Client().get("/api/v1/consultations", **auth).json()
    assert listed[0]["code"] == "VOIX-2027" and listed[0]["open"] is True
    assert Client().get(url.replace("age_band", "name"), **auth).status_code == 400
    assert Client().get(url.replace("VOIX", "NONE"), **auth).status_code == 404
    assert Client().get(url, **token_for(world.bob)).status_code == 403
    assert Client().get(url).status_code == 401
    other = world.add_member("omar", world.jordan, Role.DATA_OFFICER)
    assert Client().get(url, **token_for(other)).status_code == 404


def test_a_network_consultation_reaches_every_member(world: World, signed_in: Any) -> None:
    from digiamen.channels import actions as channel_actions
    from digiamen.evidence import actions as evidence_actions
    from digiamen.networks.models import NetworkMember

    network = evidence_actions.create_network(
        slug="mena", name="MENA", kind="regional", secretariat=world.amane
    )
    NetworkMember.objects.create(network=network, organisation=world.jordan)
    coordinator = world.add_member("nour", world.amane, Role.NETWORK_COORDINATOR)
    form_page = signed_in(coordinator).get("/en/staff/amane/consultations/new/")
    assert "For the network" in form_page.content.decode()  # only coordinators choose it
    assert (
        "For the network"
        not in signed_in(world.alice).get("/en/staff/amane/consultations/new/").content.decode()
    )
    open_consultation(world, network=network)
    home = Client().get("/en/").content.decode()
    assert "Jordan" in home and "Morocco" in home
    # A child in Jordan answers through the Jordan helpline's number.
    jordan_gateway = channel_actions.create_gateway(world.jordan, name="SMS")
    assert "Ta sécurité" in _sms(jordan_gateway, "VOIX-2027 fr")
    # No area question: two countries' areas are too many for a text message.
    assert "Fille" in _sms(jordan_gateway, "2")
    assert "campagne" in _sms(jordan_gateway, "1")
    for text in ["2", "0", "1"]:  # the countryside; the first question skipped; games
        _sms(jordan_gateway, text)
    assert "Merci" in _sms(jordan_gateway, "0")
    answer = Response.objects.get()
    assert answer.answers == [None, [0], None] and answer.locality == "rural"
    assert answer.admin1 == "" and answer.consultation.organisation == world.amane
    # The web form offers the areas of both countries.
    assert "Amman" in Client().get("/en/consultations/VOIX-2027/").content.decode()
    # A member's staff see the network's consultation and its tables, and change nothing.
    member = signed_in(world.add_member("omar", world.jordan, Role.DATA_OFFICER))
    assert "Ta sécurité en ligne" in member.get("/en/staff/jordan/consultations/").content.decode()
    page = member.get("/en/staff/jordan/consultations/VOIX-2027/")
    assert page.status_code == 200 and "Run by" in page.content.decode()
    assert "/close/" not in page.content.decode()
    assert member.post("/en/staff/jordan/consultations/VOIX-2027/close/").status_code == 404
    assert member.get("/en/staff/jordan/consultations/VOIX-2027/edit/").status_code == 404
    assert Consultation.objects.get().status == Consultation.Status.PUBLISHED


def test_too_many_answers_from_one_connection_are_refused(world: World, settings: Any) -> None:
    settings.CONSULTATION_ANSWERS_PER_CLIENT_HOUR = 2
    open_consultation(world)
    for _n in range(2):
        assert Client().post(URL, web_answer()).status_code == 200
    refused = Client().post(URL, web_answer())
    assert refused.status_code == 429 and "Réessaie plus tard" in refused.content.decode()
    assert Response.objects.count() == 2


def test_text_messages_carry_plain_spaces(world: World, gateway: Any) -> None:
    open_consultation(world, titles={"fr": "Ton avis\u202f?", "ar": "رأيك"})
    first = _sms(gateway, "VOIX-2027 fr")
    assert "Ton avis ?" in first and "\u202f" not in first and "\u00a0" not in first
