"""Staff writings signed by their authors: someone with database access can write a note
"by" a caseworker (sealing needs only public keys), copy a signature, edit a timeline
entry or slip in a key of their own; the case page says each time that the entry is not
signed, or that its signature does not match, and the audit log records the mismatch."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from digiamen.accounts import actions as account_actions
from digiamen.cases import actions
from digiamen.cases.actions.sealing import seal_into_case
from digiamen.cases.models import Case, CaseEvent, Note
from digiamen.cases.tests.helpers import new_case, step
from digiamen.conftest import Member, World
from digiamen.core import encryption, writings
from digiamen.core.models import AuditEvent, WritingKey, WritingSignature

SIGNED = '<span class="signed"><span aria-hidden="true">✓</span> signed</span>'
UNSIGNED = '<span class="muted">not signed</span>'
BROKEN = "The signature does not match: not written as shown."


@pytest.fixture
def sara(world: World) -> Member:
    return world.add_member("sara", world.amane, "supervisor")


def _keyring(member: Member) -> encryption.KeyRing:
    return encryption.KeyRing(user=member.user, private_key=member.private_key)


def _case_with_a_note(signed_in: Any, sara: Member, world: World) -> Case:
    """Triaged, assigned and noted through the pages, as a member does: all signed."""
    case = new_case()
    client = signed_in(sara)
    step(client, case, "triage", risk="low")
    step(client, case, "assign", assignee=world.bob.user.pk)
    response = client.post(f"/en/staff/amane/cases/{case.number}/notes/", {"text": "SIGNED-NOTE"})
    assert response.status_code == 302
    case.refresh_from_db()
    return case


def _page(signed_in: Any, member: Member, case: Case) -> str:
    response = signed_in(member).get(f"/en/staff/amane/cases/{case.number}/")
    assert response.status_code == 200
    return str(response.content.decode())


def _sign_by_hand(signer: SigningKey, key: WritingKey, note: Note, case: Case, text: str) -> None:
    """A signature row written straight into the database, now, for ``key``'s user."""
    at = timezone.now()
    message = writings._message("cases.note", note.pk, case.pk, key.user_id, at, text.encode())
    WritingSignature.objects.create(
        table="cases.note",
        row=note.pk,
        key=key,
        signed_at=at,
        signature=signer.sign(message, encoder=RawEncoder).signature,
    )


def _note_line(page: str, text: str) -> str:
    return next(line for line in page.split("<li>") if text in line)


def test_what_members_write_through_the_pages_is_signed(
    signed_in: Any, sara: Member, world: World
) -> None:
    case = _case_with_a_note(signed_in, sara, world)
    note = Note.objects.get(case=case)
    assert WritingSignature.objects.filter(table="cases.note", row=note.pk).exists()
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    signed_events = WritingSignature.objects.filter(table="cases.caseevent").count()
    assert {"triaged", "assigned", "note_added"} <= kinds and signed_events >= 3
    key = WritingKey.objects.get(user=sara.user)
    assert key.retired_at is None and key.generation >= 1
    page = _page(signed_in, sara, case)
    assert SIGNED in _note_line(page, "SIGNED-NOTE")
    assert BROKEN not in page and UNSIGNED not in page


def test_a_note_written_into_the_database_is_not_signed(
    signed_in: Any, sara: Member, world: World
) -> None:
    case = _case_with_a_note(signed_in, sara, world)
    forged = Note.objects.create(case=case, author=sara.user, body=b"", created_at=timezone.now())
    seal_into_case(case, forged, "body", "FORGED-NOTE")  # public keys suffice to seal
    page = _page(signed_in, sara, case)
    assert UNSIGNED in _note_line(page, "FORGED-NOTE")
    assert SIGNED in _note_line(page, "SIGNED-NOTE")


def test_a_copied_signature_or_an_edited_entry_does_not_match_and_is_recorded(
    signed_in: Any, sara: Member, world: World
) -> None:
    case = _case_with_a_note(signed_in, sara, world)
    real = Note.objects.get(case=case)
    forged = Note.objects.create(case=case, author=sara.user, body=b"")
    seal_into_case(case, forged, "body", "FORGED-NOTE")
    original = WritingSignature.objects.get(table="cases.note", row=real.pk)
    WritingSignature.objects.create(
        table="cases.note",
        row=forged.pk,
        key=original.key,
        signed_at=original.signed_at,
        signature=bytes(original.signature),
    )
    # The risk decision in the timeline, changed after the fact.
    triaged = CaseEvent.objects.get(case=case, kind="triaged")
    CaseEvent.objects.filter(pk=triaged.pk).update(details={**triaged.details, "risk": "high"})
    before = AuditEvent.objects.filter(action="writing.signature_broken").count()
    page = _page(signed_in, sara, case)
    assert BROKEN in _note_line(page, "FORGED-NOTE")
    assert page.count(BROKEN) == 2  # the note and the timeline entry
    assert AuditEvent.objects.filter(action="writing.signature_broken").count() == before + 2


def test_a_key_slipped_into_the_database_is_not_trusted(
    signed_in: Any, sara: Member, world: World
) -> None:
    case = _case_with_a_note(signed_in, sara, world)
    forged = Note.objects.create(case=case, author=world.bob.user, body=b"")
    seal_into_case(case, forged, "body", "FORGED-BY-BOB")
    attacker = SigningKey.generate()
    key = WritingKey.objects.create(
        organisation=world.amane,
        user=world.bob.user,
        verify_key=bytes(attacker.verify_key),
        generation=1,
        certificate=bytes(64),
    )
    _sign_by_hand(attacker, key, forged, case, "FORGED-BY-BOB")
    assert BROKEN in _note_line(_page(signed_in, sara, case), "FORGED-BY-BOB")


def test_a_removed_member_signs_nothing_after_removal_and_earlier_writing_still_holds(
    signed_in: Any, sara: Member, world: World
) -> None:
    case = _case_with_a_note(signed_in, sara, world)
    account_actions.deactivate_member(
        sara.user.memberships.get(),
        actor=world.alice.user,
        actor_keyring=_keyring(world.alice),
    )
    key = WritingKey.objects.get(user=sara.user)
    assert key.retired_at is not None
    # Her key ring (kept from before) no longer certifies or signs here.
    with writings.acting_as(_keyring(sara)):
        late = actions.add_note(case, sara.user, "AFTER-REMOVAL")
    assert not WritingSignature.objects.filter(table="cases.note", row=late.pk).exists()
    # A signature she makes with her own key, dated after her removal, does not hold.
    _sign_by_hand(writings.writing_key_of(_keyring(sara)), key, late, case, "AFTER-REMOVAL")
    page = _page(signed_in, world.bob, case)
    assert SIGNED in _note_line(page, "SIGNED-NOTE")
    assert BROKEN in _note_line(page, "AFTER-REMOVAL")


def test_a_member_without_the_organisation_key_writes_unsigned(sara: Member, world: World) -> None:
    case = new_case()
    stranger = encryption.KeyRing(user=sara.user, private_key=PrivateKey.generate())
    with writings.acting_as(stranger):
        note = actions.add_note(case, sara.user, "NO-KEY")
    assert not WritingSignature.objects.filter(table="cases.note", row=note.pk).exists()
    assert not WritingKey.objects.filter(user=sara.user).exists()


def test_a_renewed_key_pair_certifies_a_new_writing_key_and_old_signatures_hold(
    signed_in: Any, sara: Member, world: World
) -> None:
    case = _case_with_a_note(signed_in, sara, world)
    old = WritingKey.objects.get(user=sara.user)
    new_private_key = account_actions.renew_key_pair(
        sara.user, sara.private_key, sara.password, reason="test"
    )
    old.refresh_from_db()
    assert old.retired_at is not None  # at once, not at her next writing
    # Whoever kept her old private key signs a note after the renewal: it does not hold.
    late = Note.objects.create(case=case, author=sara.user, body=b"")
    seal_into_case(case, late, "body", "WITH-THE-OLD-KEY")
    _sign_by_hand(writings.writing_key_of(_keyring(sara)), old, late, case, "WITH-THE-OLD-KEY")
    renewed = encryption.KeyRing(user=sara.user, private_key=new_private_key)
    with writings.acting_as(renewed):
        actions.add_note(case, sara.user, "AFTER-RENEWAL")
    old.refresh_from_db()
    current = WritingKey.objects.get(user=sara.user, retired_at=None)
    assert old.retired_at is not None and bytes(current.verify_key) != bytes(old.verify_key)
    page = _page(signed_in, world.bob, case)
    assert SIGNED in _note_line(page, "SIGNED-NOTE")
    assert SIGNED in _note_line(page, "AFTER-RENEWAL")
    assert BROKEN in _note_line(page, "WITH-THE-OLD-KEY")
