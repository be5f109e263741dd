"""Drives the real Slack adapter over HTTP with signed requests, as Slack would.

A :class:`SlackUser` types in the bot's DM and presses the buttons the bot really posted
(read back from the fake Web API), so every step goes through the signed endpoint, Bolt, the
listeners, the engine and the outbox.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.test_utils import TestServer

from adapters.slack import SlackAdapter
from bot.app import Application
from bot.delivery_failures import FAILURE
from testing.slack.fake_slack import BOT_USER, TEAM, FakeSlack, Posted
from testing.slack.signing import sign, slack_escaped

SETTLE_TIMEOUT = 15.0

_ids = itertools.count(1)


async def poll(condition: Callable[[], Awaitable[bool]], timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until ``condition()`` holds, for at most ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


@dataclass
class Response:
    status: int
    text: str


@dataclass
class SlackHarness:
    application: Application
    adapter: SlackAdapter
    fake: FakeSlack
    server: TestServer
    session: aiohttp.ClientSession
    users: dict[str, SlackUser] = field(default_factory=dict)

    @property
    def events_url(self) -> str:
        return str(self.server.make_url("/slack/events"))

    async def send(self, body: bytes, content_type: str, *, headers: dict[str, str] | None = None,
                   signed: bool = True, settle: bool = True) -> Response:
        sent = {"Content-Type": content_type, **(sign(body) if signed else {}),
                **(headers or {})}
        async with self.session.post(self.events_url, data=body, headers=sent) as response:
            result = Response(response.status, await response.text())
        if settle:
            await self.settle()
        return result

    async def event(self, event: dict[str, Any], *, event_id: str = "",
                    headers: dict[str, str] | None = None) -> Response:
        return await self.send(self.event_body(event, event_id), "application/json",
                               headers=headers)

    def event_body(self, event: dict[str, Any], event_id: str = "") -> bytes:
        envelope = {
            "token": "unused", "team_id": TEAM, "api_app_id": "A0001", "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}", "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
        return json.dumps(envelope).encode()

    async def interact(self, payload: dict[str, Any], *, settle: bool = True) -> Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.send(body, "application/x-www-form-urlencoded", settle=settle)

    async def command(self, user: str, text: str, channel: str = "C0GENERAL") -> Response:
        fields = {"token": "unused", "team_id": TEAM, "channel_id": channel, "user_id": user,
                  "command": "/socialmedia", "text": text, "api_app_id": "A0001",
                  "trigger_id": f"trig-{next(_ids)}",
                  "response_url": "https://hooks.slack.example/commands/1"}
        return await self.send(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    async def settle(self) -> None:
        """Wait until acknowledged work is done and the outbox has delivered everything."""
        await self.adapter.drain()

        async def delivered() -> bool:
            await self.application.flush()
            # A delivery Slack refused for good stays, marked failed: it is done with.
            return all(FAILURE in r.value
                       for _, r in await self.application.storage.scan("outbox/"))

        await poll(delivered)
        await self.adapter.drain()

    def user(self, user_id: str) -> SlackUser:
        return self.users.setdefault(user_id, SlackUser(self, user_id))

    async def keys(self) -> set[str]:
        return {k for k, _ in await self.application.storage.scan("")}


class SlackUser:
    """One person on Slack, in their DM with the bot."""

    def __init__(self, harness: SlackHarness, user_id: str) -> None:
        self.h = harness
        self.id = user_id

    @property
    def dm(self) -> str:
        return "D" + self.id

    def messages(self) -> list[Posted]:
        return self.h.fake.in_channel(self.dm)

    def texts(self) -> str:
        """Everything visible in the DM, as one string (blocks' texts included)."""
        return "\n".join(_all_text(m.blocks) or m.text for m in self.messages())

    async def say(self, text: str, *, event_id: str = "",
                  headers: dict[str, str] | None = None) -> Response:
        event = {"type": "message", "channel": self.dm, "user": self.id,
                 "text": slack_escaped(text), "ts": f"{time.time():.6f}", "channel_type": "im"}
        return await self.h.event(event, event_id=event_id, headers=headers)

    def with_action(self, predicate: Callable[[dict[str, Any]], bool]) -> tuple[Posted, dict, dict]:
        """The newest message with an element matching ``predicate``: (message, block, el)."""
        for message in reversed(self.messages()):
            for block in message.blocks:
                for element in block.get("elements", []):
                    if predicate(element):
                        return message, block, element
        raise AssertionError(f"no such button in {self.dm}:\n{self.texts()}")

    def payload(self, message: Posted, block: dict, action: dict[str, Any],
                state: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "type": "block_actions", "team": {"id": TEAM}, "api_app_id": "A0001",
            "user": {"id": self.id, "team_id": TEAM}, "trigger_id": f"trig-{next(_ids)}",
            "container": {"type": "message", "message_ts": message.ts,
                          "channel_id": message.channel, "is_ephemeral": False},
            "channel": {"id": message.channel},
            "message": {"type": "message", "ts": message.ts, "text": message.text,
                        "blocks": message.blocks, "bot_id": "BBOT"},
            "state": {"values": state or {}},
            "actions": [{**action, "block_id": block.get("block_id", ""),
                         "action_ts": f"{time.time():.6f}{next(_ids)}"}],
        }

    async def press(self, label: str) -> dict[str, Any]:
        """Press the newest button labelled ``label``; returns the payload sent."""
        message, block, button = self.with_action(
            lambda e: e.get("type") == "button" and e["text"]["text"] == label)
        payload = self.payload(message, block, {"type": "button", **_pick(button)})
        await self.h.interact(payload)
        return payload

    async def select(self, label: str) -> dict[str, Any]:
        message, block, menu = self.with_action(lambda e: e.get("type") == "static_select")
        option = next(o for o in menu["options"] if o["text"]["text"] == label)
        action = {"type": "static_select", "action_id": menu["action_id"],
                  "selected_option": option}
        payload = self.payload(message, block, action)
        await self.h.interact(payload)
        return payload

    async def tick(self, *labels: str) -> dict[str, Any]:
        """Tick boxes on the newest multiple-choice question, then press Continue."""
        message, _, _ = self.with_action(lambda e: e.get("type") == "checkboxes")
        state: dict[str, Any] = {}
        for block in message.blocks:
            for element in block.get("elements", []):
                if element.get("type") == "checkboxes":
                    chosen = [o for o in element["options"] if o["text"]["text"] in labels]
                    state[block["block_id"]] = {element["action_id"]: {
                        "type": "checkboxes", "selected_options": chosen}}
        block = next(b for b in message.blocks
                     if any(e.get("action_id") == "continue" for e in b.get("elements", [])))
        button = next(e for e in block["elements"] if e.get("action_id") == "continue")
        payload = self.payload(message, block, {"type": "button", **_pick(button)}, state)
        await self.h.interact(payload)
        return payload

    async def submit_reason(self, reason: str) -> Response:
        """Fill in and submit the newest modal opened for this person."""
        view = self.h.fake.calls_to("views.open")[-1].args["view"]
        payload = {
            "type": "view_submission", "team": {"id": TEAM}, "api_app_id": "A0001",
            "user": {"id": self.id, "team_id": TEAM}, "trigger_id": f"trig-{next(_ids)}",
            "view": {**view, "id": f"V{next(_ids)}", "hash": f"h{next(_ids)}",
                     "state": {"values": {"reason": {"reason": {"type": "plain_text_input",
                                                                "value": reason}}}}},
        }
        return await self.h.interact(payload)


def _pick(element: dict[str, Any]) -> dict[str, Any]:
    return {k: element[k] for k in ("action_id", "value", "text") if k in element}


def _all_text(blocks: list[dict[str, Any]]) -> str:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(out)
