"""Group commit in the TinyDB store: batches arriving together are written as one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import storage.atomic_json as atomic_json
from storage.base import ABSENT, Conflict, Put
from storage.tinydb_store import TinyDBStorage


async def test_batches_arriving_together_are_written_as_one_group(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Group commit: concurrent batches are checked in order against what the earlier ones
    leave, and share the file rewrites (and fsyncs) of one commit."""
    store = TinyDBStorage(str(tmp_path / "policybot.json"))
    await store.open()
    rewrites: list[str] = []
    real = atomic_json.atomic_write_text

    def counted(path: Path, text: str) -> object:
        rewrites.append(path.name)
        return real(path, text)

    monkeypatch.setattr(atomic_json, "atomic_write_text", counted)
    # Twenty creates of one key: exactly one wins, whatever the grouping.
    outcomes = await asyncio.gather(
        *(store.write([Put("conversation/same", {"n": i}, ABSENT)]) for i in range(20)),
        return_exceptions=True)
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, BaseException))
    # Forty independent batches into one file: far fewer rewrites than batches.
    rewrites.clear()
    etags = await asyncio.gather(
        *(store.write([Put(f"conversation/p{i}", {"n": i})]) for i in range(40)))
    assert len({next(iter(e.values())) for e in etags}) == 40
    assert 1 <= len(rewrites) < 40, rewrites
    found = await store.read([f"conversation/p{i}" for i in range(40)])
    assert [found[f"conversation/p{i}"].value["n"] for i in range(40)] == list(range(40))
    # A batch expecting what an earlier batch of its group replaced is refused.
    first = await store.write([Put("meta/counter", {"next": 1})])
    a, b = await asyncio.gather(
        store.write([Put("meta/counter", {"next": 2}, first["meta/counter"])]),
        store.write([Put("meta/counter", {"next": 3}, first["meta/counter"])]),
        return_exceptions=True)
    assert not isinstance(a, BaseException) and isinstance(b, Conflict)
    assert (await store.get("meta/counter")).value == {"next": 2}
    await store.close()
