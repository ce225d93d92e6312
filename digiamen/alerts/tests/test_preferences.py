"""Preferences: a number for text alerts (kept sealed), the language, the daily digest and
the text channel per kind; bad input is refused in the member's language and changes
nothing. (Who may open the page: test_pages.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from digiamen.alerts import actions, address
from digiamen.alerts.models import AlertPreference
from digiamen.conftest import World, csrf_token_of
from digiamen.core.models import AuditEvent

GOOD = {
    "email": "bob@example.org",
    "phone": "+212 600-000 001",
    "language": "fr",
    "digest": "daily",
    "quiet_from": "0",
    "quiet_to": "0",
    "email_new_report": "on",
    "sms_new_report": "on",
    "sms_escalation": "on",
}


def _post(client: Client, url: str, data: dict[str, str]) -> Any:
    token = csrf_token_of(client.get(url).content.decode())
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def test_a_member_gives_a_number_a_language_and_the_daily_digest(
    world: World, signed_in: Any
) -> None:
    bob = signed_in(world.bob)
    url = "/en/staff/amane/alerts/preferences/"
    page = bob.get(url).content.decode()
    for name in ('name="phone"', 'name="language"', 'name="digest"', 'name="sms_new_report"'):
        assert name in page
    assert _post(bob, url, GOOD).status_code == 302
    preference = AlertPreference.objects.get(user=world.bob.user)
    assert b"600" not in bytes(preference.phone)
    assert actions.current_phone(world.bob.user) == "+212600000001"
    assert preference.language == "fr" and preference.daily_digest
    assert preference.wants("new_report", "sms") and preference.wants("escalation", "sms")
    assert not preference.wants("assigned", "sms") and preference.wants("new_report", "email")
    audit = AuditEvent.objects.filter(action="alerts.preferences_changed").last()
    assert audit is not None and "600" not in str(audit.details) and audit.details["phone"]
    # The page shows what was saved.
    again = bob.get(url).content.decode()
    assert 'value="+212600000001"' in again and '<option value="daily" selected>' in again
    # An empty number removes it; the digest back to one e-mail each.
    assert _post(bob, url, {**GOOD, "phone": "", "digest": "immediate"}).status_code == 302
    preference.refresh_from_db()
    assert bytes(preference.phone) == b"" and not preference.daily_digest


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "0600000001"),  # no country code
        ("phone", "+212 600 abc"),
        ("phone", "+0212600000001"),
        ("phone", "+2126000000012345678"),  # longer than E.164 allows
        ("phone", "+212\u202e600000001"),  # a right-to-left override
        ("phone", "+212600\u200b000001"),  # a zero-width space
        ("phone", "\u2066+212600000001\u2069"),  # an isolate around a good number
        ("language", "de"),
        ("digest", "weekly"),
        ("quiet_from", "24"),
    ],
)
def test_bad_input_is_refused_in_the_members_language_and_nothing_changes(
    world: World, signed_in: Any, field: str, value: str
) -> None:
    bob = signed_in(world.bob, "fr")
    url = "/fr/staff/amane/alerts/preferences/"
    assert _post(bob, url, GOOD).status_code == 302
    before = AlertPreference.objects.filter(user=world.bob.user).values().get()
    audits = AuditEvent.objects.count()
    response = _post(bob, url, {**GOOD, "phone": "+213 550 00 00 00", field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="errorlist' in html
    if field == "phone":
        # The message is the gettext one, in French once the lead's makemessages has it.
        with translation.override("fr"):
            assert escape(str(address.PHONE_ERROR)) in html
    else:
        assert "Sélectionnez un choix valide" in html  # Django's own, in French
    assert AlertPreference.objects.filter(user=world.bob.user).values().get() == before
    assert AuditEvent.objects.count() == audits
    assert actions.current_phone(world.bob.user) == "+212600000001"


def test_numbers_are_normalised_or_refused() -> None:
    assert address.normalise_phone("+212 (600) 00-00.01") == "+212600000001"
    assert address.normalise_phone("00212600000001") == "+212600000001"
    assert address.normalise_phone("+٢١٢٦٠٠٠٠٠٠٠١") == "+212600000001"
    assert address.normalise_phone("\u200f+212600000001") is None
    assert address.normalise_phone("+212600000001\n") is None
    assert address.normalise_phone("+12") is None


def test_save_preferences_refuses_what_the_form_would(world: World) -> None:
    base: dict[str, Any] = {"email": "", "channels": {}, "quiet_from": 0, "quiet_to": 0}
    with pytest.raises(actions.ActionError):
        actions.save_preferences(world.bob.user, **base, phone="+212 600 000 001")
    with pytest.raises(actions.ActionError):
        actions.save_preferences(world.bob.user, **base, language="de")
    assert not AlertPreference.objects.exists()
    # Left out, a choice stays as it was.
    actions.save_preferences(world.bob.user, **base, phone="+212600000001", daily_digest=True)
    actions.save_preferences(world.bob.user, **base)
    preference = AlertPreference.objects.get()
    assert preference.daily_digest and actions.current_phone(world.bob.user) == "+212600000001"
