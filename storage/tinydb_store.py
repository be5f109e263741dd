"""The single-process storage backend: JSON files managed with TinyDB.

Layout, beside the main file (``./data/policybot.json`` by default)::

    policybot.json                  collection ``meta`` (small, frequently read settings)
    policybot.request.n0.json       request/SM-0000 .. request/SM-0499
    policybot.request.n1.json       request/SM-0500 .. request/SM-0999
    policybot.audit.2026-11.json    audit/2026-11-... (entries keyed by ISO timestamp)
    policybot.job.h7.json           any other id: crc32(id) % 16
    policybot.journal.json          only while a multi-file batch is being applied

TinyDB rewrites a whole file per write, so one big file would make every write cost
O(all data). Sharding keeps each rewrite bounded: a Trust's ~75,000 requests become 150
files of 500, and audit entries are grouped by month.

Durability: every file is replaced atomically (see :mod:`storage.atomic_json`). A batch
that touches one file is atomic by that alone. A batch touching several files is first
written whole to the journal; once the journal is on disk the batch is committed, and a
crash while applying it to the shards is finished by replaying the journal on the next
open (replay is idempotent: the journal holds final values and etags).

Concurrency: this process is the only writer. One asyncio lock serialises writes; all file
I/O runs in worker threads. Loaded shards stay in memory, so reads are dict lookups.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import re
import uuid
import zlib
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from storage.atomic_json import (
    ShardDB,
    atomic_write_json,
    dumps,
    read_json,
    remove_durably,
    remove_stale_temp_files,
)
from storage.base import (
    ABSENT,
    Change,
    Conflict,
    Put,
    Record,
    Storage,
    StorageUnavailable,
    split_key,
)

DEFAULT_PATH = "./data/policybot.json"
MAIN_COLLECTION = "meta"
SEQUENCE_SHARD_SIZE = 500
HASH_SHARDS = 16

# Collection names become part of file names, so they are restricted to a safe alphabet.
_COLLECTION = re.compile(r"[A-Za-z0-9_-]+")
_SEQUENCE_ID = re.compile(r"[A-Za-z]+-(\d+)")
_DATED_ID = re.compile(r"(\d{4}-\d{2})")
_SHARD_NAME = re.compile(r"n\d+|\d{4}-\d{2}|h\d+")

ShardId = tuple[str, str]  # (collection, shard name)
Doc = dict[str, Any]  # {"value": <JSON>, "etag": <str>}
Groups = dict[ShardId, tuple[dict[str, Doc], list[str]]]  # shard -> (puts by id, deleted ids)
MAIN_SHARD: ShardId = (MAIN_COLLECTION, "main")

P = ParamSpec("P")
T = TypeVar("T")


def shard_of(collection: str, ident: str) -> ShardId:
    """Which file holds ``collection/ident``.

    ``SM-0042`` -> ``n0`` (500 sequential ids per file); ``2026-11-24T13:05...`` ->
    ``2026-11`` (one file per month); anything else -> ``h0``..``h15`` by crc32.
    """
    if collection == MAIN_COLLECTION:
        return MAIN_SHARD
    if match := _SEQUENCE_ID.fullmatch(ident):
        return collection, f"n{int(match.group(1)) // SEQUENCE_SHARD_SIZE}"
    if match := _DATED_ID.match(ident):
        return collection, match.group(1)
    return collection, f"h{zlib.crc32(ident.encode('utf-8', 'surrogatepass')) % HASH_SHARDS}"


def locate(key: str) -> tuple[ShardId, str]:
    """``key`` -> (its shard, its id); ValueError for keys no backend may accept."""
    collection, ident = split_key(key)
    if not _COLLECTION.fullmatch(collection):
        raise ValueError(f"storage collection names use A-Z, a-z, 0-9, _ and -, got {key!r}")
    return shard_of(collection, ident), ident


def _copy_in(value: Any) -> Any:
    """A private copy of a value, via JSON so anything unstorable fails before any write."""
    if not isinstance(value, dict):
        raise TypeError(f"storage values are JSON objects (dicts), got {type(value).__name__}")
    return json.loads(dumps(value))


class TinyDBStorage(Storage):
    """Sharded TinyDB files with conditional, all-or-nothing batches (see module docs)."""

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_PATH) -> None:
        self.path = Path(path)
        self._dir = self.path.parent
        self._stem = self.path.stem if self.path.suffix == ".json" else self.path.name
        self.journal_path = self._dir / f"{self._stem}.journal.json"
        self._shards: dict[ShardId, ShardDB] = {}
        self._opened = False
        self._journal_pending = False  # a committed batch is not fully applied yet
        self._open_lock = asyncio.Lock()
        self._load_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        # Cleared while a multi-file batch is half-applied in memory; readers wait on it so
        # they never see part of a batch.
        self._settled = asyncio.Event()
        self._settled.set()

    # ----------------------------------------------------------------------- contract

    async def read(self, keys: Iterable[str]) -> dict[str, Record]:
        located = {key: locate(key) for key in keys}
        await self.open()
        await self._load({shard for shard, _ in located.values()})
        await self._wait_settled()
        # No await from here on: what we read is one consistent state.
        found: dict[str, Record] = {}
        for key, (shard, ident) in located.items():
            doc = self._doc(shard, ident)
            if doc is not None:
                found[key] = Record(copy.deepcopy(doc["value"]), doc["etag"])
        return found

    async def write(self, changes: Sequence[Change]) -> dict[str, str]:
        located = [(change, *locate(change.key)) for change in changes]
        values = [_copy_in(c.value) if isinstance(c, Put) else None for c in changes]
        await self.open()
        async with self._write_lock:
            if self._journal_pending:
                await self._finish(self._replay_pending())
            await self._load({shard for _, shard, _ in located})
            for change, shard, ident in located:
                current = self._doc(shard, ident)
                if change.expect is ABSENT and current is not None:
                    raise Conflict(change.key)
                if isinstance(change.expect, str) and (
                    current is None or current["etag"] != change.expect
                ):
                    raise Conflict(change.key)
            etags: dict[str, str] = {}
            final: dict[str, Doc | None] = {}  # the batch's last word on each key
            for (change, _, _), value in zip(located, values, strict=True):
                if isinstance(change, Put):
                    etags[change.key] = uuid.uuid4().hex[:16]
                    final[change.key] = {"value": value, "etag": etags[change.key]}
                else:
                    final[change.key] = None
            # Deleting what does not exist changes nothing and needs no file rewritten.
            final = {
                key: doc
                for key, doc in final.items()
                if doc is not None or self._doc(*locate(key)) is not None
            }
            if final:
                # Finish even if the caller is cancelled: releasing the lock while a worker
                # thread still rewrites files would let the next batch check stale etags.
                await self._finish(self._commit(final))
            return etags

    async def scan(self, prefix: str) -> list[tuple[str, Record]]:
        collection, slash, ident_prefix = prefix.partition("/")
        # A prefix that names a month ("audit/2026-11") can only match that month's file:
        # digests and retention read recent months without loading years of audit.
        month = _DATED_ID.match(ident_prefix)

        def wanted(shard: ShardId) -> bool:
            name = shard[0]
            if not slash:
                return name.startswith(collection)
            if name != collection:
                return False
            return month is None or shard[1] == month.group(1)

        await self.open()
        on_disk = await self._io(self._shards_on_disk)
        await self._load({shard for shard in on_disk if wanted(shard)})
        await self._wait_settled()
        found: list[tuple[str, Doc]] = []
        # Loaded shards include any a write created after the directory listing.
        for shard, db in self._shards.items():
            if wanted(shard):
                for ident, doc in db.keyed(shard[0]).docs().items():
                    key = f"{shard[0]}/{ident}"
                    if key.startswith(prefix):
                        found.append((key, doc))
        found.sort(key=lambda item: item[0])
        return [(key, Record(copy.deepcopy(doc["value"]), doc["etag"])) for key, doc in found]

    async def close(self) -> None:
        """Drop the in-memory copies. A later call reopens the files."""
        async with self._write_lock, self._open_lock:
            shards, self._shards = self._shards, {}
            self._opened = False
            for db in shards.values():
                db.close()

    async def ping(self) -> None:
        """Re-check the directory and re-parse the main file: the in-memory copy would
        hide a file that was damaged or made unreadable since it was loaded."""
        await self.open()
        await self._io(self._check_files)

    async def open(self) -> None:
        """Create the directory and main file and finish any batch a crash interrupted.
        Every operation calls this; call it at startup to fail fast."""
        if self._opened:
            return
        async with self._open_lock:
            if self._opened:
                return
            self._shards = {MAIN_SHARD: await self._io(self._open_main)}
            journal = await self._io(read_json, self.journal_path)
            if journal is not None:
                await self._finish(self._replay(journal))
            self._opened = True

    # --------------------------------------------------------------------- internals

    def _doc(self, shard: ShardId, ident: str) -> Doc | None:
        doc: Doc | None = self._shards[shard].keyed(shard[0]).docs().get(ident)
        return doc

    async def _wait_settled(self) -> None:
        while not self._settled.is_set():
            await self._settled.wait()

    async def _io(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking file work in a thread; OS errors become StorageUnavailable."""
        try:
            return await asyncio.to_thread(func, *args, **kwargs)
        except OSError as exc:
            raise StorageUnavailable(f"storage I/O failed in {self._dir}: {exc}") from exc

    @staticmethod
    async def _finish(coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` to its end even if the caller is cancelled meanwhile."""
        task = asyncio.ensure_future(coro)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            while not task.done():
                try:
                    await asyncio.wait({task})
                except asyncio.CancelledError:
                    continue
            if not task.cancelled():
                task.exception()  # retrieved: the caller's cancellation is what it sees
            raise

    def _shard_path(self, shard: ShardId) -> Path:
        if shard == MAIN_SHARD:
            return self.path
        return self._dir / f"{self._stem}.{shard[0]}.{shard[1]}.json"

    def _open_main(self) -> ShardDB:
        self._dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(self._dir, self._stem)
        main = ShardDB(self.path)
        main.atomic.load()
        if not self.path.exists():
            atomic_write_json(self.path, {})  # so ping can tell a lost file from a new store
        return main

    def _check_files(self) -> None:
        if not os.access(self._dir, os.R_OK | os.W_OK | os.X_OK):
            raise StorageUnavailable(f"storage directory {self._dir} is not readable+writable")
        if read_json(self.path) is None and not self.path.exists():
            raise StorageUnavailable(f"main storage file {self.path} has disappeared")

    def _shards_on_disk(self) -> set[ShardId]:
        found = {MAIN_SHARD}
        head = f"{self._stem}."
        for name in os.listdir(self._dir):
            if not (name.startswith(head) and name.endswith(".json")):
                continue
            parts = name[len(head) : -len(".json")].split(".")
            if (
                len(parts) == 2
                and _COLLECTION.fullmatch(parts[0])
                and _SHARD_NAME.fullmatch(parts[1])
            ):
                found.add((parts[0], parts[1]))
        return found

    async def _load(self, shards: set[ShardId]) -> None:
        if all(shard in self._shards for shard in shards):
            return
        async with self._load_lock:  # one loader per shard, so one ShardDB per file
            missing = sorted(shard for shard in shards if shard not in self._shards)
            if missing:
                self._shards.update(await self._io(self._load_shards, missing))

    def _load_shards(self, shards: list[ShardId]) -> dict[ShardId, ShardDB]:
        loaded: dict[ShardId, ShardDB] = {}
        for shard in shards:
            db = ShardDB(self._shard_path(shard))
            db.atomic.load()
            loaded[shard] = db
        return loaded

    @staticmethod
    def _group(changes: Mapping[str, Doc | None]) -> Groups:
        groups: Groups = {}
        for key, doc in changes.items():
            shard, ident = locate(key)
            puts, deletes = groups.setdefault(shard, ({}, []))
            if doc is None:
                deletes.append(ident)
            else:
                puts[ident] = doc
        return groups

    def _apply_groups(self, groups: Groups, journal: Path | None) -> None:
        for shard in sorted(groups):
            puts, deletes = groups[shard]
            self._shards[shard].keyed(shard[0]).apply(puts, deletes)
        if journal is not None:
            remove_durably(journal)

    async def _commit(self, changes: dict[str, Doc | None]) -> None:
        groups = self._group(changes)
        if len(groups) == 1:
            await self._io(self._apply_groups, groups, None)
            return
        await self._io(atomic_write_json, self.journal_path, {"version": 1, "changes": changes})
        # The batch is committed now: a crash from here on is finished by the next open.
        await self._apply_journal(changes)

    async def _apply_journal(self, changes: Mapping[str, Doc | None]) -> None:
        groups = self._group(changes)
        await self._load(set(groups))
        self._journal_pending = True
        self._settled.clear()
        try:
            await self._io(self._apply_groups, groups, self.journal_path)
            self._journal_pending = False
        finally:
            self._settled.set()

    async def _replay(self, journal: Any) -> None:
        changes = journal.get("changes") if isinstance(journal, dict) else None
        try:
            if not isinstance(changes, dict):
                raise ValueError("no changes")
            for key, doc in changes.items():
                locate(key)
                if doc is not None and not (
                    isinstance(doc, dict) and isinstance(doc.get("etag"), str) and "value" in doc
                ):
                    raise ValueError(f"bad entry for {key}")
        except ValueError as exc:
            raise StorageUnavailable(f"journal {self.journal_path} is malformed: {exc}") from exc
        await self._apply_journal(changes)

    async def _replay_pending(self) -> None:
        journal = await self._io(read_json, self.journal_path)
        if journal is None:
            self._journal_pending = False
        else:
            await self._replay(journal)
