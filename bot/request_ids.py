"""Readable request ids (SM-0042), reserved a block at a time.

Every new request needs the next id. Taking it from one counter document inside each turn's
transaction made that document the hottest in the store: under load, every turn creating a
request conflicted with every other and was retried one after another (measured: the slowest
acknowledgements waited seconds). So a process reserves a block of ids with one conditional
write of its own and hands them out from memory. Ids stay unique across processes and
replicas (each block is reserved once); a block a process does not use up is skipped, so ids
may have gaps, and retention walks up to the counter rather than stopping at a gap.
"""

from __future__ import annotations

import asyncio

from bot import keys
from storage.base import Conflict, Put, Storage

COUNTER = keys.REQUEST_COUNTER
BLOCK = 10
ATTEMPTS = 20


class RequestIds:
    def __init__(self, storage: Storage, prefix: str) -> None:
        self.storage = storage
        self.prefix = prefix
        self._free: list[int] = []
        self._lock = asyncio.Lock()

    async def next(self) -> str:
        async with self._lock:
            if not self._free:
                self._free = await self._reserve()
            return f"{self.prefix}-{self._free.pop(0):04d}"

    async def _reserve(self) -> list[int]:
        for _ in range(ATTEMPTS):
            found = await self.storage.get(COUNTER)
            first = int(found.value["next"]) if found else 1
            try:
                await self.storage.write([Put(COUNTER, {"next": first + BLOCK},
                                              found.etag if found else None)])
            except Conflict:
                continue  # another process reserved meanwhile: read again
            return list(range(first, first + BLOCK))
        raise RuntimeError("could not reserve request ids: the counter keeps changing")
