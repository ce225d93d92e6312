"""The audit chain witnessed outside the server: an attacker who rewrites the whole chain and
recomputes every hash passes ``verify_chain``, and is caught by the heads signed with the
instance key and witnessed by a peer instance, even after deleting the ones kept here."""

from __future__ import annotations

import base64
from pathlib import Path

import nacl.signing
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from digiamen.conftest import World
from digiamen.core import audit
from digiamen.core.models import AuditChainHead, AuditEvent
from digiamen.evidence import network as network_files
from digiamen.evidence.models import PeerInstance
from digiamen.networks.models import Network
from digiamen.operations import witness
from digiamen.operations.models import AuditCheckpoint, AuditWitness, WitnessedHead
from digiamen.operations.tasks import sign_audit_head

PEER_SEED = base64.b64encode(b"p" * 32).decode()
STRANGER_SEED = base64.b64encode(b"s" * 32).decode()


def _public(seed: str) -> bytes:
    return bytes(nacl.signing.SigningKey(base64.b64decode(seed)).verify_key)


@pytest.fixture
def peers(world: World) -> Network:
    """This instance and the peer trust each other (both rows in the one test database)."""
    network = Network.objects.create(
        slug="maghreb", name="Maghreb", kind="regional", secretariat=world.amane
    )
    home = bytes(network_files.signing_key().verify_key)
    PeerInstance.objects.create(network=network, name="peer", public_key=_public(PEER_SEED))
    PeerInstance.objects.create(network=network, name="home", public_key=home)
    return network


def _events(count: int) -> list[AuditEvent]:
    return [audit.record(f"test.event_{n}", details={"n": n}) for n in range(count)]


def _witnessed_by_the_peer() -> tuple[bytes, bytes]:
    """Statement out, receipt back and stored; returns (receipt, the peer's heads file)."""
    statement = witness.statement()
    home = bytes(network_files.signing_key().verify_key)
    with override_settings(NETWORK_SIGNING_KEY=PEER_SEED):
        receipt = witness.witness(statement)
        heads = witness.heads_for(home)
    witness.store_receipt(receipt)
    return receipt, heads


def _rewrite_and_recompute(event: AuditEvent) -> None:
    """The attacker edits one row, then recomputes every hash after it and the head."""
    AuditEvent.objects.filter(pk=event.pk).update(action="test.innocent")
    previous = audit.GENESIS_HASH
    for row in AuditEvent.objects.order_by("id"):
        row.previous_hash = previous
        row.row_hash = previous = audit.row_digest(row)
        AuditEvent.objects.filter(pk=row.pk).update(
            previous_hash=row.previous_hash, row_hash=row.row_hash
        )
    AuditChainHead.objects.filter(pk=1).update(last_hash=previous)


def test_a_rewritten_and_recomputed_chain_is_caught_by_the_witnesses(
    peers: Network, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _events(5)
    _receipt, heads = _witnessed_by_the_peer()
    checkpoint = AuditCheckpoint.objects.get()
    assert WitnessedHead.objects.get().last_event_id == checkpoint.last_event_id
    assert AuditWitness.objects.get().peer_name == "peer"
    call_command("verify_audit", "--witnesses")
    assert "matching 2 signed or witnessed heads" in capsys.readouterr().out

    _rewrite_and_recompute(events[1])
    assert audit.verify_chain() is None  # the chain alone cannot tell
    call_command("verify_audit")
    with pytest.raises(CommandError, match=f"row {checkpoint.last_event_id}: it is rewritten"):
        call_command("verify_audit", "--witnesses")

    # Deleting what is kept here does not help: the peer's own record still contradicts.
    AuditWitness.objects.all().delete()
    AuditCheckpoint.objects.all().delete()
    call_command("verify_audit", "--witnesses")  # nothing left here to compare with
    heads_file = tmp_path / "heads.txt"
    heads_file.write_bytes(heads)
    with pytest.raises(CommandError, match="since the head signed by peer"):
        call_command("verify_audit", "--witness-file", str(heads_file))


def test_the_peer_refuses_a_head_that_contradicts_one_it_witnessed(peers: Network) -> None:
    events = _events(3)
    _witnessed_by_the_peer()
    _rewrite_and_recompute(events[0])
    # The next statement restates the witnessed row as it is now (a full compromise that
    # also changes the code is caught by the peer's heads file, in the test above).
    witness.sign_head()
    statement = witness.statement()
    with (
        override_settings(NETWORK_SIGNING_KEY=PEER_SEED),
        pytest.raises(witness.WitnessError, match="contradicts"),
    ):
        witness.witness(statement)
    assert WitnessedHead.objects.count() == 1


def test_a_forged_checkpoint_does_not_vouch_for_anything(peers: Network) -> None:
    events = _events(2)
    witness.sign_head()
    _rewrite_and_recompute(events[0])
    head = AuditChainHead.objects.get()
    # The attacker writes the new head into the checkpoint row, but cannot sign it.
    AuditCheckpoint.objects.update(last_hash=head.last_hash)
    with pytest.raises(CommandError, match="rewritten"):
        call_command("verify_audit", "--witnesses")


@pytest.mark.parametrize("damage", ["one byte", "unknown peer", "not a file", "other instance"])
def test_bad_witness_files_are_refused_and_change_nothing(
    peers: Network, tmp_path: Path, damage: str
) -> None:
    _events(2)
    statement = witness.statement()
    home = bytes(network_files.signing_key().verify_key)
    if damage == "one byte":
        with override_settings(NETWORK_SIGNING_KEY=PEER_SEED):
            receipt = bytearray(witness.witness(statement))
        receipt[receipt.index(b"event:") + 6] ^= 1
        data = bytes(receipt)
        step = "receipt"
    elif damage == "unknown peer":
        with override_settings(NETWORK_SIGNING_KEY=STRANGER_SEED):
            data = witness.heads_for(home)
        step = "heads"
    elif damage == "not a file":
        data = "‮ not a witness file".encode()
        step = "witness"
    else:
        with override_settings(NETWORK_SIGNING_KEY=PEER_SEED):
            data = witness.heads_for(_public(STRANGER_SEED))
        step = "heads"
    path = tmp_path / "file.txt"
    path.write_bytes(data)
    stored = (AuditWitness.objects.count(), WitnessedHead.objects.count())
    refused = AuditEvent.objects.filter(action="audit_witness.refused").count()
    with pytest.raises(CommandError):
        if step == "heads":
            call_command("verify_audit", "--witness-file", str(path))
        else:
            call_command("audit_witness", step, str(path))
    assert (AuditWitness.objects.count(), WitnessedHead.objects.count()) == stored
    assert AuditEvent.objects.filter(action="audit_witness.refused").count() == refused + 1


def test_the_hourly_task_signs_only_a_new_head(peers: Network) -> None:
    sign_audit_head.call_local()  # whatever the setting-up recorded
    before = AuditCheckpoint.objects.count()
    assert sign_audit_head.call_local() == "nothing new"
    newest = _events(1)[0]
    assert sign_audit_head.call_local() == f"head {newest.pk} signed"
    assert sign_audit_head.call_local() == "nothing new"
    assert AuditCheckpoint.objects.count() == before + 1
