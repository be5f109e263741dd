"""What the TinyDB store keeps in memory to save work: a document's text, encoded once when
it is written (a file rewrite joins the texts of the documents it does not change, and the
file is exactly what encoding it whole would write), and the result of this process's own
write, which a read waiting for it is then served from."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

import storage.atomic_json as atomic_json
from storage.atomic_json import dumps
from storage.base import Delete, Put
from storage.tinydb_store import TinyDBStorage, shard_of

REQUESTS = 40
BODY = "é and \u2028 and a lone \ud800 survive " * 40  # about 1.5 kB a request once encoded


def big(n: int) -> dict[str, object]:
    return {"n": n, "body": BODY, "steps": [{"i": i, "ok": i % 2 == 0} for i in range(5)]}


def encoded_bytes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every text atomic_json encodes from now on."""
    sizes: list[int] = []
    real = atomic_json.dumps

    def counted(data: object) -> str:
        text = real(data)
        sizes.append(len(text))
        return text

    monkeypatch.setattr(atomic_json, "dumps", counted)
    return sizes


async def test_a_rewrite_encodes_only_the_documents_it_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "policybot.json"
    store = TinyDBStorage(path)
    await store.write([Put(f"request/SM-{n:04d}", big(n)) for n in range(REQUESTS)])
    await store.close()  # reopened: the documents are parsed from the file, not kept texts
    store = TinyDBStorage(path)
    await store.write([Put("request/SM-0001", big(1001))])  # the first rewrite encodes all
    sizes = encoded_bytes(monkeypatch)
    await store.write([Put("request/SM-0002", big(1002)), Delete("request/SM-0003")])
    shard_file = tmp_path / "policybot.request.n0.json"
    assert shard_file.stat().st_size > REQUESTS * 1000
    assert sum(sizes) < 200, sizes  # the ids and the etag, not 40 requests
    await store.close()


async def test_the_file_is_what_encoding_it_whole_would_write(tmp_path: Path) -> None:
    path = tmp_path / "policybot.json"
    store = TinyDBStorage(path)
    await store.write([Put(f"request/SM-{n:04d}", big(n)) for n in range(5)])
    await store.close()
    store = TinyDBStorage(path)  # a mix of parsed documents and documents written now
    etags = await store.write([Put("request/SM-0002", {"changed": True}),
                               Put("request/SM-0007", {"new": BODY}), Delete("request/SM-0000")])
    text = (tmp_path / "policybot.request.n0.json").read_text(encoding="ascii")
    parsed = json.loads(text)
    assert text == dumps(parsed)
    table = parsed["request"]
    assert list(table) == ["SM-0001", "SM-0002", "SM-0003", "SM-0004", "SM-0007"]
    assert table["SM-0002"] == {"value": {"changed": True}, "etag": etags["request/SM-0002"]}
    assert table["SM-0007"]["value"] == {"new": BODY}
    assert shard_of("request", "SM-0007") == ("request", "n0")
    await store.close()


async def test_values_read_are_copies_whatever_their_source(tmp_path: Path) -> None:
    path = tmp_path / "policybot.json"
    store = TinyDBStorage(path)
    await store.write([Put("request/SM-0001", big(1))])
    await store.close()
    store = TinyDBStorage(path)
    await store.write([Put("request/SM-0002", big(2))])
    for key in ("request/SM-0001", "request/SM-0002"):  # parsed from the file; written now
        first = await store.get(key)
        assert first is not None
        first.value["steps"][0]["ok"] = "mutated by the reader"
        again = await store.get(key)
        assert again is not None and again.value["steps"][0]["ok"] is True
    await store.close()


async def test_a_read_meeting_this_process_s_write_is_served_from_memory_after_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No worker thread waits for the lock and parses the files this process is writing:
    the read waits for the write on the loop, then finds its result in memory."""
    store = TinyDBStorage(tmp_path / "policybot.json")
    keys = [f"request/SM-{n:04d}" for n in range(3)] + ["conversation/a@school.org"]
    await store.write([Put(key, {"tag": "old"}) for key in keys])
    in_fsync, release = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def fsync_pausing(fd: int) -> None:
        in_fsync.set()
        release.wait(10)
        real_fsync(fd)

    locked_reads: list[object] = []
    real_locked = store._read_locked

    def counted(*args: Any) -> Any:
        locked_reads.append(args)
        return real_locked(*args)

    monkeypatch.setattr(store, "_read_locked", counted)
    monkeypatch.setattr(atomic_json.os, "fsync", fsync_pausing)
    writing = asyncio.create_task(store.write([Put(key, {"tag": "new"}) for key in keys]))
    assert await asyncio.to_thread(in_fsync.wait, 10)
    reading = asyncio.create_task(store.read(keys))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not reading.done()
    release.set()
    await writing
    found = await reading
    assert {record.value["tag"] for record in found.values()} == {"new"}
    assert locked_reads == []
    await store.close()


async def test_a_shard_rewritten_larger_counts_at_its_new_size(tmp_path: Path) -> None:
    """The cache keeps a running total of its files' bytes: a copy replaced by a larger one
    counts at its new size, and the least recently used make room."""
    store = TinyDBStorage(tmp_path / "policybot.json", cached_bytes=25_000)
    keys = [f"audit/2026-{month:02d}-01T00:00:00Z-x" for month in range(1, 4)]
    for key in keys:
        await store.write([Put(key, {"pad": "x" * 6_000})])
    assert {("audit", f"2026-0{m}") for m in (1, 2, 3)} <= store.cached_shards
    await store.write([Put(keys[2], {"pad": "x" * 16_000})])  # 6 + 6 + 16 kB: over 25 kB
    assert ("audit", "2026-01") not in store.cached_shards
    assert {("audit", "2026-02"), ("audit", "2026-03")} <= store.cached_shards
    await store.write([Put(keys[2], {"pad": "x" * 1_000})])  # smaller again: room for one
    await store.get(keys[0])
    assert {("audit", f"2026-0{m}") for m in (1, 2, 3)} <= store.cached_shards
    await store.close()


async def test_a_multi_shard_batch_fsyncs_the_folder_once_for_all_its_shards(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal is made durable (file and folder) first; then each shard file is synced
    and renamed, and the folder synced once for all the renames, before the journal goes."""
    store = TinyDBStorage(tmp_path / "policybot.json")
    await store.open()
    steps: list[str] = []
    real_fsync, real_replace, real_unlink = os.fsync, os.replace, os.unlink

    def fsync(fd: int) -> None:
        steps.append("sync folder" if os.path.isdir(f"/proc/self/fd/{fd}") else "sync file")
        real_fsync(fd)

    def replace(source: Any, target: Any) -> None:
        steps.append(f"rename {Path(target).name}")
        real_replace(source, target)

    def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        steps.append(f"unlink {Path(path).name}")
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(atomic_json.os, "fsync", fsync)
    monkeypatch.setattr(atomic_json.os, "replace", replace)
    monkeypatch.setattr(atomic_json.os, "unlink", unlink)
    await store.write([Put("request/SM-0001", {"n": 1}), Put("conversation/a@school.org", {}),
                       Put("seen/Ev1", {})])
    shards = sorted(f"policybot.{c}.{shard_of(c, i)[1]}.json" for c, i in (
        ("request", "SM-0001"), ("conversation", "a@school.org"), ("seen", "Ev1")))
    journal = "policybot.journal.json"
    assert steps == [
        "sync file", f"rename {journal}", "sync folder",
        *[step for shard in shards for step in ("sync file", f"rename {shard}")],
        "sync folder", f"unlink {journal}", "sync folder"]
    assert steps.count("sync folder") == 3
    await store.close()
