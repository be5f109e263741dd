"""Teams traffic, as Teams sends it: activities posted to ``/api/messages``.

:func:`journey` plays one teacher through the whole journey against ``policybot serve
--teams-emulator``: "can I post this?", the draft, the five question cards answered with their
``Action.Execute`` buttons (invokes), then the line manager's Approve on the card the bot sent
to their chat, until the teacher gets the "Approved" card. Eight requests, as on Slack.

:func:`floor_journey` sends the same eight requests (two messages, six invokes) to the bare
botbuilder bot of :mod:`benchmarks.bare_botbuilder`, waiting for its one reply after each.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from benchmarks.client import Inboxes, Item, Recorder
from benchmarks.staff import DRAFT, REQUESTS_PER_JOURNEY, WHERE, Member, manager_of, managers
from testing.teams.fake_connector import CARD
from testing.teams.harness import BOT, TENANT, button, texts_of

ENDPOINT = "api/messages"
_ids = itertools.count(1)
_REQUEST_ID = re.compile(r"Needs approval: request (SM-\d+)")


class Refused(Exception):
    """The server did not accept an activity."""


class TeamsDriver:
    def __init__(self, recorder: Recorder, server_url: str, service_url: str,
                 inboxes: Inboxes) -> None:
        self.recorder = recorder
        self.url = server_url + ENDPOINT
        self.service_url = service_url
        self.inboxes = inboxes

    def activity(self, member: Member, kind: str, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": kind, "id": f"f:{next(_ids)}",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "channelId": "msteams", "serviceUrl": self.service_url,
            "from": {"id": member.teams_id, "name": member.name, "aadObjectId": member.aad},
            "conversation": {"id": member.conversation, "conversationType": "personal",
                             "tenantId": TENANT},
            "recipient": dict(BOT), "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
        }
        body.update(extra)
        return body

    async def send(self, body: dict[str, Any]) -> str:
        status, text = await self.recorder.post(self.url, json.dumps(body).encode(),
                                                {"Content-Type": "application/json"})
        if status not in (200, 201, 202):
            raise Refused(f"HTTP {status} for a {body['type']} activity")
        return text

    async def say(self, member: Member, text: str) -> None:
        await self.send(self.activity(member, "message", text=text, textFormat="plain"))

    async def execute(self, member: Member, action: dict[str, Any], card_id: str,
                      inputs: dict[str, Any] | None = None) -> None:
        """Press an Action.Execute button: an ``adaptiveCard/action`` invoke."""
        value = {"action": {"type": "Action.Execute", "verb": action["verb"],
                            "data": {**action["data"], **(inputs or {})}}, "trigger": "manual"}
        text = await self.send(self.activity(member, "invoke", name="adaptiveCard/action",
                                             value=value, replyToId=card_id))
        if json.loads(text or "{}").get("statusCode", 200) != 200:
            raise Refused("the invoke was answered with an error")

    async def install_managers(self) -> None:
        """Every line manager adds the bot, so their chat is known before cards go to it."""
        for manager in managers():
            box = self.inboxes(manager.conversation)
            mark = box.mark()
            await self.send(self.activity(manager, "installationUpdate", action="add"))
            await box.next(mark)


# -- reading what the bot sent ------------------------------------------------------------


def card_of(item: Item) -> dict[str, Any] | None:
    found = [a["content"] for a in item["body"].get("attachments") or []
             if a.get("contentType") == CARD]
    return found[0] if found else None


def card_saying(pattern: str) -> Callable[[Item], bool]:
    wanted = re.compile(pattern)

    def found(item: Item) -> bool:
        card = card_of(item)
        return card is not None and bool(wanted.search(texts_of(card)))

    return found


def is_question(item: Item) -> bool:
    card = card_of(item)
    return card is not None and any(a.get("verb") == "choice" for a in card.get("actions", []))


# -- journeys -----------------------------------------------------------------------------


async def journey(d: TeamsDriver, teacher: Member) -> str:
    """One post checked, sent for approval and approved; returns the request id."""
    box = d.inboxes(teacher.conversation)
    mark = box.mark()
    await d.say(teacher, "can I post this?")
    await box.until(card_saying("Paste the text"), mark)
    mark = box.mark()
    await d.say(teacher, DRAFT)
    question = await box.until(is_question, mark)
    answers = [(WHERE,)]  # the draft shows the rest: where it goes is the one question
    for n, picked in enumerate(answers):
        card = card_of(question)
        assert card is not None
        titles = [a["title"] for a in card.get("actions", [])]
        mark = box.mark()
        if "Continue" in titles:
            await d.execute(teacher, button(card, "Continue"), question["activity_id"],
                            {"pb_values": ",".join(picked)})
        else:
            await d.execute(teacher, button(card, picked[0]), question["activity_id"])
        last = n == len(answers) - 1
        question = await box.until(
            card_saying(r"Needs approval: request SM-\d+") if last else is_question, mark)
    created = card_of(question)
    assert created is not None
    match = _REQUEST_ID.search(texts_of(created))
    assert match is not None
    request_id = match.group(1)
    await approve(d, manager_of(teacher), request_id)
    await box.until(card_saying(rf"Approved: {request_id}\b"), mark)
    return request_id


async def approve(d: TeamsDriver, manager: Member, request_id: str) -> None:
    item = await d.inboxes(manager.conversation).until(
        card_saying(rf"Approval needed: {request_id}\b"))
    card = card_of(item)
    assert card is not None
    await d.execute(manager, button(card, "Approve"), item["activity_id"])


FLOOR_ACTION = {"verb": "choice", "data": {"pb": "c", "t": "token", "v": "personal"}}


async def floor_journey(d: TeamsDriver, teacher: Member) -> None:
    """The same requests to the bare botbuilder bot; it replies once to each."""
    box = d.inboxes(teacher.conversation)
    for n in range(REQUESTS_PER_JOURNEY):
        mark = box.mark()
        if n < 2:
            await d.say(teacher, DRAFT if n else "can I post this?")
        else:
            await d.execute(teacher, FLOOR_ACTION, "act-0")
        await box.next(mark)
