"""Need-to-know held by the keys: case data opens only with the casework key, which only
caseworkers and supervisors hold (docs/security-model.md, "Need-to-know in the keys").

The attacker of these tests has a copy of the database and one member's password: every
key that password opens, they hold.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from nacl.public import PrivateKey

from digiamen.accounts import actions as account_actions
from digiamen.accounts import casework_keys
from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.cases import actions, key_migration
from digiamen.cases.models import Note
from digiamen.cases.tests.helpers import NARRATIVE, new_case
from digiamen.conftest import Member, World
from digiamen.core import crypto, encryption
from digiamen.core.models import AuditEvent, CaseworkKey, CaseworkKeyGrant
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Message, Report

NOT_CASEWORK = [
    Role.ORG_ADMIN,
    Role.DATA_OFFICER,
    Role.PLATFORM_LIAISON,
    Role.NETWORK_COORDINATOR,
]


def _request(member: Member, private_key: PrivateKey | None = None) -> Any:
    request = RequestFactory().get("/")
    request.user = member.user
    request.keyring = encryption.KeyRing(
        user=member.user, private_key=private_key or member.private_key
    )
    return request


def _every_key_of(member: Member, organisation: Organisation) -> list[PrivateKey]:
    """Every private key the member's password opens, from the database alone: their own,
    every organisation key generation and every casework generation granted to them."""
    keyring = encryption.KeyRing(user=member.user, private_key=member.private_key)
    keys = [member.private_key]
    with contextlib.suppress(encryption.AccessDenied):
        current = keyring.organisation_private_key(organisation)
        keys += encryption.generation_private_keys(organisation, current).values()
    keys += keyring.casework_private_keys(organisation).values()
    return keys


def _opens(envelope: bytes, keys: list[PrivateKey]) -> bool:
    body = bytes(envelope)[8:]
    for key in keys:
        with contextlib.suppress(crypto.DecryptionError):
            crypto.unseal(key, body)
            return True
    return False


def _narrative_opens(member: Member, report: Report) -> bool:
    try:
        opened = intake_actions.open_report(_request(member), report)
    except (encryption.AccessDenied, crypto.DecryptionError):
        return False
    return opened.narrative == NARRATIVE


@pytest.mark.parametrize("role", NOT_CASEWORK)
def test_a_member_outside_casework_opens_no_narrative(world: World, role: str) -> None:
    member = world.add_member(f"m-{role}"[:30], world.amane, role)
    case = new_case()
    actions.add_note(case, world.bob.user, "NOTE-ABOUT-THE-CHILD")
    report = Report.objects.get(pk=case.report_id)
    envelope = bytes(report.sealed_key)
    assert envelope[:4] == encryption.CASEWORK_ENVELOPE_MAGIC
    # The caseworker opens it: the test can fail.
    assert _narrative_opens(world.bob, report)
    assert _opens(envelope, _every_key_of(world.bob, world.amane))
    # Every key this member's password opens, tried on the raw envelope and through the code.
    keys = _every_key_of(member, world.amane)
    assert len(keys) >= 2  # they do hold the organisation key
    assert not _opens(envelope, keys)
    assert not _narrative_opens(member, report)
    note = bytes(Note.objects.get(case=case).body)
    assert not _opens(encryption.split_sealed(note)[0], keys)
    assert not CaseworkKeyGrant.objects.filter(user=member.user).exists()


def test_caseworkers_and_supervisors_hold_it(world: World) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    dina = world.add_member("dina", world.amane, Role.CASEWORKER)
    report = Report.objects.get(pk=new_case().report_id)
    for member in (world.bob, sara, dina):
        assert _narrative_opens(member, report)
    # Another organisation's caseworker holds another casework key.
    assert not _opens(bytes(report.sealed_key), _every_key_of(world.charlie, world.jordan))


def test_a_removed_caseworker_opens_nothing_sealed_after(world: World, signed_in: Any) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    before = Report.objects.get(pk=new_case().report_id)
    # What bob could take with him: his password and a copy of the database now.
    bobs_keys = _every_key_of(world.bob, world.amane)
    bobs_grants = list(CaseworkKeyGrant.objects.filter(user=world.bob.user))
    assert _opens(bytes(before.sealed_key), bobs_keys)

    membership = Membership.objects.get(user=world.bob.user, organisation=world.amane)
    signed_in(world.alice).post(f"/en/staff/amane/members/{membership.pk}/deactivate/")
    assert not CaseworkKeyGrant.objects.filter(user=world.bob.user).exists()
    assert encryption.current_casework_key(world.amane).version == 2  # type: ignore[union-attr]

    after = Report.objects.get(pk=new_case().report_id)
    assert _narrative_opens(sara, after)  # the remaining supervisor got the new generation
    assert not _opens(bytes(after.sealed_key), bobs_keys)
    for grant in bobs_grants:  # his old grants, from the copy, open only old generations
        old_key = crypto.private_key_from_bytes(
            crypto.unseal(world.bob.private_key, bytes(grant.sealed_private_key))
        )
        assert not _opens(bytes(after.sealed_key), [old_key])


def test_a_caseworker_given_another_role_loses_the_key(world: World, signed_in: Any) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    membership = Membership.objects.get(user=world.bob.user, organisation=world.amane)
    alice_keyring = encryption.KeyRing(user=world.alice.user, private_key=world.alice.private_key)
    account_actions.change_role(
        membership, Role.DATA_OFFICER, actor=world.alice.user, actor_keyring=alice_keyring
    )
    assert not CaseworkKeyGrant.objects.filter(user=world.bob.user).exists()
    report = Report.objects.get(pk=new_case().report_id)
    assert _narrative_opens(sara, report)
    assert not _opens(bytes(report.sealed_key), _every_key_of(world.bob, world.amane))
    # Back to casework: an admin (no casework key) cannot give it, a holder can.
    account_actions.change_role(
        membership, Role.CASEWORKER, actor=world.alice.user, actor_keyring=alice_keyring
    )
    assert not _narrative_opens(world.bob, report)
    assert casework_keys.grant_waiting_members(world.amane, _request(sara).keyring) == 1
    assert _narrative_opens(world.bob, report)


def test_an_admin_adding_a_supervisor_leaves_them_waiting_for_a_holder(
    world: World, signed_in: Any
) -> None:
    case = new_case()
    user, private_key = account_actions.create_user("sami", "correct horse battery staple 42")
    membership = account_actions.add_member(
        world.amane, world.amane_key, user, Role.SUPERVISOR, actor=world.alice.user
    )
    sami = Member(user, "correct horse battery staple 42", private_key, world.bob.device)
    assert not _narrative_opens(sami, case.report)
    assert AuditEvent.objects.filter(action="membership.casework_key_waiting").exists()
    status = casework_keys.casework_key_status(world.amane)
    assert (status.holders, status.waiting) == (1, 1)
    alice = signed_in(world.alice)
    page = alice.get("/en/staff/amane/case-keys/")
    assert page.status_code == 200 and b"waiting for it" in page.content
    # The admin holds no casework key: the button is not theirs.
    assert alice.post("/en/staff/amane/case-keys/share/").status_code == 302
    assert not _narrative_opens(sami, case.report)
    # The caseworker signs in: the supervisor is given every generation.
    signed_in(world.bob)
    assert _narrative_opens(sami, case.report)
    assert casework_keys.casework_key_status(world.amane).waiting == 0
    assert membership.role == Role.SUPERVISOR


def test_the_first_caseworker_starts_the_key_and_a_keyless_team_starts_anew(world: World) -> None:
    created = account_actions.create_organisation(slug="nour", name="Nour", country="TN")
    assert not CaseworkKey.objects.filter(
        organisation=created.organisation, circle="casework"
    ).exists()
    user, private_key = account_actions.create_user("nadia", "correct horse battery staple 42")
    account_actions.add_member(created.organisation, created.private_key, user, Role.CASEWORKER)
    assert (
        CaseworkKey.objects.filter(organisation=created.organisation, circle="casework").count()
        == 1
    )
    keyring = encryption.KeyRing(user=user, private_key=private_key)
    assert keyring.current_casework_private_key(created.organisation) is not None
    # Every holder gone (deactivated without a rotation, e.g. by the operator): a newcomer
    # cannot wait for nobody, so a new generation is made for them.
    Membership.objects.filter(user=user).update(is_active=False)
    other, other_key = account_actions.create_user("nabil", "correct horse battery staple 42")
    account_actions.add_member(created.organisation, created.private_key, other, Role.SUPERVISOR)
    assert (
        CaseworkKey.objects.filter(organisation=created.organisation, circle="casework").count()
        == 2
    )
    other_ring = encryption.KeyRing(user=other, private_key=other_key)
    assert list(other_ring.casework_private_keys(created.organisation)) == [2]


def test_a_casework_generation_not_signed_by_the_organisation_is_ignored(world: World) -> None:
    """Someone with database write access adds a casework key of their own: new reports are
    not sealed to it, and nobody is granted it."""
    attacker = crypto.new_private_key()
    current = encryption.current_casework_key(world.amane)
    assert current is not None
    CaseworkKey.objects.create(
        organisation=world.amane,
        version=current.version + 1,
        public_key=bytes(attacker.public_key),
        recovery_sealed_private_key=b"x",
        recovery_public_key=bytes(world.amane.recovery_public_key),
        signature=b"\0" * 64,
        signed_by_version=1,
    )
    assert encryption.current_casework_key(world.amane) == current
    report = Report.objects.get(pk=new_case().report_id)
    assert not _opens(bytes(report.sealed_key), [attacker])
    assert _narrative_opens(world.bob, report)
    assert AuditEvent.objects.filter(action="organisation.casework_key_refused").exists()


def test_a_new_key_pair_leaves_the_old_private_key_opening_nothing_new(world: World) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    old_keys = _every_key_of(world.bob, world.amane)
    new_private_key = account_actions.renew_key_pair(
        world.bob.user, world.bob.private_key, world.bob.password, reason="password_change"
    )
    report = Report.objects.get(pk=new_case().report_id)
    assert not _opens(bytes(report.sealed_key), old_keys)
    assert _narrative_opens(Member(world.bob.user, "", new_private_key, world.bob.device), report)
    assert _narrative_opens(sara, report)


def test_recovery_key_opens_the_casework_key_and_follows_its_rotation(
    world: World, signed_in: Any
) -> None:
    report = Report.objects.get(pk=new_case().report_id)
    recovered = encryption.recover_casework_keys(world.amane, world.amane_recovery_key)
    assert _opens(bytes(report.sealed_key), list(recovered.values()))
    # Rotated from an admin's session: the admin holds no casework key, the next holder to
    # sign in seals it to the new recovery key.
    alice_keyring = encryption.KeyRing(user=world.alice.user, private_key=world.alice.private_key)
    new = account_actions.rotate_recovery_key(
        world.amane,
        actor=world.alice.user,
        organisation_private_key=alice_keyring.organisation_private_key(world.amane),
    )
    world.amane.refresh_from_db()
    assert casework_keys.casework_key_status(world.amane).old_recovery_seals == 1
    signed_in(world.bob)
    world.amane.refresh_from_db()
    assert casework_keys.casework_key_status(world.amane).old_recovery_seals == 0
    recovered = encryption.recover_casework_keys(world.amane, new.recovery_key)
    assert _opens(bytes(report.sealed_key), list(recovered.values()))
    with pytest.raises(crypto.DecryptionError):
        encryption.recover_casework_keys(world.amane, world.amane_recovery_key)


def _as_before_the_casework_key(world: World) -> None:
    """Amane as it was before this change: no casework key, case data sealed to the
    organisation key."""
    CaseworkKey.objects.filter(organisation=world.amane).delete()
    Organisation.objects.filter(pk=world.amane.pk).update(case_keys_migrated_at=None)
    world.amane.refresh_from_db()


def test_case_data_sealed_before_moves_when_a_caseworker_signs_in(
    world: World, signed_in: Any
) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    officer = world.add_member("olga", world.amane, Role.DATA_OFFICER)
    _as_before_the_casework_key(world)
    open_case = new_case()
    closed = new_case()
    actions.add_note(open_case, sara.user, "OLD-NOTE")
    message_row = Message.objects.create(
        report=open_case.report,
        direction=Message.Direction.FROM_REPORTER,
        for_organisation=b"",
        for_reporter=b"",
    )
    encryption.store_sealed(
        message_row,
        "for_organisation",
        lambda place: encryption.seal_for_casework(world.amane, "OLD-MESSAGE", place=place),
        open_case.report,
    )
    closed = actions.triage(closed, sara.user, version=closed.version, risk="low", flags=[])
    closed = actions.assign(closed, sara.user, version=closed.version, assignee=sara.user)
    closed = actions.start(closed, sara.user, version=closed.version)
    closed = actions.close(closed, sara.user, version=closed.version, reason="resolved")
    reports = [Report.objects.get(pk=c.report_id) for c in (open_case, closed)]
    assert bytes(reports[0].sealed_key)[:4] == encryption.ENVELOPE_MAGIC
    # Before: the data officer's key opens the old envelope (what the migration ends).
    assert _opens(bytes(reports[0].sealed_key), _every_key_of(officer, world.amane))
    left = key_migration.left_to_migrate(world.amane)
    assert left >= 4

    alice = signed_in(world.alice)
    page = alice.get("/ar/staff/amane/case-keys/").content.decode()
    assert f"<td>{left}</td>" in page

    signed_in(world.bob)
    world.amane.refresh_from_db()
    assert world.amane.case_keys_migrated_at is not None
    assert key_migration.left_to_migrate(world.amane) == 0
    assert encryption.current_casework_key(world.amane) is not None
    for report in Report.objects.filter(pk__in=[r.pk for r in reports]):
        assert _narrative_opens(sara, report)
        assert _narrative_opens(world.bob, report)
        assert not _narrative_opens(officer, report)
    open_report = Report.objects.get(pk=open_case.report_id)
    assert bytes(open_report.sealed_key)[:4] == encryption.CASEWORK_ENVELOPE_MAGIC
    assert not _opens(bytes(open_report.sealed_key), _every_key_of(officer, world.amane))
    note_row = Note.objects.get(case=open_case)
    place = encryption.Place.of(note_row, "body", open_case)
    assert (
        encryption.open_for_member(_request(sara), world.amane, bytes(note_row.body), place=place)
        == b"OLD-NOTE"
    )
    message = bytes(Message.objects.get(report=open_report).for_organisation)
    assert encryption.split_sealed(message)[0][:4] == encryption.CASEWORK_ENVELOPE_MAGIC
    # The closed case is still wrapped for its purge period, around a casework envelope.
    closed_envelope = bytes(Report.objects.get(pk=closed.report_id).sealed_key)
    assert encryption.is_purge_wrapped(closed_envelope)
    event = AuditEvent.objects.get(action="organisation.case_data_resealed")
    assert event.details["values"] >= 4 and set(event.details) == {"values", "casework_version"}
    assert timezone.now() >= world.amane.case_keys_migrated_at


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.DATA_OFFICER, Role.PLATFORM_LIAISON])
def test_the_case_key_page_is_for_admins_and_supervisors(
    world: World, signed_in: Any, role: str
) -> None:
    member = world.bob if role == Role.CASEWORKER else world.add_member("x", world.amane, role)
    client = signed_in(member)
    assert client.get("/en/staff/amane/case-keys/").status_code == 403
    assert client.post("/en/staff/amane/case-keys/share/").status_code == 403


def test_the_case_key_page_answers_its_own_organisation_only(world: World, signed_in: Any) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    page = signed_in(sara).get("/fr/staff/amane/case-keys/")
    assert page.status_code == 200
    jordan_admin = world.add_member("jalal", world.jordan, Role.ORG_ADMIN)
    jordan = signed_in(jordan_admin)
    assert jordan.get("/en/staff/amane/case-keys/").status_code == 404
    assert jordan.post("/en/staff/amane/case-keys/share/").status_code == 404
    for response in (
        Client().get("/en/staff/amane/case-keys/"),
        Client().post("/en/staff/amane/case-keys/share/"),
    ):
        assert response.status_code == 302 and "/staff/login/" in response["Location"]
    assert signed_in(sara).get("/en/staff/amane/case-keys/share/").status_code == 405


def test_a_supervisor_shares_the_key_from_the_page(world: World, signed_in: Any) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    user, private_key = account_actions.create_user("sami", "correct horse battery staple 42")
    account_actions.add_member(world.amane, world.amane_key, user, Role.CASEWORKER)
    sami = Member(user, "", private_key, world.bob.device)
    report = Report.objects.get(pk=new_case().report_id)
    assert not _narrative_opens(sami, report)
    client = signed_in(sara)
    # Signing in shared it already; a new waiting member is shared from the page.
    other, other_key = account_actions.create_user("sura", "correct horse battery staple 42")
    account_actions.add_member(world.amane, world.amane_key, other, Role.CASEWORKER)
    response = client.post("/en/staff/amane/case-keys/share/", follow=True)
    assert response.status_code == 200
    assert _narrative_opens(sami, report)
    assert _narrative_opens(Member(other, "", other_key, world.bob.device), report)


def test_reports_that_came_before_any_casework_member_move_to_the_first_key(
    world: World,
) -> None:
    created = account_actions.create_organisation(slug="nour", name="Nour", country="TN")
    case = new_case(organisation_country="TN")
    assert case.organisation == created.organisation
    report = Report.objects.get(pk=case.report_id)
    assert bytes(report.sealed_key)[:4] == encryption.ENVELOPE_MAGIC  # no casework key yet
    user, private_key = account_actions.create_user("nadia", "correct horse battery staple 42")
    account_actions.add_member(created.organisation, created.private_key, user, Role.CASEWORKER)
    created.organisation.refresh_from_db()
    assert key_migration.left_to_migrate(created.organisation) == 1
    casework_keys.on_sign_in(user, private_key)  # what her sign-in does
    created.organisation.refresh_from_db()
    assert key_migration.left_to_migrate(created.organisation) == 0
    report.refresh_from_db()
    assert bytes(report.sealed_key)[:4] == encryption.CASEWORK_ENVELOPE_MAGIC
    nadia = Member(user, "", private_key, world.bob.device)
    assert _narrative_opens(nadia, report)
