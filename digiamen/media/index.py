"""An exact, incrementally updated index for PDQ hashes at Hamming distance <= 31.

Multi-index hashing: the 256 bits are cut into 11 regions (three of 24 bits, eight of 23).
Two hashes within distance 31 differ in at most 31 bits, so by the pigeonhole principle at
least one region differs in at most 2 bits (3 in each of 11 would be 33), and so do that
region's low bits. Each region has a table keyed by its low ``bits`` bits (the key width:
about one key value per four hashes, two in large indexes, 16 to 23 bits); looking up the
query's value and every value at most 2 bits away (277 probes per region at 23 bits, 3 047
in all) finds every hash within 31: the search is exact, not approximate, for any radius up
to 32. At 10 000 000 random hashes a query checks about 3 300 candidates, where 16 chunks
of 16 bits with one flip (HMA's layout) check about 41 000.

The hashes are stored sorted by their first region's key, so the first table is the order
itself; each other table is a permutation sorted by its key, with the offset of each key
value. Per hash: 32 bytes of hash, 4 of key and 10 tables x 4 bytes = 76 bytes, all in
numpy arrays (no Python object per hash), one more for an "alive" flag once a hash has been
removed, plus the offsets, 11 x 4 bytes per key value (12 MB at 1 000 000 hashes, 369 MB at
10 000 000).
New hashes go to a small "fresh" area searched by brute force, so a hash matches as soon as
it is added; removed hashes are masked at once. When the fresh area grows past a limit, the
tables are rebuilt with it (``compact``). No Django here: the bench uses this module as is.

``save`` writes the tables to a folder and ``open`` maps them read-only (``numpy.memmap``):
every process that opens the same folder shares one copy in the page cache. Such a shared
index keeps its own "alive" mask (made at the first removal) and fresh area, and never
compacts (that would copy the tables into the process): a new snapshot replaces it instead.
"""

from __future__ import annotations

import ctypes
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

# Eleven regions partition the 256 bits: three of 24 bits and eight of 23 (start bit,
# width). Within 31 bits, some region differs in at most 2 bits (3 in each would be 33), so
# in any of that region's bits too: each region is indexed by its low ``bits`` bits.
WIDTHS = [24, 24, 24] + [23] * 8
LAYOUT = [(sum(WIDTHS[:region]), width) for region, width in enumerate(WIDTHS)]
CHUNKS = len(LAYOUT)
FLIPS_PER_CHUNK = 2
MAX_DISTANCE = (FLIPS_PER_CHUNK + 1) * CHUNKS - 1
# The indexed bits grow with the index, about one key value per four hashes, so that the
# offset tables (11 x 4 bytes per key value) stay a small share of the memory per hash: 18
# bits (1 MB per table) at 1 000 000 hashes. From LARGE_INDEX hashes, one key value per two
# hashes: there a query's time goes to its candidates (each a random read of 32 bytes of
# hash, most of them missing every cache), and halving them is worth the offsets' memory:
# 23 bits (32 MB per table) at 10 000 000, 3 300 candidates per query instead of 6 600 and
# about 1.3 times the queries per second, for 114 bytes per hash instead of 95. Up to 23
# bits, the narrowest region's width.
MIN_INDEXED_BITS, MAX_INDEXED_BITS = 16, 23
LARGE_INDEX = 1 << 22
# Queries searched together: large enough for numpy's per-call cost to vanish, small enough
# for their candidates (about 50 000 at 10 000 000 hashes) to stay in the cache.
BATCH = 16

Codes = np.ndarray[Any, np.dtype[np.uint64]]


def indexed_bits(count: int) -> int:
    """The key width for an index of ``count`` hashes (about four hashes per key value, two
    from LARGE_INDEX hashes)."""
    per_key_value = 2 if count >= LARGE_INDEX else 4
    wanted = max(1, count // per_key_value - 1).bit_length()
    return min(MAX_INDEXED_BITS, max(MIN_INDEXED_BITS, wanted))


def release_free_memory() -> None:
    """Give the freed scratch memory of a build back to the system: glibc keeps freed heap
    memory for reuse, and it would count as resident for as long as the process lives."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to ask
        return
    libc.malloc_trim(0)


def _flip_masks(width: int) -> np.ndarray[Any, Any]:
    masks = [0]
    for flips in range(1, FLIPS_PER_CHUNK + 1):
        masks += [sum(1 << bit for bit in bits) for bits in combinations(range(width), flips)]
    return np.array(masks, dtype=np.int64)


@dataclass(frozen=True)
class ProbePlan:
    """Every probe of one query for a key width, flattened: its chunk, the bits it flips,
    and where its chunk's offsets start."""

    bits: int
    table_size: int  # offsets per chunk: one per key value, and the end
    chunk: np.ndarray[Any, Any]
    mask: np.ndarray[Any, Any]
    base: np.ndarray[Any, Any]
    first_chunk_probes: int


@cache
def probe_plan(bits: int) -> ProbePlan:
    masks = _flip_masks(bits)
    table_size = (1 << bits) + 1
    chunk = np.repeat(np.arange(CHUNKS, dtype=np.int64), len(masks))
    return ProbePlan(
        bits, table_size, chunk, np.tile(masks, CHUNKS), chunk * table_size, len(masks)
    )


def _expand(starts: Any, lengths: Any) -> Any:
    """The integers of every range [start, start + length), in order."""
    starts, lengths = starts.reshape(-1), lengths.reshape(-1)
    ends = np.cumsum(lengths)
    shifts = np.repeat(starts - (ends - lengths), lengths)
    shifts += np.arange(len(shifts))
    return shifts


def region_values(codes: Codes, region: int, bits: int) -> np.ndarray[Any, Any]:
    """The low ``bits`` bits of one region of each code (a region may straddle two words),
    as uint64."""
    start, width = LAYOUT[region]
    word, shift = divmod(start, 64)
    value = codes[:, word] >> np.uint64(shift)
    if shift + width > 64:
        value |= codes[:, word + 1] << np.uint64(64 - shift)
    value &= np.uint64((1 << bits) - 1)
    return value


def _sorted_order(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Positions (uint32) ordering ``values`` (uint64 below 2**32): one sort of value and
    position packed in 64 bits, quicker than an argsort and with no int64 array kept."""
    packed = values << np.uint64(32)
    packed |= np.arange(len(values), dtype=np.uint64)
    packed.sort()
    return packed.astype(np.uint32)  # the low 32 bits: the positions


def codes_from_hex(hexes: Sequence[str]) -> Codes:
    """(n, 4) uint64 rows from 64-character hex strings."""
    if not hexes:
        return np.zeros((0, 4), dtype=np.uint64)
    raw = np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8)
    return raw.reshape(-1, 32).view(np.uint64).copy()


def hamming(codes: Codes, query: Codes) -> np.ndarray[Any, np.dtype[np.intp]]:
    """Distances from each row of ``codes`` to ``query`` (broadcast over rows)."""
    return np.bitwise_count(codes ^ query).sum(axis=-1, dtype=np.intp)


@dataclass
class Match:
    key: int
    distance: int


class PdqIndex:
    SNAPSHOT_ARRAYS = ("codes", "keys", "offsets", "tables")

    def __init__(self, codes: Codes, keys: np.ndarray[Any, Any], *, fresh_limit: int = 50_000):
        """``keys`` are the callers' identifiers (int64), one per row of ``codes``."""
        self.fresh_limit = fresh_limit
        self.shared = False
        self._build(np.ascontiguousarray(codes, dtype=np.uint64), np.asarray(keys, np.int64))

    def save(self, folder: Path, **meta: Any) -> None:
        """The tables of the live hashes (fresh ones folded in), for ``open`` elsewhere."""
        if self.fresh_count or self.alive is not None:
            self.compact()
        folder.mkdir(parents=True, exist_ok=True)
        for name in self.SNAPSHOT_ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)
        info = {"key_base": self.key_base, "key_max": self.key_max, "count": len(self.keys)}
        (folder / "meta.json").write_text(json.dumps({**info, **meta}))

    @classmethod
    def open(cls, folder: Path) -> tuple[PdqIndex, dict[str, Any]]:
        """A shared, read-only index mapped from a folder ``save`` wrote, and its meta."""
        meta = json.loads((folder / "meta.json").read_text())
        index = cls.__new__(cls)
        index.fresh_limit = 0
        index.shared = True
        for name in cls.SNAPSHOT_ARRAYS:
            setattr(index, name, np.load(folder / f"{name}.npy", mmap_mode="r"))
        if len(index.keys) != meta["count"]:
            raise ValueError(f"snapshot {folder} is incomplete")
        index.key_base, index.key_max = int(meta["key_base"]), int(meta["key_max"])
        index.alive = None
        index.plan = probe_plan((len(index.offsets) // CHUNKS - 1).bit_length() - 1)
        index._derived()
        index._empty_fresh()
        return index, meta

    def _build(self, codes: Codes, keys: np.ndarray[Any, Any]) -> None:
        count = len(keys)
        self.plan = plan = probe_plan(indexed_bits(count))
        order = _sorted_order(region_values(codes, 0, plan.bits))
        self.codes = np.take(codes, order, axis=0)
        keys = np.take(keys, order)
        del order
        # Keys usually fit in 32 bits above the smallest one: half the memory of int64.
        self.key_base = int(keys.min()) if count else 0
        narrow = count == 0 or int(keys.max()) - self.key_base < 2**32
        self.keys = (keys - self.key_base).astype(np.uint32 if narrow else np.int64)
        self.key_max = int(keys.max()) if count else -1
        del keys
        # None while every hash is alive: a mask of one byte per hash (10 MB at 10 000 000,
        # private to each process mapping a snapshot) only once one is removed.
        self.alive: np.ndarray[Any, np.dtype[np.bool_]] | None = None
        self.offsets = np.empty(CHUNKS * plan.table_size, dtype=np.uint32)
        self.tables = np.empty((CHUNKS - 1, count), dtype=np.uint32)
        # In this thread: two threads built the tables in about two thirds of the time, but
        # the worker thread's malloc arena stayed resident (~20 MB per million hashes).
        for chunk in range(CHUNKS):
            self._build_table(chunk)
        self._derived()
        release_free_memory()
        self._empty_fresh()

    def _build_table(self, chunk: int) -> None:
        plan = self.plan
        base = chunk * plan.table_size
        column = region_values(self.codes, chunk, plan.bits)
        if chunk:  # the first chunk's table is the order of the codes itself
            self.tables[chunk - 1] = _sorted_order(column)
        self.offsets[base] = 0
        np.cumsum(
            np.bincount(column.astype(np.intp), minlength=1 << plan.bits),
            out=self.offsets[base + 1 : base + plan.table_size],
        )

    def _derived(self) -> None:
        self.flat_tables = self.tables.reshape(-1)
        # Where each probe of chunks 1..11 starts in the stacked tables.
        first = self.plan.first_chunk_probes
        self.rest_bases = (self.plan.chunk[first:] - 1) * len(self.keys)

    def _empty_fresh(self) -> None:
        self.fresh_codes = np.zeros((0, 4), dtype=np.uint64)
        self.fresh_keys = np.zeros(0, dtype=np.int64)
        self.fresh_alive = np.zeros(0, dtype=bool)
        self.fresh_count = 0
        self.fresh_positions: dict[int, int] = {}

    # --- Changes ----------------------------------------------------------------------------

    def __len__(self) -> int:
        main = len(self.keys) if self.alive is None else int(self.alive.sum())
        return main + int(self.fresh_alive[: self.fresh_count].sum())

    def _main_position(self, key: int) -> int | None:
        """Linear (a few ms at 10 000 000): removals are rare, searches are not."""
        if key > self.key_max:  # new database rows have higher ids: no scan for them
            return None
        relative = key - self.key_base
        if not 0 <= relative <= (2**32 - 1 if self.keys.dtype == np.uint32 else 2**63 - 1):
            return None
        found = np.flatnonzero(self.keys == relative)
        return int(found[0]) if len(found) else None

    def _alive_mask(self) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """The alive flags, made (every hash alive) when first needed."""
        if self.alive is None:
            self.alive = np.ones(len(self.keys), dtype=bool)
        return self.alive

    def key_at(self, position: int) -> int:
        return int(self.keys[position]) + self.key_base

    def contains(self, key: int) -> bool:
        position = self._main_position(key)
        if position is not None and (self.alive is None or self.alive[position]):
            return True
        fresh = self.fresh_positions.get(key)
        return fresh is not None and bool(self.fresh_alive[fresh])

    def add(self, key: int, code: Codes) -> None:
        """Searchable at once. Adding a key already present does nothing."""
        if self.contains(key):
            return
        position = self._main_position(key)
        if position is not None:  # removed earlier, same key back: the hash of a key is fixed
            if not self.shared:
                self.codes[position] = code
            self._alive_mask()[position] = True
            return
        if self.fresh_count == len(self.fresh_keys):
            capacity = max(1024, 2 * len(self.fresh_keys))
            self.fresh_codes = np.resize(self.fresh_codes, (capacity, 4))
            self.fresh_keys = np.resize(self.fresh_keys, capacity)
            self.fresh_alive = np.concatenate(
                [self.fresh_alive, np.zeros(capacity - len(self.fresh_alive), dtype=bool)]
            )
        slot = self.fresh_count
        self.fresh_codes[slot] = code
        self.fresh_keys[slot] = key
        self.fresh_alive[slot] = True
        self.fresh_positions[key] = slot
        self.fresh_count += 1
        if self.fresh_count > self.fresh_limit and not self.shared:
            self.compact()

    def remove(self, key: int) -> None:
        position = self._main_position(key)
        if position is not None:
            self._alive_mask()[position] = False
        fresh = self.fresh_positions.get(key)
        if fresh is not None:
            self.fresh_alive[fresh] = False

    def compact(self) -> None:
        """Fold the fresh area into the tables and drop removed hashes (a private copy: a
        shared index becomes an ordinary one)."""
        self.shared = False
        count = self.fresh_count
        fresh_live = self.fresh_alive[:count]
        alive = self._alive_mask()
        self._build(
            np.concatenate([self.codes[alive], self.fresh_codes[:count][fresh_live]]),
            np.concatenate(
                [
                    self.keys[alive].astype(np.int64) + self.key_base,
                    self.fresh_keys[:count][fresh_live],
                ]
            ),
        )

    # --- Search -----------------------------------------------------------------------------

    def search(self, query: Codes, radius: int = 31) -> list[Match]:
        return self.search_many(query.reshape(1, 4), radius)[0]

    def search_many(self, queries: Codes, radius: int = 31) -> list[list[Match]]:
        """Every live hash within ``radius`` of each query, nearest first."""
        if not 0 <= radius <= MAX_DISTANCE:
            raise ValueError(f"the index is exact up to distance {MAX_DISTANCE}")
        queries = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1, 4)
        results: list[list[Match]] = []
        for start in range(0, len(queries), BATCH):
            results.extend(self._search_batch(queries[start : start + BATCH], radius))
        return results

    def _search_batch(self, queries: Codes, radius: int) -> list[list[Match]]:
        found: list[list[Match]] = [[] for _ in range(len(queries))]
        if len(self.keys):
            query_rows, positions, distances = self._main_candidates(queries, radius)
            keys = np.take(self.keys, positions).astype(np.int64) + self.key_base
            for row, key, distance in zip(
                query_rows.tolist(), keys.tolist(), distances.tolist(), strict=True
            ):
                found[row].append(Match(key, distance))
        if self.fresh_count:
            codes = self.fresh_codes[: self.fresh_count]
            distances = hamming(codes[None, :, :], queries[:, None, :])
            rows, slots = np.nonzero((distances <= radius) & self.fresh_alive[: self.fresh_count])
            for row, slot in zip(rows.tolist(), slots.tolist(), strict=True):
                found[row].append(Match(int(self.fresh_keys[slot]), int(distances[row, slot])))
        for matches in found:
            matches.sort(key=lambda match: (match.distance, match.key))
        return found

    def _main_candidates(self, queries: Codes, radius: int) -> tuple[Any, Any, Any]:
        """(query row, position, distance) of every live hash within ``radius``, each pair
        once, all in numpy: no Python object per candidate or per match."""
        plan = self.plan
        values = np.stack([region_values(queries, r, plan.bits) for r in range(CHUNKS)], 1)
        probes = (values.astype(np.int64)[:, plan.chunk] ^ plan.mask) + plan.base
        starts = np.take(self.offsets, probes).astype(np.int64)
        lengths = np.take(self.offsets, probes + 1).astype(np.int64) - starts
        first = plan.first_chunk_probes
        # The hashes are sorted by the first chunk: its ranges are positions already.
        parts = [
            (_expand(starts[:, :first], lengths[:, :first]), lengths[:, :first].sum(axis=1)),
            (
                np.take(
                    self.flat_tables,
                    _expand(starts[:, first:] + self.rest_bases, lengths[:, first:]),
                ),
                lengths[:, first:].sum(axis=1),
            ),
        ]
        found_rows, found_positions, found_distances = [], [], []
        for positions, counts in parts:
            distances = self._distances(positions, queries, counts)
            keep = np.flatnonzero(distances <= radius)
            kept = np.take(positions, keep)
            if self.alive is not None:
                live = np.take(self.alive, kept)
                keep, kept = keep[live], kept[live]
            found_rows.append(np.searchsorted(np.cumsum(counts), keep, side="right"))
            found_positions.append(kept.astype(np.int64))
            found_distances.append(np.take(distances, keep))
        rows = np.concatenate(found_rows)
        positions = np.concatenate(found_positions)
        # A near hash is found through several chunks: keep each (query, hash) once.
        _pairs, once = np.unique(rows * len(self.keys) + positions, return_index=True)
        return rows[once], positions[once], np.concatenate(found_distances)[once]

    def _distances(self, positions: Any, queries: Codes, counts: Any) -> Any:
        """Distances of candidates listed query by query (``counts`` per query)."""
        gathered = np.take(self.codes, positions, axis=0)
        distances = np.bitwise_count(gathered[:, 0] ^ np.repeat(queries[:, 0], counts))
        distances = distances.astype(np.uint16)
        for word in range(1, 4):
            # Column by column: four cheap passes instead of a reduction over a short axis.
            distances += np.bitwise_count(gathered[:, word] ^ np.repeat(queries[:, word], counts))
        return distances

    # --- Size -------------------------------------------------------------------------------

    def memory_bytes(self) -> int:
        arrays = [self.codes, self.keys, self.tables, self.offsets]
        arrays += [self.alive] if self.alive is not None else []
        arrays += [self.fresh_codes, self.fresh_keys, self.fresh_alive]
        return sum(array.nbytes for array in arrays)
