"""Slack refusing a message for good: the outbox stops, marks it failed with Slack's error
code, and sends it again when retried; a passing error is retried by itself."""

from __future__ import annotations

from bot import delivery_failures
from testing.slack.harness import SlackHarness
from testing.slack.journeys import OPINION, ask_to_post, header
from testing.slack.world import DANIEL, SOPHIE


def opened_for(slack: SlackHarness, user_id: str) -> int:
    return len([c for c in slack.fake.calls_to("conversations.open")
                if c.args.get("users") == user_id])


async def test_a_deactivated_approver_is_marked_failed_and_a_retry_sends_the_card(
        slack: SlackHarness) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    slack.fake.disabled.add(DANIEL)
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    [item] = await delivery_failures.failed(slack.application.storage)
    assert item.summary.startswith("Approval needed: SM-0001")
    assert (item.failure.channel, item.failure.code) == ("slack", "user_disabled")
    assert "deactivated" in item.failure.reason
    # Not tried again by itself, however often the outbox runs.
    tries = opened_for(slack, DANIEL)
    for _ in range(3):
        await slack.application.flush()
    assert opened_for(slack, DANIEL) == tries == 1
    assert daniel.messages() == []

    # The account is back; the admin retries what failed.
    slack.fake.disabled.clear()
    retried, unknown = await delivery_failures.retry(slack.application.storage, None)
    assert retried == [item.ident] and unknown == []
    slack.application.kick()
    await slack.settle()
    [card] = daniel.messages()
    assert header(card).startswith("Approval needed")
    assert await delivery_failures.failed(slack.application.storage) == []


async def test_a_passing_error_is_retried_not_marked_failed(slack: SlackHarness) -> None:
    sophie, daniel = slack.user(SOPHIE), slack.user(DANIEL)
    slack.fake.fail_next("chat.postMessage", 200, "internal_error")
    await ask_to_post(sophie, OPINION + "I think the new bus timetable works")
    assert await delivery_failures.failed(slack.application.storage) == []
    assert [header(m) for m in daniel.messages()][0].startswith("Approval needed")
