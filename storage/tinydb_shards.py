"""The TinyDB backend's shard files: which file holds a key, and which files stay parsed.

Layout: see :mod:`storage.tinydb_store`.

Other processes may replace any shard file whenever they hold the store's exclusive
lock, so a parsed copy is served only after an ``os.stat`` shows the file is still the
version it was parsed from (see :mod:`storage.atomic_json`). Parsed copies are kept in a
least-recently-used cache: a long-running server that runs retention, digests and exports
touches every shard over the years, and would otherwise end up holding the whole store.
Evicting a shard only drops its parsed copy; the next access parses the file again.

The cache is bounded both in shards and in bytes of JSON (parsed, a file takes about four
times its size in memory, five once rewritten: the texts of its documents are kept too).
The busy set is many small files: a server with a few hundred staff keeps about 100 in use,
the 16 hash shards of each collection its turns touch (conversations, people, inboxes...),
most of a few kilobytes. Request and audit files are up to a megabyte or more each, and an
export or a retention run reads all of them.
So the shard limit is generous, and the byte limit is what bounds memory after a scan.

The cache itself is only changed on the event loop. Worker threads look shards up in it,
work through a :class:`ShardSession`, and hand back what they used for the loop to keep.
"""

from __future__ import annotations

import functools
import os
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from storage.atomic_json import ShardDB
from storage.base import split_key

ShardId = tuple[str, str]  # (collection, shard name)
Doc = dict[str, Any]  # {"value": <JSON>, "etag": <str>}

DEFAULT_CACHED_SHARDS = 256
DEFAULT_CACHED_BYTES = 16_000_000  # of JSON files: some 64 to 80 MB in memory
MAIN_COLLECTION = "meta"
MAIN_SHARD: ShardId = (MAIN_COLLECTION, "main")
SEQUENCE_SHARD_SIZE = 500
HASH_SHARDS = 16

# Collection names become part of file names, so they are restricted to a safe alphabet.
_COLLECTION = re.compile(r"[A-Za-z0-9_-]+")
_SEQUENCE_ID = re.compile(r"[A-Za-z]+-(\d+)")
_DATED_ID = re.compile(r"(\d{4}-\d{2})")
_SHARD_NAME = re.compile(r"n\d+|\d{4}-\d{2}|h\d+")


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


@functools.lru_cache(maxsize=4096)  # a turn locates the same few keys again and again
def locate(key: str) -> tuple[ShardId, str]:
    """``key`` -> (its shard, its id); ValueError for keys no backend may accept."""
    collection, ident = split_key(key)
    if not _COLLECTION.fullmatch(collection):
        raise ValueError(f"storage collection names use A-Z, a-z, 0-9, _ and -, got {key!r}")
    return shard_of(collection, ident), ident


def month_named(ident_prefix: str) -> str | None:
    """The month (``2026-11``) an id prefix such as ``2026-11-2`` names, if any: only that
    month's file can hold ids starting so."""
    match = _DATED_ID.match(ident_prefix)
    return match.group(1) if match else None


def shards_on_disk(directory: Path, stem: str) -> set[ShardId]:
    """The shards whose files exist (the main shard always counts)."""
    found = {MAIN_SHARD}
    head = f"{stem}."
    for name in os.listdir(directory):
        if not (name.startswith(head) and name.endswith(".json")):
            continue
        parts = name[len(head) : -len(".json")].split(".")
        if len(parts) == 2 and _COLLECTION.fullmatch(parts[0]) and _SHARD_NAME.fullmatch(parts[1]):
            found.add((parts[0], parts[1]))
    return found


def parse_shard(path: Path) -> ShardDB:
    """Parse one shard file (blocking)."""
    db = ShardDB(path)
    db.atomic.load()
    return db


def _size(db: ShardDB) -> int:
    signature = db.atomic.signature
    return signature[2] if signature else 0


class ShardCache:
    """Parsed shards: the pinned one (the main file) always; of the others, the most
    recently used, at most ``limit`` of them and ``limit_bytes`` of JSON files."""

    def __init__(
        self,
        pinned: ShardId,
        limit: int = DEFAULT_CACHED_SHARDS,
        limit_bytes: int = DEFAULT_CACHED_BYTES,
    ) -> None:
        if limit < 1:
            raise ValueError(f"the shard cache must hold at least one shard, got {limit}")
        self.pinned = pinned
        self.limit = limit
        self.limit_bytes = limit_bytes
        self._pinned_db: ShardDB | None = None
        self._recent: OrderedDict[ShardId, ShardDB] = OrderedDict()  # oldest use first
        self._sizes: dict[ShardId, int] = {}  # of each recent copy's file, when last kept
        self._bytes = 0  # their sum, kept as copies come and go (not summed per batch)
        self._held: dict[ShardId, ShardDB] = {}  # every copy held, the pinned one too

    def shards(self) -> set[ShardId]:
        """The shards held in memory now."""
        return set(self._held)

    def lookup(self, shards: Iterable[ShardId]) -> dict[ShardId, ShardDB] | None:
        """The parsed copies of ``shards``, marked as just used; None if any is missing."""
        found: dict[ShardId, ShardDB] = {}
        for shard in shards:
            if shard == self.pinned:
                if self._pinned_db is None:
                    return None
                found[shard] = self._pinned_db
                continue
            db = self._recent.get(shard)
            if db is None:
                return None
            self._recent.move_to_end(shard)
            found[shard] = db
        return found

    def view(self) -> Mapping[ShardId, ShardDB]:
        """Every copy held, for worker threads to look shards up in (not a copy: handing
        each thread a copy of a few hundred entries cost more than the lookups). Only the
        loop changes it, and threads only look up single shards, so a lookup racing a
        change finds the old copy or the new one; either is used only after its file is
        checked, under the lock, to be that version."""
        return self._held

    def keep(self, used: Mapping[ShardId, ShardDB]) -> None:
        """Hold the copies a session used (replacing older ones) as the most recently
        used, in order, evicting the least recently used beyond the limits."""
        for shard, db in used.items():
            if shard == self.pinned:
                self._pinned_db = self._held[shard] = db
            elif _size(db) > self.limit_bytes:
                self._drop(shard)  # alone over the limit: not worth the others
            else:
                size = _size(db)
                self._bytes += size - self._sizes.get(shard, 0)
                self._sizes[shard] = size
                self._recent[shard] = self._held[shard] = db
                self._recent.move_to_end(shard)
        while self._recent and (len(self._recent) > self.limit
                                or self._bytes > self.limit_bytes):
            self._drop(next(iter(self._recent)))

    def _drop(self, shard: ShardId) -> None:
        if self._recent.pop(shard, None) is not None:
            self._bytes -= self._sizes.pop(shard, 0)
            del self._held[shard]

    def clear(self) -> None:
        self._pinned_db = None
        self._recent.clear()
        self._sizes.clear()
        self._held.clear()
        self._bytes = 0


class ShardSession:
    """The shards as they are on disk, for one hold of the store lock (in a worker thread).

    The first use of a shard checks its cached copy against the file and parses the file
    again if it changed (or was never parsed); later uses in the same session trust that
    check, since the lock keeps other writers out. :attr:`used` lists the copies used, in
    order, for the event loop to keep in the :class:`ShardCache` afterwards.
    """

    def __init__(
        self, path_of: Callable[[ShardId], Path], cached: Mapping[ShardId, ShardDB]
    ) -> None:
        self._path_of = path_of
        self._cached = cached
        self.used: dict[ShardId, ShardDB] = {}

    def db(self, shard: ShardId) -> ShardDB:
        db = self.used.get(shard)
        if db is None:
            db = self._cached.get(shard)
            if db is None or not db.atomic.is_current():
                db = parse_shard(self._path_of(shard))
            self.used[shard] = db
        return db

    def doc(self, shard: ShardId, ident: str) -> Doc | None:
        doc: Doc | None = self.db(shard).keyed(shard[0]).docs().get(ident)
        return doc
