"""The shared storage contract, run on the in-memory backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.base import Storage
from storage.memory import MemoryStorage
from testing.storage_contract import StorageContract


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[Storage]:
        store = MemoryStorage()
        yield store
        await store.close()
