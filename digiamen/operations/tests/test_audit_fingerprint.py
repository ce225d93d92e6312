"""The signed audit head in the admins' alerts: every hour a content-free fingerprint in the
app, with the day's first sent on by e-mail (a copy outside the server). A fingerprint kept
from an alert catches a chain rewritten and recomputed later; a malformed one is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from digiamen.alerts import actions as alert_actions
from digiamen.alerts.models import Alert, AlertDelivery, Kind
from digiamen.alerts.texts import text_for
from digiamen.conftest import World
from digiamen.core import audit
from digiamen.core.models import AuditEvent
from digiamen.operations import witness
from digiamen.operations.tasks import sign_audit_head
from digiamen.operations.tests.test_witness import _events, _rewrite_and_recompute

MONDAY_NOON = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # 12:00 in Rabat


def _admins_take_email(world: World) -> Any:
    admin = world.add_member("nadia", world.amane, "org_admin")
    alert_actions.save_preferences(
        admin.user,
        email="nadia@example.org",
        channels={Kind.AUDIT_HEAD: ["in_app", "email"]},
        quiet_from=0,
        quiet_to=0,
    )
    return admin


def test_each_signed_head_reaches_the_admins_as_a_fingerprint(
    world: World, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = _admins_take_email(world)
    other = world.add_member("karim", world.jordan, "org_admin")
    newest = _events(1)[0]
    with django_capture_on_commit_callbacks(execute=False):
        assert sign_audit_head.call_local() == f"head {newest.pk} signed"
    alert = Alert.objects.get(recipient=admin.user, kind=Kind.AUDIT_HEAD)
    expected = witness.fingerprint(newest.pk, AuditEvent.objects.get(pk=newest.pk).row_hash)
    assert alert.fingerprint == f"{newest.pk}:{expected}"
    assert Alert.objects.filter(recipient=other.user, kind=Kind.AUDIT_HEAD).exists()
    # Admins only: a caseworker is not told.
    assert not Alert.objects.filter(recipient=world.bob.user, kind=Kind.AUDIT_HEAD).exists()
    # The day's first goes by e-mail too, and says how to check it; nothing of any case.
    assert alert.deliveries.filter(channel="email").exists()
    body = text_for(alert).body
    assert expected in body and f"verify_audit --fingerprint {alert.fingerprint}" in body
    page = signed_in(admin).get("/en/staff/amane/alerts/").content.decode()
    assert expected in page


def test_later_heads_that_day_are_listed_read_and_not_mailed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    admin = _admins_take_email(world)
    from digiamen.alerts.events import audit_head_signed

    with django_capture_on_commit_callbacks(execute=False):
        audit_head_signed(10, "AAAA-BBBB-CCCC-DDDD-EEEE", now=MONDAY_NOON)
        audit_head_signed(20, "FFFF-GGGG-HHHH-IIII-JJJJ", now=MONDAY_NOON + timedelta(hours=1))
        audit_head_signed(20, "FFFF-GGGG-HHHH-IIII-JJJJ", now=MONDAY_NOON + timedelta(hours=1))
        # The next day in Rabat (after local midnight, 23:00 UTC): mailed again.
        audit_head_signed(
            30, "KKKK-LLLL-MMMM-NNNN-OOOO", now=datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
        )
    alerts = list(Alert.objects.filter(recipient=admin.user).order_by("created_at"))
    assert [a.fingerprint.split(":")[0] for a in alerts] == ["10", "20", "30"]
    mailed = [a.deliveries.filter(channel="email").exists() for a in alerts]
    assert mailed == [True, False, True]
    assert [a.read_at is None for a in alerts] == [True, False, True]
    assert AlertDelivery.objects.filter(alert__in=alerts, channel="in_app").count() == 3


def test_a_kept_fingerprint_catches_a_rewritten_chain(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _events(4)
    head = AuditEvent.objects.order_by("-id").first()
    assert head is not None
    kept = f"{head.pk}:{witness.fingerprint(head.pk, head.row_hash).lower().replace('-', ' ')}"
    call_command("verify_audit", "--fingerprint", kept)
    assert "matching 1 signed or witnessed heads" in capsys.readouterr().out

    _rewrite_and_recompute(events[1])
    assert audit.verify_chain() is None
    with pytest.raises(CommandError, match=f"row {head.pk}: it is rewritten"):
        call_command("verify_audit", "--fingerprint", kept)


@pytest.mark.parametrize(
    "typed", ["", "12", "x:AAAA-BBBB-CCCC-DDDD-EEEE", "12:AAAA-BBBB", "١٢:AAAA"]
)
def test_a_malformed_fingerprint_is_refused(world: World, typed: str) -> None:
    _events(1)
    with pytest.raises(CommandError, match="event number, a colon and the code"):
        call_command("verify_audit", "--fingerprint", typed)
