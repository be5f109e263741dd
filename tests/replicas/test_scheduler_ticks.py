"""Both replicas run their own scheduler; due reminders are still sent once.

Requests are made in the past (the real engine, with its clock set back, on the shared
database), so reminders are due when the two servers start: each replica's scheduler ticks
at start, at the same moment, over the same requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import Config
from conversations.messages import Card, Choice, Question, Turn
from conversations.timefmt import iso
from conversations.timers import Timings, due_now
from storage.postgres_store import PostgresStorage
from testing.postgres import private_schema
from testing.server.replicas import ANSWERS, DRAFT, poll, two_replicas
from testing.staff import DEPUTY, TEACHER

REQUESTS = 30


@pytest.fixture
def pg_url() -> Iterator[str]:
    with private_schema() as url:
        yield url


def reminder_only_moment(now: datetime) -> datetime:
    """A time to ask at such that a reminder, and nothing more, is due now and for the next
    hour (working hours skip weekends, so the offset is searched, not fixed)."""
    timings = Timings()
    for hours in range(25, 24 * 10):
        asked = now - timedelta(hours=hours)
        record = {"status": "pending", "created_at": iso(asked), "current": 0,
                  "steps": [{"asked_at": iso(asked), "reminded_at": None}]}
        actions = {getattr(due_now(record, timings, moment), "action", None)
                   for moment in (now, now + timedelta(hours=1))}
        if actions == {"remind"}:
            return asked
    raise AssertionError("no moment makes only a reminder due")


async def make_requests(url: str, when: datetime) -> list[str]:
    app = await build_application(Config({}), storage=PostgresStorage(url), clock=lambda: when)
    ids = []
    for _ in range(REQUESTS):
        await app.bot.handle(Turn(TEACHER, text="can I post this?"))
        result = await app.bot.handle(Turn(TEACHER, text=DRAFT))
        for values in ANSWERS:
            question = next(m for m in reversed(result.replies) if isinstance(m, Question))
            result = await app.bot.handle(Turn(TEACHER, choice=Choice(question.token,
                                                                      tuple(values))))
        card = next(m for m in reversed(result.replies) if isinstance(m, Card))
        ids.append(card.request_id)
    await app.flush()  # the approver's cards, delivered before the servers start
    await app.close()
    return ids


async def test_a_reminder_due_on_both_replicas_is_sent_once(tmp_path: Path, pg_url: str) -> None:
    ids = await make_requests(pg_url, reminder_only_moment(datetime.now(UTC)))
    store = PostgresStorage(pg_url)

    async def reminded() -> list[str]:
        return [r.value["request"] for _, r in await store.scan("audit/")
                if r.value["event"] == "reminded"]

    async with two_replicas(tmp_path, pg_url) as (a, b):

        async def all_reminded_and_delivered() -> bool:
            return len(await reminded()) >= REQUESTS and not await store.scan("outbox/")

        await poll(all_reminded_and_delivered)
        for replica in (a, b):  # stopped: no tick can still be running
            assert replica.process.terminate() == 0

    assert sorted(await reminded()) == sorted(ids)
    texts = [r.value["message"].get("text", "") for _, r in await store.scan(f"inbox/{DEPUTY}/")]
    reminders = [t for t in texts if t.startswith("Reminder:")]
    assert sorted(next(i for i in ids if f" {i} " in t) for t in reminders) == sorted(ids)
    for request_id in ids:
        record = await store.get(f"request/{request_id}")
        assert record is not None and record.value["steps"][0]["reminded_at"]
    await store.close()
