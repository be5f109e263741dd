"""The file-based storage backend: JSON files managed with TinyDB, shared by the processes
of one machine.

Layout, beside the main file (``./data/policybot.json`` by default)::

    policybot.json                  collection ``meta`` (small, frequently read settings)
    policybot.json.lock             the inter-process lock (empty; see storage.store_lock)
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
crash while applying it to the shards is finished by replaying the journal under the
exclusive lock, by whichever process next opens, writes or reads (replay is idempotent:
the journal holds final values and etags).

Concurrency: ``policybot serve``, admin commands and terminal chats may all use the same
files at once. Each write batch holds the exclusive file lock from its expectation checks
to its last file. Readers hold the shared lock while they check and read, so they never
see a multi-file batch half-applied; with the lock held, a journal on disk can only be one
a failed writer left, and the reader replays it (exclusively) before reading. Parsed
shards stay in memory (an LRU, see :mod:`storage.tinydb_shards`) and are served after one
``os.stat`` per shard shows the file unchanged. The usual read therefore runs on the event
loop without waiting: a non-blocking shared lock, a check for a journal and those stats.
A read that finds this process's own write holding the lock waits on the loop for it to
finish, then reads the shards it left in memory. Anything else that may wait or parse (a
lock held by another process, a changed or unparsed shard, every write and scan) runs in a
worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from storage.atomic_json import (
    EncodedDoc,
    atomic_write_text,
    dumps,
    one_folder_sync,
    read_json,
    remove_durably,
    remove_stale_temp_files,
)
from storage.base import Change, Put, Record, Storage, StorageUnavailable, copy_json
from storage.group_commit import GroupQueue, Outcomes, Waiting, check_group
from storage.store_lock import StoreLock
from storage.tinydb_journal import Groups, group_changes, journal_text, read_journal
from storage.tinydb_shards import (
    DEFAULT_CACHED_BYTES,
    DEFAULT_CACHED_SHARDS,
    MAIN_SHARD,
    Doc,
    ShardCache,
    ShardId,
    ShardSession,
    locate,
    month_named,
    shard_of,
    shards_on_disk,
)

DEFAULT_PATH = "./data/policybot.json"
__all__ = ["DEFAULT_PATH", "MAIN_SHARD", "TinyDBStorage", "locate", "shard_of"]

Encoded = tuple[Any, str]  # a value put, and its JSON text
Located = Mapping[str, tuple[ShardId, str]]  # key -> (shard, id)

P = ParamSpec("P")
T = TypeVar("T")


def _copy_in(value: Any) -> Encoded:
    """A private copy of a value and its JSON text, via JSON so anything unstorable fails
    before any write. The text is what the commit writes to the file."""
    if not isinstance(value, dict):
        raise TypeError(f"storage values are JSON objects (dicts), got {type(value).__name__}")
    text = dumps(value)
    return json.loads(text), text


def _document(encoded: Encoded, etag: str) -> Doc:
    return EncodedDoc(encoded[0], encoded[1], etag)


def _records(found: Iterable[tuple[str, Doc]]) -> dict[str, Record]:
    """Copies of documents picked under the lock. Copying after releasing it is safe:
    writers replace document objects and never mutate them. (A plain JSON copy: for the
    documents of a turn, quicker than parsing their text again, and than deepcopy.)"""
    return {key: Record(copy_json(doc["value"]), doc["etag"]) for key, doc in found}


class TinyDBStorage(Storage):
    """Sharded TinyDB files with conditional, all-or-nothing batches (see module docs).

    ``cached_shards`` and ``cached_bytes``: how many shard files, and how many bytes of
    them, stay parsed in memory besides the main file (always kept); see
    :mod:`storage.tinydb_shards`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        *,
        cached_shards: int = DEFAULT_CACHED_SHARDS,
        cached_bytes: int = DEFAULT_CACHED_BYTES,
    ) -> None:
        self.path = Path(path)
        self._dir = self.path.parent
        self._stem = self.path.stem if self.path.suffix == ".json" else self.path.name
        self.journal_path = self._dir / f"{self._stem}.journal.json"
        self._journal_file = str(self.journal_path)  # checked on every read: no conversion
        self.lock_path = self._dir / f"{self.path.name}.lock"
        self._lock = StoreLock(self.lock_path)
        self._cache = ShardCache(MAIN_SHARD, cached_shards, cached_bytes)
        self._opened = False
        self._open_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()  # one group of batches at a time, in order
        # Batches waiting to be written, with the futures their callers wait on (group
        # commit: those that arrive while a group is being written go together next).
        self._queue = GroupQueue(self._write_group, self._write_lock)
        # Resolved once the group being written now is on disk and its shards kept in memory.
        self._group_written: asyncio.Future[None] | None = None

    # ----------------------------------------------------------------------- contract

    async def read(self, keys: Iterable[str]) -> dict[str, Record]:
        located = {key: locate(key) for key in keys}
        await self.open()
        found = self._read_cached(located)
        if found is None and self._group_written is not None:
            # This process's own group holds the lock (or has just replaced a shard): once
            # it is written the copies in memory are its result, so wait for it here rather
            # than in a worker thread that waits for the lock and parses the files again.
            await asyncio.shield(self._group_written)
            found = self._read_cached(located)
        if found is None:
            found = await self._under_lock(self._read_locked, located)
        return _records(found)

    async def write(self, changes: Sequence[Change]) -> dict[str, str]:
        """Write one batch, all or nothing. Batches that arrive while another group is being
        written are written together next (group commit): each is checked, in the order it
        arrived, against what the batches before it leave; all that pass are made durable
        with one rewrite (and one fsync) per file and at most one journal entry; each caller
        then learns its own result. Nothing returns before its batch is on disk."""
        located = [(change, *locate(change.key)) for change in changes]
        values = [_copy_in(c.value) if isinstance(c, Put) else None for c in changes]
        await self.open()
        return await self._queue.submit(located, values)

    async def _write_group(self, group: list[Waiting]) -> Outcomes:
        written = self._group_written = asyncio.get_running_loop().create_future()
        try:
            return await self._finish(self._under_lock(self._write_group_locked, group))
        finally:
            self._group_written = None
            written.set_result(None)

    async def scan(self, prefix: str) -> list[tuple[str, Record]]:
        collection, slash, ident_prefix = prefix.partition("/")
        # A prefix that names a month ("audit/2026-11") can only match that month's file:
        # digests and retention read recent months without loading years of audit.
        month = month_named(ident_prefix)

        def wanted(shard: ShardId) -> bool:
            name = shard[0]
            if not slash:
                return name.startswith(collection)
            if name != collection:
                return False
            return month is None or shard[1] == month

        await self.open()
        found = await self._under_lock(self._scan_locked, prefix, wanted)
        return sorted(_records(found).items(), key=lambda item: item[0])

    async def close(self) -> None:
        """Drop the in-memory copies and the lock file descriptor. A later call reopens."""
        async with self._write_lock, self._open_lock:
            self._cache.clear()
            self._lock.close()
            self._opened = False

    async def ping(self) -> None:
        """Re-check the directory and re-parse the main file: the in-memory copy would
        hide a file that was damaged or made unreadable since it was loaded."""
        await self.open()
        await self._io(self._check_files)

    async def open(self) -> None:
        """Create the directory, main file and lock file, and finish any batch a crash
        interrupted. Every operation calls this; call it at startup to fail fast."""
        if self._opened:
            return
        async with self._open_lock:
            if self._opened:
                return
            await self._under_lock(self._open_locked)
            self._opened = True

    @property
    def cached_shards(self) -> set[ShardId]:
        """The shards parsed in memory now."""
        return self._cache.shards()

    # ---------------------------------------------------------- on the event loop

    def _read_cached(self, located: Located) -> list[tuple[str, Doc]] | None:
        """The documents from memory if that needs no waiting: every shard parsed and
        unchanged on disk, no batch being written, none left half-applied. Else None."""
        cached = self._cache.lookup({shard for shard, _ in located.values()})
        if cached is None or not self._lock.try_shared():
            return None
        try:
            if os.path.exists(self._journal_file):
                return None
            if not all(db.atomic.is_current() for db in cached.values()):
                return None
            found: list[tuple[str, Doc]] = []
            for key, (shard, ident) in located.items():
                doc = cached[shard].keyed(shard[0]).docs().get(ident)
                if doc is not None:
                    found.append((key, doc))
            return found
        finally:
            self._lock.release_shared()

    async def _under_lock(
        self,
        func: Callable[Concatenate[ShardSession, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``func`` (which takes the lock it needs) in a worker thread with a session
        over the cache, then keep what it used."""
        session = ShardSession(self._shard_path, self._cache.view())
        try:
            result = await self._io(func, session, *args, **kwargs)
        except asyncio.CancelledError:
            raise  # the thread may still be filling the session: keep nothing
        except BaseException:
            self._cache.keep(session.used)
            raise
        self._cache.keep(session.used)
        return result

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

    # ---------------------------------------------------- in worker threads, locked

    def _open_locked(self, session: ShardSession) -> None:
        # The store's files are the bot's user's alone (0600, see atomic_json), and a folder
        # made for them is too (0700): they hold drafts and concern reports. A folder that
        # already exists is left as its owner set it (it may be shared, like /tmp).
        self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock.open()
        with self._lock.exclusive():  # nobody is writing: every temp file is stale
            remove_stale_temp_files(self._dir, self._stem)
            self._replay_journal(session)
            main = session.db(MAIN_SHARD)
            if main.atomic.signature is None:
                main.atomic.write({})  # so ping can tell a lost file from a new store

    @contextmanager
    def _settled(self, session: ShardSession) -> Iterator[None]:
        """Hold the lock for reading: shared, unless a failed writer left a journal, which
        is then replayed and the read done under the exclusive lock."""
        with self._lock.shared():
            if not os.path.exists(self._journal_file):
                yield
                return
        with self._lock.exclusive():
            self._replay_journal(session)
            yield

    def _read_locked(self, session: ShardSession, located: Located) -> list[tuple[str, Doc]]:
        with self._settled(session):
            found: list[tuple[str, Doc]] = []
            for key, (shard, ident) in located.items():
                doc = session.doc(shard, ident)
                if doc is not None:
                    found.append((key, doc))
            return found

    def _scan_locked(
        self, session: ShardSession, prefix: str, wanted: Callable[[ShardId], bool]
    ) -> list[tuple[str, Doc]]:
        with self._settled(session):
            found: list[tuple[str, Doc]] = []
            shards = sorted(s for s in shards_on_disk(self._dir, self._stem) if wanted(s))
            for shard in shards:
                for ident, doc in session.db(shard).keyed(shard[0]).docs().items():
                    key = f"{shard[0]}/{ident}"
                    if key.startswith(prefix):
                        found.append((key, doc))
            return found

    def _write_group_locked(
        self, session: ShardSession, group: list[Waiting],
    ) -> Outcomes:
        """Check each batch of ``group`` in order against the state the batches before it
        leave, then commit the ones that pass as one atomic change."""
        with self._lock.exclusive():
            self._replay_journal(session)
            outcomes, overlay = check_group(group, lambda key: session.doc(*locate(key)),
                                            _document)
            # Deleting what does not exist changes nothing and needs no file rewritten.
            final = {key: doc for key, doc in overlay.items()
                     if doc is not None or session.doc(*locate(key)) is not None}
            if final:
                self._commit(session, final)
            return outcomes

    def _commit(self, session: ShardSession, changes: dict[str, Doc | None]) -> None:
        groups = group_changes(changes)
        if len(groups) == 1:
            self._apply_groups(session, groups, None)
            return
        atomic_write_text(self.journal_path, journal_text(changes))
        # The batch is committed now: a crash from here on is finished by a replay.
        self._apply_groups(session, groups, self.journal_path)

    def _replay_journal(self, session: ShardSession) -> None:
        """Finish the batch a failed or killed writer left (exclusive lock held)."""
        changes = read_journal(self.journal_path)
        if changes is not None:
            self._apply_groups(session, group_changes(changes), self.journal_path)

    def _apply_groups(self, session: ShardSession, groups: Groups, journal: Path | None
                      ) -> None:
        """Rewrite each shard of ``groups``. Under a journal, the folder is fsynced once
        after the shards are all replaced, not after each (they share the folder), and
        before the journal goes: the journal, not the order of the renames, is what keeps
        a batch whole until then."""
        with one_folder_sync(self._dir) if journal is not None else contextlib.nullcontext():
            for shard in sorted(groups):
                puts, deletes = groups[shard]
                session.db(shard).keyed(shard[0]).apply(puts, deletes)
        if journal is not None:
            remove_durably(journal)

    # ------------------------------------------------------------------ files

    def _shard_path(self, shard: ShardId) -> Path:
        if shard == MAIN_SHARD:
            return self.path
        return self._dir / f"{self._stem}.{shard[0]}.{shard[1]}.json"

    def _check_files(self) -> None:
        if not os.access(self._dir, os.R_OK | os.W_OK | os.X_OK):
            raise StorageUnavailable(f"storage directory {self._dir} is not readable+writable")
        if read_json(self.path) is None and not self.path.exists():
            raise StorageUnavailable(f"main storage file {self.path} has disappeared")
