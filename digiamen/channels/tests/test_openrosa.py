"""ODK Collect's side of OpenRosa: form list, form download, submissions per the OpenRosa
Form Submission API (multipart, xml_submission_file), Basic and Digest authentication."""

from __future__ import annotations

import base64
import hashlib
import re
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pyxform.xls2xform import convert

from digiamen.channels import openrosa
from digiamen.channels.field_workers import REALM, create_field_worker
from digiamen.conftest import World
from digiamen.intake.models import Report

PASSWORD = "a long field password"


@pytest.fixture
def worker(world: World) -> Any:
    return create_field_worker(world.amane, world.alice.user, "nadia", PASSWORD)


def basic(username: str = "nadia", password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def digest(client: Client, method: str, path: str, password: str = PASSWORD) -> dict[str, str]:
    """Answer the server's challenge as ODK Collect does."""
    challenge = client.generic(method, path)
    header = challenge["WWW-Authenticate"]
    nonce = re.search(r'nonce="([^"]+)"', header).group(1)  # type: ignore[union-attr]
    ha1 = md5(f"nadia:{REALM}:{password}")
    ha2 = md5(f"{method}:{path}")
    response = md5(f"{ha1}:{nonce}:00000001:abcdef:auth:{ha2}")
    value = (
        f'Digest username="nadia", realm="{REALM}", nonce="{nonce}", uri="{path}", '
        f'qop=auth, nc=00000001, cnonce="abcdef", response="{response}", algorithm=MD5'
    )
    return {"HTTP_AUTHORIZATION": value}


def submission_xml(
    instance_id: str = "uuid:6f1c2a0e-0000-4000-8000-000000000001",
    *,
    version: str = openrosa.FORM_VERSION,
    harm: str = "sexual_extortion online_grooming",
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms"
      id="{openrosa.FORM_ID}" version="{version}">
  <reporter_type>teacher</reporter_type>
  <harm_types>{harm}</harm_types>
  <platforms>tiktok</platforms>
  <country>MA</country>
  <admin1>MA-06</admin1>
  <locality>rural</locality>
  <age_band>12_14</age_band>
  <sex>female</sex>
  <disability>no</disability>
  <perpetrator_relationship>online_acquaintance</perpetrator_relationship>
  <narrative>Elle reçoit des menaces. تتلقى تهديدات</narrative>
  <involved_accounts></involved_accounts>
  <contact_value></contact_value>
  <consent_contact>no</consent_contact>
  <consent_referral>yes</consent_referral>
  <consent_statistics>yes</consent_statistics>
  <meta><instanceID>{instance_id}</instanceID></meta>
</data>""".encode()


def submit(data: bytes, headers: dict[str, str], **files: Any) -> Any:
    parts = {"xml_submission_file": SimpleUploadedFile("submission.xml", data, "text/xml")}
    parts.update(files)
    return Client().post("/openrosa/submission", parts, **headers)


@pytest.mark.needs("java")
def test_the_served_xform_validates_with_pyxform_and_is_trilingual(worker: Any) -> None:
    # pyxform also runs ODK Validate (JavaRosa, a Java program) on the XForm.
    result = convert(xlsform=BytesIO(openrosa.build_xlsform()), file_type=".xlsx", validate=True)
    assert result.xform == openrosa.xform()
    assert 'lang="Arabic (ar)"' in result.xform and 'lang="French (fr)"' in result.xform
    response = Client().get(f"/openrosa/forms/{openrosa.FORM_ID}.xml", **basic())
    assert response.status_code == 200 and response["X-OpenRosa-Version"] == "1.0"
    assert response.content.decode() == openrosa.xform()
    assert f'version="{openrosa.FORM_VERSION}"' in openrosa.xform()


def test_form_list_per_the_openrosa_api(worker: Any) -> None:
    client = Client()
    response = client.get("/openrosa/formList", **digest(client, "GET", "/openrosa/formList"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "<formID>digiamen_report</formID>" in text and openrosa.xform_hash() in text
    assert "/openrosa/forms/digiamen_report.xml" in text


def test_a_submission_twice_is_one_report(world: World, worker: Any) -> None:
    first = submit(submission_xml(), basic())
    assert first.status_code == 201, first.content
    assert b"submit_success" in first.content
    again = submit(submission_xml(), basic())
    assert again.status_code == 202
    report = Report.objects.get()
    assert report.organisation == world.amane and report.channel == "offline_form"
    assert report.harm_types == ["sexual_extortion", "online_grooming"]
    assert report.admin1 == "MA-06" and report.consent_referral and not report.consent_contact


def test_digest_authentication_submits_too(worker: Any) -> None:
    client = Client()
    head = client.head("/openrosa/submission", **digest(client, "HEAD", "/openrosa/submission"))
    assert head.status_code == 204 and head["X-OpenRosa-Accept-Content-Length"]
    headers = digest(client, "POST", "/openrosa/submission")
    assert submit(submission_xml("uuid:two"), headers).status_code == 201


def test_wrong_credentials_get_a_challenge(worker: Any) -> None:
    for headers in [
        {},
        basic(password="wrong password!"),
        basic("nobody"),
        {"HTTP_AUTHORIZATION": "Digest x"},
    ]:
        response = submit(submission_xml(), headers)
        assert response.status_code == 401
        assert "Digest" in response["WWW-Authenticate"]
    client = Client()
    stale = digest(client, "POST", "/openrosa/submission", password="not the password")
    assert submit(submission_xml(), stale).status_code == 401
    assert not Report.objects.exists()


def test_a_disabled_field_worker_cannot_submit(worker: Any) -> None:
    worker.is_active = False
    worker.save()
    assert submit(submission_xml(), basic()).status_code == 401


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (submission_xml(version="2020010101"), 400),
        (b"<data id='digiamen_report' version='1'><unclosed>", 400),
        (b"<!DOCTYPE d [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]><data>&b;</data>", 400),
        (submission_xml().replace(b"digiamen_report", b"other_form"), 400),
        (submission_xml(instance_id=""), 400),
        (submission_xml(harm="not_a_harm"), 400),
        (b"<data/>" + b" " * (openrosa.SUBMISSION_MAX_BYTES + 1), 413),
    ],
)
def test_bad_submissions_store_nothing(worker: Any, data: bytes, status: int) -> None:
    response = submit(data, basic())
    assert response.status_code == status, response.content
    assert b"<OpenRosaResponse" in response.content
    assert not Report.objects.exists()


def test_attachments_are_refused(worker: Any, settings: Any) -> None:
    photo = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")
    assert submit(submission_xml(), basic(), photo=photo).status_code == 400
    settings.UPLOAD_MAX_FILE_BYTES = 1000
    big = SimpleUploadedFile("photo.jpg", b"0" * 5000, "image/jpeg")
    assert submit(submission_xml(), basic(), photo=big).status_code == 413
    assert not Report.objects.exists()


def test_field_workers_cannot_use_staff_pages(worker: Any) -> None:
    client = Client()
    response = client.post("/en/staff/login/", {"username": "nadia", "password": PASSWORD})
    assert response.status_code in (200, 400)
    assert client.get("/en/staff/amane/").status_code == 302


def test_admins_add_and_disable_field_workers(world: World, signed_in: Any) -> None:
    from digiamen.channels.models import FieldWorker
    from digiamen.conftest import csrf_token_of

    url = f"/en/staff/{world.amane.slug}/channels/"
    admin = signed_in(world.alice)
    token = csrf_token_of(admin.get(url).content.decode())
    short = admin.post(
        url, {"csrfmiddlewaretoken": token, "operation": "add", "username": "sam", "password": "x"}
    )
    assert short.status_code == 400 and not FieldWorker.objects.exists()
    added = admin.post(
        url,
        {"csrfmiddlewaretoken": token, "operation": "add", "username": "sam", "password": PASSWORD},
    )
    assert added.status_code == 302
    worker = FieldWorker.objects.get()
    assert worker.organisation == world.amane and PASSWORD not in worker.password_hash
    assert submit(submission_xml(), basic("sam")).status_code == 201
    admin.post(url, {"csrfmiddlewaretoken": token, "operation": "disable", "worker": worker.pk})
    assert submit(submission_xml("uuid:3"), basic("sam")).status_code == 401
    assert signed_in(world.bob).get(url).status_code == 403
    assert signed_in(world.charlie).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_the_demo_field_worker_submits(tmp_path: Any, db: Any) -> None:
    import json

    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(VAR_DIR=tmp_path):
        call_command("load_demo")
        data = json.loads((tmp_path / "demo-credentials.json").read_text())
    [demo] = data["field_workers"]
    response = submit(submission_xml("uuid:demo"), basic(demo["username"], demo["password"]))
    assert response.status_code == 201
    assert Report.objects.filter(
        channel="offline_form", organisation__slug=demo["organisation"]
    ).exists()


def test_admins_add_a_gateway_and_change_its_secret(world: World, signed_in: Any) -> None:
    import re as regex

    from digiamen.channels.models import Gateway
    from digiamen.conftest import csrf_token_of

    url = f"/en/staff/{world.amane.slug}/channels/"
    admin = signed_in(world.alice)
    token = csrf_token_of(admin.get(url).content.decode())
    bad = admin.post(url, {"csrfmiddlewaretoken": token, "operation": "add_gateway", "name": ""})
    assert bad.status_code == 400 and not Gateway.objects.exists()
    page = admin.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "operation": "add_gateway",
            "name": "Orange SMS",
            "kind": "sms",
            "provider": "sms_gateway",
        },
    ).content.decode()
    gateway = Gateway.objects.get()
    secret = regex.search(r'<code dir="ltr">([^<]+)</code>', page).group(1)  # type: ignore[union-attr]
    assert secret not in admin.get(url).content.decode()  # shown once

    def send(key: str) -> int:
        return (
            Client()
            .post(
                f"/channels/{gateway.public_id}/sms",
                {"from": "+212600000001", "text": "hello"},
                HTTP_AUTHORIZATION=f"Token {key}",
            )
            .status_code
        )

    assert send(secret) == 200
    page = admin.post(
        url, {"csrfmiddlewaretoken": token, "operation": "rotate", "gateway": gateway.pk}
    ).content.decode()
    new_secret = regex.search(r'<code dir="ltr">([^<]+)</code>', page).group(1)  # type: ignore[union-attr]
    assert send(secret) == 401 and send(new_secret) == 200
    jordan_admin = signed_in(world.add_member("jade", world.jordan, "org_admin"))
    other = f"/en/staff/{world.jordan.slug}/channels/"
    jtoken = csrf_token_of(jordan_admin.get(other).content.decode())
    response = jordan_admin.post(
        other, {"csrfmiddlewaretoken": jtoken, "operation": "rotate", "gateway": gateway.pk}
    )
    assert response.status_code == 404


def test_the_channels_page_names_the_gateway_header_in_every_language(
    world: World, signed_in: Any
) -> None:
    """The header a gateway sends is shown whole, "<secret>" included (once it was read as
    an HTML tag and vanished), left to right inside Arabic text."""
    for language in ("ar", "fr", "en"):
        page = signed_in(world.alice, language).get(f"/{language}/staff/amane/channels/")
        assert page.status_code == 200
        assert (
            '<code class="http-header" dir="ltr">Authorization: Token &lt;secret&gt;</code>'
            in page.content.decode()
        )
