"""One matching index for all the processes of a machine: a snapshot of the banks' PDQ
tables, built by the queue consumer into ``MATCH_INDEX_DIR`` and mapped read-only by every
application process, so 4 gunicorn workers share one copy in the page cache instead of
holding 4 (about 1 GB each at 10 000 000 hashes).

A snapshot is a folder ``snapshot-<change id>-<random>`` written under another name and
renamed when complete; the file ``current`` names the newest. Each folder records the last
``BankChange`` it includes (id and entry); a process uses a snapshot only if that change is
in its database (a snapshot left from another database, after ``make reset`` say, is not),
then applies the changes after it, as it does after loading from the database.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection

from digiamen.media.index import PdqIndex, codes_from_hex
from digiamen.media.models import BankChange, BankEntry

LOAD_BATCH = 20_000  # rows read at once while loading (a few MB)
KEEP = 2  # the current snapshot and the one before (processes may still map it)


def root() -> Path:
    return Path(settings.MATCH_INDEX_DIR)


@dataclass
class BankLookup:
    """The bank of each entry as two numpy arrays (entry ids sorted, as 32-bit offsets from
    the smallest when they fit, and their banks): no Python object per hash, 8 bytes per
    hash where a dict took about a hundred."""

    bank_keys: np.ndarray[Any, Any]  # entry ids minus key_base, sorted
    bank_ids: np.ndarray[Any, Any]  # the bank of each
    key_base: int = 0

    @classmethod
    def of(cls, keys: np.ndarray[Any, Any], banks: np.ndarray[Any, Any]) -> BankLookup:
        if len(keys) and not bool(np.all(keys[1:] > keys[:-1])):  # read_entries sorts them
            order = np.argsort(keys, kind="stable")
            keys, banks = keys[order], banks[order]
        base = int(keys[0]) if len(keys) else 0
        narrow = len(keys) == 0 or int(keys[-1]) - base < 2**32
        bank_dtype = np.int32 if len(banks) == 0 or int(banks.max()) < 2**31 else np.int64
        return cls(
            (keys - base).astype(np.uint32 if narrow else np.int64),
            banks.astype(bank_dtype),
            base,
        )

    def bank_of(self, key: int) -> int | None:
        relative = key - self.key_base
        if relative < 0 or (self.bank_keys.dtype == np.uint32 and relative >= 2**32):
            return None
        target = self.bank_keys.dtype.type(relative)
        position = int(np.searchsorted(self.bank_keys, target))
        if position < len(self.bank_keys) and int(self.bank_keys[position]) == relative:
            return int(self.bank_ids[position])
        return None

    def nbytes(self) -> int:
        return int(self.bank_keys.nbytes + self.bank_ids.nbytes)


@dataclass
class Snapshot:
    name: str
    index: PdqIndex
    change_id: int
    banks: BankLookup


def usable_entries() -> Any:
    return BankEntry.objects.filter(
        is_enabled=True, pdq_quality__gte=settings.PDQ_MIN_QUALITY
    ).exclude(pdq="")


Batch = tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]


def _batches() -> Iterator[Batch]:
    """(entry ids, bank ids, codes) of the usable entries, ``LOAD_BATCH`` at a time by id,
    each batch one range query on the primary key."""
    rows = usable_entries().order_by("pk").values_list("pk", "bank_id", "pdq")
    after = 0
    while True:
        query = rows.filter(pk__gt=after)[:LOAD_BATCH]
        if connection.vendor == "postgresql":
            batch = _postgresql_batch(query)
        else:
            batch = _python_batch(query)
        if not len(batch[0]):
            return
        yield batch
        after = int(batch[0].max())


def _postgresql_batch(query: Any) -> Batch:
    """The server packs the batch into three byte strings (ids and banks as 8-byte integers,
    the hashes as 32 bytes each): no Python object per row, and no hex text. The three
    aggregates read the rows in one order, the ordered subquery's (PostgreSQL does not
    promise it, so the bank lookup sorts the ids again if they are not in order)."""
    sql, params = query.query.sql_with_params()
    # Django's own SQL for the batch, its values passed as params: nothing interpolated.
    packed = (
        "SELECT string_agg(int8send(batch.id::int8), ''), "  # noqa: S608
        "string_agg(int8send(batch.bank_id::int8), ''), "
        "string_agg(decode(batch.pdq, 'hex'), '') "
        f"FROM ({sql}) AS batch (id, bank_id, pdq)"
    )
    with connection.cursor() as cursor:
        cursor.execute(packed, params)
        ids, banks, codes = cursor.fetchone()
    if ids is None:
        return _empty_batch()
    return (
        np.frombuffer(ids, dtype=">i8").astype(np.int64),
        np.frombuffer(banks, dtype=">i8").astype(np.int64),
        np.frombuffer(codes, dtype=np.uint8).reshape(-1, 32).view(np.uint64).copy(),
    )


def _empty_batch() -> Batch:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 4), np.uint64)


def _python_batch(query: Any) -> Batch:
    batch = list(query)
    if not batch:
        return _empty_batch()
    keys, banks, hexes = zip(*batch, strict=True)
    return np.array(keys, np.int64), np.array(banks, np.int64), codes_from_hex(hexes)


def read_entries() -> Batch:
    """Entry ids (in id order), bank ids and PDQ codes of every usable entry.

    Streamed batch by batch into arrays sized from a count beforehand (grown only if
    entries are added meanwhile): at most one batch is ever held in any other form."""
    capacity = usable_entries().count()
    keys = np.empty(capacity, dtype=np.int64)
    banks = np.empty(capacity, dtype=np.int64)
    codes = np.empty((capacity, 4), dtype=np.uint64)
    filled = 0
    for batch_keys, batch_banks, batch_codes in _batches():
        end = filled + len(batch_keys)
        if end > len(keys):
            capacity = 2 * end
            keys, banks = np.resize(keys, capacity), np.resize(banks, capacity)
            codes = np.resize(codes, (capacity, 4))
        keys[filled:end], banks[filled:end], codes[filled:end] = (
            batch_keys,
            batch_banks,
            batch_codes,
        )
        filled = end
    if filled < len(keys):  # fewer than counted (entries disabled meanwhile): trim
        keys, banks, codes = keys[:filled].copy(), banks[:filled].copy(), codes[:filled].copy()
    return keys, banks, codes


def current_name() -> str | None:
    try:
        return (root() / "current").read_text().strip() or None
    except FileNotFoundError:
        return None


def build() -> str | None:
    """Write a snapshot of the banks as they are now and make it current (None: no change
    has ever been made to any bank, so there is nothing to share)."""
    last = BankChange.objects.order_by("-id").values_list("id", "entry_id").first()
    if last is None:
        return None
    keys, banks, codes = read_entries()
    index = PdqIndex(codes, keys)
    banks_of = BankLookup.of(keys, banks)
    del codes
    name = f"snapshot-{last[0]}-{secrets.token_hex(3)}"
    folder = root()
    partial = folder / f".building-{name}"
    try:
        index.save(
            partial, change_id=last[0], change_entry=last[1], bank_key_base=banks_of.key_base
        )
        np.save(partial / "bank_keys.npy", banks_of.bank_keys, allow_pickle=False)
        np.save(partial / "bank_ids.npy", banks_of.bank_ids, allow_pickle=False)
        partial.rename(folder / name)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    pointer = folder / f".current-{secrets.token_hex(3)}"
    pointer.write_text(name)
    os.replace(pointer, folder / "current")
    _prune(name)
    return name


def _prune(current: str) -> None:
    folders = sorted(
        (p for p in root().glob("snapshot-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in folders[KEEP:]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


def open_current() -> Snapshot | None:
    """The current snapshot mapped read-only, if there is one made from this database."""
    name = current_name()
    if name is None:
        return None
    folder = root() / name
    try:
        index, meta = PdqIndex.open(folder)
        bank_keys = np.load(folder / "bank_keys.npy", mmap_mode="r")
        bank_ids = np.load(folder / "bank_ids.npy", mmap_mode="r")
    except (OSError, ValueError, KeyError):
        return None
    anchor = BankChange.objects.filter(pk=meta["change_id"], entry_id=meta["change_entry"])
    if not anchor.exists():
        return None  # made from another database, or pruned: not this one's
    return Snapshot(
        name,
        index,
        int(meta["change_id"]),
        BankLookup(bank_keys, bank_ids, int(meta.get("bank_key_base", 0))),
    )


def is_stale() -> bool:
    """Whether the banks changed since the current snapshot (or there is none to use)."""
    latest = BankChange.objects.order_by("-id").values_list("id", flat=True).first()
    if latest is None:
        return False
    name = current_name()
    if name is None:
        return True
    try:
        built_from = int(name.split("-")[1])
    except (IndexError, ValueError):
        return True
    return latest > built_from or not BankChange.objects.filter(pk=built_from).exists()
