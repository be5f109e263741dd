"""Slack traffic, as Slack sends it: signed Events API and interactivity requests.

:func:`journey` plays one teacher through the whole journey against ``policybot serve``: a DM
asking to check a post, the draft, the five questions answered with the buttons the bot really
posted (read back from the fake Web API), then the line manager's Approve on the card the bot
sent them, until the teacher is told the post is approved. Eight signed requests.

:func:`floor_journey` sends the same eight requests (two message events, six button presses)
to the bare Bolt app of :mod:`benchmarks.bare_bolt`, waiting for its one message after each.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from benchmarks.client import Inboxes, Item, Recorder
from benchmarks.staff import DRAFT, REQUESTS_PER_JOURNEY, WHERE, Member, manager_of
from testing.slack.fake_slack import BOT_USER, TEAM
from testing.slack.signing import sign, slack_escaped

EVENTS_PATH = "slack/events"
FORM = "application/x-www-form-urlencoded"
_ids = itertools.count(1)
_REQUEST_ID = re.compile(r"Needs approval: request (SM-\d+)")


class Refused(Exception):
    """The server did not acknowledge a request with 200."""


class SlackDriver:
    def __init__(self, recorder: Recorder, server_url: str, inboxes: Inboxes) -> None:
        self.recorder = recorder
        self.url = server_url + EVENTS_PATH
        self.inboxes = inboxes

    async def send(self, body: bytes, content_type: str) -> None:
        headers = {"Content-Type": content_type, **sign(body)}
        status, _ = await self.recorder.post(self.url, body, headers)
        if status != 200:
            raise Refused(f"HTTP {status} for a signed Slack request")

    async def say(self, member: Member, text: str) -> None:
        await self.send(event_body(member, text), "application/json")

    async def press(self, member: Member, message: Item, block: dict[str, Any],
                    element: dict[str, Any], state: dict[str, Any] | None = None) -> None:
        action: dict[str, Any] = {k: element[k] for k in ("type", "action_id", "value", "text")
                                  if k in element}
        await self.send(press_body(member, message, block, action, state), FORM)


def event_body(member: Member, text: str) -> bytes:
    event = {"type": "message", "channel": member.dm, "user": member.slack_id,
             "text": slack_escaped(text), "ts": f"{time.time():.6f}", "channel_type": "im"}
    envelope = {"token": "unused", "team_id": TEAM, "api_app_id": "A0001",
                "type": "event_callback", "event_id": f"Ev{next(_ids):09d}",
                "event_time": int(time.time()), "event": event,
                "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}
    return json.dumps(envelope).encode()


def press_body(member: Member, message: Item, block: dict[str, Any], action: dict[str, Any],
               state: dict[str, Any] | None = None) -> bytes:
    payload = {
        "type": "block_actions", "team": {"id": TEAM}, "api_app_id": "A0001",
        "user": {"id": member.slack_id, "team_id": TEAM}, "trigger_id": f"trig-{next(_ids)}",
        "container": {"type": "message", "message_ts": message["ts"],
                      "channel_id": message["channel"], "is_ephemeral": False},
        "channel": {"id": message["channel"]},
        "message": {"type": "message", "ts": message["ts"], "text": message["text"],
                    "blocks": message["blocks"], "bot_id": "BBOT"},
        "state": {"values": state or {}},
        "actions": [{**action, "block_id": block.get("block_id", ""),
                     "action_ts": f"{time.time():.6f}{next(_ids)}"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


# -- reading what the bot posted ---------------------------------------------------------


def elements(message: Item) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(b, e) for b in message["blocks"] for e in b.get("elements", [])
            if isinstance(e, dict)]


def button(label: str) -> Callable[[Item], bool]:
    return lambda m: any(e.get("type") == "button" and e["text"]["text"] == label
                         for _, e in elements(m))


def says(pattern: str) -> Callable[[Item], bool]:
    found = re.compile(pattern)
    return lambda m: bool(found.search(json.dumps(m["blocks"], ensure_ascii=False)))


async def press_button(d: SlackDriver, member: Member, message: Item, label: str) -> None:
    block, element = next((b, e) for b, e in elements(message)
                          if e.get("type") == "button" and e["text"]["text"] == label)
    await d.press(member, message, block, element)


# -- journeys -----------------------------------------------------------------------------


async def journey(d: SlackDriver, teacher: Member) -> str:
    """One post checked, sent for approval and approved; returns the request id."""
    box = d.inboxes(teacher.dm)
    mark = box.mark()
    await d.say(teacher, "can I post this?")
    await box.until(says("Paste the text"), mark)
    mark = box.mark()
    await d.say(teacher, DRAFT)
    where = await box.until(button(WHERE), mark)
    mark = box.mark()
    await press_button(d, teacher, where, WHERE)
    created = await box.until(says(r"Needs approval: request SM-\d+"), mark)
    match = _REQUEST_ID.search(json.dumps(created["blocks"]))
    assert match is not None
    request_id = match.group(1)
    await approve(d, manager_of(teacher), request_id)
    await box.until(says(rf"Approved: {request_id}\b"), mark)
    return request_id


async def approve(d: SlackDriver, manager: Member, request_id: str) -> None:
    """The line manager presses Approve on the card the bot sent them for ``request_id``."""
    card = await d.inboxes(manager.dm).until(says(rf"Approval needed: {request_id}\b"))
    await press_button(d, manager, card, "Approve")


FLOOR_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Where will it go?*"}},
    {"type": "actions", "block_id": "q|token", "elements": [
        {"type": "button", "action_id": f"choose:{i}", "value": f"token|option{i}",
         "text": {"type": "plain_text", "text": f"Option {i}", "emoji": True}}
        for i in range(4)]},
]


async def floor_journey(d: SlackDriver, teacher: Member) -> None:
    """The same requests to the bare Bolt app; it answers each with one message."""
    box = d.inboxes(teacher.dm)
    message: Item = {"channel": teacher.dm, "ts": "1760000000.000001", "text": "Question",
                     "blocks": FLOOR_BLOCKS}
    for n in range(REQUESTS_PER_JOURNEY):
        mark = box.mark()
        if n < 2:
            await d.say(teacher, DRAFT if n else "can I post this?")
        else:
            block = FLOOR_BLOCKS[1]
            await d.press(teacher, message, block, block["elements"][n % 4])
        await box.next(mark)
