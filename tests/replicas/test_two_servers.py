"""Two real server processes on one PostgreSQL database, receiving the same clicks at once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.delivery import Outbox
from bot.tx import Tx
from conversations.messages import Outbound, Text
from storage.postgres_store import PostgresStorage
from testing.postgres import count_rows, private_schema
from testing.server.replicas import audit_for, inbox_about, poll, two_replicas
from testing.staff import DEPUTY, TEACHER

ROUNDS = 20


@pytest.fixture
def pg_url() -> Iterator[str]:
    with private_schema() as url:
        yield url


async def test_two_approve_clicks_on_two_replicas_decide_once(tmp_path: Path, pg_url: str) -> None:
    async with two_replicas(tmp_path, pg_url) as (a, b):
        store = PostgresStorage(pg_url)
        assert count_rows(pg_url, "SELECT count(*) FROM policybot_migrations") == 1
        for n in range(ROUNDS):
            request_id = await (a if n % 2 else b).create_request()
            press = {"as": DEPUTY, "press": {"name": "approve", "request_id": request_id}}
            results = await asyncio.gather(a.turn(**press), b.turn(**press))
            assert all(not r["duplicate"] for r in results)

            assert len(await audit_for(store, request_id, "decided")) == 1, request_id
            refused = await audit_for(store, request_id, "refused")
            assert [r.value["reason"] for r in refused] == ["already_decided"]
            record = await store.get(f"request/{request_id}")
            assert record is not None and record.value["status"] == "approved"
            assert record.value["decided_by"] == DEPUTY

            async def delivered() -> bool:
                return not await store.scan("outbox/")

            await poll(delivered)
            notices = await inbox_about(store, TEACHER, request_id)
            assert [r.value["message"]["title"] for r in notices] == [f"Approved: {request_id}"]
            cards = await inbox_about(store, DEPUTY, request_id)
            assert len(cards) == 1  # the approver's card, updated in place, not posted twice
        # Over the rounds the two replicas did collide, and the loser computed its turn again.
        assert a.log_count("turn retried after a concurrent change") + \
            b.log_count("turn retried after a concurrent change") > 0
        await store.close()


async def test_both_replicas_flushing_deliver_each_message_once(
    tmp_path: Path, pg_url: str
) -> None:
    async with two_replicas(tmp_path, pg_url) as (a, b):
        store = PostgresStorage(pg_url)
        people = ["joanne.clarke@northbrook.example", "helen.whitfield@northbrook.example",
                  "siobhan.murphy@northbrook.example"]
        for wave in range(5):
            tx = Tx(store)
            outbox = Outbox(store)
            outbox.stage(tx, [Outbound(people[i % 3], Text(f"notice {wave}-{i}"))
                              for i in range(30)], datetime.now(UTC))
            await tx.commit()
            # Every playground turn flushes the outbox, on whichever replica takes it; the
            # background pumps of both replicas flush too.
            await asyncio.gather(*(r.turn(**{"as": TEACHER, "text": "hello"})
                                   for r in (a, b, a, b)))

            async def delivered() -> bool:
                return not await store.scan("outbox/")

            await poll(delivered)
        messages = [r.value["message"] for person in people
                    for _, r in await store.scan(f"inbox/{person}/")]
        texts = [m["text"] for m in messages if m["type"] == "text" and "notice" in m["text"]]
        assert sorted(texts) == sorted(f"notice {w}-{i}" for w in range(5) for i in range(30))
        await store.close()
