"""One matching index per machine: a snapshot built by the queue, mapped read-only by every
process, exact like a private index, kept fresh by the change feed, replaced when rebuilt,
and never taken from another database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digiamen.conftest import World
from digiamen.media import actions, snapshots
from digiamen.media.index import PdqIndex, codes_from_hex
from digiamen.media.matching import BankIndex
from digiamen.media.models import BankChange, BankEntry
from digiamen.media.tasks import refresh_match_snapshot


@pytest.fixture
def shared(settings: Any, tmp_path: Path) -> Path:
    settings.MATCH_INDEX_SHARED = True
    settings.MATCH_INDEX_DIR = tmp_path / "match-index"
    settings.MATCH_INDEX_SNAPSHOT_CHECK_SECONDS = 0.0
    return settings.MATCH_INDEX_DIR


def random_hex(rng: np.random.Generator) -> str:
    return rng.bytes(32).hex()


def flipped(hex_code: str, bits: int, rng: np.random.Generator) -> str:
    value = int(hex_code, 16)
    for bit in rng.choice(256, size=bits, replace=False):
        value ^= 1 << int(bit)
    return f"{value:064x}"


def two_banks(
    world: World, rng: np.random.Generator, size: int = 300
) -> tuple[Any, Any, list[str]]:
    first = actions.create_bank(world.amane, None, name="First", source="test")
    second = actions.create_bank(world.amane, None, name="Second", source="test")
    hexes = [random_hex(rng) for _ in range(size)]
    actions.add_entries(first, None, [{"pdq": h, "quality": 90} for h in hexes[: size // 2]])
    actions.add_entries(second, None, [{"pdq": h, "quality": 90} for h in hexes[size // 2 :]])
    return first, second, hexes


def answers(index: BankIndex, queries: list[str], banks: set[int]) -> list[list[Any]]:
    return index.search_pdq(queries, banks)


def test_the_shared_index_answers_exactly_as_a_private_one(world: World, shared: Path) -> None:
    rng = np.random.default_rng(7)
    first, second, hexes = two_banks(world, rng)
    assert refresh_match_snapshot.call_local() == snapshots.current_name() is not None
    queries = [flipped(h, bits, rng) for h in hexes[::7] for bits in (0, 12, 31, 40)]
    queries += [random_hex(rng) for _ in range(20)]

    mapped = BankIndex()
    mapped.refresh()
    assert mapped.snapshot is not None and mapped.index is not None and mapped.index.shared
    assert isinstance(mapped.index.codes, np.memmap) and isinstance(mapped.index.tables, np.memmap)

    private = BankIndex()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.MATCH_INDEX_SHARED", False)
        private.refresh()
    assert private.snapshot is None
    for banks in ({first.pk, second.pk}, {first.pk}, {second.pk}):
        assert answers(mapped, queries, banks) == answers(private, queries, banks)
    assert sum(bool(found) for found in answers(mapped, queries, {first.pk, second.pk})) > 100


def test_changes_after_the_snapshot_apply_without_copying_it(world: World, shared: Path) -> None:
    rng = np.random.default_rng(8)
    first, _second, hexes = two_banks(world, rng, size=40)
    snapshots.build()
    index = BankIndex()
    index.refresh()
    added = random_hex(rng)
    actions.add_entries(first, None, [{"pdq": added, "quality": 90}])
    removed = BankEntry.objects.get(pdq=hexes[0])
    actions.set_entry_enabled(removed, world.alice.user, enabled=False)
    assert [m.entry_id for m in index.search_pdq([added], {first.pk})[0]] == [
        BankEntry.objects.get(pdq=added).pk
    ]
    assert index.search_pdq([hexes[0]], {first.pk}) == [[]]
    actions.set_entry_enabled(removed, world.alice.user, enabled=True)
    assert [m.entry_id for m in index.search_pdq([hexes[0]], {first.pk})[0]] == [removed.pk]
    assert index.index is not None and index.index.shared and index.index.fresh_count == 1
    assert isinstance(index.index.codes, np.memmap)  # still mapped: no private copy


def test_a_process_moves_to_a_newer_snapshot(world: World, shared: Path) -> None:
    rng = np.random.default_rng(9)
    first, _second, _hexes = two_banks(world, rng, size=20)
    old = snapshots.build()
    index = BankIndex()
    index.refresh()
    actions.add_entries(first, None, [{"pdq": random_hex(rng), "quality": 90}])
    assert snapshots.is_stale() and refresh_match_snapshot.call_local() not in (None, old)
    assert refresh_match_snapshot.call_local() is None  # up to date: nothing to build
    index.refresh(force=True)
    assert index.snapshot is not None and index.snapshot.name == snapshots.current_name() != old
    assert index.index is not None and index.index.fresh_count == 0
    assert len(list(shared.glob("snapshot-*"))) <= snapshots.KEEP


def test_a_snapshot_of_another_database_is_never_used(world: World, shared: Path) -> None:
    rng = np.random.default_rng(10)
    first, _second, hexes = two_banks(world, rng, size=20)
    snapshots.build()
    BankEntry.objects.all().delete()
    BankChange.objects.all().delete()  # as after `make reset`: a new database
    actions.add_entries(first, None, [{"pdq": random_hex(rng), "quality": 90}])
    index = BankIndex()
    assert index.search_pdq([hexes[0]], {first.pk}) == [[]]
    assert index.snapshot is None
    loaded = index.index
    index.refresh(force=True)
    assert index.index is loaded  # the foreign snapshot is not tried again and again


def test_an_index_saved_and_mapped_searches_alike(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 2**63, size=(3000, 4), dtype=np.uint64) * np.uint64(2)
    keys = np.arange(10, 3010, dtype=np.int64)
    built = PdqIndex(codes, keys)
    built.save(tmp_path / "index", change_id=1, change_entry=1)
    mapped, meta = PdqIndex.open(tmp_path / "index")
    assert meta["count"] == 3000 and mapped.shared
    queries = codes[::50].copy()
    queries[:, 0] ^= np.uint64(0b1011)
    assert mapped.search_many(queries, 31) == built.search_many(queries, 31)
    mapped.remove(10)
    assert all(match.key != 10 for match in mapped.search(codes[0], 0))
    assert built.search(codes[0], 0)[0].key == 10  # the file is untouched
    mapped.compact()
    assert not mapped.shared and not isinstance(mapped.codes, np.memmap)


def test_the_index_keeps_no_python_object_per_hash(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Budgets issue: a dict of entry -> bank and the hex strings of loading made a million
    hashes cost ~545 MB per process. Loaded from the database in batches smaller than the
    bank here, no batch is larger than LOAD_BATCH (hex strings, where the database sends
    them, are decoded batch by batch), and what stays is numpy arrays."""
    settings.MATCH_INDEX_SHARED = False
    monkeypatch.setattr(snapshots, "LOAD_BATCH", 64)
    decoded: list[int] = []

    def counted_codes_from_hex(hexes: Any) -> np.ndarray:
        decoded.append(len(hexes))
        return codes_from_hex(hexes)

    monkeypatch.setattr(snapshots, "codes_from_hex", counted_codes_from_hex)
    batches: list[int] = []
    real_batches = snapshots._batches

    def counted_batches() -> Any:
        for batch in real_batches():
            batches.append(len(batch[0]))
            yield batch

    monkeypatch.setattr(snapshots, "_batches", counted_batches)
    rng = np.random.default_rng(7)
    first, second, hexes = two_banks(world, rng, size=300)
    keys, banks, codes = snapshots.read_entries()
    assert len(keys) == len(banks) == len(codes) == 300
    assert keys.dtype == banks.dtype == np.int64 and codes.dtype == np.uint64
    assert list(keys) == sorted(keys)
    stored = dict(BankEntry.objects.values_list("pk", "pdq"))
    assert [stored[int(k)] for k in keys] == [row.tobytes().hex() for row in codes]
    assert sum(batches) == 300 and max(batches) == 64 and len(batches) == 5
    assert all(count <= 64 for count in decoded)  # none on PostgreSQL: it sends bytes
    index = BankIndex()
    index.load()
    assert index.bank_of == {}  # nothing per hash in Python
    assert index.banks is not None and index.index is not None
    for array in (index.banks.bank_keys, index.banks.bank_ids):
        assert isinstance(array, np.ndarray) and array.dtype != object and len(array) == 300
    assert index.banks.bank_keys.itemsize + index.banks.bank_ids.itemsize == 8
    per_hash = [value for value in vars(index.index).values() if isinstance(value, dict | list)]
    assert all(len(value) == 0 for value in per_hash)
    found = index.search_pdq([hexes[0], hexes[-1]], {first.pk, second.pk})
    assert [m.bank_id for m in found[0]] == [first.pk]
    assert [m.bank_id for m in found[1]] == [second.pk]


def test_the_bank_lookup_answers_for_every_key_and_none_for_others() -> None:
    keys = np.array([5, 9, 12, 2**33], dtype=np.int64)
    lookup = snapshots.BankLookup.of(keys[::-1].copy(), np.array([4, 3, 2, 1], dtype=np.int64))
    assert lookup.bank_keys.dtype == np.int64  # beyond 32 bits above the smallest: wide
    assert [lookup.bank_of(int(key)) for key in keys] == [1, 2, 3, 4]
    assert lookup.bank_of(4) is None and lookup.bank_of(10) is None and lookup.bank_of(-1) is None
    narrow = snapshots.BankLookup.of(keys[:3], np.array([7, 8, 9], dtype=np.int64))
    assert narrow.bank_keys.dtype == np.uint32 and narrow.bank_ids.dtype == np.int32
    assert narrow.bank_of(9) == 8 and narrow.bank_of(2**33) is None and narrow.bank_of(4) is None
