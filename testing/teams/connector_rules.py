"""What the Bot Connector refuses, and how it says so: the fake connector's rules.

Each check returns a :class:`Refusal` (the HTTP status and the service's error body) or None.
The rules are those the service (and Microsoft 365 Agents Playground) enforce on what a bot
sends: a JSON object; no ``null`` anywhere (the Playground answers ``400 BadArgument "Invalid
input"`` to ``"id": null``); string fields that are strings; a known activity type; a
conversation and a recipient; attachments with a content type, an Adaptive Card that is a card;
and no activity over about 28 KB (``413 MessageSizeTooBig``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

CARD = "application/vnd.microsoft.card.adaptive"
# The Bot Connector refuses an activity over about 28 KB with 413 MessageSizeTooBig.
MAX_ACTIVITY_BYTES = 28 * 1024
# The activity types of the Bot Framework schema; anything else is refused.
ACTIVITY_TYPES = frozenset({
    "message", "contactRelationUpdate", "conversationUpdate", "typing", "endOfConversation",
    "event", "invoke", "deleteUserData", "messageUpdate", "messageDelete", "installationUpdate",
    "messageReaction", "suggestion", "trace", "handoff", "command", "commandResult",
})
# Members of an activity that are strings when present.
STRING_FIELDS = ("id", "timestamp", "localTimestamp", "serviceUrl", "channelId", "textFormat",
                 "attachmentLayout", "locale", "text", "speak", "inputHint", "summary",
                 "replyToId", "name", "importance", "deliveryMode", "label", "valueType",
                 "action", "topicName", "callerId", "expiration")
ACCOUNT_FIELDS = ("from", "recipient", "conversation")
INVALID_INPUT = "Invalid input"


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str

    def response(self) -> web.Response:
        return web.json_response({"error": {"code": self.code, "message": self.message}},
                                 status=self.status)


def bad(message: str = INVALID_INPUT) -> Refusal:
    return Refusal(400, "BadArgument", message)


def null_at(node: Any, path: str = "") -> str:
    """Where the first ``null`` in ``node`` is ("" when there is none)."""
    if node is None:
        return path or "$"
    if isinstance(node, dict):
        for key, value in node.items():
            found = null_at(value, f"{path}.{key}" if path else key)
            if found:
                return found
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found = null_at(value, f"{path}[{i}]")
            if found:
                return found
    return ""


async def read_body(request: web.Request) -> tuple[Any, Refusal | None]:
    """The JSON body, or why it is not one the service would read."""
    if "application/json" not in request.headers.get("Content-Type", ""):
        return None, Refusal(415, "BadSyntax", "Expected application/json")
    raw = await request.read()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None, Refusal(400, "BadSyntax", "The body is not valid JSON")
    if not isinstance(body, dict):
        return None, bad()
    where = null_at(body)
    if where:
        # The service says only "Invalid input"; the fake names the member for the test's sake.
        return None, Refusal(400, "BadArgument", f"{INVALID_INPUT} (null at {where})")
    if len(raw) > MAX_ACTIVITY_BYTES:
        return None, Refusal(413, "MessageSizeTooBig", "Message size too big")
    return body, None


def _account(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])


def activity_refusal(body: dict[str, Any], conversation_id: str) -> Refusal | None:
    """Why the service would refuse ``body`` as an activity for ``conversation_id``."""
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in ACTIVITY_TYPES:
        return bad(f"Unknown activity type {kind!r}")
    for key in STRING_FIELDS:
        if key in body and not isinstance(body[key], str):
            return bad(f"{INVALID_INPUT} ({key} must be a string)")
    for key in ACCOUNT_FIELDS:
        if key in body and not _account(body[key]):
            return bad(f"{INVALID_INPUT} ({key} must be an account with an id)")
    if "conversation" not in body:
        return bad("Missing conversation")
    if "recipient" not in body:
        return bad("Missing recipient")
    if body["conversation"]["id"] != conversation_id:
        return bad("The activity's conversation is not the one addressed")
    return _attachments_refusal(body.get("attachments"))


def _attachments_refusal(attachments: Any) -> Refusal | None:
    if attachments is None:
        return None
    if not isinstance(attachments, list):
        return bad(f"{INVALID_INPUT} (attachments must be a list)")
    for attachment in attachments:
        if not isinstance(attachment, dict) or not isinstance(attachment.get("contentType"), str):
            return bad(f"{INVALID_INPUT} (an attachment has no contentType)")
        if attachment["contentType"] == CARD:
            content = attachment.get("content")
            if not isinstance(content, dict) or content.get("type") != "AdaptiveCard":
                return bad(f"{INVALID_INPUT} (an Adaptive Card attachment is not a card)")
    return None


def conversation_refusal(body: dict[str, Any]) -> Refusal | None:
    """Why the service would refuse ``body`` as the parameters of a new conversation."""
    if not _account(body.get("bot")):
        return bad("Missing bot")
    members = body.get("members")
    if not isinstance(members, list) or not members or not all(_account(m) for m in members):
        return bad("Missing members")
    if "isGroup" in body and not isinstance(body["isGroup"], bool):
        return bad(f"{INVALID_INPUT} (isGroup must be true or false)")
    if "tenantId" in body and not isinstance(body["tenantId"], str):
        return bad(f"{INVALID_INPUT} (tenantId must be a string)")
    return None
