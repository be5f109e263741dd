"""The shared storage backend: PostgreSQL, for several replicas or hosts without a disk.

One table (see :mod:`storage.postgres_schema`) holds every document: its key, its JSON value
and its etag. The schema is created and migrated when the store first opens.

Conditional batches across processes: a write takes, in one transaction,

1. a transaction-scoped advisory lock per key of the batch, in ascending lock-id order, so
   two batches touching the same keys queue up instead of interleaving, and never deadlock
   (every writer takes its locks in the same global order, and before touching any row);
2. a fresh look at those keys' etags (``SELECT ... FOR UPDATE``, which also holds off
   writers from outside this module);
3. the expectation checks, against that look; any failure rolls everything back and raises
   :class:`storage.base.Conflict` naming the first failing key in batch order;
4. the deletes, updates and inserts. A plain ``INSERT`` (never an upsert) creates new keys,
   so even a writer that skipped the locks cannot be silently overwritten: the unique
   violation it causes becomes a :class:`Conflict`.

So of two replicas deciding the same request, one commits and the other gets a Conflict and
recomputes its turn from fresh data (see :mod:`bot.tx`). Deadlocks and serialization
failures (possible only with outside writers) are retried, then reported as a Conflict.
A connection the server dropped is replaced and the call made again when nothing can have
been committed (a read, or a write that failed before its COMMIT); other connection problems
become :class:`storage.base.StorageUnavailable`. No psycopg exception reaches callers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg
from psycopg import errors

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
from storage.postgres_pool import Conn, ConnectionPool
from storage.postgres_schema import DOCUMENTS, SchemaError, migrate

log = logging.getLogger(__name__)
WRITE_ATTEMPTS = 4
# The same collection alphabet as the TinyDB backend, so a database can always be copied
# back into files.
_COLLECTION = re.compile(r"[A-Za-z0-9_-]+")
_SURROGATES = range(0xD800, 0xE000)
# Worth retrying the whole transaction (psycopg does not group these under one class).
RETRYABLE = (errors.DeadlockDetected, errors.SerializationFailure, errors.TransactionRollback)
T = TypeVar("T")


def describe(url: str) -> str:
    """``scheme://host:port/db`` of a connection URL: no user name, password or options."""
    parts = urlsplit(url)
    if not parts.scheme:
        return "the PostgreSQL database"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or 'localhost'}{port}{parts.path}"


def check_key(key: str) -> str:
    """``key`` if every backend can store it; ValueError otherwise."""
    collection, _ = split_key(key)
    if not _COLLECTION.fullmatch(collection):
        raise ValueError(f"storage collection names use A-Z, a-z, 0-9, _ and -, got {key!r}")
    if "\x00" in key:
        raise ValueError("storage keys cannot contain NUL characters")
    key.encode("utf-8")  # UnicodeEncodeError (a ValueError) for lone surrogates
    return key


def dump_value(value: Any) -> str:
    """Strict JSON text of a document, the same as the TinyDB backend writes. ASCII-escaped,
    so any Python string (even NUL or a lone surrogate) round-trips through a ``json``
    column."""
    if not isinstance(value, dict):
        raise TypeError(f"storage values are JSON objects (dicts), got {type(value).__name__}")
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def lock_id(key: str) -> int:
    """The advisory lock that guards ``key``: a stable signed 64-bit hash of it."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8, person=b"policybot").digest()
    return int.from_bytes(digest, "big", signed=True)


def prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """``[low, high)`` holding exactly the keys that start with ``prefix`` in code point
    order (the order of a ``COLLATE "C"`` column). A range, unlike ``LIKE``, uses the key
    index even in a generic prepared plan."""
    head = prefix
    while head:
        last = ord(head[-1]) + 1
        if last in _SURROGATES:
            last = _SURROGATES.stop
        if last <= 0x10FFFF:
            return prefix, head[:-1] + chr(last)
        head = head[:-1]
    return prefix, None


class PostgresStorage(Storage):
    """Documents in one PostgreSQL table, shared safely by any number of processes."""

    def __init__(
        self,
        url: str,
        *,
        max_connections: int = 5,
        connect_timeout: int = 10,
        wait_timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.wait_timeout = wait_timeout  # longest wait for a free pooled connection
        self._pool: ConnectionPool | None = None
        self._open_lock = asyncio.Lock()

    # ----------------------------------------------------------------------- contract

    async def read(self, keys: Iterable[str]) -> dict[str, Record]:
        wanted = [check_key(key) for key in dict.fromkeys(keys)]
        if not wanted:
            return {}

        async def work(conn: Conn) -> list[tuple[str, str, str]]:
            cursor = await conn.execute(
                f"SELECT key, value::text, etag FROM {DOCUMENTS} WHERE key = ANY(%s)", (wanted,)
            )
            return await cursor.fetchall()

        rows = await self._call(work)
        found = {key: Record(json.loads(value), etag) for key, value, etag in rows}
        return {key: found[key] for key in wanted if key in found}

    async def write(self, changes: Sequence[Change]) -> dict[str, str]:
        batch = list(changes)
        bodies = [dump_value(c.value) if isinstance(c, Put) else None for c in batch]
        for change in batch:
            check_key(change.key)
        if not batch:
            return {}
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return await self._write_attempt(batch, bodies)
            except RETRYABLE as exc:
                log.info("storage write retried (%s), attempt %d", type(exc).__name__, attempt)
        raise Conflict(batch[0].key)

    async def scan(self, prefix: str) -> list[tuple[str, Record]]:
        try:
            if "\x00" in prefix:
                return []  # no stored key can start with it
            prefix.encode("utf-8")
        except UnicodeEncodeError:
            return []
        low, high = prefix_bounds(prefix)
        where, params = "", []
        if low:
            where, params = "WHERE key >= %s", [low]
            if high is not None:
                where, params = "WHERE key >= %s AND key < %s", [low, high]

        async def work(conn: Conn) -> list[tuple[str, str, str]]:
            cursor = await conn.execute(
                f"SELECT key, value::text, etag FROM {DOCUMENTS} {where} ORDER BY key",
                params,
            )
            return await cursor.fetchall()

        rows = await self._call(work)
        return [(key, Record(json.loads(value), etag)) for key, value, etag in rows]

    async def close(self) -> None:
        """Close the pool's connections. A later call opens a new pool."""
        async with self._open_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def ping(self) -> None:
        async def work(conn: Conn) -> None:
            await conn.execute("SELECT 1")

        await self._call(work)

    async def counts(self) -> dict[str, int]:
        """How many documents each collection holds (for admin commands; one query)."""

        async def work(conn: Conn) -> list[tuple[str, int]]:
            cursor = await conn.execute(
                f"SELECT collection, count(*) FROM {DOCUMENTS} GROUP BY collection"
                " ORDER BY collection"
            )
            return await cursor.fetchall()

        return dict(await self._call(work))

    async def open(self) -> None:
        """Connect, create or migrate the schema, and start the connection pool. Every
        operation calls this; call it at startup to fail fast with a clear reason."""
        if self._pool is not None:
            return
        async with self._open_lock:
            if self._pool is not None:
                return
            pool = ConnectionPool(self.url, max_size=self.max_connections,
                                  connect_timeout=self.connect_timeout,
                                  wait_timeout=self.wait_timeout)
            # Connecting here, rather than on a first turn, makes a bad URL, password or
            # database fail at start with libpq's own reason.
            try:
                conn = await pool.connect()
            except psycopg.Error as exc:
                raise self._unavailable(exc) from None
            try:
                applied = await migrate(conn)
            except (SchemaError, psycopg.Error) as exc:
                await conn.close()
                if isinstance(exc, SchemaError):
                    raise StorageUnavailable(f"{describe(self.url)}: {exc}") from None
                raise self._unavailable(exc) from None
            if applied:
                log.info("database schema migrated to version %d", applied[-1])
            pool.add_idle(conn)
            self._pool = pool

    # --------------------------------------------------------------------- internals

    async def _call(
        self, work: Callable[[Conn], Awaitable[T]], *,
        may_repeat: Callable[[], bool] = lambda: True,
    ) -> T:
        """Run ``work`` on a pooled connection; connection and server trouble become
        StorageUnavailable (Conflict and retryable rollbacks pass through).

        A connection found dead in use (the server restarted or dropped it) is replaced and
        ``work`` run once more, if ``may_repeat()`` says nothing can have been committed.
        """
        await self.open()
        for attempt in (1, 2):
            pool = self._pool
            if pool is None:  # closed meanwhile
                raise StorageUnavailable(f"{describe(self.url)}: the store was closed")
            lost = False
            try:
                async with pool.connection() as conn:
                    try:
                        return await work(conn)
                    except psycopg.OperationalError:
                        lost = conn.broken
                        raise
            except RETRYABLE:
                raise
            except psycopg.Error as exc:
                if lost and attempt == 1 and may_repeat():
                    log.info("database connection lost; trying again on a new one")
                    await pool.discard_idle()  # they were probably dropped as well
                    continue
                raise self._unavailable(exc) from None
        raise AssertionError("unreachable")

    def _unavailable(self, exc: psycopg.Error) -> StorageUnavailable:
        # The first line of libpq's message says what failed (never the password); the rest
        # is hints. Values are never part of these messages: they travel as parameters.
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return StorageUnavailable(f"PostgreSQL at {describe(self.url)} is unavailable: {reason}")

    async def _write_attempt(self, batch: list[Change], bodies: list[str | None]
                             ) -> dict[str, str]:
        committing: list[bool] = []  # set once COMMIT may have reached the server
        return await self._call(
            lambda conn: self._write_once(conn, batch, bodies, committing),
            may_repeat=lambda: not committing)

    async def _write_once(
        self, conn: Conn, batch: list[Change], bodies: list[str | None], committing: list[bool]
    ) -> dict[str, str]:
        keys = sorted({change.key for change in batch})
        async with conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(id) FROM unnest(%s::bigint[]) AS id",
                (sorted({lock_id(key) for key in keys}),),
            )
            cursor = await conn.execute(
                f"SELECT key, etag FROM {DOCUMENTS} WHERE key = ANY(%s) ORDER BY key FOR UPDATE",
                (keys,),
            )
            current: dict[str, str] = dict(await cursor.fetchall())
            for change in batch:
                have = current.get(change.key)
                if (change.expect is ABSENT and have is not None) or (
                    isinstance(change.expect, str) and have != change.expect
                ):
                    raise Conflict(change.key)
            etags: dict[str, str] = {}
            final: dict[str, tuple[str, str] | None] = {}  # the batch's last word on each key
            for change, body in zip(batch, bodies, strict=True):
                if body is not None:
                    etags[change.key] = uuid.uuid4().hex[:16]
                    final[change.key] = (body, etags[change.key])
                else:
                    final[change.key] = None
            await self._apply(conn, current, final)
            committing.append(True)
            return etags

    @staticmethod
    async def _apply(
        conn: Conn, current: dict[str, str], final: dict[str, tuple[str, str] | None]
    ) -> None:
        deletes = sorted(k for k, doc in final.items() if doc is None and k in current)
        updates = sorted((k, *doc) for k, doc in final.items() if doc and k in current)
        inserts = sorted((k, *doc) for k, doc in final.items() if doc and k not in current)
        if deletes:
            await conn.execute(f"DELETE FROM {DOCUMENTS} WHERE key = ANY(%s)", (deletes,))
        if updates:
            await conn.execute(
                f"UPDATE {DOCUMENTS} AS d SET value = u.value, etag = u.etag, updated_at = now()"
                " FROM unnest(%s::text[], %s::json[], %s::text[]) AS u(key, value, etag)"
                " WHERE d.key = u.key",
                [list(column) for column in zip(*updates, strict=True)],
            )
        if inserts:
            try:
                await conn.execute(
                    f"INSERT INTO {DOCUMENTS} (key, value, etag)"
                    " SELECT * FROM unnest(%s::text[], %s::json[], %s::text[])",
                    [list(column) for column in zip(*inserts, strict=True)],
                )
            except errors.UniqueViolation:
                # Someone created one of these keys without taking its lock.
                raise Conflict(inserts[0][0]) from None
