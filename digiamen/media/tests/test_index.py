"""The in-memory PDQ index is exact: the same answers as brute force, before and after
additions, removals and compaction."""

from __future__ import annotations

import numpy as np
import pytest

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
