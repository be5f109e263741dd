"""Several processes, each with its own PostgresStorage, racing on the same keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.postgres_store import PostgresStorage
from testing.postgres import private_schema

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 3
ROUNDS = 150


@pytest.fixture
def pg_url() -> Iterator[str]:
    with private_schema() as url:
        yield url


async def test_each_round_has_one_winner_and_no_update_is_lost(pg_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "testing.workers.replica_hammer", pg_url,
                               f"p{i}", str(ROUNDS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env=env, cwd=ROOT) for i in range(PROCESSES)]
    try:
        for proc in procs:  # every one connected and migrated: now start them together
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [json.loads(proc.communicate(timeout=120)[0]) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert all(proc.returncode == 0 for proc in procs)

    wins = [n for result in results for n in result["won"]]
    assert sorted(wins) == list(range(ROUNDS))  # every round won once, by one process
    assert sum(result["conflicts"] for result in results) > 0  # they really did collide
    store = PostgresStorage(pg_url)
    counter = await store.get("meta/counter")
    assert counter is not None and counter.value == {"n": PROCESSES * ROUNDS}
    by_round = {key: record.value["winner"] for key, record in await store.scan("job/round-")}
    assert by_round == {f"job/round-{n:04d}": result["name"]
                        for result in results for n in result["won"]}
    await store.close()
