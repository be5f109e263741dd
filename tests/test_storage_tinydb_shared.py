"""The TinyDB backend shared by several processes on one machine (``policybot serve``,
admin commands, two terminal chats), and its bounded cache of parsed shards.

The processes are real: testing/workers/shared_store_worker.py run with the same Python.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storage.atomic_json import KeyedTable, atomic_write_json, file_signature
from storage.base import Conflict, Put, Record
from storage.tinydb_store import MAIN_SHARD, TinyDBStorage
from testing.storage_contract import SPREAD_KEYS
from testing.workers import shared_store_worker as worker

HELPER = Path(worker.__file__)
TIMEOUT = 120.0  # seconds; a bound on hangs, never a measurement


@pytest.fixture
def main_path(tmp_path: Path) -> Path:
    return tmp_path / "policybot.json"


Start = Callable[..., "subprocess.Popen[str]"]


@pytest.fixture
def start() -> Iterator[Start]:
    """Start a worker process: ``start(mode, main, *args)``. Any still running when the
    test ends (it failed half-way) is killed."""
    children: list[subprocess.Popen[str]] = []

    def spawn(mode: str, main: Path, *args: str) -> subprocess.Popen[str]:
        child = subprocess.Popen(
            [sys.executable, str(HELPER), mode, str(main), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        children.append(child)
        return child

    yield spawn
    for child in children:
        if child.poll() is None:
            child.kill()
        child.communicate()


def expect_line(child: subprocess.Popen[str], line: str) -> None:
    assert child.stdout is not None
    got = child.stdout.readline()
    if got != f"{line}\n":
        child.kill()
        _, stderr = child.communicate(timeout=TIMEOUT)
        raise AssertionError(f"child said {got!r}, not {line!r}:\n{stderr}")


def result(child: subprocess.Popen[str]) -> Any:
    stdout, stderr = child.communicate(timeout=TIMEOUT)
    assert child.returncode == 0, stderr
    return json.loads(stdout.splitlines()[-1])


async def poll(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def waiting_for_lock(lock: Path) -> bool:
    """Whether some process or thread is blocked in flock on ``lock`` (/proc/locks shows
    blocked requests as ``N: -> FLOCK ...``)."""
    inode = f":{os.stat(lock).st_ino} "
    with open("/proc/locks") as locks:
        return any("-> FLOCK" in line and inode in line for line in locks)


# ----------------------------------------------------------------- several processes


def test_concurrent_processes_lose_no_write_and_never_show_half_a_batch(
    main_path: Path, start: Start
) -> None:
    writers, times = 2, 150
    total = writers * times
    counters = [start("count", main_path, f"w{i}", str(times)) for i in range(writers)]
    watcher = start("watch", main_path, str(total))
    children = [*counters, watcher]
    for child in children:
        expect_line(child, "ready")
    for child in children:  # as nearly at once as the parent can
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    counted = [result(child) for child in counters]
    watched = result(watcher)

    async def final() -> list[tuple[str, Record]]:
        store = TinyDBStorage(main_path)
        found = await store.scan("")
        await store.close()
        return found

    view = dict(asyncio.run(final()))
    assert [c["done"] for c in counted] == [times] * writers
    assert view[worker.COUNTER].value["n"] == total  # exactly the sum: nothing lost
    assert worker.torn(view) is None
    log = [view[worker.log_key(n)].value["by"] for n in range(1, total + 1)]
    assert sorted(log) == sorted(f"w{i}" for i in range(writers) for _ in range(times))
    switches = sum(a != b for a, b in zip(log, log[1:], strict=False))
    assert switches >= 2, f"the writers did not overlap ({counted}); nothing was tested"
    assert watched["torn"] == [], watched
    assert watched["last"] == total, watched
    assert watched["distinct"] >= 2, f"the watcher saw no batch land: {watched}"


async def test_a_write_by_another_process_is_seen_at_once(main_path: Path, start: Start) -> None:
    store = TinyDBStorage(main_path)
    mine = await store.write([Put(key, {"by": "parent"}) for key in SPREAD_KEYS])
    assert len(await store.read(SPREAD_KEYS)) == len(SPREAD_KEYS)  # all parsed in memory
    assert {("request", "n0"), ("request", "n1"), MAIN_SHARD} <= store.cached_shards

    changed = {SPREAD_KEYS[0]: {"by": "child"}, SPREAD_KEYS[2]: {"by": "child"}}
    theirs = await asyncio.to_thread(result, start("put", main_path, json.dumps(changed)))
    found = await store.read(SPREAD_KEYS)
    for key in SPREAD_KEYS:
        expected = Record({"by": "child"}, theirs[key]) if key in changed else None
        assert found[key] == (expected or Record({"by": "parent"}, mine[key]))
    assert [k for k, r in await store.scan("") if r.value == {"by": "child"}] == sorted(changed)
    # The expectation check sees the other process's write too: the old etag is stale.
    with pytest.raises(Conflict):
        await store.write([Put(SPREAD_KEYS[2], {"by": "parent"}, expect=mine[SPREAD_KEYS[2]])])
    etag = (await store.write([Put(SPREAD_KEYS[2], {"v": 3}, expect=theirs[SPREAD_KEYS[2]])]))[
        SPREAD_KEYS[2]
    ]
    await store.close()
    assert await TinyDBStorage(main_path).get(SPREAD_KEYS[2]) == Record({"v": 3}, etag)


async def test_open_waits_for_another_process_writing_and_spares_its_temp_file(
    main_path: Path, start: Start
) -> None:
    holder = start("hold", main_path)
    expect_line(holder, "holding")
    temp = main_path.parent / worker.HELD_TEMP_NAME
    store = TinyDBStorage(main_path)
    opening = asyncio.create_task(store.open())
    await poll(lambda: waiting_for_lock(store.lock_path) or opening.done())
    assert temp.exists() and not opening.done()
    assert holder.stdin is not None
    holder.stdin.write("done\n")
    holder.stdin.flush()
    await asyncio.wait_for(opening, TIMEOUT)
    assert holder.wait(TIMEOUT) == 0
    assert not temp.exists()  # renamed by its writer, not deleted by the newcomer
    record = await store.get("request/SM-0001")
    assert record == Record(worker.HELD_VALUE, "cafe0000cafe0000")
    await store.close()


async def test_reads_wait_while_another_process_writes(main_path: Path, start: Start) -> None:
    """A reader that finds the lock held exclusively waits in a worker thread, and then
    reads what the writer left."""
    store = TinyDBStorage(main_path)
    await store.write([Put("request/SM-0001", {"v": 1})])
    holder = start("hold", main_path)
    expect_line(holder, "holding")
    reading = asyncio.create_task(store.get("request/SM-0001"))
    await poll(lambda: waiting_for_lock(store.lock_path) or reading.done())
    assert not reading.done()
    assert holder.stdin is not None
    holder.stdin.write("done\n")
    holder.stdin.flush()
    assert await asyncio.wait_for(reading, TIMEOUT) == Record(worker.HELD_VALUE, "cafe0000cafe0000")
    assert holder.wait(TIMEOUT) == 0
    await store.close()


async def test_a_batch_another_holder_left_half_applied_is_finished_before_a_read(
    main_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = TinyDBStorage(main_path)
    await reader.write([Put(key, {"tag": "old"}) for key in SPREAD_KEYS])
    assert len(await reader.read(SPREAD_KEYS)) == len(SPREAD_KEYS)  # parsed in memory

    failing = TinyDBStorage(main_path)  # its own lock descriptor: another holder
    real_apply, applied = KeyedTable.apply, [0]

    def fail_after_two_files(self: KeyedTable, puts: dict, deletes: list) -> None:  # type: ignore[type-arg]
        applied[0] += 1
        if applied[0] > 2:
            raise OSError(28, "No space left on device")
        real_apply(self, puts, deletes)

    monkeypatch.setattr(KeyedTable, "apply", fail_after_two_files)
    with pytest.raises(Exception, match="No space left"):
        await failing.write([Put(key, {"tag": "new"}) for key in SPREAD_KEYS])
    monkeypatch.undo()
    assert failing.journal_path.exists()

    found = await reader.read(SPREAD_KEYS)
    assert {k: r.value["tag"] for k, r in found.items()} == dict.fromkeys(SPREAD_KEYS, "new")
    assert not reader.journal_path.exists()


# ------------------------------------------------------------------ bounded memory


async def test_the_cache_keeps_only_the_most_recently_used_shards(main_path: Path) -> None:
    store = TinyDBStorage(main_path, cached_shards=2)
    keys = [f"request/SM-{500 * n:04d}" for n in range(6)]  # shards n0 .. n5
    etags: dict[str, str] = {}
    for n, key in enumerate(keys):
        etags |= await store.write([Put(key, {"n": n}), Put("meta/last", {"n": n})])
    assert store.cached_shards == {MAIN_SHARD, ("request", "n4"), ("request", "n5")}

    for n, key in enumerate(keys):  # each evicted shard is parsed again, correctly
        assert await store.get(key) == Record({"n": n}, etags[key])
        assert len(store.cached_shards) == 3 and MAIN_SHARD in store.cached_shards
    assert store.cached_shards == {MAIN_SHARD, ("request", "n4"), ("request", "n5")}
    await store.get(keys[4])  # n4 is now the most recent: reading n0 evicts n5
    await store.get(keys[0])
    assert store.cached_shards == {MAIN_SHARD, ("request", "n0"), ("request", "n4")}

    # A conditional write to an evicted shard checks the file, not a forgotten copy.
    with pytest.raises(Conflict):
        await store.write([Put(keys[5], {"n": 50}, expect="0123456789abcdef")])
    etags |= await store.write([Put(keys[5], {"n": 50}, expect=etags[keys[5]])])
    scanned = await store.scan("request/")
    assert scanned == [
        (key, Record({"n": 50 if n == 5 else n}, etags[key])) for n, key in enumerate(keys)
    ]
    assert len(store.cached_shards) == 3
    await store.close()
    assert store.cached_shards == set()


async def test_the_cache_holds_at_most_its_bytes_of_files(main_path: Path) -> None:
    store = TinyDBStorage(main_path, cached_bytes=25_000)
    keys = [f"audit/2026-{month:02d}-01T00:00:00Z-x" for month in range(1, 7)]
    for month, key in enumerate(keys, start=1):
        await store.write([Put(key, {"month": month, "pad": "é" * 1000})])  # ~6 kB each
    assert len(store.cached_shards - {MAIN_SHARD}) == 4
    assert [(k, r.value["month"]) for k, r in await store.scan("audit/")] == [
        (key, month) for month, key in enumerate(keys, start=1)
    ]
    assert store.cached_shards == {MAIN_SHARD} | {("audit", f"2026-0{m}") for m in (3, 4, 5, 6)}
    big = "request/SM-0001"  # a file beyond the budget is parsed each time it is used
    await store.write([Put(big, {"pad": "x" * 30_000})])
    assert ("request", "n0") not in store.cached_shards
    record = await store.get(big)
    assert record is not None and len(record.value["pad"]) == 30_000
    assert len(store.cached_shards - {MAIN_SHARD}) == 4
    await store.close()


def test_the_cache_needs_room_for_a_shard(main_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        TinyDBStorage(main_path, cached_shards=0)


def test_every_version_of_a_file_has_a_new_signature(tmp_path: Path) -> None:
    """Versions of one size written within one clock tick, on a reused inode, must still
    differ: the signature is what tells a process its parsed copy is stale. The file
    system reuses the inode of the version before last, so the mtime has to differ."""
    path = tmp_path / "policybot.json"
    signatures = []
    for n in range(50):
        returned = atomic_write_json(path, {"n": n % 10})
        assert returned == file_signature(path)
        signatures.append(returned)
    assert len(set(signatures)) == len(signatures)
    mtimes = [mtime for _, mtime, _ in signatures]
    assert mtimes == sorted(mtimes)
    # A clock tick coarser than the writes (or a clock set back) is no excuse either.
    ahead = time.time_ns() + 3600 * 10**9
    os.utime(path, ns=(ahead, ahead))
    assert atomic_write_json(path, {"n": 0})[1] > ahead


async def test_store_files_and_the_folder_made_for_them_are_private(tmp_path: Path) -> None:
    """Drafts and concern reports live in these files: no other local user may read them."""
    from storage.base import Put
    from storage.tinydb_store import TinyDBStorage

    folder = tmp_path / "data" / "store"
    store = TinyDBStorage(str(folder / "policybot.json"))
    await store.write([Put("request/SM-0001", {"draft": "names a pupil"}),
                       Put("conversation/x@y", {"flow": None})])
    await store.close()
    assert folder.stat().st_mode & 0o777 == 0o700
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o777 == 0o600 for p in files), [
        (p.name, oct(p.stat().st_mode & 0o777)) for p in files]
