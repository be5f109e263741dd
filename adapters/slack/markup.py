"""Text between Slack and the engine.

Outgoing: the engine's markup (``*bold*`` and line breaks) is already Slack mrkdwn, so only
``&``, ``<`` and ``>`` are escaped; that also stops typed text from becoming a mention
(``<!channel>``) or a link. Text is cut to Slack's limits with an ellipsis, never inside an
escape sequence.

Incoming: Slack sends ``&amp;``, ``&lt;`` and ``&gt;`` and wraps links, mentions and channels in
angle brackets; the engine gets the text as the person typed it.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_SLACK_TOKEN = re.compile(r"<([^<>]*)>")


def escape(text: str) -> str:
    for raw, entity in _ESCAPES:
        text = text.replace(raw, entity)
    return text


def cut(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(ELLIPSIS), 0)].rstrip() + ELLIPSIS


def fit_mrkdwn(raw: str, limit: int) -> tuple[str, bool]:
    """``raw`` escaped and cut to ``limit`` characters; also whether anything was cut."""
    escaped = escape(raw)
    if len(escaped) <= limit:
        return escaped, False
    # Cut the raw text, not the escaped one, so no "&amp;" is split: keep the longest start
    # whose escaped form leaves room for the ellipsis.
    room = limit - len(ELLIPSIS)
    size = end = 0
    while size + len(escape(raw[end])) <= room:  # stops in time: the whole text is longer
        size += len(escape(raw[end]))
        end += 1
    return escape(raw[:end].rstrip()) + ELLIPSIS, True


def fit_plain(raw: str, limit: int) -> str:
    """plain_text objects are shown as typed (no escaping); they must not be empty."""
    return cut(raw, limit) or "-"


def _token(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith(("@", "#")):
        return f"{target[0]}{label}" if label else target
    if target.startswith("!"):
        return f"@{label or target[1:].split('^')[0]}"
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    if label and label != target:
        return f"{label} ({target})"
    return target


def from_slack(text: str) -> str:
    """Text of a Slack message as it was typed: links unwrapped, entities decoded."""
    plain = _SLACK_TOKEN.sub(_token, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def without_mention(text: str, bot_user_id: str | None) -> str:
    """An app mention's text without the mention of the bot itself."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    else:
        text = re.sub(r"^\s*<@[A-Z0-9]+(\|[^>]*)?>", " ", text)
    return text.strip()
