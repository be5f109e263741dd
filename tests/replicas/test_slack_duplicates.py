"""A Slack event delivered to both replicas (Slack retries through the load balancer): the
conversation step is applied once, and the person gets one reply."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import Config
from conversations.messages import Turn
from storage.memory import MemoryStorage
from storage.postgres_store import PostgresStorage
from testing.postgres import private_schema
from testing.server.replicas import Replica, poll, two_replicas
from testing.slack.fake_slack import BOT_USER, TEAM, FakeSlack
from testing.slack.signing import SECRET, TOKEN, sign
from testing.staff import TEACHER

ROUNDS = 12
SOPHIE = "USOPHIE"


@pytest.fixture
def pg_url() -> Iterator[str]:
    with private_schema() as url:
        yield url


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(token=TOKEN, emails={SOPHIE: TEACHER})
    await slack.start()
    yield slack
    await slack.close()


async def replies_to_hello() -> int:
    """How many messages the engine answers "hello" with (one Slack post each)."""
    app = await build_application(Config({}), storage=MemoryStorage())
    result = await app.bot.handle(Turn(TEACHER, text="hello", event_id="probe"))
    return len(result.replies)


def message_event(event_id: str) -> bytes:
    return json.dumps({
        "token": "unused", "team_id": TEAM, "api_app_id": "A0001", "type": "event_callback",
        "event_id": event_id, "event_time": int(time.time()),
        "event": {"type": "message", "channel": "D" + SOPHIE, "user": SOPHIE, "text": "hello",
                  "ts": f"{time.time():.6f}", "channel_type": "im"},
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }).encode()


async def deliver(replica: Replica, body: bytes, retry: int) -> int:
    headers = {"Content-Type": "application/json", **sign(body, SECRET)}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    async with replica.session.post(replica.url + "slack/events", data=body,
                                    headers=headers) as response:
        return response.status


async def test_a_duplicated_event_is_applied_once(
    tmp_path: Path, pg_url: str, fake: FakeSlack
) -> None:
    per_event = await replies_to_hello()
    assert per_event >= 1
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url}
    async with two_replicas(tmp_path, pg_url, **env) as (a, b):
        for n in range(ROUNDS):
            body = message_event(f"EvDUP{n:06d}")
            first, second = (a, b) if n % 2 else (b, a)
            statuses = await asyncio.gather(deliver(first, body, 0), deliver(second, body, 1))
            assert statuses == [200, 200]

            async def answered(expected: int = per_event * (n + 1)) -> bool:
                return len(fake.in_channel("D" + SOPHIE)) >= expected

            await poll(answered)
        # Stopping a replica finishes every acknowledged event first: nothing is left that
        # could still post a second reply.
        codes = await asyncio.gather(asyncio.to_thread(a.process.terminate),
                                     asyncio.to_thread(b.process.terminate))
        assert codes == [0, 0]
    assert len(fake.in_channel("D" + SOPHIE)) == per_event * ROUNDS
    store = PostgresStorage(pg_url)
    assert len(await store.scan("seen/")) == ROUNDS
    await store.close()
