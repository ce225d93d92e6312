"""One matching index for all the processes of a machine: a snapshot of the banks' PDQ
tables, built by the queue consumer into ``MATCH_INDEX_DIR`` and mapped read-only by every
application process, so 4 gunicorn workers share one copy in the page cache instead of
holding 4 (955 MB each at 10 000 000 hashes).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from digiamen.media.index import PdqIndex, codes_from_hex
from digiamen.media.models import BankChange, BankEntry

LOAD_BATCH = 100_000
KEEP = 2  # the current snapshot and the one before (processes may still map it)


def root() -> Path:
    return Path(settings.MATCH_INDEX_DIR)


@dataclass
class BankLookup:
    """The bank of each entry as two numpy arrays (entry ids sorted, their banks): no Python
    object per hash, so a million hashes cost 16 MB here, not a dict's hundred."""

    bank_keys: np.ndarray[Any, Any]  # entry ids, sorted
    bank_ids: np.ndarray[Any, Any]  # the bank of each

    @classmethod
    def of(cls, keys: np.ndarray[Any, Any], banks: np.ndarray[Any, Any]) -> BankLookup:
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], banks[order])

    def bank_of(self, key: int) -> int | None:
        position = int(np.searchsorted(self.bank_keys, key))
        if position < len(self.bank_keys) and int(self.bank_keys[position]) == key:
            return int(self.bank_ids[position])
        return None


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


def read_entries() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Entry ids, bank ids and PDQ codes of every usable entry, read in batches straight
    into numpy arrays: the hex strings of one batch at most are in memory at a time."""
    keys: list[np.ndarray[Any, Any]] = []
    banks: list[np.ndarray[Any, Any]] = []
    codes: list[np.ndarray[Any, Any]] = []
    after = 0
    while True:
        rows = list(
            usable_entries()
            .filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "bank_id", "pdq")[:LOAD_BATCH]
        )
        if not rows:
            break
        keys.append(np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)))
        banks.append(np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows)))
        codes.append(codes_from_hex([row[2] for row in rows]))
        after = rows[-1][0]
        del rows
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), codes_from_hex([])
    return np.concatenate(keys), np.concatenate(banks), np.concatenate(codes)


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
    order = np.argsort(keys, kind="stable")
    name = f"snapshot-{last[0]}-{secrets.token_hex(3)}"
    folder = root()
    partial = folder / f".building-{name}"
    try:
        index.save(partial, change_id=last[0], change_entry=last[1])
        np.save(partial / "bank_keys.npy", keys[order], allow_pickle=False)
        np.save(partial / "bank_ids.npy", banks[order], allow_pickle=False)
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
    return Snapshot(name, index, int(meta["change_id"]), BankLookup(bank_keys, bank_ids))


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
