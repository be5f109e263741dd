"""A store that lives in one process's memory: for single-use tools and tests of code above
storage. It honours the whole contract (conditional atomic batches) but keeps nothing."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Iterable, Sequence

from storage.base import ABSENT, Change, Conflict, Delete, Put, Record, Storage, split_key


class MemoryStorage(Storage):
    def __init__(self) -> None:
        self._docs: dict[str, Record] = {}
        self._lock = asyncio.Lock()

    async def read(self, keys: Iterable[str]) -> dict[str, Record]:
        return {k: copy.deepcopy(self._docs[k]) for k in keys if k in self._docs}

    async def write(self, changes: Sequence[Change]) -> dict[str, str]:
        async with self._lock:
            for change in changes:
                split_key(change.key)
                current = self._docs.get(change.key)
                if change.expect is ABSENT and current is not None:
                    raise Conflict(change.key)
                if isinstance(change.expect, str) and (
                    current is None or current.etag != change.expect
                ):
                    raise Conflict(change.key)
            etags: dict[str, str] = {}
            for change in changes:
                if isinstance(change, Put):
                    etag = uuid.uuid4().hex[:16]
                    self._docs[change.key] = Record(copy.deepcopy(change.value), etag)
                    etags[change.key] = etag
                elif isinstance(change, Delete):
                    self._docs.pop(change.key, None)
            return etags

    async def scan(self, prefix: str) -> list[tuple[str, Record]]:
        keys = sorted(k for k in self._docs if k.startswith(prefix))
        return [(k, copy.deepcopy(self._docs[k])) for k in keys]

    async def close(self) -> None:
        return None
