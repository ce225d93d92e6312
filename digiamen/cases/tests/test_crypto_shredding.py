"""Crypto-shredding: a purged case's sealed values open with no key that still exists.

The attacker of these tests copied every sealed byte string of a case from the database
after the case was closed (a stolen copy, dead rows, free pages, WAL). After the purge they
hold every key that still exists: every organisation key generation (through the recovery
key) and every purge period key that was not destroyed.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import pytest
from django.test import RequestFactory, override_settings
from django.utils import timezone
from nacl.public import PrivateKey

from digiamen.accounts.models import Organisation
from digiamen.cases import actions, sealed_values
from digiamen.cases.models import Case, ConsentRecord, Escalation, Note, Task, Transfer
from digiamen.cases.tests.helpers import new_case
from digiamen.channels import store
from digiamen.channels.models import Conversation, Gateway, OutboundMessage
from digiamen.conftest import Member, World
from digiamen.core import crypto, encryption
from digiamen.core.models import PurgePeriodKey
from digiamen.directory.tests.helpers import make_directory_organisation, make_service
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Message, Report
from digiamen.media.models import ReportedImage
from digiamen.referrals import actions as actions_referrals
from digiamen.referrals.models import Referral

MARKS = {
    "narrative": "SHRED-NARRATIVE",
    "note": "SHRED-NOTE",
    "task": "SHRED-TASK",
    "message": "SHRED-MESSAGE",
    "best_interests": "SHRED-BEST-INTERESTS",
    "escalation": "@shred_offender",
    "referral": "SHRED-REFERRAL",
}


def _request(member: Member) -> Any:
    request = RequestFactory().get("/")
    request.user = member.user
    request.keyring = encryption.KeyRing(user=member.user, private_key=member.private_key)
    return request


def _closed_case_with_every_sealed_value(world: World) -> tuple[Case, Member]:
    sara = world.add_member("sara", world.amane, "supervisor")
    jo = world.add_member("jo", world.jordan, "supervisor")
    case = new_case(narrative=MARKS["narrative"] + " about the child")
    request = _request(sara)
    case = actions.triage(case, sara.user, version=case.version, risk="low", flags=[])
    case = actions.assign(case, sara.user, version=case.version, assignee=sara.user)
    case = actions.start(case, sara.user, version=case.version)
    actions.add_note(case, sara.user, MARKS["note"])
    actions.add_task(case, sara.user, title=MARKS["task"], due_at=timezone.now(), assignee=None)
    intake_actions.post_reporter_message(case.report, MARKS["message"])
    actions.override_consent(case, sara.user, purpose="referral", reason=MARKS["best_interests"])
    actions.escalate(
        case, sara.user, platform="tiktok", kind="takedown", reference=MARKS["escalation"]
    )
    accepted = actions.transfer_case(request, case, sara.user, to_organisation=world.jordan)
    actions.decide_transfer(_request(jo), accepted, jo.user, accept=True)
    actions.transfer_case(request, case, sara.user, to_organisation=world.jordan)  # pending
    service = make_service(make_directory_organisation(name="Jordan", owner=world.jordan))
    actions_referrals.refer(request, case, sara.user, service=service, reason=MARKS["referral"])
    ReportedImage.objects.create(
        report=case.report,
        organisation=world.amane,
        md5="a" * 32,
        sha256="b" * 64,
        pdq="c" * 64,
        pdq_quality=90,
        hashed_on=ReportedImage.HashedOn.DEVICE,
        hotline_reference="HOTLINE-REF",
    )
    gateway = Gateway.objects.create(organisation=world.amane, name="SMS", secret_hash="x")
    Conversation.objects.create(
        gateway=gateway,
        sender_lookup="LOOKUP-OF-THE-SENDER",
        reply_to=store.seal("+212600000000", purpose="test"),
        language="fr",
        step="done",
        answers=b"",
        expires_at=timezone.now(),
        report=case.report,
    )
    OutboundMessage.objects.create(
        gateway=gateway, report=case.report, reply_to=b"number", text=b"reply"
    )
    case.refresh_from_db()
    case = actions.close(case, sara.user, version=case.version, reason="resolved")
    return case, sara


def _sealed_values(case: Case) -> dict[str, tuple[Organisation, bytes]]:
    """What the attacker copies: every sealed byte string of the case, named."""
    report = Report.objects.get(pk=case.report_id)
    found: dict[str, tuple[Organisation, bytes]] = {
        "report.0": (case.organisation, bytes(report.sealed_key))
    }
    rows: list[tuple[str, Any, str]] = [
        ("note", Note.objects.filter(case=case), "body"),
        ("task", Task.objects.filter(case=case), "title"),
        ("message", Message.objects.filter(report=report), "for_organisation"),
        ("override", ConsentRecord.objects.exclude(override_reason=None), "override_reason"),
        ("escalation", Escalation.objects.filter(case=case), "content_reference"),
        ("referral.reason", Referral.objects.filter(case=case), "sealed_reason"),
    ]
    for name, queryset, field_name in rows:
        for index, value in enumerate(queryset.values_list(field_name, flat=True)):
            found[f"{name}.{index}"] = (case.organisation, bytes(value))
    for index, transfer in enumerate(Transfer.objects.filter(case=case).exclude(sealed_copy=b"")):
        found[f"transfer.copy.{index}"] = (transfer.to_organisation, bytes(transfer.sealed_copy))
    for index, referral in enumerate(Referral.objects.filter(case=case).exclude(sealed_copy=b"")):
        assert referral.to_organisation is not None
        found[f"referral.copy.{index}"] = (referral.to_organisation, bytes(referral.sealed_copy))
    return {name: value for name, value in found.items() if value[1]}


def _every_key_that_exists(organisation: Organisation, organisation_key: PrivateKey) -> list[Any]:
    """Every organisation key generation, and every remaining purge period private key."""
    generations = encryption.generation_private_keys(organisation, organisation_key)
    keys: list[PrivateKey] = list(generations.values())
    for period_key in PurgePeriodKey.objects.filter(organisation=organisation):
        keys.append(
            crypto.private_key_from_bytes(
                crypto.unseal(
                    generations[period_key.key_version], bytes(period_key.sealed_private_key)
                )
            )
        )
    return keys


def _data_key_opens(envelope: bytes, keys: list[PrivateKey]) -> bool:
    """Whether any of ``keys`` opens the envelope down to its data key (any depth)."""
    layers = [bytes(envelope)]
    while layers:
        layer = layers.pop()
        if layer[:4] in (
            encryption.ENVELOPE_MAGIC,
            encryption.CASEWORK_ENVELOPE_MAGIC,
            encryption.PURGE_ENVELOPE_MAGIC,
        ):
            body = layer[8:]
        else:
            return True  # a layer opened to something that is not an envelope: a data key
        for key in keys:
            with contextlib.suppress(crypto.DecryptionError):  # this key does not open it
                layers.append(crypto.unseal(key, body))
    return False


def _opens(name: str, sealed: bytes, keys: list[PrivateKey]) -> bool:
    envelope = sealed if name == "report.0" else encryption.split_sealed(sealed)[0]
    return _data_key_opens(envelope, keys)


def _keys_of(world: World, organisation: Organisation) -> list[PrivateKey]:
    # The current generation as the offline recovery key gives it (Amane), or as a member
    # holds it (Jordan); older generations follow from it.
    # Every casework key generation too: through the recovery key (Amane), or as a member
    # holding it opens it (Jordan).
    if organisation == world.amane:
        organisation_key = encryption.recover_organisation_key(
            organisation, world.amane_recovery_key
        )
        casework = encryption.recover_casework_keys(organisation, world.amane_recovery_key)
    else:
        organisation_key = world.jordan_key
        holder = encryption.KeyRing(user=world.charlie.user, private_key=world.charlie.private_key)
        casework = holder.casework_private_keys(organisation)
    assert casework, "the attacker holds the casework keys too"
    return _every_key_that_exists(organisation, organisation_key) + list(casework.values())


@pytest.mark.django_db(transaction=True)
def test_a_purged_case_opens_with_no_key_that_still_exists(world: World) -> None:
    case, _sara = _closed_case_with_every_sealed_value(world)
    copied = _sealed_values(case)
    # One of each kind (the accepted transfer's copy was deleted at acceptance).
    kinds = {name.rsplit(".", 1)[0] for name in copied}
    assert kinds == {
        "report",
        "note",
        "task",
        "message",
        "override",
        "escalation",
        "referral.reason",
        "referral.copy",
        "transfer.copy",
    }
    # Before the purge the organisations still open all of it: the test can fail.
    for name, (organisation, sealed) in copied.items():
        assert _opens(name, sealed, _keys_of(world, organisation)), name
        # And the organisation key alone no longer does: closure sealed it to the period key.
        alone = list(
            encryption.generation_private_keys(organisation, _current(world, organisation)).values()
        )
        assert not _opens(name, sealed, alone), name

    # A member leaves after the closure: a second key generation, which carries the first.
    _new_key, world.amane_key = encryption.rotate_organisation_key(
        world.amane, world.amane_key, [world.members["sara"].user]
    )
    assert len(encryption.generation_private_keys(world.amane, world.amane_key)) == 2

    assert case.closed_at is not None
    expiry = case.closed_at + timedelta(days=actions.settings_for(world.amane).retention_days)
    after_period = (expiry + timedelta(days=40)).replace(day=1)
    assert actions.purge_expired_cases(now=after_period) == 1

    for name, (organisation, sealed) in copied.items():
        assert not _opens(name, sealed, _keys_of(world, organisation)), name
    assert not PurgePeriodKey.objects.filter(period__lt=after_period.date().replace(day=1)).exists()


def _current(world: World, organisation: Organisation) -> PrivateKey:
    return world.amane_key if organisation == world.amane else world.jordan_key


@pytest.mark.django_db(transaction=True)
def test_purge_removes_every_sealed_field_the_issue_lists(world: World) -> None:
    case, _sara = _closed_case_with_every_sealed_value(world)
    actions.purge_case(case)
    report = Report.objects.get(pk=case.report_id)
    assert bytes(report.sealed_key) == b"" and bytes(report.narrative) == b""
    assert not Note.objects.filter(case=case).exists()
    assert not Task.objects.filter(case=case).exists()
    assert not Message.objects.filter(report=report).exists()
    # Escalation references (the offender's handle or link); the statistics stay.
    escalation = Escalation.objects.get(case=case)
    assert bytes(escalation.content_reference) == b"" and escalation.platform == "tiktok"
    # Best-interests reasons; the decision stays.
    override = ConsentRecord.objects.get(case=case, method=ConsentRecord.Method.OVERRIDE)
    assert override.override_reason is None and override.granted
    # Transfers' sealed copies (story and contact), accepted or pending.
    assert Transfer.objects.filter(case=case).count() == 2
    assert all(bytes(t.sealed_copy) == b"" for t in Transfer.objects.filter(case=case))
    assert not Transfer.objects.filter(case=case, status=Transfer.Status.PENDING).exists()
    # Referrals' sealed fields.
    referral = Referral.objects.get(case=case)
    assert bytes(referral.sealed_reason) == b"" and bytes(referral.sealed_copy) == b""
    # Reported pictures' hashes (the match result stays by default).
    # A text-message sender's number and lookup, and replies waiting for the gateway.
    conversation = Conversation.objects.get(report=report)
    assert bytes(conversation.reply_to) == b"" and conversation.sender_lookup == ""
    assert not OutboundMessage.objects.filter(report=report).exists()
    image = ReportedImage.objects.get(report=report)
    assert (image.md5, image.sha256, image.pdq, image.hotline_reference) == ("", "", "", "")
    assert image.pdq_quality is None


@pytest.mark.django_db(transaction=True)
@override_settings(PURGE_KEEPS_IMAGE_MATCHES=False)
def test_purge_can_delete_the_pictures_with_their_match_results(world: World) -> None:
    case, _sara = _closed_case_with_every_sealed_value(world)
    actions.purge_case(case)
    assert not ReportedImage.objects.filter(report_id=case.report_id).exists()


@pytest.mark.django_db(transaction=True)
def test_accepted_transfer_keeps_no_copy(world: World) -> None:
    case, _sara = _closed_case_with_every_sealed_value(world)
    accepted = Transfer.objects.get(case=case, status=Transfer.Status.ACCEPTED)
    assert bytes(accepted.sealed_copy) == b""


@pytest.mark.django_db(transaction=True)
def test_a_closed_case_not_yet_expired_still_opens_and_reopens(world: World) -> None:
    case, sara = _closed_case_with_every_sealed_value(world)
    request = _request(sara)
    assert case.purge_key is not None
    # The purge job of today destroys nothing this case needs.
    assert actions.purge_expired_cases() == 0
    assert PurgePeriodKey.objects.filter(pk=case.purge_key.pk).exists()
    report = Report.objects.get(pk=case.report_id)
    record_key = encryption.open_record_key(
        request, world.amane, bytes(report.sealed_key), audit_object=report
    )
    narrative = record_key.decrypt_text(
        report.narrative, field="narrative", record=str(report.public_id)
    )
    assert narrative.startswith(MARKS["narrative"])
    escalation = Escalation.objects.get(case=case)
    assert (
        encryption.open_for_member(
            request,
            world.amane,
            bytes(escalation.content_reference),
            place=encryption.Place.of(escalation, "content_reference", case),
        ).decode()
        == MARKS["escalation"]
    )
    # The receiver still opens the referral copy sealed to its own period key.
    jo = world.members["jo"]
    referral = Referral.objects.get(case=case)
    assert actions_referrals.open_copy(_request(jo), referral)

    # Reopening needs the supervisor's key, and seals everything back to the organisation's
    # own keys (the casework key for case data): no purge period key needed any more.
    with pytest.raises(actions.ActionError):
        actions.reopen(case, sara.user, version=case.version)
    case = actions.reopen(case, sara.user, version=case.version, request=request)
    assert case.purge_key is None
    sara_keys = list(
        encryption.generation_private_keys(world.amane, world.amane_key).values()
    ) + list(request.keyring.casework_private_keys(world.amane).values())
    for name, (organisation, sealed) in _sealed_values(case).items():
        if organisation == world.amane:
            assert _opens(name, sealed, sara_keys), name
    note = Note.objects.get(case=case)
    assert (
        encryption.open_for_member(
            request, world.amane, bytes(note.body), place=encryption.Place.of(note, "body", case)
        ).decode()
        == (MARKS["note"])
    )


@pytest.mark.django_db(transaction=True)
def test_a_note_added_to_a_closed_case_is_sealed_to_its_period_key(world: World) -> None:
    case, sara = _closed_case_with_every_sealed_value(world)
    note = actions.add_note(case, sara.user, "after closure")
    envelope, _ciphertext = encryption.split_sealed(bytes(note.body))
    assert encryption.is_purge_wrapped(envelope)


@pytest.mark.django_db(transaction=True)
def test_cases_closed_before_purge_keys_are_sealed_by_the_next_daily_job(world: World) -> None:
    case, sara = _closed_case_with_every_sealed_value(world)
    request = _request(sara)
    # As a case closed before this design: values sealed to the organisation key only.
    _rewrap = sealed_values.rewrap_case_values  # undo the closure's sealing
    _rewrap(
        case, lambda sealed: encryption.unwrap_purge_envelope(request.keyring, world.amane, sealed)
    )
    Case.objects.filter(pk=case.pk).update(purge_key=None)
    report = Report.objects.get(pk=case.report_id)
    assert not encryption.is_purge_wrapped(bytes(report.sealed_key))

    assert actions.purge_expired_cases() == 0
    case.refresh_from_db()
    report.refresh_from_db()
    assert case.purge_key is not None and encryption.is_purge_wrapped(bytes(report.sealed_key))
    note = Note.objects.get(case=case)
    assert (
        encryption.open_for_member(
            request, world.amane, bytes(note.body), place=encryption.Place.of(note, "body", case)
        ).decode()
        == (MARKS["note"])
    )
