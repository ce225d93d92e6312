"""Importing outlines: ISO-keyed and OCHA COD-AB files, all or nothing, limits."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from digiamen.conftest import World
from digiamen.directory import boundaries
from digiamen.directory.models import Boundary

SQUARE = [[[10.0, 34.0], [10.5, 34.0], [10.5, 34.5], [10.0, 34.5], [10.0, 34.0]]]


def feature(properties: dict[str, Any], coordinates: Any = None, kind: str = "Polygon") -> Any:
    geometry = {"type": kind, "coordinates": coordinates if coordinates is not None else SQUARE}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: Any) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


@pytest.mark.django_db
def test_iso_keyed_file() -> None:
    result = boundaries.import_boundaries(
        collection(feature({"iso": "TN-61"}), feature({"code": "TN-11"})), actor=None
    )
    assert result.imported == ["TN-11", "TN-61"]
    sfax = Boundary.objects.get(area_code="TN-61")
    assert sfax.country == "TN"
    assert sfax.geometry["type"] == "MultiPolygon"


@pytest.mark.django_db
def test_ocha_cod_ab_file_is_matched_by_name() -> None:
    data = collection(
        feature({"ADM0_PCODE": "TN", "ADM1_PCODE": "TN61", "ADM1_EN": "Sfax"}),
        feature({"ADM0_PCODE": "TN", "ADM1_PCODE": "TN82", "ADM1_FR": "Médenine"}),
        feature({"ADM0_PCODE": "MA", "ADM1_PCODE": "MA006", "ADM1_AR": "الدار البيضاء سطات"}),
    )
    result = boundaries.import_boundaries(data, actor=None, source="COD-AB test")
    assert result.imported == ["MA-06", "TN-61", "TN-82"]
    assert Boundary.objects.get(area_code="TN-61").pcode == "TN61"


@pytest.mark.django_db
def test_demo_outlines_cover_three_countries() -> None:
    result = boundaries.import_demo_boundaries()
    assert len(result.imported) == 24 + 12 + 12
    assert {b.country for b in Boundary.objects.all()} == {"MA", "TN", "JO"}


@pytest.mark.django_db
def test_simplification_rounds_and_drops_repeated_points() -> None:
    ring = [[10.00001, 34.0], [10.00002, 34.0], [10.5, 34.0], [10.5, 34.5], [10.00001, 34.0]]
    boundaries.import_boundaries(collection(feature({"iso": "TN-61"}, [ring])), actor=None)
    stored = Boundary.objects.get().geometry["coordinates"][0][0]
    assert stored == [[10.0, 34.0], [10.5, 34.0], [10.5, 34.5], [10.0, 34.0]]


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"\xff\xfe broken",
        json.dumps({"type": "Feature"}).encode(),
        collection(),
        collection(feature({"iso": "TN-61"}), feature({"name": "nowhere"})),
        collection(feature({"iso": "TN-61"}), feature({"iso": "TN-11"}, kind="Point")),
        collection(feature({"iso": "TN-61"}), feature({"iso": "TN-11"}, [[[999, 0]] * 4])),
        collection(feature({"iso": "TN-61"}), feature({"iso": "TN-61"})),
        collection(feature({"ADM1_PCODE": "TN99", "ADM0_PCODE": "TN", "ADM1_EN": "Atlantis"})),
        collection(feature({"iso": "TN-11"}, [[[True, False]] * 4])),
    ],
)
@pytest.mark.django_db
def test_bad_files_import_nothing(data: bytes) -> None:
    with pytest.raises(boundaries.BoundaryImportError) as raised:
        boundaries.import_boundaries(data, actor=None)
    assert raised.value.problems
    assert not Boundary.objects.exists()


@pytest.mark.django_db
def test_every_problem_is_reported_with_its_feature() -> None:
    data = collection(feature({"iso": "TN-61"}), feature({"x": 1}), feature({"iso": "XX-1"}))
    with pytest.raises(boundaries.BoundaryImportError) as raised:
        boundaries.import_boundaries(data, actor=None)
    assert [problem.feature for problem in raised.value.problems] == [1, 2]


def test_upload_page(world: World, signed_in: Any) -> None:
    client = signed_in(world.alice)
    url = "/en/staff/amane/directory/boundaries/"
    assert client.get(url).status_code == 200
    good = SimpleUploadedFile("tn.geojson", collection(feature({"iso": "TN-61"})))
    assert client.post(url, {"file": good}).status_code == 302
    bad = SimpleUploadedFile("bad.geojson", collection(feature({"iso": "TN-11"}), feature({})))
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "Nothing was imported" in response.content.decode()
    assert list(Boundary.objects.values_list("area_code", flat=True)) == ["TN-61"]


def test_upload_too_large_is_413(world: World, signed_in: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(boundaries, "MAX_BYTES", 100)
    big = SimpleUploadedFile("big.geojson", collection(feature({"iso": "TN-61"})))
    response = signed_in(world.alice).post("/en/staff/amane/directory/boundaries/", {"file": big})
    assert response.status_code == 413
    assert not Boundary.objects.exists()


def test_upload_permissions(world: World, signed_in: Any) -> None:
    url = "/en/staff/amane/directory/boundaries/"
    assert signed_in(world.bob).get(url).status_code == 403
    assert signed_in(world.charlie).get(url).status_code == 404


@pytest.mark.django_db
def test_command(tmp_path: Path) -> None:
    path = tmp_path / "tn.geojson"
    path.write_bytes(collection(feature({"iso": "TN-61"})))
    out = StringIO()
    call_command("import_boundaries", str(path), stdout=out)
    assert "1 areas" in out.getvalue()
    path.write_bytes(collection(feature({"nothing": "here"})))
    with pytest.raises(CommandError):
        call_command("import_boundaries", str(path), stderr=StringIO())
