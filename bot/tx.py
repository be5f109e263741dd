"""Optimistic transactions over the storage contract.

Everything a turn reads is remembered with its etag; everything it writes is committed in one
batch that expects those etags. If another process changed any of it meanwhile the batch
fails as a whole with :class:`storage.base.Conflict` and the turn is computed again from fresh
data. That is how a request is decided once even with two replicas and two clicks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import keys
from storage.base import ABSENT, JSON, Delete, Put, Storage, copy_json


class Tx:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._seen: dict[str, str | None] = {}
        self._values: dict[str, JSON | None] = {}
        self._changes: dict[str, Put | Delete] = {}

    async def get(self, key: str) -> JSON | None:
        if key in self._changes:
            change = self._changes[key]
            return copy_json(change.value) if isinstance(change, Put) else None
        if key not in self._seen:
            record = await self.storage.get(key)
            self._seen[key] = record.etag if record else None
            self._values[key] = record.value if record else None
        value = self._values[key]
        return copy_json(value) if value is not None else None

    async def scan(self, prefix: str) -> list[tuple[str, JSON]]:
        """Every value under ``prefix`` as this transaction sees it (its own writes
        included), remembered like :meth:`get` so a later read sees the same."""
        for key, record in await self.storage.scan(prefix):
            if key not in self._seen:
                self._seen[key] = record.etag
                self._values[key] = record.value
        known = {k for k in self._seen if k.startswith(prefix)}
        known |= {k for k in self._changes if k.startswith(prefix)}
        found = [(key, await self.get(key)) for key in sorted(known)]
        return [(key, value) for key, value in found if value is not None]

    def _expect(self, key: str) -> Any:
        if key not in self._seen:
            return None
        etag = self._seen[key]
        return ABSENT if etag is None else etag

    def put(self, key: str, value: JSON) -> None:
        self._changes[key] = Put(key, value, self._expect(key))

    def create(self, key: str, value: JSON) -> None:
        """A key that must not exist yet (an event marker, an audit entry)."""
        self._changes[key] = Put(key, value, ABSENT)

    def delete(self, key: str) -> None:
        self._changes[key] = Delete(key, self._expect(key))

    def append_audit(self, now: datetime, entry: JSON) -> None:
        self.create(keys.audit_entry(now), entry)

    @property
    def pending(self) -> bool:
        return bool(self._changes)

    async def commit(self) -> None:
        if self._changes:
            await self.storage.write(list(self._changes.values()))

