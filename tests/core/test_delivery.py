"""The outbox: nothing acknowledged is lost, failures back off, and nothing retries for ever."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Application
from bot.delivery import MAX_ATTEMPTS
from conversations.messages import Message
from conversations.people import Person
from testing.chat import Chat
from testing.clock import Clock
from testing.staff import DEPUTY, TEACHER


class FlakyPlatform:
    """A platform that refuses the first ``failures`` deliveries."""

    name = "slack"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.delivered: list[tuple[str, Message, str]] = []

    async def deliver(self, person: Person, message: Message, key: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("platform down")
        self.delivered.append((person.email, message, key))


async def _request(app: Application) -> None:
    await Chat(app, TEACHER).check_post(
        "Oakfield's new library opens on Monday, come and see it!", channel="personal")


async def test_a_failed_delivery_is_kept_and_retried_after_a_pause(
    app: Application, clock: Clock
) -> None:
    platform = FlakyPlatform(failures=2)
    app.outbox.register(platform)
    await app.outbox.note_presence(DEPUTY, "slack")
    await _request(app)  # the harness flushes once: the first attempt fails
    assert platform.delivered == []
    assert len(await app.storage.scan("outbox/")) == 1
    assert await app.flush() == 0  # backing off: not tried again at once
    clock.now += timedelta(seconds=3)
    assert await app.flush() == 0  # second failure
    clock.now += timedelta(seconds=5)
    assert await app.flush() == 1
    assert [(to, key) for to, _, key in platform.delivered] == [(DEPUTY, "card:SM-0001:0")]
    assert await app.storage.scan("outbox/") == []


async def test_a_message_a_platform_keeps_refusing_is_kept_and_never_moved_elsewhere(
    app: Application, clock: Clock
) -> None:
    platform = FlakyPlatform(failures=MAX_ATTEMPTS + 3)
    app.outbox.register(platform)
    await app.outbox.note_presence(DEPUTY, "slack")
    await _request(app)
    for _ in range(MAX_ATTEMPTS + 2):
        clock.now += timedelta(hours=1)
        await app.flush()
    # Still queued, and not "delivered" to an inbox Daniel does not read.
    assert len(await app.storage.scan("outbox/")) == 1
    assert await Chat(app, DEPUTY).inbox() == []
    clock.now += timedelta(hours=1)
    assert await app.flush() == 1  # the platform is back: it arrives where he is
    assert [(to, key) for to, _, key in platform.delivered] == [(DEPUTY, "card:SM-0001:0")]


async def test_a_message_for_a_platform_this_process_does_not_serve_waits_for_one(
    app: Application, clock: Clock
) -> None:
    await app.outbox.note_presence(DEPUTY, "slack")  # no Slack channel in this process
    await _request(app)
    assert await app.flush() == 0
    [(_, queued)] = await app.storage.scan("outbox/")
    assert queued.value["to"] == DEPUTY and not queued.value["claimed_at"]
    assert queued.value["attempts"] == 0
    assert await Chat(app, DEPUTY).inbox() == []
    platform = FlakyPlatform(failures=0)
    app.outbox.register(platform)
    assert await app.flush() == 1
