"""Who Slack can reach: "no such user" is an answer, a passing failure is not.

A person Slack doesn't know is reached in the local inbox. When Slack can't answer now (rate
limited, a bad token, an error on its side) the outbox keeps the message and delivers it on
Slack once Slack answers again, never to the local inbox where a Slack user would not see it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError

from adapters.slack import SlackAdapter, setup_slack
from adapters.slack.adapter import RATE_LIMIT_RETRIES
from bot.app import Application, build_application
from bot.application_port import PortToApplication
from bot.tx import Tx
from conversations.messages import Outbound, Text
from conversations.people import Person
from policybot_app.adapter_settings import slack_settings
from storage.tinydb_store import TinyDBStorage
from testing.clock import Clock
from testing.slack.fake_slack import FakeSlack
from testing.slack.world import DIRECTORY_CSV, IMRAN, slack_config
from testing.staff import OTHER_TEACHER

IMRANS_EMAIL = OTHER_TEACHER  # Slack knows him by email only
MARGARETS_EMAIL = "margaret.doyle@northbrook.example"  # Slack doesn't know her


@dataclass
class Quiet:
    """The application and its Slack adapter with no delivery running by itself."""

    application: Application
    adapter: SlackAdapter
    clock: Clock

    async def person(self, email: str) -> Person:
        person = (await self.application.directory.snapshot()).get(email)
        assert person is not None
        return person

    async def send(self, email: str, text: str) -> None:
        tx = Tx(self.application.storage)
        self.application.outbox.stage(tx, [Outbound(email, Text(text))], self.clock())
        await tx.commit()

    async def waiting(self) -> int:
        return len(await self.application.storage.scan("outbox/"))


@pytest.fixture
async def quiet(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Quiet]:
    clock = Clock()
    config = slack_config(fake)
    application = await build_application(
        config, storage=TinyDBStorage(str(tmp_path / "policybot.json")), clock=clock)
    assert (await application.directory.import_csv(DIRECTORY_CSV, source="test")).ok
    adapter = await setup_slack(web.Application(), PortToApplication(application),
                                slack_settings(config))
    yield Quiet(application, adapter, clock)
    await application.close()


async def test_someone_slack_does_not_know_is_reached_in_the_local_inbox(
        quiet: Quiet, fake: FakeSlack) -> None:
    margaret = await quiet.person(MARGARETS_EMAIL)
    assert await quiet.adapter.channel.reaches(margaret) is False
    assert [c.args["email"] for c in fake.calls_to("users.lookupByEmail")] == [MARGARETS_EMAIL]
    await quiet.send(MARGARETS_EMAIL, "Your request SM-0009 was approved.")
    assert await quiet.application.flush() == 1
    [(_, message)] = await quiet.application.inbox.messages(MARGARETS_EMAIL)
    assert message == Text("Your request SM-0009 was approved.")
    assert not fake.calls_to("chat.postMessage")


@pytest.mark.parametrize("status, error, times", [
    (429, "ratelimited", RATE_LIMIT_RETRIES + 1),  # still limited after waiting it out
    (200, "invalid_auth", 1),
    (500, "internal_error", 1),
], ids=["rate-limited", "invalid-auth", "slack-error"])
async def test_a_passing_failure_keeps_the_message_for_slack(
        quiet: Quiet, fake: FakeSlack, status: int, error: str, times: int) -> None:
    imran = await quiet.person(IMRANS_EMAIL)
    for _ in range(times):
        fake.fail_next("users.lookupByEmail", status=status, error=error, retry_after=0)
    with pytest.raises(SlackApiError):
        await quiet.adapter.channel.reaches(imran)

    for _ in range(times):
        fake.fail_next("users.lookupByEmail", status=status, error=error, retry_after=0)
    await quiet.send(IMRANS_EMAIL, "SM-0010 needs your decision.")
    with contextlib.suppress(SlackApiError):
        await quiet.application.flush()
    assert await quiet.waiting() == 1  # kept, to be tried again
    assert not await quiet.application.inbox.messages(IMRANS_EMAIL)

    quiet.clock.advance(timedelta(minutes=10))  # past any claim or back-off
    assert await quiet.application.flush() == 1
    assert await quiet.waiting() == 0
    [posted] = fake.in_channel("D" + IMRAN)
    assert posted.text == "SM-0010 needs your decision."
    assert not await quiet.application.inbox.messages(IMRANS_EMAIL)
