"""The shared storage contract on the TinyDB backend, plus what only files can get wrong:
persistence, sharding, corrupt files and a non-blocking loop (the journal: its own file)."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import storage.atomic_json as atomic_json
import storage.tinydb_store as tinydb_store
from storage import open_storage
from storage.base import Conflict, Delete, Put, Record, Storage, StorageUnavailable
from storage.tinydb_store import TinyDBStorage, shard_of
from testing.storage_contract import SPREAD_KEYS, StorageContract


class TestTinyDBStorage(StorageContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[Storage]:
        store = TinyDBStorage(tmp_path / "data" / "policybot.json")
        yield store
        await store.close()


@pytest.fixture
def main_path(tmp_path: Path) -> Path:
    return tmp_path / "policybot.json"


def spread_batch(tag: str) -> list[Put]:
    return [Put(key, {"tag": tag, "key": key}) for key in SPREAD_KEYS]


# ------------------------------------------------------------------------- layout


def test_shard_function() -> None:
    assert shard_of("request", "SM-0042") == ("request", "n0")
    assert shard_of("request", "SM-0499") == ("request", "n0")
    assert shard_of("request", "SM-0500") == ("request", "n1")
    assert shard_of("request", "SM-74999") == ("request", "n149")
    assert shard_of("audit", "2026-11-24T13:05:01.123456Z-ab12cd") == ("audit", "2026-11")
    assert shard_of("meta", "SM-0042") == ("meta", "main")
    hashed = {shard_of("job", f"job-name-{i}")[1] for i in range(500)}
    assert hashed == {f"h{i}" for i in range(16)}
    assert shard_of("job", "nightly") == shard_of("job", "nightly")


async def test_files_on_disk_are_valid_json_in_the_expected_layout(main_path: Path) -> None:
    store = TinyDBStorage(main_path)
    await store.write(spread_batch("one"))
    await store.write([Put("request/SM-1234", {"v": 1}), Delete("job/nightly-export")])
    await store.close()
    names = sorted(os.listdir(main_path.parent))
    assert names == [
        "policybot.audit.2026-11.json",
        "policybot.audit.2027-01.json",
        f"policybot.job.{shard_of('job', 'nightly-export')[1]}.json",
        "policybot.json",
        "policybot.json.lock",
        "policybot.request.n0.json",
        "policybot.request.n1.json",
        "policybot.request.n2.json",
    ]
    assert (main_path.parent / "policybot.json.lock").read_bytes() == b""  # a lock only
    contents = {
        name: json.loads((main_path.parent / name).read_text())
        for name in names
        if name.endswith(".json")
    }
    assert contents["policybot.json"]["meta"]["settings"]["value"] == {
        "tag": "one",
        "key": "meta/settings",
    }
    assert set(contents["policybot.request.n2.json"]["request"]) == {"SM-1234"}
    assert contents[f"policybot.job.{shard_of('job', 'nightly-export')[1]}.json"] == {"job": {}}


async def test_a_single_shard_write_replaces_only_its_own_file(main_path: Path) -> None:
    store = TinyDBStorage(main_path)
    await store.write(spread_batch("one"))
    inodes = {p.name: p.stat().st_ino for p in main_path.parent.iterdir()}
    await store.write([Put("request/SM-0001", {"v": 2}), Put("request/SM-0002", {"v": 2})])
    after = {p.name: p.stat().st_ino for p in main_path.parent.iterdir()}
    assert set(after) == set(inodes)  # no journal left, no new file
    changed = {name for name in after if after[name] != inodes[name]}
    assert changed == {"policybot.request.n0.json"}
    await store.close()


async def test_data_survives_close_and_reopen(main_path: Path) -> None:
    store = TinyDBStorage(main_path)
    etags = await store.write(spread_batch("kept"))
    await store.write([Delete(SPREAD_KEYS[-1])])
    before = await store.scan("")
    await store.close()

    reopened = TinyDBStorage(main_path)
    assert await reopened.scan("") == before
    assert await reopened.read(SPREAD_KEYS[:2]) == {
        key: Record({"tag": "kept", "key": key}, etags[key]) for key in SPREAD_KEYS[:2]
    }
    await reopened.close()
    # close() drops memory only; the same object reopens lazily.
    assert await reopened.scan("") == before


async def test_etags_are_16_hex_digits(main_path: Path) -> None:
    store = TinyDBStorage(main_path)
    etags = await store.write(spread_batch("x"))
    assert all(len(e) == 16 and int(e, 16) >= 0 for e in etags.values())


async def test_open_creates_parent_directories(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "policybot.json"
    store = TinyDBStorage(path)
    await store.ping()
    assert json.loads(path.read_text()) == {}


async def test_stale_temp_files_are_removed_on_open(main_path: Path) -> None:
    stale = main_path.parent / ".policybot.request.n0.json.deadbeef.tmp"
    unrelated = main_path.parent / ".other.json.deadbeef.tmp"
    stale.write_text('{"half": ')
    unrelated.write_text("keep")
    await TinyDBStorage(main_path).open()
    assert not stale.exists() and unrelated.exists()


# ------------------------------------------------------------------------ journal


async def test_corrupt_main_file_makes_open_and_ping_unavailable(main_path: Path) -> None:
    main_path.write_text('{"meta": {"x": {"value": ')
    store = TinyDBStorage(main_path)
    for operation in (store.open, store.ping, lambda: store.read(["meta/x"])):
        with pytest.raises(StorageUnavailable, match=r"policybot\.json is not valid JSON"):
            await operation()


async def test_ping_notices_a_main_file_damaged_after_open(main_path: Path) -> None:
    store = TinyDBStorage(main_path)
    await store.write([Put("meta/x", {"v": 1})])
    await store.ping()
    main_path.write_bytes(b"\x00\x00garbage")
    with pytest.raises(StorageUnavailable, match="policybot.json"):
        await store.ping()
    main_path.unlink()
    with pytest.raises(StorageUnavailable, match="policybot.json"):
        await store.ping()


async def test_ping_reports_an_unusable_directory(
    main_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStorage(main_path)
    await store.ping()
    # Simulated: permission bits mean nothing to root, who runs these tests in CI.
    monkeypatch.setattr(tinydb_store.os, "access", lambda path, mode: False)
    with pytest.raises(StorageUnavailable, match=str(main_path.parent)):
        await store.ping()


async def test_corrupt_shard_file_is_reported_by_name(main_path: Path) -> None:
    (main_path.parent / "policybot.request.n0.json").write_text("[1, 2")
    store = TinyDBStorage(main_path)
    with pytest.raises(StorageUnavailable, match=r"policybot\.request\.n0\.json"):
        await store.read(["request/SM-0001"])
    with pytest.raises(StorageUnavailable, match=r"policybot\.request\.n0\.json"):
        await store.scan("request/")
    assert await store.read(["request/SM-0500"]) == {}  # other shards still serve
    (main_path.parent / "policybot.request.n1.json").write_text("")  # never written by us
    with pytest.raises(StorageUnavailable, match=r"policybot\.request\.n1\.json is empty"):
        await TinyDBStorage(main_path).read(["request/SM-0500"])


# ------------------------------------------------------------- values and keys


async def test_values_that_are_not_json_are_rejected_before_writing(main_path: Path) -> None:
    store = TinyDBStorage(main_path)
    for bad in ({"x": object()}, {"x": float("nan")}, ["not", "a", "dict"]):
        with pytest.raises((TypeError, ValueError)):
            await store.write([Put("job/ok", {"v": 1}), Put("job/bad", bad)])  # type: ignore[arg-type]
    assert await store.scan("") == []


async def test_collection_names_must_be_file_safe(main_path: Path) -> None:
    store = TinyDBStorage(main_path)
    for bad in ("bad.name/x", "a b/x", "../x/y", "*/x"):
        with pytest.raises(ValueError):
            await store.write([Put(bad, {"v": 1})])
        with pytest.raises(ValueError):
            await store.read([bad])
    assert await store.scan("bad.name/") == []
    assert sorted(os.listdir(main_path.parent)) == ["policybot.json", "policybot.json.lock"]


# ------------------------------------------------------------------- concurrency


async def test_file_io_runs_off_the_event_loop(
    main_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each fsync waits until the event loop has ticked a few times. Were the I/O done on
    the loop thread the loop could not tick, and the wait would give up."""
    ticks = [0]
    stop = asyncio.Event()
    real_fsync = os.fsync
    loop_ticked_during_io: list[bool] = []

    def fsync_waiting_for_the_loop(fd: int) -> None:
        start = ticks[0]
        patience = 0 if False in loop_ticked_during_io else 2000  # fail fast once blocked
        for _ in range(patience):  # a generous bound, not a measurement
            if ticks[0] >= start + 3:
                break
            time.sleep(0.001)
        loop_ticked_during_io.append(ticks[0] >= start + 3)
        real_fsync(fd)

    async def ticker() -> None:
        while not stop.is_set():
            ticks[0] += 1
            await asyncio.sleep(0)

    store = TinyDBStorage(main_path)
    await store.open()
    monkeypatch.setattr(atomic_json.os, "fsync", fsync_waiting_for_the_loop)
    ticking = asyncio.create_task(ticker())
    start = ticks[0]
    for n in range(10):
        await store.write([Put(f"request/SM-{n:04d}", {"n": n})])
    for n in range(3):
        await store.write(spread_batch(str(n)))
    ticks_during_writes = ticks[0] - start
    stop.set()
    await ticking
    assert len(loop_ticked_during_io) >= 10 + 3 * 4
    assert all(loop_ticked_during_io)
    assert ticks_during_writes >= 3 * len(loop_ticked_during_io)


async def test_a_cancelled_write_keeps_the_lock_until_its_files_are_written(
    main_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStorage(main_path)
    etag = (await store.write([Put("request/SM-0001", {"v": 0})]))["request/SM-0001"]
    in_fsync, release = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def held_fsync(fd: int) -> None:
        in_fsync.set()
        release.wait(10)
        real_fsync(fd)

    monkeypatch.setattr(atomic_json.os, "fsync", held_fsync)
    first = asyncio.create_task(store.write([Put("request/SM-0001", {"v": 1}, expect=etag)]))
    assert await asyncio.to_thread(in_fsync.wait, 10)
    first.cancel()
    second = asyncio.create_task(store.write([Put("request/SM-0001", {"v": 2}, expect=etag)]))
    for _ in range(5):
        await asyncio.sleep(0)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await first
    with pytest.raises(Conflict):  # the cancelled write did land, so etag is stale
        await second
    monkeypatch.undo()
    record = await TinyDBStorage(main_path).get("request/SM-0001")
    assert record is not None and record.value == {"v": 1}


async def test_readers_never_see_part_of_a_multi_shard_batch(
    main_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStorage(main_path)
    await store.write(spread_batch("old"))
    calls, in_fsync, release = [0], threading.Event(), threading.Event()
    real_fsync = os.fsync

    def fsync_pausing_mid_batch(fd: int) -> None:
        calls[0] += 1
        if calls[0] == 5:  # journal (file+dir) and first shard (file+dir) done
            in_fsync.set()
            release.wait(10)
        real_fsync(fd)

    monkeypatch.setattr(atomic_json.os, "fsync", fsync_pausing_mid_batch)
    writing = asyncio.create_task(store.write(spread_batch("new")))
    assert await asyncio.to_thread(in_fsync.wait, 10)
    reading = asyncio.create_task(store.read(SPREAD_KEYS))
    scanning = asyncio.create_task(store.scan(""))
    for _ in range(20):
        await asyncio.sleep(0)
    release.set()
    await writing
    read = await reading
    scanned = dict(await scanning)
    for seen in (read, scanned):
        assert len(seen) == len(SPREAD_KEYS)
        assert len({record.value["tag"] for record in seen.values()}) == 1, seen


# ---------------------------------------------------------------- open_storage


def test_open_storage_chooses_tinydb_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = open_storage(str(tmp_path / "x.json"))
    assert isinstance(plain, TinyDBStorage) and plain.path == tmp_path / "x.json"
    prefixed = open_storage(f"tinydb:{tmp_path}/y.json")
    assert isinstance(prefixed, TinyDBStorage) and prefixed.path == tmp_path / "y.json"
    monkeypatch.chdir(tmp_path)
    for default in (None, ""):
        store = open_storage(default)
        assert isinstance(store, TinyDBStorage)
        assert store.path == Path("data/policybot.json")
    assert not (tmp_path / "data").exists()  # opening is lazy: nothing touched yet


def test_open_storage_rejects_unsupported_urls() -> None:
    with pytest.raises(ValueError, match="unknown storage URL scheme"):
        open_storage("redis://localhost")

