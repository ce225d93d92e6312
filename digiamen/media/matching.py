"""Matching hashes against the banks an organisation can see.

MD5 and SHA-256 are matched exactly by the database's indexes: always fresh. PDQ is matched
by each process's in-memory index (index.py), loaded once from the database and then kept
fresh by reading ``BankChange`` rows, no rebuild: a hash added to a bank by any process is
matched by every other process's first search that starts ``MATCH_INDEX_POLL_SECONDS`` or
more after that process last read the changes. The poll interval is not the whole delay: the
adding transaction must commit, and a process reads only when it searches (measured by the
bench between two indexes on PostgreSQL, a 2-core machine under load: p50 about 0.1 s, p95
about 0.2 s, max about 0.3 s; an earlier figure of half a second timed a bench whose hashes
each matched half the bank).

With ``MATCH_INDEX_SHARED`` (on outside tests), a process starts from the machine's shared
snapshot (snapshots.py), mapped read-only, instead of loading the entries itself, and moves
to a newer snapshot when the queue consumer has built one.

Change ids come from the database's sequence, and a transaction that took an id may commit
after one that took a later id. So ids seen missing are remembered as gaps and asked for
again until they appear or ``GAP_SECONDS`` pass (a rolled back transaction leaves a gap for
ever). Applying a change twice does nothing: a change states an entry's state, not a delta.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q

from digiamen.accounts.models import Organisation
from digiamen.media import snapshots
from digiamen.media.index import PdqIndex, codes_from_hex
from digiamen.media.models import BankChange, BankEntry, HashBank
from digiamen.networks.models import Network

GAP_SECONDS = 30.0


@dataclass(frozen=True)
class BankMatch:
    entry_id: int
    bank_id: int
    kind: str
    distance: int


def visible_bank_ids(organisation: Organisation) -> set[int]:
    """Enabled banks of the organisation and those shared with a network it belongs to."""
    networks = Network.objects.of(organisation).values("pk")
    return set(
        HashBank.objects.filter(is_enabled=True)
        .filter(Q(organisation=organisation) | Q(network__in=networks))
        .values_list("pk", flat=True)
    )


class BankIndex:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: PdqIndex | None = None
        # Entries added since the index was loaded (few); the loaded ones are in `banks`.
        self.bank_of: dict[int, int] = {}
        self.banks: snapshots.BankLookup | None = None
        self.snapshot: snapshots.Snapshot | None = None
        # The snapshot name last looked at, used or not (one of another database is not
        # tried again every few seconds).
        self.snapshot_seen: str | None = None
        self.max_seen = 0
        self.gaps: dict[int, float] = {}
        self.checked_at = 0.0
        self.snapshot_checked_at = 0.0

    def load(self) -> None:
        self.snapshot_seen = snapshots.current_name() if settings.MATCH_INDEX_SHARED else None
        snapshot = snapshots.open_current() if settings.MATCH_INDEX_SHARED else None
        if snapshot is not None:
            self.index, self.bank_of, self.snapshot = snapshot.index, {}, snapshot
            self.banks = snapshot.banks
            last_change: int | None = snapshot.change_id
        else:
            last_change = BankChange.objects.order_by("-id").values_list("id", flat=True).first()
            keys, banks, codes = snapshots.read_entries()
            self.index = PdqIndex(codes, keys)
            self.bank_of, self.banks = {}, snapshots.BankLookup.of(keys, banks)
            self.snapshot = None
        # Changes made while loading are applied again by the next refresh: harmless.
        self.max_seen = max(0, (last_change or 0) - 1000)
        self.gaps = {}
        self.checked_at = self.snapshot_checked_at = time.monotonic()

    def bank_for(self, key: int) -> int | None:
        found = self.bank_of.get(key)
        if found is None and self.banks is not None:
            found = self.banks.bank_of(key)
        return found

    def _newer_snapshot(self, now: float) -> bool:
        if not settings.MATCH_INDEX_SHARED:
            return False
        if now - self.snapshot_checked_at < settings.MATCH_INDEX_SNAPSHOT_CHECK_SECONDS:
            return False
        self.snapshot_checked_at = now
        name = snapshots.current_name()
        return name is not None and name != self.snapshot_seen

    def refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.index is None:
            self.load()
            return
        if not force and now - self.checked_at < settings.MATCH_INDEX_POLL_SECONDS:
            return
        if self._newer_snapshot(now):
            self.load()  # then the changes after it, below
        self.checked_at = now
        self.gaps = {gap: seen for gap, seen in self.gaps.items() if now - seen < GAP_SECONDS}
        changes = BankChange.objects.filter(Q(id__gt=self.max_seen) | Q(id__in=list(self.gaps)))
        rows = list(
            changes.order_by("id").values_list(
                "id", "entry_id", "bank_id", "pdq", "pdq_quality", "is_active"
            )
        )
        for change_id, entry_id, bank_id, pdq, quality, is_active in rows:
            self.gaps.pop(change_id, None)
            if change_id > self.max_seen:
                for missing in range(self.max_seen + 1, min(change_id, self.max_seen + 10_000)):
                    self.gaps.setdefault(missing, now)
                self.max_seen = change_id
            self._apply(entry_id, bank_id, pdq, quality, is_active)

    def _apply(
        self, entry_id: int, bank_id: int, pdq: str, quality: int | None, is_active: bool
    ) -> None:
        if self.index is None:
            return
        usable = is_active and pdq and (quality or 0) >= settings.PDQ_MIN_QUALITY
        if usable:
            self.index.add(entry_id, codes_from_hex([pdq])[0])
            self.bank_of[entry_id] = bank_id
        else:
            self.index.remove(entry_id)

    def search_pdq(
        self, hexes: list[str], bank_ids: set[int], *, radius: int | None = None
    ) -> list[list[BankMatch]]:
        radius = settings.PDQ_MATCH_DISTANCE if radius is None else radius
        with self.lock:
            self.refresh()
            if self.index is None:
                return [[] for _hex in hexes]
            found = self.index.search_many(codes_from_hex(hexes), radius)
            return [
                [
                    BankMatch(match.key, bank, "pdq", match.distance)
                    for match in matches
                    if (bank := self.bank_for(match.key)) in bank_ids
                ]
                for matches in found
            ]

    def pending_changes(self) -> int:
        """Bank changes committed in the database that this process has not applied, after
        bringing the index up to date (loading it if this process has none yet)."""
        with self.lock:
            if self.index is None:
                self.load()
            self.refresh(force=True)  # applies what came in while loading
            latest = BankChange.objects.order_by("-id").values_list("id", flat=True).first()
            return max(0, (latest or 0) - self.max_seen)

    def size(self) -> int:
        with self.lock:
            self.refresh()
            return len(self.index) if self.index is not None else 0


_process_index = BankIndex()


def process_index() -> BankIndex:
    return _process_index


def reset_process_index() -> None:
    """Tests start each database afresh: the next search loads the index again."""
    global _process_index
    _process_index = BankIndex()


def match_hashes(hash_sets: list[dict[str, Any]], bank_ids: set[int]) -> list[list[BankMatch]]:
    """For each {md5?, sha256?, pdq?, quality?}, its matches in the given banks."""
    results: list[list[BankMatch]] = [[] for _ in hash_sets]
    if not bank_ids or not hash_sets:
        return results
    for kind in ("md5", "sha256"):
        wanted = {hashes[kind] for hashes in hash_sets if hashes.get(kind)}
        if not wanted:
            continue
        by_value: dict[str, list[tuple[int, int]]] = {}
        rows = BankEntry.objects.filter(
            is_enabled=True, bank_id__in=bank_ids, **{f"{kind}__in": wanted}
        ).values_list(kind, "pk", "bank_id")
        for value, entry_id, bank_id in rows:
            by_value.setdefault(value, []).append((entry_id, bank_id))
        for position, hashes in enumerate(hash_sets):
            for entry_id, bank_id in by_value.get(hashes.get(kind) or "", []):
                results[position].append(BankMatch(entry_id, bank_id, kind, 0))
    pdq_positions = [
        position
        for position, hashes in enumerate(hash_sets)
        if hashes.get("pdq") and hashes.get("quality", 100) >= settings.PDQ_MIN_QUALITY
    ]
    if pdq_positions:
        found = process_index().search_pdq(
            [hash_sets[position]["pdq"] for position in pdq_positions], bank_ids
        )
        for position, matches in zip(pdq_positions, found, strict=True):
            results[position].extend(matches)
    return results
