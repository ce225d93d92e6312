"""What a supervisor sees of integrity, in Arabic at phone width: a note moved from another
case shows the tampering marker in its place, the print page offers the signed record, and
the page that checks records says which check fails. Screenshots are kept in
var/screenshots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from digiamen.cases import actions
from digiamen.cases.models import Note
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World, browser_sign_in, click_to_next_page

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
]
PHONE = {"width": 360, "height": 740}


def _shot(page: Any, name: str) -> None:
    folder = Path(settings.VAR_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_moved_note_and_a_changed_record_as_a_supervisor_sees_them(
    browser: Any, live_server: Any, world: World, tmp_path: Path
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    cases = []
    for text in ("ملاحظة الحالة الأولى", "ملاحظة الحالة الثانية"):
        case = new_case(consent_referral=True)
        case = actions.triage(case, sara.user, version=case.version, risk="low", flags=[])
        case = actions.assign(case, sara.user, version=case.version, assignee=sara.user)
        actions.add_note(case, sara.user, text)
        cases.append(case)
    first, second = cases
    # Someone with database access moves the first case's note to the second case.
    Note.objects.filter(case=first).update(case=second, created_at=timezone.now())

    page = browser_sign_in(browser, live_server.url, sara, "ar", viewport=PHONE)
    page.goto(f"{live_server.url}/ar/staff/amane/cases/{second.number}/#notes")
    marker = page.locator(".tampered")
    assert marker.count() == 1 and marker.first.is_visible()
    assert "تم العبث بهذا المدخل" in marker.first.inner_text()
    assert "ملاحظة الحالة الأولى" not in page.content()
    assert "ملاحظة الحالة الثانية" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "case-tampered-note-ar-360")

    page.goto(f"{live_server.url}/ar/staff/amane/cases/{first.number}/print/")
    assert page.get_by_role("button", name="تنزيل السجل الموقّع").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "case-print-record-ar-360")
    with page.expect_download() as download:
        page.get_by_role("button", name="تنزيل السجل الموقّع").click()
    record = tmp_path / "record.json"
    download.value.save_as(record)
    assert b'"exported_by": "sara"' in record.read_bytes()
    record.write_bytes(record.read_bytes().replace(b'"sara"', b'"saro"', 1))  # one letter

    page.goto(f"{live_server.url}/ar/staff/amane/case-records/check/")
    page.set_input_files("input[type=file]", str(record))
    click_to_next_page(page, 'role=button[name="تحقّق"]')
    assert "السجل غير سليم." in page.inner_text("h2")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "case-record-check-ar-360")
