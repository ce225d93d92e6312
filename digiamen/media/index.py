"""An exact, incrementally updated index for PDQ hashes at Hamming distance <= 31.

Multi-index hashing: the 256 bits are cut into 11 regions (three of 24 bits, eight of 23).
Two hashes within distance 31 differ in at most 31 bits, so by the pigeonhole principle at
least one region differs in at most 2 bits (3 in each of 11 would be 33), and so do that
region's low 22 bits. Each region has a table keyed by those 22 bits; looking up the
query's value and every value at most 2 bits away (254 probes per region, 2 794 in all)
finds every hash within 31: the search is exact, not approximate, for any radius up to 32.
At 10 000 000 random hashes a query checks about 6 600 candidates, where 16 chunks of 16
bits with one flip (HMA's layout) check about 41 000.

The hashes are stored sorted by their first region's key, so the first table is the order
itself; each other table is a permutation sorted by its key, with the offset of each of the
4 194 304 key values (4 bytes per hash and table, 16 MB of offsets per table).
New hashes go to a small "fresh" area searched by brute force, so a hash matches as soon as
it is added; removed hashes are masked at once. When the fresh area grows past a limit, the
tables are rebuilt with it (``compact``). No Django here: the bench uses this module as is.

``save`` writes the tables to a folder and ``open`` maps them read-only (``numpy.memmap``):
every process that opens the same folder shares one copy in the page cache. Such a shared
index keeps its own small "alive" mask and fresh area, and never compacts (that would copy
the tables into the process): a new snapshot replaces it instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

# Eleven regions partition the 256 bits: three of 24 bits and eight of 23 (start bit,
# width). Within 31 bits, some region differs in at most 2 bits (3 in each would be 33), so
# in that region's low 22 bits too: each region is indexed by those 22 bits.
WIDTHS = [24, 24, 24] + [23] * 8
LAYOUT = [(sum(WIDTHS[:region]), width) for region, width in enumerate(WIDTHS)]
INDEXED_BITS = 22
CHUNKS = len(LAYOUT)
FLIPS_PER_CHUNK = 2
MAX_DISTANCE = (FLIPS_PER_CHUNK + 1) * CHUNKS - 1
BATCH = 8  # queries searched together: large enough for numpy, small enough for the cache

Codes = np.ndarray[Any, np.dtype[np.uint64]]


def _flip_masks(width: int) -> np.ndarray[Any, Any]:
    masks = [0]
    for flips in range(1, FLIPS_PER_CHUNK + 1):
        masks += [sum(1 << bit for bit in bits) for bits in combinations(range(width), flips)]
    return np.array(masks, dtype=np.int64)


CHUNK_MASKS = [_flip_masks(INDEXED_BITS) for _region in LAYOUT]
TABLE_SIZES = [(1 << INDEXED_BITS) + 1 for _region in LAYOUT]
TABLE_BASES = np.concatenate([[0], np.cumsum(TABLE_SIZES)[:-1]]).astype(np.int64)
# Every probe of one query, flattened: its chunk, and the bits it flips.
PROBE_CHUNK = np.concatenate(
    [np.full(len(masks), chunk) for chunk, masks in enumerate(CHUNK_MASKS)]
)
PROBE_MASK = np.concatenate(CHUNK_MASKS)
PROBES = len(PROBE_MASK)
FIRST_CHUNK_PROBES = len(CHUNK_MASKS[0])


def _expand(starts: Any, lengths: Any) -> Any:
    """The integers of every range [start, start + length), in order."""
    starts, lengths = starts.reshape(-1), lengths.reshape(-1)
    shifts = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return shifts + np.arange(len(shifts))


def chunk_values(codes: Codes) -> np.ndarray[Any, Any]:
    """(n, 11) int64: the low 22 bits of each region (a region may straddle two words)."""
    columns = []
    for start, width in LAYOUT:
        word, shift = divmod(start, 64)
        value = codes[:, word] >> np.uint64(shift)
        if shift + width > 64:
            value = value | (codes[:, word + 1] << np.uint64(64 - shift))
        columns.append(value & np.uint64((1 << INDEXED_BITS) - 1))
    return np.stack(columns, axis=1).astype(np.int64)


def codes_from_hex(hexes: list[str]) -> Codes:
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
        if self.fresh_count or not self.alive.all():
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
        count = len(index.keys)
        index.alive = np.ones(count, dtype=bool)
        index.flat_tables = index.tables.reshape(-1)
        index.rest_bases = (PROBE_CHUNK[FIRST_CHUNK_PROBES:] - 1).astype(np.int64) * count
        index._empty_fresh()
        return index, meta

    def _build(self, codes: Codes, keys: np.ndarray[Any, Any]) -> None:
        values = chunk_values(codes)
        order = np.argsort(values[:, 0], kind="stable")
        self.codes = codes[order]
        values = values[order]
        keys = keys[order]
        # Keys usually fit in 32 bits above the smallest one: half the memory of int64.
        self.key_base = int(keys.min()) if len(keys) else 0
        narrow = len(keys) == 0 or int(keys.max()) - self.key_base < 2**32
        self.keys = (keys - self.key_base).astype(np.uint32 if narrow else np.int64)
        self.key_max = int(keys.max()) if len(keys) else -1
        self.alive = np.ones(len(keys), dtype=bool)
        count = len(keys)
        self.offsets = np.empty(sum(TABLE_SIZES), dtype=np.uint32)
        self.tables = np.empty((CHUNKS - 1, count), dtype=np.uint32)
        for chunk in range(CHUNKS):
            base = int(TABLE_BASES[chunk])
            column = values[:, chunk]
            if chunk:
                self.tables[chunk - 1] = np.argsort(column, kind="stable").astype(np.uint32)
            self.offsets[base] = 0
            np.cumsum(
                np.bincount(column, minlength=1 << INDEXED_BITS),
                out=self.offsets[base + 1 : base + TABLE_SIZES[chunk]],
            )
        self.flat_tables = self.tables.reshape(-1)
        # Where each probe of chunks 1..11 starts in the stacked tables.
        self.rest_bases = (PROBE_CHUNK[FIRST_CHUNK_PROBES:] - 1).astype(np.int64) * count
        self._empty_fresh()

    def _empty_fresh(self) -> None:
        self.fresh_codes = np.zeros((0, 4), dtype=np.uint64)
        self.fresh_keys = np.zeros(0, dtype=np.int64)
        self.fresh_alive = np.zeros(0, dtype=bool)
        self.fresh_count = 0
        self.fresh_positions: dict[int, int] = {}

    # --- Changes ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.alive.sum()) + int(self.fresh_alive[: self.fresh_count].sum())

    def _main_position(self, key: int) -> int | None:
        """Linear (a few ms at 10 000 000): removals are rare, searches are not."""
        if key > self.key_max:  # new database rows have higher ids: no scan for them
            return None
        relative = key - self.key_base
        if not 0 <= relative <= (2**32 - 1 if self.keys.dtype == np.uint32 else 2**63 - 1):
            return None
        found = np.flatnonzero(self.keys == relative)
        return int(found[0]) if len(found) else None

    def key_at(self, position: int) -> int:
        return int(self.keys[position]) + self.key_base

    def contains(self, key: int) -> bool:
        position = self._main_position(key)
        if position is not None and self.alive[position]:
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
            self.alive[position] = True
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
            self.alive[position] = False
        fresh = self.fresh_positions.get(key)
        if fresh is not None:
            self.fresh_alive[fresh] = False

    def compact(self) -> None:
        """Fold the fresh area into the tables and drop removed hashes (a private copy: a
        shared index becomes an ordinary one)."""
        self.shared = False
        count = self.fresh_count
        fresh_live = self.fresh_alive[:count]
        self._build(
            np.concatenate([self.codes[self.alive], self.fresh_codes[:count][fresh_live]]),
            np.concatenate(
                [
                    self.keys[self.alive].astype(np.int64) + self.key_base,
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
            for row, position, distance in zip(
                query_rows.tolist(), positions.tolist(), distances.tolist(), strict=True
            ):
                found[row].append(Match(self.key_at(position), distance))
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
        probes = (chunk_values(queries)[:, PROBE_CHUNK] ^ PROBE_MASK) + TABLE_BASES[PROBE_CHUNK]
        starts = np.take(self.offsets, probes).astype(np.int64)
        lengths = np.take(self.offsets, probes + 1).astype(np.int64) - starts
        first = FIRST_CHUNK_PROBES
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
        # A near hash is found through several chunks: keep each (query, hash) once.
        seen: dict[tuple[int, int], int] = {}
        for positions, counts in parts:
            distances = self._distances(positions, queries, counts)
            keep = np.flatnonzero(distances <= radius)
            keep = keep[np.take(self.alive, np.take(positions, keep))]
            rows = np.searchsorted(np.cumsum(counts), keep, side="right")
            for row, position, distance in zip(
                rows.tolist(), positions[keep].tolist(), distances[keep].tolist(), strict=True
            ):
                seen[(row, position)] = distance
        rows = np.array([row for row, _position in seen], dtype=np.intp)
        positions = np.array([position for _row, position in seen], dtype=np.intp)
        return rows, positions, np.array(list(seen.values()), dtype=np.intp)

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
        arrays = [self.codes, self.keys, self.alive, self.tables, self.offsets]
        arrays += [self.fresh_codes, self.fresh_keys, self.fresh_alive]
        return sum(array.nbytes for array in arrays)
