"""Steps of a Slack journey several tests take, and ways to read what the bot posted."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.due_work.pending_steps import timings_from
from conversations.timefmt import parse
from conversations.worktime import add_working_hours
from testing.slack.fake_slack import Posted
from testing.slack.harness import SlackHarness, SlackUser

# Words that make a draft an opinion that could be taken as the school's (4.2): the bot reads
# them and the post needs the line manager's approval.
OPINION = "Speaking as head of year, "
PASTE = ("Paste the text of your post. For a picture, video or link, describe it or paste the "
         "link (and any caption).")


async def ask_to_post(user: SlackUser, draft: str) -> None:
    """A post that needs the line manager's approval (the draft shows an opinion that could
    be taken as the school's, and goes on a personal account): one answer after the draft."""
    assert draft.startswith(OPINION)
    await user.say("can I post this?")
    await user.say(draft)
    await user.press("My own personal account")


def buttons(message: Posted) -> list[str]:
    return [e["text"]["text"] for b in message.blocks if b["type"] == "actions"
            for e in b["elements"] if e.get("type") == "button"]


def header(message: Posted) -> str:
    return next((b["text"]["text"] for b in message.blocks if b["type"] == "header"), "")


async def record(slack: SlackHarness, request_id: str) -> dict[str, Any]:
    found = await slack.application.storage.get(f"request/{request_id}")
    assert found is not None
    return found.value


async def working_hours_after_asking(slack: SlackHarness, hours: float) -> datetime:
    """A minute after ``hours`` working hours from when SM-0001's current step was asked."""
    asked = parse((await record(slack, "SM-0001"))["steps"][0]["asked_at"])
    due = add_working_hours(asked, hours, timings_from(slack.application.config).holidays)
    assert due >= asked + timedelta(hours=hours)
    return due + timedelta(minutes=1)


def reminders_to(slack: SlackHarness, channel: str) -> list[str]:
    """Reminders posted with chat.postMessage in ``channel``."""
    return [c.args["text"] for c in slack.fake.calls_to("chat.postMessage")
            if c.args["channel"] == channel and c.args["text"].startswith("Reminder:")]
