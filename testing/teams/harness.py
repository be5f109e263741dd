"""Drives the Teams adapter as Teams does: Activity JSON posted to the real server.

A :class:`TeamsUser` posts activities shaped as Teams sends them (channelId "msteams",
from.aadObjectId, a personal conversation with its tenant id, serviceUrl pointing at the fake
connector) and reads what the bot sent back from the connector's records.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import jsonschema
from aiohttp import ClientSession

from bot.app import Application
from storage.base import Storage
from testing.teams.fake_connector import Call, FakeConnector

TENANT = "tenant-1"
BOT = {"id": "28:policybot-app", "name": "Policy Bot"}
# Everything a Teams activity can make the bot write.
STATE_PREFIXES = ("teamsref/", "teamsmeta/", "teamsid/", "teamsmsg/", "teamsq/", "presence/",
                  "conversation/", "seen/", "audit/", "outbox/", "teamswelcome/", "request/")
_ids = itertools.count(1)


async def written(storage: Storage) -> list[str]:
    """The keys of every document an activity could have written."""
    return [key for prefix in STATE_PREFIXES for key, _ in await storage.scan(prefix)]


def card_schema_validator() -> jsonschema.Draft6Validator:
    text = resources.files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text()
    return jsonschema.Draft6Validator(json.loads(text))


def schema_errors(card: dict[str, Any]) -> list[str]:
    errors = list(card_schema_validator().iter_errors(card))
    if not errors:
        return []
    best = jsonschema.exceptions.best_match(errors)
    return [f"{list(best.absolute_path)}: {best.message[:300]}"]


def texts_of(card: dict[str, Any]) -> str:
    """Every piece of text shown on a card, for assertions."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "label"):
                if isinstance(node.get(key), str):
                    out.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card.get("body", []))
    return "\n".join(out)


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The Action.Execute titled ``title`` on ``card``."""
    for action in card.get("actions", []):
        if action["title"] == title:
            return action
    titles = [a["title"] for a in card.get("actions", [])]
    raise AssertionError(f"no button {title!r} on card: {titles}")


class TeamsWorld:
    def __init__(self, app: Application, connector: FakeConnector, endpoint: str,
                 http: ClientSession) -> None:
        self.app = app
        self.connector = connector
        self.endpoint = endpoint
        self.http = http
        self.invoke_cards: list[dict[str, Any]] = []  # cards returned in invoke responses

    def user(self, email: str, name: str, *, aad: str = "", listed_email: bool = True,
             upn: str = "") -> TeamsUser:
        """A Teams user; ``listed_email``: the connector gives their email (else only UPN)."""
        n = next(_ids)
        aad = aad or f"aad-{n}"
        user = TeamsUser(self, email, name, aad, f"29:user-{n}", f"a:personal-{n}")
        self.connector.add_member(user.user_id, aad, name, email=email if listed_email else "",
                                  upn=upn or email)
        return user

    async def until(self, condition: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Poll ``condition`` until it is truthy (the outbox delivers in the background)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = condition()
            if value:
                return value
            if loop.time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.01)

    async def post(self, body: Any, *, headers: dict[str, str] | None = None,
                   raw: bytes | None = None) -> tuple[int, str]:
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        data = raw if raw is not None else json.dumps(body).encode()
        async with self.http.post(self.endpoint, data=data, headers=hdrs) as response:
            return response.status, await response.text()


class TeamsUser:
    def __init__(self, world: TeamsWorld, email: str, name: str, aad: str, user_id: str,
                 conversation_id: str) -> None:
        self.world = world
        self.email = email
        self.name = name
        self.aad = aad
        self.user_id = user_id
        self.conversation_id = conversation_id

    def activity(self, kind: str, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": kind,
            "id": f"f:{next(_ids)}",
            "timestamp": "2026-03-02T09:00:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.world.connector.url,
            "from": {"id": self.user_id, "name": self.name, "aadObjectId": self.aad},
            "conversation": {"id": self.conversation_id, "conversationType": "personal",
                             "tenantId": TENANT},
            "recipient": dict(BOT),
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
        }
        body.update(extra)
        return body

    async def send(self, body: dict[str, Any]) -> tuple[int, str]:
        return await self.world.post(body)

    async def say(self, text: str) -> int:
        status, _ = await self.send(self.activity("message", text=text, textFormat="plain"))
        return status

    async def install(self) -> int:
        status, _ = await self.send(self.activity("installationUpdate", action="add"))
        return status

    async def execute(self, action: dict[str, Any], inputs: dict[str, Any] | None = None,
                      *, card_id: str = "") -> dict[str, Any]:
        """Press an Action.Execute button; returns the invoke response body."""
        data = {**action["data"], **(inputs or {})}
        value = {"action": {"type": "Action.Execute", "verb": action["verb"], "data": data},
                 "trigger": "manual"}
        body = self.activity("invoke", name="adaptiveCard/action", value=value)
        if card_id:
            body["replyToId"] = card_id
        status, text = await self.send(body)
        assert status == 200, (status, text)
        response: dict[str, Any] = json.loads(text)
        if response.get("type") == "application/vnd.microsoft.card.adaptive":
            self.world.invoke_cards.append(response["value"])
        return response

    async def submit(self, action: dict[str, Any], card_id: str,
                     inputs: dict[str, Any] | None = None) -> int:
        """Press a button as an older client does: its Action.Submit fallback."""
        fallback = action["fallback"]
        value = {**fallback["data"], **(inputs or {})}
        status, _ = await self.send(self.activity("message", value=value, replyToId=card_id))
        return status

    # -- what this user was sent -----------------------------------------------------------

    def received(self) -> list[Call]:
        return self.world.connector.sent(self.conversation_id)

    def last(self) -> Call:
        got = self.received()
        assert got, f"nothing sent to {self.name}"
        return got[-1]

    def last_card(self, title_part: str = "") -> Call:
        for call in reversed(self.received()):
            if call.cards and title_part in texts_of(call.card):
                return call
        raise AssertionError(f"no card with {title_part!r} sent to {self.name}")

    def said(self) -> str:
        parts = []
        for call in self.received():
            parts.append(call.text)
            parts += [texts_of(card) for card in call.cards]
        return "\n".join(parts)
