"""Speed under load: ``policybot serve`` against the bare frameworks it is built on.

For each platform, N simulated teachers work at once, with no pause between steps, through
the whole journey (a DM, the draft, five questions, then their line manager's Approve) against
the real ``policybot serve`` in a subprocess on a free loopback port, its Web API calls going
to the tests' fake Slack / fake Bot Framework connector (in a process of its own) and its data
to TinyDB files in a temporary folder. Every request's time to acknowledge (request sent to
HTTP response read) is recorded; the server's peak memory is its VmHWM. The floor is a bare
Bolt app / bare Agents SDK bot, which acknowledges and posts one message per request, sent
the same number and shape of requests by the same number of simulated people.

Run:
    .venv/bin/python -m benchmarks.load [--conversations 50] [--journeys 3]
        [--stored 0,100000] [--platforms slack,teams] [--think 0] [--store-dir DIR]

By default nobody pauses (--think 0): the server is kept saturated and the figures are its
capacity. --think 2 has each person take 0-4 s (2 s on average) before each click, as people
do, for the acknowledgement times staff would see at 8:55 on a Monday.

Prints one line per figure, then one line per target. Stores with requests already in them
are seeded through the storage API (as benchmarks/core_bench.py does) before the server starts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import load_slack, load_teams
from benchmarks.client import Figures, Inboxes, Recorder, run_all
from benchmarks.core_bench import seed as seed_requests
from benchmarks.postgres_schema import private_schema
from benchmarks.processes import Child, Sampler, start_module, start_policybot
from benchmarks.profile_table import table
from benchmarks.staff import Member, copy_store, prepare, slack_emails, teachers, teams_members
from storage import open_storage
from storage.tinydb_store import TinyDBStorage
from testing.slack.signing import SECRET, TOKEN

# This round's targets, each against the floor measured in the same run.
P99_TARGET = 0.500  # saturated: p99 acknowledgement under half a second
THROUGHPUT_TARGET = 0.3  # saturated: events/s at least this share of the floor's (then 0.5)
PAUSING_P99_TARGET = 2.0  # people pausing: p99 at most this many times the floor's
GROWTH_TARGET = 1.5
Journey = Callable[[Any, Member], Awaitable[Any]]


@dataclass
class Setup:
    conversations: int
    journeys: int
    folder: Path
    seeded: dict[int, Path]
    store_dir: Path | None = None  # where the TinyDB files go (default: beside the logs)
    think: float = 0.0  # mean seconds a person takes before each click or message
    profile: Path | None = None  # py-spy's stacks of each policybot server go here
    database_url: str | None = None  # PostgreSQL instead of TinyDB files, when given
    tables: list[str] = field(default_factory=list)  # the profiles, summarised per event


@contextlib.asynccontextmanager
async def fake(kind: str, folder: Path, count: int) -> AsyncIterator[dict[str, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    people = folder / "people.json"
    listed: Any = slack_emails(count) if kind == "slack" else teams_members(count)
    people.write_text(json.dumps(listed))
    child = await start_module("benchmarks.fakes", folder, kind, "--people", str(people))
    try:
        yield child.json()
    finally:
        await child.stop()


async def store_for(setup: Setup, stored: int, folder: Path) -> Path:
    """A TinyDB store with ``stored`` past requests, our staff and nothing else."""
    place = (setup.store_dir / f"{setup.folder.name}-{folder.name}" if setup.store_dir
             else folder / "db")
    db = copy_store(setup.seeded[stored], place) if stored else place / "policybot.json"
    storage = TinyDBStorage(str(db))
    await prepare(storage, setup.conversations + 1)
    await storage.close()
    return db


async def drive(server: Child, urls: dict[str, str], platform: str, journey: Journey,
                setup: Setup, name: str, profile: Path | None = None) -> Figures:
    """Warm up with one journey by a spare teacher, then ``count`` teachers at once.
    With ``profile``, py-spy samples the server during the measured part only."""
    count, rounds = setup.conversations, setup.journeys
    staff = teachers(count + 1)
    limits = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=limits, timeout=timeout) as session:
        recorder = Recorder(session, recording=False, think=setup.think)
        driver: Any
        if platform == "slack":
            driver = load_slack.SlackDriver(recorder, server.url,
                                            Inboxes(session, urls["watch"], "channel"))
        else:
            driver = load_teams.TeamsDriver(recorder, server.url, urls["api"],
                                            Inboxes(session, urls["watch"], "conversation"))
            await driver.install_managers()
        await journey(driver, staff[-1])
        sampler = await Sampler.attach(server.pid, profile) if profile else None
        calls_before = await api_calls(session, urls)
        cpu_before = server.cpu_split()
        recorder.recording = True

        async def person(teacher: Member) -> None:
            for _ in range(rounds):
                await journey(driver, teacher)

        elapsed, failures = await run_all([functools.partial(person, t) for t in staff[:count]])
        peak = server.peak_memory_mb()
        user, system = (after - before for after, before in zip(server.cpu_split(), cpu_before,
                                                                 strict=True))
        cpu = user + system
        calls = await api_calls(session, urls) - calls_before
        if sampler is not None:
            await sampler.stop()
            setup.tables += [f"{name}:", *table(sampler.output, len(recorder.acks),
                                                  sampler.rate, cpu), ""]
    return Figures(name, recorder.acks, recorder.statuses, elapsed, peak, failures, calls, cpu,
                   system)


async def api_calls(session: aiohttp.ClientSession, urls: dict[str, str]) -> Counter[str]:
    """The calls the fake platform has received so far, by method."""
    async with session.get(urls["watch"] + "stats") as response:
        return Counter({str(k): int(v) for k, v in (await response.json())["methods"].items()})


@contextlib.asynccontextmanager
async def postgres_for(setup: Setup, stored: int) -> AsyncIterator[dict[str, str]]:
    """A schema of its own on ``setup.database_url`` with ``stored`` past requests and our
    staff (dropped afterwards); the server's setting for it."""
    assert setup.database_url is not None
    with private_schema(setup.database_url, "policybot_load") as url:
        storage = open_storage(url)
        try:
            if stored:
                print(f"seeding {stored} stored requests in PostgreSQL...", file=sys.stderr,
                      flush=True)
                await seed_requests(storage, stored)
            await prepare(storage, setup.conversations + 1)
        finally:
            await storage.close()
        yield {"DATABASE_URL": url}


async def measure_policybot(setup: Setup, platform: str, stored: int) -> Figures:
    folder = setup.folder / f"{platform}-policybot-{stored}"
    folder.mkdir(parents=True, exist_ok=True)
    count = setup.conversations
    async with contextlib.AsyncExitStack() as stack:
        if setup.database_url:
            settings = await stack.enter_async_context(postgres_for(setup, stored))
        else:
            db = await store_for(setup, stored, folder)
            settings = {"POLICYBOT_DB": str(db)}
            if setup.store_dir:
                stack.callback(shutil.rmtree, db.parent, ignore_errors=True)
        urls = await stack.enter_async_context(fake(platform, folder / "fake", count + 1))
        args: list[str] = []
        if platform == "slack":
            settings |= {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                         "SLACK_API_URL": urls["api"]}
            journey: Journey = load_slack.journey
        else:
            args = ["--teams-emulator"]
            journey = load_teams.journey
        profile = (setup.profile / f"{platform}-{stored}.stacks.txt") if setup.profile else None
        server = await start_policybot(folder, settings, *args)
        try:
            backend = " postgres" if setup.database_url else ""
            name = f"{platform} policybot{backend} stored={stored}"
            return await drive(server, urls, platform, journey, setup, name, profile)
        finally:
            await server.stop()
    raise AssertionError("unreachable")  # the stack above returns or raises


async def measure_floor(setup: Setup, platform: str) -> Figures:
    folder = setup.folder / f"{platform}-floor"
    count = setup.conversations
    async with fake(platform, folder / "fake", count + 1) as urls:
        if platform == "slack":
            server = await start_module("benchmarks.bare_bolt", folder, SLACK_BOT_TOKEN=TOKEN,
                                        SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=urls["api"])
            journey: Journey = load_slack.floor_journey
            name = "slack bare Bolt (floor)"
        else:
            server = await start_module("benchmarks.bare_agents_sdk", folder)
            journey = load_teams.floor_journey
            name = "teams bare Agents SDK (floor)"
        try:
            return await drive(server, urls, platform, journey, setup, name)
        finally:
            await server.stop()


def seed(stored: int, folder: Path) -> Path:
    """Past requests written through the storage API by benchmarks.core_bench, once."""
    target = folder / f"seeded-{stored}"
    target.mkdir(parents=True)
    print(f"seeding {stored} stored requests...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "benchmarks.core_bench", "--seed-into",
                    str(target / "policybot.json"), "--sizes", str(stored)], check=True)
    return target


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def targets(platform: str, floor: Figures, runs: dict[int, Figures], think: float
            ) -> list[str]:
    lines = []
    base = runs.get(0) or next(iter(runs.values()))
    ratio = base.per_second / floor.per_second if floor.per_second else 0.0
    judged = (f"target >= {THROUGHPUT_TARGET}) {verdict(ratio >= THROUGHPUT_TARGET)}"
              if not think else "people pausing set the pace: not a capacity figure)")
    lines.append(f"{platform} throughput policybot/floor: {ratio:.2f} "
                 f"({base.per_second:.1f} vs {floor.per_second:.1f} events/s; {judged}")
    times = base.p99 / floor.p99
    judged = (f"; target <= {PAUSING_P99_TARGET:.0f}x) {verdict(times <= PAUSING_P99_TARGET)}"
              if think else ")")
    lines.append(f"{platform} p99 ack policybot/floor: {times:.1f}x "
                 f"({base.p99 * 1000:.1f} vs {floor.p99 * 1000:.1f} ms{judged}")
    for stored, figures in sorted(runs.items()):
        judged = ("" if think else f" (target < {P99_TARGET * 1000:.0f} ms) "
                  f"{verdict(figures.p99 < P99_TARGET)}")
        lines.append(f"{platform} p99 ack stored={stored}: {figures.p99 * 1000:.1f} ms{judged}")
        if stored and 0 in runs:
            growth = figures.p99 / runs[0].p99
            lines.append(f"{platform} p99 ack stored={stored}/stored=0: {growth:.2f}x (target "
                         f"<= {GROWTH_TARGET}) {verdict(growth <= GROWTH_TARGET)}")
    return lines


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--journeys", type=int, default=3, help="journeys per teacher")
    parser.add_argument("--stored", default="0,100000", help="stored requests, comma-separated")
    parser.add_argument("--platforms", default="slack,teams")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds each person pauses before a click or message "
                             "(default 0: as fast as the server answers, its capacity)")
    parser.add_argument("--keep", type=Path, help="work in this new folder and keep it (logs)")
    parser.add_argument("--profile", type=Path,
                        help="sample each policybot server with py-spy during the measured "
                             "part, write its stacks to this folder and print where the CPU "
                             "went per event (benchmarks.profile_table, profile_top)")
    parser.add_argument("--database-url",
                        help="run policybot on this PostgreSQL database (in a schema of its "
                             "own, dropped afterwards) instead of TinyDB files")
    parser.add_argument("--store-dir", type=Path,
                        help="put the servers' TinyDB files here (e.g. /dev/shm, to see what "
                             "durable writes cost); default: the work folder")
    args = parser.parse_args()
    sizes = [int(s) for s in args.stored.split(",")]
    platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    failed = False
    with tempfile.TemporaryDirectory(prefix="policybot-load-") as tmp:
        folder = args.keep or Path(tmp)
        seeded = {} if args.database_url else {s: seed(s, folder) for s in sizes if s}
        setup = Setup(args.conversations, args.journeys, folder, seeded, args.store_dir,
                      args.think, args.profile, database_url=args.database_url)
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
        summary: list[str] = []
        for platform in platforms:
            floor = await measure_floor(setup, platform)
            print(floor.line(), flush=True)
            runs: dict[int, Figures] = {}
            for stored in sizes:
                runs[stored] = await measure_policybot(setup, platform, stored)
                print(runs[stored].line(), runs[stored].calls_line(), sep="\n", flush=True)
            for figures in (floor, *runs.values()):
                for failure in figures.failures[:5]:
                    print(f"  {figures.name}: {failure}", flush=True)
                failed = failed or bool(figures.failures)
            summary += targets(platform, floor, runs, args.think)
        print("\n".join(summary))
        if setup.tables:
            print("\nWhere the server's CPU went (Python holding the GIL, per event):")
            print("\n".join(setup.tables))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
