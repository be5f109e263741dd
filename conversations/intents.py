"""What an ordinary message asks for: a flow, a list, help, or a question about the policy."""

from __future__ import annotations

import re

from conversations.policy import PolicyPack

REQUEST_ID = re.compile(r"\b([A-Z]{2,4}-\d{3,})\b", re.IGNORECASE)
_QUESTION_START = re.compile(
    r"^(can|could|may|should|must|am|is|are|do|does|what|when|where|who|why|how|which|will)\b"
)
# Commands that interrupt even a free-text answer (a draft may contain any other word).
INTERRUPTS = ("cancel", "restart", "help")


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w@'.-]+", " ", text.lower()).split())


def detect(pack: PolicyPack, text: str) -> str | None:
    """What an ordinary message asks for, or None.

    Cancel, start again and help count only as the whole message ("we need help with…" is
    a draft, not a command). Otherwise the phrase that comes earliest in the message wins,
    and the longer phrase on a tie: "can I post about anti-bullying week" is a post check,
    "cancel my request SM-0004" a withdrawal.
    """
    whole = is_command(pack, text)
    if whole:
        return whole
    norm = _normalise(text)
    best: tuple[int, int, str] | None = None
    for intent, phrases in pack.intents.items():
        if intent in INTERRUPTS:
            continue
        for phrase in phrases:
            match = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", norm)
            if match:
                rank = (match.start(), -len(phrase), intent)
                if best is None or rank < best:
                    best = rank
    return best[2] if best else None


def is_command(pack: PolicyPack, text: str) -> str | None:
    """An interrupting command when the whole message is one of its phrases."""
    norm = _normalise(text).strip(" .!?")
    for intent in INTERRUPTS:
        if norm in pack.intents.get(intent, ()):
            return intent
    return None


def looks_like_question(text: str) -> bool:
    norm = _normalise(text)
    return text.strip().endswith("?") or _QUESTION_START.match(norm) is not None


def request_id_in(text: str) -> str | None:
    match = REQUEST_ID.search(text)
    return match.group(1).upper() if match else None
