"""The exchange page: downloads for org admins and coordinators, imports for coordinators."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from digiamen.conftest import World
from digiamen.core.models import AuditEvent
from digiamen.directory import hsds, hsds_import, tabular
from digiamen.directory.models import Service
from digiamen.directory.tests.helpers import make_service

URL = "/{lang}/staff/amane/directory/exchange/"


@pytest.fixture
def coordinator(world: World) -> Any:
    return world.add_member("nadia", world.amane, "network_coordinator")


@pytest.fixture
def services(db: Any) -> list[Service]:
    return [make_service(name="Listening line"), make_service(name="Legal clinic")]


def _upload(data: bytes, name: str = "directory.json") -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, data)}


def test_coordinator_sees_downloads_and_the_import_form(
    coordinator: Any, signed_in: Any, services: Any
) -> None:
    for language in ("ar", "fr", "en"):
        response = signed_in(coordinator, language).get(URL.format(lang=language))
        assert response.status_code == 200
        assert b'type="file"' in response.content


def test_downloads_are_the_exports(coordinator: Any, signed_in: Any, services: Any) -> None:
    client = signed_in(coordinator)
    response = client.get(URL.format(lang="en") + "json/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content) == json.loads(hsds.export_json())
    package = client.get(URL.format(lang="en") + "datapackage/")
    assert package.content == tabular.export_package()
    assert client.get(URL.format(lang="en") + "excel/").status_code == 404


def test_coordinator_imports_a_file(coordinator: Any, signed_in: Any, services: Any) -> None:
    document = hsds.export_document()
    document["services"][0]["name"] = "Renamed by import"
    client = signed_in(coordinator)
    response = client.post(URL.format(lang="en"), _upload(hsds.dumps(document)))
    assert response.status_code == 302
    assert Service.objects.filter(name="Renamed by import").exists()
    event = AuditEvent.objects.filter(action="directory.hsds_imported").get()
    assert event.actor_id == coordinator.user.pk
    package = tabular.export_package()
    response = client.post(URL.format(lang="en"), _upload(package, "directory.zip"))
    assert response.status_code == 302


def test_a_bad_file_shows_every_problem_and_imports_nothing(
    coordinator: Any, signed_in: Any, services: Any
) -> None:
    document = hsds.export_document()
    document["services"][0]["minimum_age"] = "six"
    document["services"][1]["status"] = "maybe"
    names = sorted(Service.objects.values_list("name", flat=True))
    response = signed_in(coordinator, "fr").post(
        URL.format(lang="fr"), _upload(hsds.dumps(document))
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "minimum_age" in html and "status" in html
    assert "Rien n" in html  # the French "nothing was imported"
    assert sorted(Service.objects.values_list("name", flat=True)) == names


def test_a_file_too_big_is_413(
    coordinator: Any, signed_in: Any, services: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(hsds_import, "MAX_FILE_BYTES", 1000)
    response = signed_in(coordinator).post(URL.format(lang="en"), _upload(b" " * 2000))
    assert response.status_code == 413


def test_org_admin_downloads_but_cannot_import(world: World, signed_in: Any, services: Any) -> None:
    client = signed_in(world.alice)
    page = client.get(URL.format(lang="en"))
    assert page.status_code == 200
    assert b'type="file"' not in page.content
    assert client.get(URL.format(lang="en") + "json/").status_code == 200
    document = hsds.export_document()
    document["services"][0]["name"] = "Renamed"
    response = client.post(URL.format(lang="en"), _upload(hsds.dumps(document)))
    assert response.status_code == 404
    assert not Service.objects.filter(name="Renamed").exists()


def test_others_are_kept_out(world: World, signed_in: Any, client: Any, services: Any) -> None:
    url = URL.format(lang="en")
    assert signed_in(world.bob).get(url).status_code == 403  # a caseworker
    assert signed_in(world.charlie).get(url).status_code == 404  # another organisation
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]
    assert client.get(url + "json/").status_code == 302
