"""Cost of one conversation step and one decision as the store grows.

Seeds a TinyDB store with 0, 10,000 and 100,000 past requests (five audit entries each, spread
over the years as a Trust of 200 requests a week would have them), then times, through the
real application, a conversation step (answering "Where will it go?", which leads to the
consent question) and an approver's decision. Prints one line per figure. Run:

    .venv/bin/python -m benchmarks.core_bench [--sizes 0,10000,100000] [--rounds 40]

With ``--database-url postgresql://...`` the same runs use PostgreSQL instead: each size in a
schema of its own, created for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from bot.app import build_application
from bot.config import Config
from conversations.conversation import Conversation
from conversations.messages import Card, Choice, Press, Question, Turn
from storage import open_storage
from storage.base import Put, Storage
from testing.staff import DEPUTY, HEAD, TEACHER

# Pictures of school life, which the bot reads: "where?" is a step (the next question is about
# consent), and the consent answer creates the request for the headteacher.
DRAFT = "Sports day photos of Year 4 in the relay, a brilliant afternoon [photo of the relay]"
START = datetime(2016, 1, 4, 9, 0, tzinfo=UTC)
PER_WEEK = 200


def _past_request(n: int) -> tuple[dict, list[tuple[str, dict]]]:
    when = START + timedelta(minutes=int(n * 7 * 24 * 60 / PER_WEEK))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rid = f"SM-{n:06d}"
    record = {
        "id": rid, "kind": "post", "requester": TEACHER, "requester_name": "Sophie Bennett",
        "school": "Oakfield Primary", "created_at": stamp, "status": "approved",
        "draft": DRAFT, "answers": [["Where", "My own personal account"],
                                    ["Includes", "Trust or school business"]],
        "answer_values": {"channel": ["personal"], "involvement": ["business"]},
        "clauses": ["4.1"], "rules": ["business-on-personal"], "sequential": True,
        "current": 0, "decided_at": stamp, "decided_by": DEPUTY, "comment": "",
        "steps": [{"approver": DEPUTY, "approver_name": "Daniel Osei", "role": "line_manager",
                   "clauses": ["4.1"], "state": "approved", "asked_at": stamp,
                   "reminded_at": None, "decided_at": stamp, "decided_by": DEPUTY,
                   "comment": ""}],
    }
    audit = [
        (f"audit/{stamp[:-1]}{i}Z-{n:08x}", {"event": e, "request": rid, "actor": TEACHER,
                                            "at": stamp})
        for i, e in enumerate(("checked", "created", "step_asked", "decided", "approved"))
    ]
    return record, audit


async def seed(storage: Storage, count: int) -> None:
    batch: list[Put] = []
    for n in range(1, count + 1):
        record, audit = _past_request(n)
        batch.append(Put(f"request/{record['id']}", record))
        batch += [Put(k, v) for k, v in audit]
        if n % 100 == 0 or n == count:
            await storage.write(batch)
            batch = []
    if count:
        await storage.write([Put("meta/counter-request", {"next": count + 1})])


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if len(ordered) > 1 else ordered[0]
    return (f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, "
            f"max {ordered[-1] * 1000:.2f} ms")


@contextmanager
def bench_store(database_url: str | None) -> Iterator[str]:
    """A fresh, empty store for one run: TinyDB files in a temporary folder, or a temporary
    PostgreSQL schema (``options=-c search_path=...`` in the URL) dropped afterwards."""
    if not database_url:
        with tempfile.TemporaryDirectory() as folder:
            yield str(Path(folder) / "policybot.json")
        return
    import psycopg

    schema = f"policybot_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    parts = urlsplit(database_url)
    query = urlencode({"options": f"-c search_path={schema}"}, quote_via=quote)
    try:
        yield urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query
                                        else query))
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def store_megabytes(target: str) -> float:
    if "://" not in target:
        return sum(f.stat().st_size for f in Path(target).parent.iterdir()) / 1e6
    import psycopg

    with psycopg.connect(target) as conn:
        row = conn.execute("SELECT pg_total_relation_size('policybot_documents')").fetchone()
    return int(row[0]) / 1e6 if row else 0.0


async def measure(size: int, rounds: int, database_url: str | None = None) -> None:
    with bench_store(database_url) as target:
        # Seeding runs in a child process so that the figures below (memory included) are
        # those of a server that starts on an existing store, as in production.
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "benchmarks.core_bench", "--seed-into", target,
                        "--sizes", str(size)], check=True)
        seeded = time.perf_counter() - began
        storage = open_storage(target)
        app = await build_application(Config({}), storage=storage)
        bot = app.bot
        steps: list[float] = []
        decisions: list[float] = []
        for _ in range(rounds):
            await bot.handle(Turn(TEACHER, text="can I post this?"))
            asked = await bot.handle(Turn(TEACHER, text=DRAFT))
            question = asked.replies[-1]
            assert isinstance(question, Question)
            token = question.token
            t0 = time.perf_counter()
            await bot.handle(Turn(TEACHER, choice=Choice(token, ("personal",))))
            steps.append(time.perf_counter() - t0)
            stored = await storage.get(f"conversation/{TEACHER}")
            state = Conversation.from_json(stored.value if stored else None)
            assert state.asked == "pupils_shown"
            result = await bot.handle(Turn(TEACHER, choice=Choice(str(state.token),
                                                                  ("consent",))))
            created = result.replies[-1]
            assert isinstance(created, Card)
            request_id = created.request_id
            t0 = time.perf_counter()
            await bot.handle(Turn(HEAD, press=Press("approve", request_id)))
            decisions.append(time.perf_counter() - t0)
            await app.flush()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        files = store_megabytes(target)
        await app.close()
    print(f"stored={size:>6} seed {seeded:6.1f} s  store {files:7.1f} MB")
    print(f"stored={size:>6} step      {_ms(steps)}")
    print(f"stored={size:>6} decision  {_ms(decisions)}")
    print(f"stored={size:>6} peak RSS  {rss:.0f} MB")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database-url", default=None,
                        help="postgresql://... to measure on PostgreSQL (default: TinyDB)")
    parser.add_argument("--seed-into", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        storage = open_storage(args.seed_into)
        await seed(storage, int(args.sizes))
        await storage.close()
        return
    for size in (int(s) for s in args.sizes.split(",")):
        await measure(size, args.rounds, args.database_url)


if __name__ == "__main__":
    asyncio.run(main())
