"""Reading what Slack sends: typed text, attachments, button presses, and failures to log.

Nothing here calls Slack or the engine; it only reads payloads (and exceptions) safely.
"""

from __future__ import annotations

import contextlib
import re
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.slack import blocks
from adapters.slack.blocks import Pressed
from adapters.slack.markup import cut, from_slack
from conversations.messages import Choice

# Message subtypes that are something a person wrote to the bot; the others are edits,
# deletions, joins and the like.
TYPED_SUBTYPES = frozenset({"", "file_share"})
FILE_NAME = 100
MAX_FILES_NAMED = 10
_SPACES = re.compile(r"\s+")


def typed_in_dm(event: Mapping[str, Any]) -> str | None:
    """What a person wrote in the bot's DM, attachments described; None for anything else
    (edits, joins, bots, other channels)."""
    if event.get("bot_id") or event.get("channel_type") != "im":
        return None
    if str(event.get("subtype") or "") not in TYPED_SUBTYPES:
        return None
    text, files = event.get("text"), event.get("files")
    if not isinstance(text, str) and not files:
        return None
    return described(text if isinstance(text, str) else "", files)


def described(text: str, files: Any) -> str:
    """Slack text as it was typed, followed by the names of any attached files.

    Files are never downloaded: the engine (and an approver) learns that there is a picture
    and what it is called, and the person is asked to describe it.
    """
    typed = from_slack(text).strip()
    note = attachments(files)
    return "\n".join(part for part in (typed, note) if part)


def attachments(files: Any) -> str:
    """``[attached file “sports_day.jpg”]`` for the files of a message ("" for none).

    No colon: the engine reads the text after "can I post this:" as the draft.
    """
    if not isinstance(files, list) or not files:
        return ""
    names = []
    for item in files[:MAX_FILES_NAMED]:
        name = (item.get("name") or item.get("title")) if isinstance(item, Mapping) else None
        if isinstance(name, str) and name.strip():
            names.append(f"“{cut(_SPACES.sub(' ', name.strip()), FILE_NAME)}”")
    if not names:  # Slack may send only ids (a file the app may not see)
        return "[attached file]" if len(files) == 1 else f"[attached {len(files)} files]"
    if len(files) > len(names):
        names.append(f"{len(files) - len(names)} more")
    return f"[attached {'file' if len(files) == 1 else 'files'} {', '.join(names)}]"


def event_id_of(body: Mapping[str, Any]) -> str:
    event_id = body.get("event_id")
    return f"slack-event:{event_id}" if isinstance(event_id, str) and event_id else ""


def read_action(body: Mapping[str, Any], action: Mapping[str, Any]) -> Choice | Pressed | None:
    """What a press means: an answer to a question, or a card's action."""
    action_id = str(action.get("action_id") or "")
    try:
        if action_id.startswith(blocks.CHOOSE):
            token, value = blocks.decode_choice(str(action.get("value") or ""))
            return Choice(token, (value,))
        if action_id == blocks.SELECT:
            token, value = blocks.decode_choice(str(action["selected_option"]["value"]))
            return Choice(token, (value,))
        if action_id == blocks.CONTINUE:
            token = str(action.get("value") or "")
            state = (body.get("state") or {}).get("values") or {}
            return Choice(token, tuple(blocks.ticked_values(state, token)))
        if action_id.startswith(blocks.PRESS):
            return blocks.decode_press(str(action.get("value") or ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return None


def failure(exc: BaseException) -> str:
    """What failed and where, for the log: never the exception's text, which may quote a
    draft; for a Slack API error, Slack's error code."""
    kind = type(exc).__name__
    if isinstance(exc, SlackApiError):
        response = getattr(exc, "response", None)
        with contextlib.suppress(KeyError, TypeError):
            kind += f" {response['error']}" if response is not None else ""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{kind} at {where}" if where else kind
