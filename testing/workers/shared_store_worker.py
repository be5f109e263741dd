"""Child process for tests/test_storage_tinydb_shared.py: one of several processes using
the same TinyDB files at once, as ``policybot serve``, admin commands and chats do.

Usage: python shared_store_worker.py MODE MAIN_FILE [ARGS...]

* ``count MAIN WHO N``: after "go" on stdin, add 1 to the counter N times. Each addition
  is one conditional batch across six files (see :func:`increment`), retried on Conflict.
  Prints {"done": N, "conflicts": ...}.
* ``watch MAIN TOTAL``: after "go", read and scan until the counter reaches TOTAL, checking
  that every view shows whole batches only. Prints what it saw.
* ``put MAIN JSON``: write ``{key: value}`` as one batch; prints the etags.
* ``hold MAIN``: take the store's exclusive lock, start writing a shard file the way a
  writer does (a temp file beside it), print "holding", and on a line from stdin finish
  the write and exit.

Every mode that waits for "go" first prints "ready", so the parent can start all
processes at once.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from storage.base import ABSENT, Conflict, Put, Record  # noqa: E402
from storage.tinydb_store import TinyDBStorage  # noqa: E402

COUNTER = "meta/counter"
# Copies of the counter in five more files: a view where they differ is half a batch.
MIRRORS = [
    "request/SM-0007",
    "request/SM-0612",
    "job/nightly-export",
    "audit/2026-11-mirror",
]
LOG_PREFIX = "audit/2026-12-01T00:00:00Z-"  # one entry per addition, in a sixth file
HELD_TEMP_NAME = ".policybot.request.n0.json.cafe0001.tmp"
HELD_VALUE = {"written": "while the lock was held"}
MAX_ATTEMPTS = 10_000  # a store that never lets an addition through fails, not hangs


def log_key(n: int) -> str:
    return f"{LOG_PREFIX}{n:06d}"


async def increment(store: TinyDBStorage, who: str) -> int:
    """Add 1 to the counter; returns how many attempts lost to a Conflict."""
    for conflicts in range(MAX_ATTEMPTS):
        current = await store.get(COUNTER)
        n = current.value["n"] if current else 0
        batch = [Put(COUNTER, {"n": n + 1, "by": who}, expect=current.etag if current else ABSENT)]
        batch += [Put(key, {"n": n + 1}) for key in MIRRORS]
        batch.append(Put(log_key(n + 1), {"by": who}, expect=ABSENT))
        try:
            await store.write(batch)
        except Conflict:
            continue
        return conflicts
    raise RuntimeError(f"{who}: no addition got through in {MAX_ATTEMPTS} attempts")


def torn(view: dict[str, Record]) -> str | None:
    """Why ``view`` is not a whole number of batches, or None."""
    counter = view.get(COUNTER)
    n = counter.value["n"] if counter else 0
    mirrors = {key: view[key].value["n"] if key in view else 0 for key in MIRRORS}
    if any(m != n for m in mirrors.values()):
        return f"counter {n}, mirrors {mirrors}"
    logged = sorted(key for key in view if key.startswith(LOG_PREFIX))
    if logged and logged != [log_key(i) for i in range(1, n + 1)]:
        return f"counter {n}, {len(logged)} log entries"
    return None


async def watch(store: TinyDBStorage, total: int) -> dict[str, Any]:
    seen: set[int] = set()
    problems: list[str] = []
    views = 0
    n = -1
    while n < total and views < 50_000:
        if views % 3 == 0:
            view = dict(await store.scan(""))
        else:
            view = await store.read([COUNTER, *MIRRORS])
        views += 1
        counter = view.get(COUNTER)
        n = counter.value["n"] if counter else 0
        seen.add(n)
        if (problem := torn(view)) is not None:
            problems.append(problem)
    return {"views": views, "distinct": len(seen), "last": n, "torn": problems[:5]}


def hold(main: Path) -> None:
    """Play a writer of another process caught half-way through writing a shard."""
    from storage.atomic_json import dumps
    from storage.store_lock import StoreLock

    main.parent.mkdir(parents=True, exist_ok=True)
    target = main.parent / "policybot.request.n0.json"
    text = dumps({"request": {"SM-0001": {"value": HELD_VALUE, "etag": "cafe0000cafe0000"}}})
    temp = main.parent / HELD_TEMP_NAME
    with StoreLock(main.parent / f"{main.name}.lock").exclusive():
        with open(temp, "w", encoding="ascii") as handle:
            handle.write(text[: len(text) // 2])
            handle.flush()
            print("holding", flush=True)
            sys.stdin.readline()
            handle.write(text[len(text) // 2 :])
        temp.replace(target)


async def main(mode: str, path: str, args: list[str]) -> None:
    if mode == "hold":
        hold(Path(path))
        return
    store = TinyDBStorage(path)
    await store.open()
    if mode == "put":
        values = json.loads(args[0])
        print(json.dumps(await store.write([Put(k, v) for k, v in values.items()])), flush=True)
    elif mode in ("count", "watch"):
        print("ready", flush=True)
        sys.stdin.readline()
        if mode == "count":
            who, times = args[0], int(args[1])
            conflicts = [await increment(store, who) for _ in range(times)]
            print(json.dumps({"done": times, "conflicts": sum(conflicts)}), flush=True)
        else:
            print(json.dumps(await watch(store, int(args[0]))), flush=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
