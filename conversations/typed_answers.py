"""Reads an answer typed instead of pressed: option numbers, a label, yes or no, or "none";
and "me" in a typed answer that names people."""

from __future__ import annotations

import re
from collections.abc import Sequence

from conversations.flow_registry import NEW_ACCOUNT
from conversations.messages import Option

# Typed for "none of these" or for "no": "none" answers "Does it show any pupils?" as "no"
# does, and "no" answers "Which of these does it show?" as "none" does.
NEGATIVES = frozenset({"none", "no", "nope", "neither", "none of these", "none of them",
                       "nobody", "no one", "nothing"})


def match_typed(text: str, options: Sequence[Option], multiple: bool) -> list[str]:
    """Reads a typed answer: option numbers ("1, 3"), a label, or yes / no."""
    text = text.strip().lower()
    if not text:
        return []
    parts = [p.strip() for p in text.replace(",", " ").split()] if multiple else [text]
    values = {o.value for o in options}
    if multiple and text in NEGATIVES and "none" in values:
        return ["none"]
    if all(p.isdigit() for p in parts):
        picked = [options[int(p) - 1].value for p in parts if 0 < int(p) <= len(options)]
        return picked if len(picked) == len(parts) else []
    for option in options:
        if text in (option.label.lower(), option.value.lower()):
            return [option.value]
    if text in NEGATIVES:
        # A question's own "none" option keeps its meaning; else "none" is its "no".
        for negative in ("none", "no"):
            if negative in values:
                return [negative]
    starts = [o.value for o in options if o.label.lower().startswith(text)]
    return starts if len(starts) == 1 else []


# Questions whose typed answer names people, as (flow, question): the approver reads it, so
# "me" there is written as the name of the person asking. Each is a required question
# (conversations.policy.REQUIRED_QUESTIONS), so every pack has it.
NAMING_THE_SPEAKER = frozenset({(NEW_ACCOUNT.name, "runner")})

# An answer that is only the person speaking ("Who will run it?" "Me.").
_ONLY_ME = frozenset({"me", "myself", "i", "i will", "i'll", "i do", "i am", "i'm", "just me",
                      "only me", "me only", "me myself", "i will run it", "i'll run it",
                      "i will be", "i'll be running it", "i will be running it"})
_ME = re.compile(r"\b(?:me|myself)\b", re.IGNORECASE)


def naming_the_speaker(text: str, name: str) -> str:
    """A typed answer that names people, with "me" written as the speaker's ``name``: the
    approver reads it, and to them "me" would be themselves ("Me and Tom Price" becomes
    "Sophie Bennett and Tom Price")."""
    words = " ".join(text.lower().replace("’", "'").strip(" .!").split())
    if words in _ONLY_ME:
        return name
    return _ME.sub(name, text)


def speaker_named(flow: str, question: str, values: list[str], name: str) -> list[str]:
    """The answer ``values`` to ``question`` of ``flow``, with "me" written as the speaker's
    ``name`` where the question names people (:data:`NAMING_THE_SPEAKER`)."""
    if (flow, question) not in NAMING_THE_SPEAKER:
        return values
    return [naming_the_speaker(value, name) for value in values]
