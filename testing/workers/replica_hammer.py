"""One competing process for the storage-level replica tests.

    python -m testing.workers.replica_hammer URL NAME ROUNDS

Waits for a line on standard input (so every process starts together), then for each round
tries to create ``job/round-N`` (expecting it absent) and to add one to ``meta/counter``
(read, then write expecting the etag read, again on Conflict). Prints a JSON summary: the
rounds it won, and how many conflicts it met.
"""

from __future__ import annotations

import asyncio
import json
import sys

from storage.base import ABSENT, Conflict, Put
from storage.postgres_store import PostgresStorage


async def compete(url: str, name: str, rounds: int) -> dict[str, object]:
    store = PostgresStorage(url)
    await store.ping()
    print("ready", flush=True)
    sys.stdin.readline()
    won: list[int] = []
    conflicts = 0
    for n in range(rounds):
        try:
            await store.write([Put(f"job/round-{n:04d}", {"winner": name}, ABSENT)])
            won.append(n)
        except Conflict:
            conflicts += 1
        while True:
            current = await store.get("meta/counter")
            value = current.value["n"] if current else 0
            expect = current.etag if current else ABSENT
            try:
                await store.write([Put("meta/counter", {"n": value + 1}, expect)])
                break
            except Conflict:
                conflicts += 1
    await store.close()
    return {"name": name, "won": won, "conflicts": conflicts}


if __name__ == "__main__":
    url, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(json.dumps(asyncio.run(compete(url, who, count))), flush=True)
