"""HSDS 3.0 interchange: exports valid against the official schemas, exact round trips through
JSON and the tabular data package, the public API, and imports that refuse bad files whole."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from digiamen.directory import hsds, hsds_import, tabular
from digiamen.directory.hsds_import import HsdsImportError, Problem
from digiamen.directory.models import (
    AddedArea,
    DirectoryOrganisation,
    Location,
    Phone,
    Schedule,
    Service,
)
from digiamen.directory.tests.helpers import (
    make_directory_organisation,
    make_location,
    make_service,
)
from digiamen.tests.support import vectors_path

SCHEMAS = vectors_path("hsds-3.0", "compiled")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Problems are compared as English text, whatever an earlier test left active."""
    with translation.override("en"):
        yield


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(name: str, instance: Any) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in _validator(name).iter_errors(instance)]
    assert errors == []


@pytest.fixture
def directory(db: Any) -> dict[str, Any]:
    """A small directory using every part of the model."""
    AddedArea.objects.create(
        code="TN-61-SFX", country="TN", parent="TN-61", level=2, names={"en": "Sfax Ville"}
    )
    sfax_association = make_directory_organisation("Sfax association", "TN")
    sfax_association.translations = {"ar": {"name": "جمعية صفاقس"}}
    sfax_association.email = "contact@example.org"
    sfax_association.website = "https://example.org/"
    sfax_association.save()
    Phone.objects.create(organisation=sfax_association, number="+216 74 000 000")
    listening = make_service(
        sfax_association,
        name="Sfax listening centre",
        service_type="psychosocial_support",
        areas=["TN-61", "TN-61-SFX"],
        languages=["ar", "fr"],
        free_of_charge=True,
        child_friendly=True,
        minimum_age=10,
        maximum_age=17,
        description="Listening and counselling.",
        url="https://example.org/listen",
        fees_description="None",
        translations={"fr": {"name": "Centre d'écoute de Sfax"}},
        last_verified_at=datetime(2026, 10, 4, 9, 30, tzinfo=UTC),
        assurer_email="coordinator@example.org",
    )
    Phone.objects.filter(service=listening).update(extension="12", languages=["ar"])
    Schedule.objects.create(
        service=listening, byday="MO,TU,WE", opens_at=time(9), closes_at=time(17)
    )
    office = make_location(
        sfax_association,
        admin1="TN-61",
        name="Office",
        address_1="3 Open Street",
        city="Sfax",
        postal_code="3000",
        latitude=Decimal("34.740556"),
        longitude=Decimal("10.760278"),
        accessibility="Ramp at the side door",
        wheelchair_access=True,
    )
    Phone.objects.create(location=office, number="+216 74 000 001", type="cell")
    Schedule.objects.create(location=office, byday="SA", opens_at=time(10), closes_at=time(12))
    shelter = make_location(
        sfax_association, admin1="TN-61", confidential=True, name="Shelter", address_1="7 Hidden"
    )
    listening.at_locations.create(location=office, description="Walk in")
    listening.at_locations.create(location=shelter)
    national = make_service(
        sfax_association, name="National child line", areas=["TN"], phone="+216 80 000 001"
    )
    closed = make_service(sfax_association, name="Closed service", status="inactive")
    moroccan = make_service(
        make_directory_organisation("Casablanca legal", "MA"),
        name="Casablanca legal aid",
        service_type="legal_aid",
        areas=["MA-06"],
    )
    return {
        "listening": listening,
        "national": national,
        "closed": closed,
        "moroccan": moroccan,
        "office": office,
        "shelter": shelter,
    }


# Export -----------------------------------------------------------------------------------


def test_export_validates_against_the_official_schemas(directory: Any) -> None:
    document = hsds.export_document()
    assert document["version"] == "3.0"
    assert len(document["services"]) == 4
    for service in document["services"]:
        assert_valid("service", service)
    for organisation in document["organizations"]:
        assert_valid("organization", organisation)


def test_export_writes_every_part(directory: Any) -> None:
    document = hsds.export_document()
    listening = next(s for s in document["services"] if s["name"] == "Sfax listening centre")
    assert listening["minimum_age"] == 10
    assert listening["assured_date"] == "2026-10-04"
    assert listening["phones"][0]["extension"] == 12
    assert listening["schedules"][0]["byday"] == "MO,TU,WE"
    assert listening["schedules"][0]["opens_at"] == "09:00"
    areas = {(a["extent"], a["extent_type"]) for a in listening["service_areas"]}
    assert areas == {("TN-61", "iso3166-2"), ("TN-61-SFX", "local")}
    assert [language["code"] for language in listening["languages"]] == ["ar", "fr"]
    codes = {a["taxonomy_term"]["code"]: a.get("value") for a in listening["attributes"]}
    assert "psychosocial_support" in codes
    assert codes["free_of_charge"] == "true"
    assert codes["disability_access"] == "false"
    assert json.loads(codes["translations"]) == {"fr": {"name": "Centre d'écoute de Sfax"}}
    [link] = listening["service_at_locations"]
    address = link["location"]["addresses"][0]
    assert (address["state_province"], address["country"]) == ("TN-61", "TN")
    assert link["location"]["latitude"] == pytest.approx(34.740556)


def test_confidential_locations_are_never_exported(directory: Any) -> None:
    text = hsds.export_json().decode()
    assert "3 Open Street" in text
    assert "7 Hidden" not in text
    assert str(directory["shelter"].pk) not in text
    package = tabular.export_package()
    with zipfile.ZipFile(io.BytesIO(package)) as opened:
        for name in opened.namelist():
            assert b"7 Hidden" not in opened.read(name)


def test_export_is_the_same_each_time(directory: Any) -> None:
    assert hsds.export_json() == hsds.export_json()
    assert tabular.export_package() == tabular.export_package()


def _wipe() -> None:
    DirectoryOrganisation.objects.all().delete()
    AddedArea.objects.exclude(code="TN-61-SFX").delete()
    assert not Service.objects.exists()


def test_json_round_trip_gives_the_same_document(directory: Any) -> None:
    before = hsds.export_json()
    _wipe()
    summary = hsds_import.import_json(before, membership=None)
    assert (summary.organisations, summary.services, summary.locations) == (2, 4, 1)
    assert hsds.export_json() == before


def test_datapackage_round_trip_gives_the_same_document(directory: Any) -> None:
    before = hsds.export_json()
    package = tabular.export_package()
    _wipe()
    tabular.import_package(package, membership=None)
    assert hsds.export_json() == before


def test_datapackage_descriptor_names_every_table(directory: Any) -> None:
    with zipfile.ZipFile(io.BytesIO(tabular.export_package())) as opened:
        descriptor = json.loads(opened.read("datapackage.json"))
        names = {resource["path"] for resource in descriptor["resources"]}
        assert names == {f"{table}.csv" for table in tabular.TABLES}
        assert set(opened.namelist()) == names | {"datapackage.json"}
        service_csv = opened.read("service.csv").decode()
    assert service_csv.splitlines()[0].startswith("id,organization_id,name")


def test_import_updates_by_id_and_keeps_what_hsds_does_not_carry(directory: Any) -> None:
    document = hsds.export_document()
    listening = next(s for s in document["services"] if s["name"] == "Sfax listening centre")
    listening["name"] = "Sfax listening and counselling centre"
    listening["phones"] = []
    hsds_import.import_document(document, membership=None)
    service = Service.objects.get(pk=directory["listening"].pk)
    assert service.name == "Sfax listening and counselling centre"
    assert not service.phones.exists()
    # The verification time is kept when the file's date agrees with it.
    assert service.last_verified_at == datetime(2026, 10, 4, 9, 30, tzinfo=UTC)
    # The shelter is not in the file, so it and the service's link to it stay.
    assert service.at_locations.filter(location=directory["shelter"]).exists()
    assert Location.objects.get(pk=directory["shelter"].pk).is_confidential


# Bad files --------------------------------------------------------------------------------


def _counts() -> tuple[int, ...]:
    return (
        DirectoryOrganisation.objects.count(),
        Service.objects.count(),
        Location.objects.count(),
        Phone.objects.count(),
        Schedule.objects.count(),
    )


def _problems_of(document: Any) -> list[Problem]:
    before = _counts()
    with pytest.raises(HsdsImportError) as raised:
        hsds_import.import_document(document, membership=None)
    assert _counts() == before
    return raised.value.problems


def _where(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.row, p.field) for p in problems}


def test_every_problem_is_reported_and_nothing_is_written(directory: Any) -> None:
    document = hsds.export_document()
    good, bad = copy.deepcopy(document["services"][0]), document["services"][1]
    good["name"] = "Changed"
    document["services"][0] = good
    bad["minimum_age"] = "twelve"  # wrong type
    bad["status"] = "open"  # unknown code
    del bad["name"]  # missing required field
    bad["languages"] = [{"id": bad["id"], "code": "xx"}]
    bad["service_areas"][0]["extent"] = "ZZ-99"
    bad["url"] = "javascript:alert(1)"
    problems = _problems_of(document)
    assert _where(problems) >= {
        ("services[1]", "minimum_age"),
        ("services[1]", "status"),
        ("services[1]", "name"),
        ("services[1].languages[0]", "code"),
        ("services[1].service_areas[0]", "extent"),
        ("services[1]", "url"),
    }
    assert all(p.why for p in problems)
    assert not Service.objects.filter(name="Changed").exists()


def test_an_area_of_another_country_is_refused(directory: Any) -> None:
    document = hsds.export_document()
    organisation = next(o for o in document["organizations"] if o["locations"])
    organisation["locations"][0]["addresses"][0]["state_province"] = "MA-06"
    problems = _problems_of(document)
    assert [p.why for p in problems] == ["This area is not an area of the location's country."]
    assert problems[0].field == "state_province"


def test_unknown_service_type_and_bidi_text_are_refused(directory: Any) -> None:
    document = hsds.export_document()
    service = document["services"][0]
    type_attribute = next(
        a for a in service["attributes"] if a["taxonomy_term"]["taxonomy"].endswith("type")
    )
    type_attribute["taxonomy_term"]["code"] = "astrology"
    service["description"] = "Call moc.\u202eenilpleh"
    problems = _problems_of(document)
    assert {p.field for p in problems} == {"taxonomy_term.code", "description"}


def test_references_must_resolve(directory: Any) -> None:
    document = hsds.export_document()
    document["organizations"] = []
    document["services"][0]["organization_id"] = "6a0e0d4c-1111-4222-8333-444455556666"
    problems = _problems_of(document)
    assert ("organization_id" in {p.field for p in problems}) is True


def test_an_id_used_twice_is_refused(directory: Any) -> None:
    document = hsds.export_document()
    document["services"][1]["id"] = document["services"][0]["id"]
    problems = _problems_of(document)
    assert ("services[1]", "id") in _where(problems)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        b'{"services": 4}',
        b"[" * 100_000,
        json.dumps({"services": [7]}).encode(),
        json.dumps({"services": [{"id": 5, "name": ["x"], "status": None}]}).encode(),
        b'{"organizations": 5, "services": []}',
        b'{"services": [{"id": "6a0e0d4c-1111-4222-8333-444455556666", "minimum_age": NaN}]}',
        json.dumps(
            {
                "services": [
                    {
                        "id": "6a0e0d4c-1111-4222-8333-444455556666",
                        "organization_id": "6a0e0d4c-1111-4222-8333-444455556667",
                        "name": "x",
                        "status": "active",
                        "minimum_age": 1e308,
                        "service_areas": [{"id": "nope", "extent": "TN"}],
                        "service_at_locations": [{"id": "x", "location_id": "not-a-uuid"}],
                        "attributes": [
                            {
                                "taxonomy_term": {
                                    "taxonomy": "digiamen-text",
                                    "code": "translations",
                                },
                                "value": "[" * 50_000,
                            }
                        ],
                    }
                ]
            }
        ).encode(),
    ],
)
def test_malformed_files_import_nothing(db: Any, data: bytes) -> None:
    before = _counts()
    with pytest.raises(HsdsImportError) as raised:
        hsds_import.import_json(data, membership=None)
    assert raised.value.problems
    assert _counts() == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(db: Any) -> None:
    with pytest.raises(HsdsImportError) as raised:
        hsds_import.import_json(b" " * (100 * 1024 * 1024), membership=None)
    assert "too big" in raised.value.problems[0].why


def _package_with(table: str, change: Any) -> bytes:
    """The export's package with one table's rows changed."""
    tables = tabular.flatten(hsds.export_document())
    change(tables[table])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, rows in tables.items():
            package.writestr(f"{name}.csv", tabular._csv(tabular.TABLES[name], rows))
    return buffer.getvalue()


def test_package_problems_name_the_table_and_line(directory: Any) -> None:
    def break_second_service(rows: list[dict[str, str]]) -> None:
        rows[1]["minimum_age"] = "ten"
        rows[1]["email"] = "not an address"

    before = _counts()
    with pytest.raises(HsdsImportError) as raised:
        tabular.import_package(_package_with("service", break_second_service), membership=None)
    assert _where(raised.value.problems) == {
        ("service.csv, line 3", "minimum_age"),
        ("service.csv, line 3", "email"),
    }
    assert _counts() == before


def test_package_area_of_unknown_code(directory: Any) -> None:
    def break_area(rows: list[dict[str, str]]) -> None:
        rows[0]["extent"] = "XX-01"

    with pytest.raises(HsdsImportError) as raised:
        tabular.import_package(_package_with("service_area", break_area), membership=None)
    assert _where(raised.value.problems) == {("service_area.csv, line 2", "extent")}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 broken",
        _zip({"readme.txt": b"hello"}),
        _zip({"service.csv": b"\xff\xfe\xfa"}),
        _zip({"service.csv": b"name,status\nx,active\n"}),
        _zip({"service.csv": b"id,name\n1,a,extra\n"}),
        _zip({"service.csv": b"0" * (61 * 1024 * 1024)}),  # unpacks far beyond the limit
        _zip({f"t{n}.csv": b"" for n in range(50)}),
    ],
)
def test_bad_packages_import_nothing(db: Any, data: bytes) -> None:
    before = _counts()
    with pytest.raises(HsdsImportError) as raised:
        tabular.import_package(data, membership=None)
    assert raised.value.problems
    assert _counts() == before


# The API ----------------------------------------------------------------------------------


def test_api_list_is_an_hsds_page_of_valid_services(client: Client, directory: Any) -> None:
    response = client.get("/api/v1/directory/services?country=TN&area=TN-61")
    assert response.status_code == 200
    page = response.json()
    names = [service["name"] for service in page["contents"]]
    assert sorted(names) == ["National child line", "Sfax listening centre"]
    assert (page["total_items"], page["total_pages"], page["size"]) == (2, 1, 2)
    assert page["first_page"] and page["last_page"] and not page["empty"]
    for service in page["contents"]:
        assert_valid("service", service)
    assert "7 Hidden" not in response.content.decode()


def test_api_filters_and_pages(client: Client, directory: Any) -> None:
    everything = client.get("/api/v1/directory/services").json()
    assert everything["total_items"] == 3  # the inactive service is left out
    closed = client.get("/api/v1/directory/services?status=inactive").json()
    assert [s["name"] for s in closed["contents"]] == ["Closed service"]
    legal = client.get("/api/v1/directory/services?service_type=legal_aid").json()
    assert [s["name"] for s in legal["contents"]] == ["Casablanca legal aid"]
    second = client.get("/api/v1/directory/services?per_page=2&page=2").json()
    assert (second["size"], second["page_number"], second["last_page"]) == (1, 2, True)
    beyond = client.get("/api/v1/directory/services?per_page=2&page=9").json()
    assert beyond["empty"] and beyond["contents"] == []


def test_api_detail_validates_and_carries_the_organisation(client: Client, directory: Any) -> None:
    service = directory["listening"]
    response = client.get(f"/api/v1/directory/services/{service.pk}")
    assert response.status_code == 200
    data = response.json()
    assert_valid("service", data)
    assert data["organization"]["name"] == "Sfax association"
    assert data["service_at_locations"][0]["location"]["name"] == "Office"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/directory/services?country=XX", 422),
        ("/api/v1/directory/services?country=tn", 422),
        ("/api/v1/directory/services?area=Sfax", 422),
        ("/api/v1/directory/services?service_type=astrology", 422),
        ("/api/v1/directory/services?status=open", 422),
        ("/api/v1/directory/services?per_page=101", 422),
        ("/api/v1/directory/services?page=0", 422),
        ("/api/v1/directory/services?modified_after=yesterday", 422),
        ("/api/v1/directory/services/not-a-uuid", 422),
        ("/api/v1/directory/services/6a0e0d4c-1111-4222-8333-444455556666", 404),
    ],
)
def test_api_bad_requests_get_a_json_error(
    client: Client, directory: Any, url: str, status: int
) -> None:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == status
    assert response.json()["detail"]


def test_api_area_names_its_country_and_another_countrys_area_has_no_services(
    client: Client, directory: Any
) -> None:
    alone = client.get("/api/v1/directory/services?area=TN-61").json()
    assert sorted(s["name"] for s in alone["contents"]) == [
        "National child line",
        "Sfax listening centre",
    ]
    for query in ("country=TN&area=MA-06", "area=TN-99", "country=TN&area=TN-X1"):
        page = client.get(f"/api/v1/directory/services?{query}").json()
        assert page["empty"] and page["total_items"] == 0, query


def test_api_errors_are_translated(client: Client, directory: Any) -> None:
    url = "/api/v1/directory/services?country=XX"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    arabic = client.get(url, HTTP_ACCEPT_LANGUAGE="ar").json()["detail"]
    assert english != arabic


# Commands ---------------------------------------------------------------------------------


def test_commands_round_trip(directory: Any, tmp_path: Path) -> None:
    before = hsds.export_json()
    call_command("export_hsds", str(tmp_path / "d.json"), stdout=io.StringIO())
    call_command("export_hsds", str(tmp_path / "d.zip"), "--datapackage", stdout=io.StringIO())
    _wipe()
    call_command("import_hsds", str(tmp_path / "d.zip"), stdout=io.StringIO())
    assert hsds.export_json() == before
    call_command("import_hsds", str(tmp_path / "d.json"), stdout=io.StringIO())
    assert hsds.export_json() == before


def test_a_document_with_too_many_objects_is_refused(
    directory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hsds_import, "MAX_OBJECTS", 10)
    problems = _problems_of(hsds.export_document())
    assert [p.why for p in problems] == ["The file holds too many records: at most 10."]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "12.5"])
def test_package_numbers_that_are_not_whole_are_refused(directory: Any, value: str) -> None:
    def break_age(rows: list[dict[str, str]]) -> None:
        rows[0]["minimum_age"] = value

    with pytest.raises(HsdsImportError) as raised:
        tabular.import_package(_package_with("service", break_age), membership=None)
    assert _where(raised.value.problems) == {("service.csv, line 2", "minimum_age")}
