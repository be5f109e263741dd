"""The TinyDB backend's journal: a batch across several files is finished after a crash,
once, by whoever opens, writes or reads next; a damaged journal is reported by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.atomic_json import KeyedTable
from storage.base import Put, Record, StorageUnavailable
from storage.tinydb_store import TinyDBStorage
from testing.storage_contract import SPREAD_KEYS


@pytest.fixture
def main_path(tmp_path: Path) -> Path:
    return tmp_path / "policybot.json"


def spread_batch(tag: str) -> list[Put]:
    return [Put(key, {"tag": tag, "key": key}) for key in SPREAD_KEYS]


async def test_interrupted_multi_shard_batch_is_finished_on_open(
    main_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStorage(main_path)
    await store.write(spread_batch("old"))
    applied = 0
    real_apply = KeyedTable.apply

    def crash_after_two_shards(self: KeyedTable, puts: dict, deletes: list) -> None:  # type: ignore[type-arg]
        nonlocal applied
        applied += 1
        if applied > 2:
            raise RuntimeError("simulated crash")
        real_apply(self, puts, deletes)

    monkeypatch.setattr(KeyedTable, "apply", crash_after_two_shards)
    with pytest.raises(RuntimeError):
        await store.write(spread_batch("new"))
    monkeypatch.undo()
    journal = json.loads(store.journal_path.read_text())
    on_disk = [json.loads(p.read_text()) for p in main_path.parent.glob("policybot.*.*.json")]
    assert "old" in json.dumps(on_disk) and "new" in json.dumps(on_disk)  # half-applied

    reopened = TinyDBStorage(main_path)  # what the next process after a crash would do
    found = await reopened.read(SPREAD_KEYS)
    assert {k: r.value["tag"] for k, r in found.items()} == dict.fromkeys(SPREAD_KEYS, "new")
    assert {k: r.etag for k, r in found.items()} == {
        k: doc["etag"] for k, doc in journal["changes"].items()
    }
    assert not reopened.journal_path.exists()


async def test_pending_journal_is_finished_by_the_next_write(
    main_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStorage(main_path)
    real_apply = KeyedTable.apply

    def fail_third(self: KeyedTable, puts: dict, deletes: list) -> None:  # type: ignore[type-arg]
        if "SM-0612" in puts:
            raise OSError(28, "No space left on device")
        real_apply(self, puts, deletes)

    monkeypatch.setattr(KeyedTable, "apply", fail_third)
    with pytest.raises(StorageUnavailable):
        await store.write(spread_batch("new"))
    monkeypatch.undo()
    assert store.journal_path.exists()
    await store.write([Put("job/other", {"v": 1})])
    assert not store.journal_path.exists()
    fresh = TinyDBStorage(main_path)
    assert len(await fresh.read([*SPREAD_KEYS, "job/other"])) == len(SPREAD_KEYS) + 1


async def test_leftover_journal_file_is_applied_once_and_removed(main_path: Path) -> None:
    store = TinyDBStorage(main_path)
    await store.write([Put("request/SM-0001", {"v": "before"}), Put("job/a", {"v": 1})])
    await store.close()
    journal = {
        "version": 1,
        "changes": {
            "request/SM-0001": {"value": {"v": "journal"}, "etag": "aaaaaaaaaaaaaaaa"},
            "audit/2026-11-24T13:05:01Z-x": {"value": {"e": 1}, "etag": "bbbbbbbbbbbbbbbb"},
            "job/a": None,
        },
    }
    for _ in range(2):  # replaying the same journal again changes nothing more
        (main_path.parent / "policybot.journal.json").write_text(json.dumps(journal))
        reopened = TinyDBStorage(main_path)
        assert await reopened.scan("") == [
            ("audit/2026-11-24T13:05:01Z-x", Record({"e": 1}, "bbbbbbbbbbbbbbbb")),
            ("request/SM-0001", Record({"v": "journal"}, "aaaaaaaaaaaaaaaa")),
        ]
        assert not reopened.journal_path.exists()
        await reopened.close()


async def test_malformed_journal_is_reported_by_name(main_path: Path) -> None:
    (main_path.parent / "policybot.journal.json").write_text('{"changes": {"bad key": null}}')
    with pytest.raises(StorageUnavailable, match="policybot.journal.json"):
        await TinyDBStorage(main_path).ping()


# ---------------------------------------------------------------- corrupt files
