"""Child process for tests/test_storage_crash.py: writes a deterministic stream of batches.

Usage: python crash_writer.py MAIN_FILE SEED FIRST_BATCH

Batch ``n`` is a pure function of (SEED, n), so the parent can rebuild the exact state the
store must hold after any prefix of the stream. After each ``write`` returns, the child
prints the batch number and flushes: a printed batch is one the store promised to keep.
"""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from storage.base import ABSENT, Change, Delete, Put  # noqa: E402

MONTHS = ["2026-09", "2026-10", "2026-11", "2026-12"]


def batch(seed: int, n: int) -> list[Change]:
    """Batch number ``n``: sometimes within one shard file, often across several."""
    rng = random.Random(f"{seed}:{n}")
    value = {"batch": n, "pad": "x" * rng.randrange(0, 3000)}
    if rng.random() < 0.4:  # single shard: a few requests of one 500-id range
        base = 500 * rng.randrange(3)
        ids = rng.sample(range(base, base + 500), rng.randint(1, 4))
        keys = [f"request/SM-{i:04d}" for i in ids]
    else:  # several shards: requests, audit months, hashed jobs and meta
        keys = [f"request/SM-{rng.randrange(1500):04d}" for _ in range(rng.randint(1, 3))]
        keys += [
            f"audit/{rng.choice(MONTHS)}-0{rng.randint(1, 9)}T10:00:00Z-{n}-{i}"
            for i in range(rng.randint(0, 3))
        ]
        keys += [f"job/j{rng.randrange(40)}" for _ in range(rng.randint(0, 2))]
        keys.append("meta/progress")
    changes: list[Change] = []
    for i, key in enumerate(dict.fromkeys(keys)):
        if rng.random() < 0.15 and not key.startswith("meta/"):
            changes.append(Delete(key))
        else:
            changes.append(Put(key, {**value, "part": i}))
    return changes


def apply(state: dict[str, dict], changes: list[Change]) -> None:  # type: ignore[type-arg]
    """The model: what the store holds after ``changes`` (values only; etags are random)."""
    for change in changes:
        if isinstance(change, Put):
            state[change.key] = change.value
        else:
            state.pop(change.key, None)


async def main(path: str, seed: int, first: int) -> None:
    from storage.tinydb_store import TinyDBStorage

    store = TinyDBStorage(path)
    await store.open()
    n = first
    while True:
        changes = batch(seed, n)
        # Claim meta/progress conditionally, as the bot would: read its etag, expect it.
        current = await store.get("meta/progress")
        expect = current.etag if current else ABSENT
        changes = [
            Put(c.key, c.value, expect=expect)
            if c.key == "meta/progress" and isinstance(c, Put)
            else c
            for c in changes
        ]
        await store.write(changes)
        print(n, flush=True)
        n += 1


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
