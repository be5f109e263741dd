"""Kill a writing process with SIGKILL at random moments; the store must stay whole.

A child (testing/workers/crash_writer.py) writes a deterministic stream of single- and
multi-shard batches and prints each batch number once ``write`` has returned. The parent
kills it at a random moment, then opens a copy of the files and checks the store holds
exactly the model state after the last printed batch, or after the one batch that may
have been in flight, never a mixture. The next round's child continues on the original
files, so it too must recover whatever the kill left (journal, temp files).

Set CRASH_SEED to replay a failing run; the seed is in every assertion message.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from storage.tinydb_store import TinyDBStorage
from testing.workers import crash_writer
from testing.workers.crash_writer import apply, batch

HELPER = Path(crash_writer.__file__)
ROUNDS = 30

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def run_child_until_killed(
    main: Path, seed: int, first: int, lines: int, delay: float, log: Path
) -> tuple[list[int], int | None]:
    """Start the writer, wait for ``lines`` printed batches plus ``delay`` seconds, kill it.
    Returns the printed batch numbers and the exit code."""
    with open(log, "w") as stderr:
        child = subprocess.Popen(
            [sys.executable, str(HELPER), str(main), str(seed), str(first)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert child.stdout is not None
        printed: list[int] = []
        while len(printed) < lines:
            line = child.stdout.readline()
            if not line:
                break  # the child died on its own; the exit code will say so
            printed.append(int(line))
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        # Lines printed before the kill; a torn last line was never a promise.
        printed += [
            int(line)
            for line in child.stdout.read().splitlines(keepends=True)
            if line.endswith("\n")
        ]
        child.stdout.close()
    return printed, child.returncode


async def load_copy(directory: Path) -> tuple[dict[str, Any], list[str]]:
    """Open a copy of the store (as the next process would) and read everything."""
    store = TinyDBStorage(directory / "policybot.json")
    state = {key: record.value for key, record in await store.scan("")}
    await store.close()
    return state, sorted(os.listdir(directory))


def test_sigkill_never_loses_a_returned_batch_nor_half_applies_one(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    live = tmp_path / "live"
    live.mkdir()
    main = live / "policybot.json"
    state: dict[str, Any] = {}
    next_batch = 0
    outcomes = {"in-flight batch landed": 0, "in-flight batch absent": 0}

    for round_no in range(ROUNDS):
        where = f"CRASH_SEED={seed} round={round_no} first batch={next_batch}"
        lines = rng.choice([0, rng.randint(1, 10), rng.randint(10, 60)])
        delay = rng.choice([0.0, rng.random() * 0.005, rng.random() * 0.05])
        printed, code = run_child_until_killed(
            main, seed, next_batch, lines, delay, tmp_path / "stderr.txt"
        )
        stderr = (tmp_path / "stderr.txt").read_text()
        assert code == -signal.SIGKILL, f"{where}: writer failed (exit {code}):\n{stderr}"
        assert printed == list(range(next_batch, next_batch + len(printed))), where

        promised = dict(state)
        for n in printed:
            apply(promised, batch(seed, n))
        in_flight = next_batch + len(printed)
        with_in_flight = dict(promised)
        apply(with_in_flight, batch(seed, in_flight))

        check = tmp_path / f"check-{round_no}"
        shutil.copytree(live, check)
        found, files = asyncio.run(load_copy(check))
        for name in files:  # after recovery: no journal, no temp files, all valid JSON
            assert name.startswith("policybot.") and name != "policybot.journal.json", (
                f"{where}: leftover {name}"
            )
            if name != "policybot.json.lock":
                json.loads((check / name).read_text())
        if found == promised:
            outcomes["in-flight batch absent"] += 1
            state, next_batch = promised, in_flight
        else:
            missing = sorted(set(with_in_flight) - set(found))
            extra = sorted(set(found) - set(with_in_flight))
            wrong = sorted(
                k for k in found if k in with_in_flight and found[k] != with_in_flight[k]
            )
            assert found == with_in_flight, (
                f"{where}: store matches neither the state after batch {in_flight - 1} nor "
                f"after {in_flight}; missing {missing[:5]}, extra {extra[:5]}, "
                f"different {wrong[:5]}"
            )
            outcomes["in-flight batch landed"] += 1
            state, next_batch = with_in_flight, in_flight + 1
        shutil.rmtree(check)

    # The test only means something if the kills hit real work.
    assert next_batch > ROUNDS, f"CRASH_SEED={seed}: too few batches written ({outcomes})"
