"""Which of the Bot Connector's refusals are for good, and what they mean in plain words.

The connector answers an error with ``{"error": {"code": ..., "message": ...}}``. A 400
(Teams cannot read the message), 403 (the app is not installed for the person, they blocked
the bot, an administrator disabled it), 404 (the chat is gone), 410 or 413 (too large) will
be answered the same way however often the message is sent: the outbox marks it failed
(:class:`bot.port.DeliveryRefused`). A throttle (429), a server error (5xx) or a timeout is
transient, and the outbox retries it after a pause.
"""

from __future__ import annotations

import json

from aiohttp import ClientResponseError

from bot.port import DeliveryRefused

PERMANENT = frozenset({400, 403, 404, 410, 413})
REASONS = {
    "BotNotInConversationRoster": "the app is no longer installed for the person",
    "ConversationBlockedByUser": "the person has blocked the bot",
    "BotDisabledByAdmin": "a Teams administrator has disabled the app",
    "ConversationNotFound": "the chat with the person no longer exists",
    "MessageSizeTooBig": "the message is too large for Teams",
    "BadArgument": "Teams could not read the message (a fault in the bot: please report it)",
    "BadSyntax": "Teams could not read the message (a fault in the bot: please report it)",
}
BY_STATUS = {
    400: "Teams could not read the message (a fault in the bot: please report it)",
    403: "Teams does not let the bot message the person (the app removed or blocked?)",
    404: "the chat with the person no longer exists",
    410: "the chat with the person no longer exists",
    413: "the message is too large for Teams",
}


def error_code(exc: ClientResponseError) -> str:
    """The service's error code from the answer's body, "" when it gave none."""
    try:
        body = json.loads(exc.message)
    except (TypeError, ValueError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else ""


def refusal_of(exc: ClientResponseError) -> DeliveryRefused | None:
    """The refusal for good that ``exc`` is, or None when a retry may succeed."""
    if exc.status not in PERMANENT:
        return None
    code = error_code(exc)
    return DeliveryRefused(exc.status, code, REASONS.get(code) or BY_STATUS[exc.status])
