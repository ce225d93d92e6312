from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digiamen.core import audit
from digiamen.core.models import AuditChainHead, AuditEvent


def _three_events() -> list[AuditEvent]:
    return [audit.record(f"test.event_{n}", details={"n": n}) for n in range(3)]


@pytest.mark.django_db
def test_chain_links_each_row_to_the_previous() -> None:
    events = _three_events()
    assert events[0].previous_hash == audit.GENESIS_HASH
    assert events[1].previous_hash == events[0].row_hash
    assert events[2].previous_hash == events[1].row_hash
    assert audit.verify_chain() is None
    head = AuditChainHead.objects.get()
    assert (head.last_event_id, head.last_hash) == (events[2].pk, events[2].row_hash)


@pytest.mark.django_db
def test_editing_a_row_is_detected_at_that_row() -> None:
    events = _three_events()
    AuditEvent.objects.filter(pk=events[1].pk).update(action="test.innocent")
    broken = audit.verify_chain()
    assert broken is not None and broken.event_id == events[1].pk
    assert "edited" in broken.reason


@pytest.mark.django_db
def test_editing_details_through_raw_sql_is_detected() -> None:
    events = _three_events()
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET actor_username = %s WHERE id = %s",  # noqa: S608
            ["mallory", events[0].pk],
        )
    broken = audit.verify_chain()
    assert broken is not None and broken.event_id == events[0].pk


@pytest.mark.django_db
def test_deleting_a_middle_row_is_detected_at_the_next_row() -> None:
    events = _three_events()
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    broken = audit.verify_chain()
    assert broken is not None and broken.event_id == events[2].pk


@pytest.mark.django_db
def test_deleting_the_last_rows_is_detected_by_the_head() -> None:
    events = _three_events()
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    broken = audit.verify_chain()
    assert broken is not None and "deleted" in broken.reason


@pytest.mark.django_db
def test_rows_refuse_update_and_delete_through_the_model() -> None:
    event = audit.record("test.event")
    event.action = "changed"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


@pytest.mark.django_db
def test_verify_audit_command(capsys: pytest.CaptureFixture[str]) -> None:
    events = _three_events()
    call_command("verify_audit")
    assert "intact: 3 rows" in capsys.readouterr().out
    AuditEvent.objects.filter(pk=events[0].pk).update(object_id="42")
    with pytest.raises(CommandError, match=f"row {events[0].pk}"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_a_batch_appends_its_events_in_order_to_the_chain() -> None:
    """The case page records its reads inside ``batched()``: one append, the same chain."""
    before = audit.record("test.before")
    with audit.batched():
        batch = [audit.record(f"test.batched_{n}", details={"n": n}) for n in range(3)]
        assert not AuditEvent.objects.filter(action__startswith="test.batched").exists()
    after = audit.record("test.after")
    stored = list(AuditEvent.objects.order_by("id"))
    assert [e.action for e in stored] == [
        "test.before",
        "test.batched_0",
        "test.batched_1",
        "test.batched_2",
        "test.after",
    ]
    assert batch[0].previous_hash == before.row_hash
    assert after.previous_hash == batch[2].row_hash
    assert [e.row_hash for e in stored[1:4]] == [e.row_hash for e in batch]
    assert audit.verify_chain() is None
    head = AuditChainHead.objects.get()
    assert (head.last_event_id, head.last_hash) == (after.pk, after.row_hash)


@pytest.mark.django_db
def test_a_batch_is_appended_even_when_its_block_fails() -> None:
    with pytest.raises(RuntimeError), audit.batched():
        audit.record("test.read_then_failed")
        raise RuntimeError("the page failed after the read")
    assert AuditEvent.objects.filter(action="test.read_then_failed").count() == 1
    assert audit.verify_chain() is None


def _statements(captured: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


@pytest.mark.django_db
def test_an_append_is_two_statements_however_many_events() -> None:
    """Lock the head and take the ids, insert the chained rows: the head follows by trigger."""
    audit.record("test.first")  # the head exists from here on
    for size in (1, 3):
        with CaptureQueriesContext(connection) as captured, audit.batched():
            for n in range(size):
                audit.record(f"test.event_{n}")
        assert len(_statements(captured)) == 2
    assert audit.verify_chain() is None


@pytest.mark.django_db
def test_the_head_follows_every_insert_to_the_newest_row() -> None:
    """The migration's trigger moves the head with each inserted row, whoever inserts it,
    and never back: rows inserted out of id order leave it at the newest."""
    first = audit.record("test.first")
    head = AuditChainHead.objects.get()
    assert (head.last_event_id, head.last_hash) == (first.pk, first.row_hash)

    def row(pk: int, row_hash: str) -> AuditEvent:
        return AuditEvent(
            pk=pk,
            created_at=timezone.now(),
            action="test.inserted",
            previous_hash="",
            row_hash=row_hash,
        )

    AuditEvent.objects.bulk_create([row(first.pk + 3, "c" * 64), row(first.pk + 2, "b" * 64)])
    head.refresh_from_db()
    assert (head.last_event_id, head.last_hash) == (first.pk + 3, "c" * 64)
    # Rows that are not chained are found by the verification, not hidden by the head.
    broken = audit.verify_chain()
    assert broken is not None and broken.event_id == first.pk + 2
    after = audit.record("test.after")  # the next append chains from the head
    assert after.pk > first.pk + 3 and after.previous_hash == "c" * 64
    head.refresh_from_db()
    assert (head.last_event_id, head.last_hash) == (after.pk, after.row_hash)


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_make_one_unbroken_chain() -> None:
    """Appends from several connections at once queue on the head's lock: each takes its
    ids after the one before it, and the chain stays whole."""
    audit.record("test.first")
    failures: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for n in range(5):
                with audit.batched():
                    audit.record(f"test.worker_{worker}", details={"n": n})
                    audit.record(f"test.worker_{worker}", details={"n": n, "second": True})
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert AuditEvent.objects.count() == 1 + 4 * 5 * 2
    assert audit.verify_chain() is None
