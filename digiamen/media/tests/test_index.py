"""The in-memory PDQ index is exact: the same answers as brute force, before and after
additions, removals and compaction."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from digiamen.media import index as index_module
from digiamen.media.index import MAX_DISTANCE, PdqIndex, hamming


def random_codes(rng: np.random.Generator, count: int) -> np.ndarray:
    return rng.integers(0, 2**64 - 1, size=(count, 4), dtype=np.uint64, endpoint=True)


def flipped(rng: np.random.Generator, code: np.ndarray, bits: int) -> np.ndarray:
    copy = code.copy().view(np.uint8)
    for bit in rng.choice(256, size=bits, replace=False):
        copy[bit // 8] ^= np.uint8(1 << (bit % 8))
    return copy.view(np.uint64)


def brute(codes: np.ndarray, keys: np.ndarray, query: np.ndarray, radius: int) -> list[int]:
    distances = hamming(codes, query)
    return sorted(int(key) for key in keys[distances <= radius])


@pytest.fixture
def data() -> tuple[np.random.Generator, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    codes = random_codes(rng, 30_000)
    # Plant clusters of near-duplicates so that every radius has answers.
    for index in range(0, 3000, 3):
        codes[index + 1] = flipped(rng, codes[index], int(rng.integers(0, 36)))
        codes[index + 2] = flipped(rng, codes[index], int(rng.integers(0, 36)))
    keys = rng.permutation(10**6)[:30_000].astype(np.int64) + 5
    return rng, codes, keys


@pytest.mark.parametrize("radius", [0, 8, 16, 31, MAX_DISTANCE])
def test_every_hash_within_the_radius_is_found_and_no_other(data, radius: int) -> None:
    rng, codes, keys = data
    index = PdqIndex(codes, keys)
    queries = np.stack(
        [flipped(rng, codes[int(i)], int(rng.integers(0, 40))) for i in rng.integers(0, 3000, 150)]
    )
    found = index.search_many(queries, radius)
    for query, matches in zip(queries, found, strict=True):
        assert sorted(m.key for m in matches) == brute(codes, keys, query, radius)
        assert all(m.distance <= radius for m in matches)
        assert [m.distance for m in matches] == sorted(m.distance for m in matches)


def test_additions_match_at_once_and_removals_stop_matching(data) -> None:
    rng, codes, keys = data
    index = PdqIndex(codes[:1000], keys[:1000], fresh_limit=50)
    new = flipped(rng, codes[2000], 0)
    assert not any(m.key == 999_999_999 for m in index.search(new))
    index.add(999_999_999, new)
    assert index.search(new)[0].key == 999_999_999
    index.remove(999_999_999)
    index.remove(int(keys[0]))
    assert all(m.key not in (999_999_999, int(keys[0])) for m in index.search(new))
    assert all(m.key != int(keys[0]) for m in index.search(codes[0]))
    index.add(int(keys[0]), codes[0])  # back again
    assert index.search(codes[0])[0].key == int(keys[0])


def test_compaction_keeps_the_answers(data) -> None:
    rng, codes, keys = data
    index = PdqIndex(codes[:500], keys[:500], fresh_limit=100)
    for position in range(500, 800):  # past the limit: the fresh area is folded in
        index.add(int(keys[position]), codes[position])
    index.remove(int(keys[10]))
    assert index.fresh_count < 300
    live_codes = np.delete(codes[:800], 10, axis=0)
    live_keys = np.delete(keys[:800], 10)
    assert len(index) == 799
    for position in rng.integers(0, 800, 40):
        query = codes[int(position)]
        expected = brute(live_codes, live_keys, query, 31)
        assert sorted(m.key for m in index.search(query)) == expected


def test_keys_beyond_32_bits_and_an_empty_index() -> None:
    rng = np.random.default_rng(1)
    codes = random_codes(rng, 10)
    keys = np.array([0, 2**40, *range(5, 13)], dtype=np.int64)
    index = PdqIndex(codes, keys)
    assert index.search(codes[1])[0].key == 2**40
    empty = PdqIndex(np.zeros((0, 4), dtype=np.uint64), np.zeros(0, dtype=np.int64))
    assert empty.search(codes[0]) == []
    empty.add(3, codes[0])
    assert empty.search(codes[0])[0].key == 3


def test_a_radius_beyond_the_exact_range_is_refused() -> None:
    index = PdqIndex(np.zeros((1, 4), dtype=np.uint64), np.array([1]))
    with pytest.raises(ValueError):
        index.search(np.zeros(4, dtype=np.uint64), MAX_DISTANCE + 1)


@pytest.mark.parametrize("bits", [16, 19, 22, 23])
def test_every_key_width_is_exact(data, monkeypatch: pytest.MonkeyPatch, bits: int) -> None:
    """The key width grows with the bank (one value per four hashes, then two, up to 23); the
    search is exact at every width, for the near-duplicates planted up to 35 bits away."""
    rng, codes, keys = data
    monkeypatch.setattr(index_module, "indexed_bits", lambda count: bits)
    index = PdqIndex(codes, keys)
    assert index.plan.bits == bits
    queries = np.stack(
        [flipped(rng, codes[int(i)], int(rng.integers(25, 34))) for i in rng.integers(0, 3000, 60)]
    )
    for query, matches in zip(queries, index.search_many(queries, 31), strict=True):
        assert sorted(m.key for m in matches) == brute(codes, keys, query, 31)
        assert all(m.distance == int(hamming(codes[keys == m.key][0], query)) for m in matches)


def test_the_key_width_grows_with_the_index() -> None:
    assert index_module.indexed_bits(300) == index_module.MIN_INDEXED_BITS
    assert index_module.indexed_bits(1_000_000) == 18
    assert index_module.indexed_bits(index_module.LARGE_INDEX - 1) == 20
    assert index_module.indexed_bits(index_module.LARGE_INDEX) == 21
    assert index_module.indexed_bits(10_000_000) == index_module.MAX_INDEXED_BITS == 23


def per_hash_storage(index: PdqIndex) -> dict[str, Any]:
    return {name: value for name, value in vars(index).items() if not name.startswith("__")}


def test_the_per_hash_storage_is_numpy_arrays_only() -> None:
    """Budgets issue: a Python object per hash (a dict entry, a string) cost hundreds of
    bytes. Whatever the number of hashes, the index holds the same Python objects; only its
    numpy arrays grow, by a fixed number of bytes per hash (plus the offset tables, which
    depend on the key width only)."""
    rng = np.random.default_rng(11)
    built = {}
    for count in (2_000, 20_000):
        codes = random_codes(rng, count)
        index = PdqIndex(codes, np.arange(10, 10 + count, dtype=np.int64))
        built[count] = index
    small, large = per_hash_storage(built[2_000]), per_hash_storage(built[20_000])
    assert small.keys() == large.keys()
    for name, value in large.items():
        if isinstance(value, np.ndarray):
            assert value.dtype != object, name
            assert value.dtype == small[name].dtype, name  # fixed size per element
        else:  # scalars, the probe plan, the fresh area's (empty) map: no growth
            kinds = int | float | bool | dict | index_module.ProbePlan | None
            assert isinstance(value, kinds), name
            if isinstance(value, dict):
                assert len(value) == len(small[name]) == 0, name
    for index in built.values():
        assert index.plan.bits == index_module.MIN_INDEXED_BITS
    grown = built[20_000].memory_bytes() - built[2_000].memory_bytes()
    # 32 (the hash) + 4 (the key) + 10 tables x 4 (positions) = 76 bytes; every hash alive.
    assert grown == 76 * 18_000
    for index in built.values():
        index.remove(10)
        assert not index.contains(10) and index.contains(11) and len(index) == len(index.keys) - 1
    grown = built[20_000].memory_bytes() - built[2_000].memory_bytes()
    assert grown == 77 * 18_000  # and one "alive" flag each once a hash is removed
