"""A small pool of PostgreSQL connections for :mod:`storage.postgres_store`.

Why not psycopg-pool: its maintenance tasks run in the background and survive cancellation,
so a pool that is not closed keeps ``asyncio.run`` from ever returning (a command that fails
before its ``close()`` would hang instead of exiting). Here every connection is made and
checked in the task that needs it; nothing runs in the background, and a pool that is never
closed only leaves sockets for the process's exit to close.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.pq import TransactionStatus

Conn = AsyncConnection[Any]
# A connection used this recently is taken as alive; an older one is checked with an empty
# query first, so a connection the server dropped (restart, failover, idle timeout) is
# replaced instead of failing a turn.
TRUSTED_FOR = 5.0


class PoolTimeout(psycopg.OperationalError):
    """Every connection stayed busy for longer than the wait allowed."""


class ConnectionPool:
    def __init__(self, url: str, *, max_size: int, connect_timeout: int,
                 wait_timeout: float) -> None:
        self.url = url
        self.max_size = max_size
        self.connect_timeout = connect_timeout
        self.wait_timeout = wait_timeout
        self._idle: list[tuple[Conn, float]] = []  # (connection, when it was last used)
        self._slots = asyncio.Semaphore(max_size)
        self._closed = False

    async def connect(self) -> Conn:
        return await AsyncConnection.connect(
            self.url, autocommit=True, connect_timeout=self.connect_timeout)

    def add_idle(self, conn: Conn) -> None:
        """Keep an open connection for reuse (e.g. the one that ran the migrations)."""
        self._idle.append((conn, time.monotonic()))

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Conn]:
        """A connection in autocommit mode, for the duration of the block."""
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait_timeout)
        except TimeoutError:
            raise PoolTimeout(f"all {self.max_size} connections stayed busy for "
                              f"{self.wait_timeout:g} s") from None
        conn: Conn | None = None
        try:
            conn = await self._take()
            yield conn
        finally:
            try:
                if conn is not None:
                    await self._give_back(conn)
            finally:
                self._slots.release()

    async def discard_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            await _close_quietly(conn)

    async def close(self) -> None:
        self._closed = True
        await self.discard_idle()

    async def _take(self) -> Conn:
        while self._idle:
            conn, last_used = self._idle.pop()
            if conn.closed:
                continue
            if time.monotonic() - last_used > TRUSTED_FOR:
                try:
                    await conn.execute("")
                except psycopg.Error:
                    await _close_quietly(conn)
                    continue
            return conn
        return await self.connect()

    async def _give_back(self, conn: Conn) -> None:
        # Only a connection that is open and outside any transaction is safe to reuse.
        if self._closed or conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
            await _close_quietly(conn)
        else:
            self.add_idle(conn)


async def _close_quietly(conn: Conn) -> None:
    with contextlib.suppress(psycopg.Error, OSError):
        await conn.close()
