"""Making the governance report of a large store: time and memory.

Seeds a store with about 100,000 requests (post checks, approvals, accounts and concerns over
three years, with their audit entries: testing/report_seed.py), then makes the report of one
term in a fresh process, as ``policybot report`` does (read, count, draw, write the HTML and
CSV), and prints its wall-clock time and the process's peak resident memory. Run:

    .venv/bin/python -m benchmarks.report_bench [--requests 100000]
    .venv/bin/python -m benchmarks.report_bench --database-url postgresql://...

With ``--database-url`` the store is a PostgreSQL schema of its own, dropped afterwards.
The target: under 10 s and 200 MB (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from benchmarks.core_bench import bench_store, store_megabytes
from bot.directory import DirectoryStore
from storage import open_storage
from testing.report_seed import History, seed

START = datetime(2024, 1, 8, tzinfo=UTC)
DAYS = 3 * 365
TERM = (date(2026, 9, 1), date(2026, 12, 31))
NOW = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
CHECKS_PER_REQUEST = 2.86  # of every 100 checks, about 35 make a request


async def seed_into(target: str, requests: int) -> dict[str, float]:
    storage = open_storage(target)
    began = time.perf_counter()
    try:
        await DirectoryStore(storage).ensure_sample()
        # A large Trust: thousands of checks a term, some dozens of official accounts.
        done = await seed(storage, History(START, DAYS, seed=2024, account_share=0.0003),
                          int(requests * CHECKS_PER_REQUEST))
    finally:
        await storage.close()
    return {"requests": done.requests, "documents": done.documents,
            "seconds": time.perf_counter() - began}


async def make(target: str, out: str) -> dict[str, float]:
    """In this process: the report of the autumn term, as ``policybot report`` makes it."""
    from bot.config import Config
    from bot.report.command import report_command

    config = Config({"DATABASE_URL": target} if "://" in target else {"POLICYBOT_DB": target})
    before = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    status = await report_command(config, *TERM, "", out, NOW)
    seconds = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    assert status == 0
    # CPU time as well as wall-clock time: on a machine others share, the wall clock also
    # counts the time spent waiting for a core.
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    return {"seconds": seconds, "cpu": cpu,
            "peak_mb": usage.ru_maxrss / 1024, "html_kb": Path(out).stat().st_size / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed-into", default="", help=argparse.SUPPRESS)
    parser.add_argument("--make", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        print(json.dumps(asyncio.run(seed_into(args.seed_into, args.requests))))
        return
    if args.make:
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(asyncio.run(make(args.make, str(Path(folder) / "r.html")))))
        return
    with bench_store(args.database_url or None) as target:
        # Seeding and the report each run in a process of their own: the report's memory
        # figure is its own, not the seeding's.
        seeded = json.loads(subprocess.run(
            [sys.executable, "-m", "benchmarks.report_bench", "--seed-into", target,
             "--requests", str(args.requests)], check=True, capture_output=True,
            text=True).stdout.splitlines()[-1])
        backend = "PostgreSQL" if args.database_url else "TinyDB"
        print(f"{backend}: seeded {seeded['requests']:,.0f} requests "
              f"({seeded['documents']:,.0f} documents, {store_megabytes(target):.0f} MB) "
              f"in {seeded['seconds']:.0f} s")
        for run in (1, 2):
            made = json.loads(subprocess.run(
                [sys.executable, "-m", "benchmarks.report_bench", "--make", target],
                check=True, capture_output=True, text=True).stdout.splitlines()[-1])
            print(f"report of the autumn term, run {run}: {made['seconds']:.1f} s "
                  f"(CPU {made['cpu']:.1f} s), peak memory "
                  f"{made['peak_mb']:.0f} MB, page {made['html_kb']:.0f} KB "
                  "(targets: under 10 s, under 200 MB)")


if __name__ == "__main__":
    main()
