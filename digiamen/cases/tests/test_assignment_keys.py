"""The keys follow the assignment: an assigned case opens only for its assignee and the
supervisors (docs/security-model.md, "Need-to-know in the keys").

The attacker of these tests has a copy of the database and one member's password: every key
that password opens (their own key pair, their organisation and casework grants), they hold.
"""

from __future__ import annotations

import contextlib
import io
import struct
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from nacl.public import PrivateKey

from digiamen.accounts import actions as account_actions
from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.cases import actions, assignment_keys
from digiamen.cases.models import Case, Note
from digiamen.cases.tests.helpers import NARRATIVE, new_case, step
from digiamen.conftest import Member, World
from digiamen.core import crypto, encryption
from digiamen.core.models import AuditEvent, CaseworkKey, KeyCircle
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Message, Report


def _keyring(member: Member, private_key: PrivateKey | None = None) -> encryption.KeyRing:
    return encryption.KeyRing(user=member.user, private_key=private_key or member.private_key)


def _request(member: Member, private_key: PrivateKey | None = None) -> Any:
    request = RequestFactory().get("/")
    request.user = member.user
    request.keyring = _keyring(member, private_key)
    return request


def _every_key_of(member: Member, organisation: Organisation) -> list[PrivateKey]:
    """Every private key the member's password opens, from the database alone."""
    keyring = _keyring(member)
    keys = [member.private_key]
    with contextlib.suppress(encryption.AccessDenied):
        current = keyring.organisation_private_key(organisation)
        keys += encryption.generation_private_keys(organisation, current).values()
    for circle in KeyCircle.values:
        keys += keyring.casework_private_keys(organisation, circle).values()
    return keys


def _boxes(envelope: bytes) -> list[bytes]:
    """The sealed boxes of an envelope: one for the casework circle, two once assigned."""
    if envelope[:4] == encryption.ASSIGNED_ENVELOPE_MAGIC:
        (length,) = struct.unpack(">H", envelope[16:18])
        return [envelope[18 : 18 + length], envelope[18 + length :]]
    return [envelope[8:]]


def _opens(envelope: bytes, keys: list[PrivateKey]) -> bool:
    """Whether any of ``keys`` opens any box of ``envelope``: not only the way the code reads."""
    for box in _boxes(bytes(envelope)):
        for key in keys:
            with contextlib.suppress(crypto.DecryptionError):
                crypto.unseal(key, box)
                return True
    return False


def _value_envelope(sealed: bytes) -> bytes:
    return encryption.split_sealed(bytes(sealed))[0]


def _narrative_opens(member: Member, report: Report, private_key: PrivateKey | None = None) -> bool:
    try:
        opened = intake_actions.open_report(_request(member, private_key), report)
    except (encryption.AccessDenied, crypto.DecryptionError):
        return False
    return opened.narrative == NARRATIVE


def _team(world: World) -> tuple[Member, Member]:
    """A supervisor and a second caseworker beside bob."""
    return (
        world.add_member("sara", world.amane, Role.SUPERVISOR),
        world.add_member("cara", world.amane, Role.CASEWORKER),
    )


def _assigned_to_bob(supervisor: Member) -> Case:
    """A new case the supervisor assigns to bob, with her unlocked keys."""
    case = new_case()
    bob = Membership.objects.get(user__username="bob").user
    return actions.assign(
        case, supervisor.user, version=case.version, assignee=bob, keyring=_keyring(supervisor)
    )


def test_an_assigned_case_opens_only_for_its_assignee_and_the_supervisors(world: World) -> None:
    sara, cara = _team(world)
    case = new_case()
    before = actions.add_note(case, world.bob.user, "NOTE BEFORE ASSIGNMENT")
    report = Report.objects.get(pk=case.report_id)
    assert _narrative_opens(cara, report)  # unassigned: the whole casework circle

    actions.assign(
        case, sara.user, version=case.version, assignee=world.bob.user, keyring=_keyring(sara)
    )
    case.refresh_from_db()
    assert case.sealed_for_assignee_id == world.bob.user.pk
    report.refresh_from_db()
    after = actions.add_note(case, sara.user, "NOTE AFTER ASSIGNMENT")
    sealed = [
        bytes(report.sealed_key),
        _value_envelope(Note.objects.get(pk=before.pk).body),
        _value_envelope(Note.objects.get(pk=after.pk).body),
    ]
    for envelope in sealed:
        assert envelope[:4] == encryption.ASSIGNED_ENVELOPE_MAGIC
        assert _opens(envelope, _every_key_of(world.bob, world.amane))
        assert _opens(envelope, _every_key_of(sara, world.amane))
        # Another caseworker's password and the database: nothing of it.
        assert not _opens(envelope, _every_key_of(cara, world.amane))
        assert not _opens(envelope, _every_key_of(world.alice, world.amane))
    assert _narrative_opens(world.bob, report) and _narrative_opens(sara, report)
    assert not _narrative_opens(cara, report)
    assert AuditEvent.objects.filter(action="case.keys_resealed").count() == 1


def test_reassigning_seals_everything_to_the_new_assignee(world: World) -> None:
    sara, cara = _team(world)
    case = new_case()
    actions.add_note(case, world.bob.user, "A NOTE")
    intake_actions.post_reporter_message(case.report, "A MESSAGE FROM THE CHILD")
    intake_message = Message.objects.filter(report_id=case.report_id)
    assert intake_message.exists()
    actions.assign(
        case, sara.user, version=case.version, assignee=world.bob.user, keyring=_keyring(sara)
    )
    case.refresh_from_db()
    actions.assign(
        case, sara.user, version=case.version, assignee=cara.user, keyring=_keyring(sara)
    )
    report = Report.objects.get(pk=case.report_id)
    assert _narrative_opens(cara, report)
    assert not _narrative_opens(world.bob, report)
    envelopes = [bytes(report.sealed_key)] + [
        _value_envelope(body)
        for body in Note.objects.filter(case=case).values_list("body", flat=True)
    ]
    envelopes += [_value_envelope(m.for_organisation) for m in intake_message]
    for envelope in envelopes:
        assert not _opens(envelope, _every_key_of(world.bob, world.amane))
        assert _opens(envelope, _every_key_of(cara, world.amane))


def test_a_caseworker_taking_a_case_seals_it_to_herself(world: World, signed_in: Any) -> None:
    _sara, cara = _team(world)
    case_settings = actions.settings_for(world.amane)
    case_settings.self_assignment = True
    case_settings.save()
    case = new_case()
    client = signed_in(world.bob)
    assert step(client, case, "triage", risk="medium").status_code == 302
    assert step(client, case, "take").status_code == 302
    case.refresh_from_db()
    assert case.assigned_to_id == world.bob.user.pk
    assert case.sealed_for_assignee_id == world.bob.user.pk
    report = Report.objects.get(pk=case.report_id)
    assert not _opens(bytes(report.sealed_key), _every_key_of(cara, world.amane))
    page = client.get(f"/en/staff/amane/cases/{case.number}/")
    assert page.status_code == 200 and NARRATIVE in page.content.decode()
    # The reporter writes after the assignment: sealed for bob and the supervisors only.
    intake_actions.post_reporter_message(report, "A MESSAGE FROM THE CHILD")
    message = Message.objects.filter(report=report).latest("id")
    envelope = _value_envelope(message.for_organisation)
    assert _opens(envelope, _every_key_of(world.bob, world.amane))
    assert not _opens(envelope, _every_key_of(cara, world.amane))


def test_an_assignment_made_without_keys_is_sealed_when_a_supervisor_signs_in(
    world: World, signed_in: Any
) -> None:
    sara, cara = _team(world)
    case = new_case()
    # An assignment whose actor had no unlocked key (a job, a script): nothing re-sealed.
    actions.assign(case, sara.user, version=case.version, assignee=world.bob.user)
    report = Report.objects.get(pk=case.report_id)
    assert _opens(bytes(report.sealed_key), _every_key_of(cara, world.amane))
    assert list(assignment_keys.waiting_cases(world.amane)) == [case]
    admin_page = signed_in(world.alice).get("/en/staff/amane/case-keys/")
    assert '<td id="assigned-waiting">1</td>' in admin_page.content.decode()
    keys_page = signed_in(sara).get("/en/staff/amane/case-keys/")
    assert '<td id="assigned-waiting">0</td>' in keys_page.content.decode()
    report.refresh_from_db()
    assert list(assignment_keys.waiting_cases(world.amane)) == []
    assert not _opens(bytes(report.sealed_key), _every_key_of(cara, world.amane))
    assert _narrative_opens(world.bob, report)


def test_new_values_of_a_case_whose_assignee_left_open_for_supervisors_only(
    world: World, signed_in: Any
) -> None:
    sara, _cara = _team(world)
    case = _assigned_to_bob(sara)
    bobs_keys = _every_key_of(world.bob, world.amane)
    membership = Membership.objects.get(user=world.bob.user, organisation=world.amane)
    signed_in(world.alice).post(f"/en/staff/amane/members/{membership.pk}/deactivate/")
    case.refresh_from_db()
    note = actions.add_note(case, sara.user, "WRITTEN AFTER BOB LEFT")
    envelope = _value_envelope(Note.objects.get(pk=note.pk).body)
    assert envelope[:4] == encryption.ASSIGNED_ENVELOPE_MAGIC
    assert not _opens(envelope, bobs_keys)
    assert _opens(envelope, _every_key_of(sara, world.amane))


def test_a_supervisor_made_caseworker_loses_the_supervision_key(world: World) -> None:
    sara, _cara = _team(world)
    nadia = world.add_member("nadia", world.amane, Role.SUPERVISOR)
    membership = Membership.objects.get(user=sara.user, organisation=world.amane)
    alice_keyring = _keyring(world.alice)
    account_actions.change_role(
        membership, Role.CASEWORKER, actor=world.alice.user, actor_keyring=alice_keyring
    )
    assert not _keyring(sara).casework_private_keys(world.amane, KeyCircle.SUPERVISION)
    case = new_case()
    actions.assign(
        case, nadia.user, version=case.version, assignee=world.bob.user, keyring=_keyring(nadia)
    )
    report = Report.objects.get(pk=case.report_id)
    assert not _opens(bytes(report.sealed_key), _every_key_of(sara, world.amane))
    assert _narrative_opens(nadia, report)


def test_the_assignee_with_a_new_key_pair_still_opens_their_cases(world: World) -> None:
    sara, _cara = _team(world)
    case = _assigned_to_bob(sara)
    old_keys = _every_key_of(world.bob, world.amane)
    new_private_key = account_actions.renew_key_pair(
        world.bob.user, world.bob.private_key, world.bob.password, reason="password_change"
    )
    report = Report.objects.get(pk=case.report_id)
    assert _narrative_opens(world.bob, report, new_private_key)
    assert _narrative_opens(sara, report)
    note = actions.add_note(Case.objects.get(pk=case.pk), sara.user, "AFTER THE NEW KEY PAIR")
    assert not _opens(_value_envelope(Note.objects.get(pk=note.pk).body), old_keys)


def test_a_casework_generation_relabelled_as_supervision_is_refused(world: World) -> None:
    _team(world)
    casework = encryption.current_casework_key(world.amane)
    assert casework is not None
    # Someone with database write access turns the casework key (held by every caseworker)
    # into the newest supervision generation: its signature does not cover that circle.
    CaseworkKey.objects.filter(pk=casework.pk).update(circle=KeyCircle.SUPERVISION, version=99)
    assert encryption.current_casework_key(world.amane, KeyCircle.SUPERVISION).version != 99  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="organisation.casework_key_refused").exists()


def test_the_recovery_key_gives_a_new_team_the_cases_sealed_before(
    world: World, monkeypatch: Any
) -> None:
    sara, _cara = _team(world)
    case = _assigned_to_bob(sara)
    # Every holder leaves; a new supervisor starts afresh and opens nothing sealed before.
    admin_ring = _keyring(world.alice)
    for member in (world.bob, sara, _cara):
        membership = Membership.objects.get(user=member.user, organisation=world.amane)
        account_actions.deactivate_member(
            membership, actor=world.alice.user, actor_keyring=admin_ring
        )
    newcomer = account_actions.create_user("nour", "correct horse battery staple 42")
    account_actions.add_member(
        world.amane, admin_ring.organisation_private_key(world.amane), newcomer[0], Role.SUPERVISOR
    )
    nour = Member(newcomer[0], "", newcomer[1], world.bob.device)
    report = Report.objects.get(pk=case.report_id)
    assert not _narrative_opens(nour, report)

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "not a recovery key")
    with pytest.raises(CommandError):
        call_command("recover_case_keys", slug="amane", member="nour")
    with pytest.raises(CommandError):  # not a casework member
        call_command("recover_case_keys", slug="amane", member="alice")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": world.amane_recovery_key)
    call_command("recover_case_keys", slug="amane", member="nour", stdout=io.StringIO())
    assert _narrative_opens(nour, report)
    assert AuditEvent.objects.filter(action="organisation.casework_key_recovered").count() == 1
