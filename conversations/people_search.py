"""Finding the person a message names in the staff directory ("our headteacher Joanne
Clarke", "Mrs Clarke", "Daniel"): for a concern report, which must never reach the person it
is about, and must reach whoever manages where they work."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "mx"})
MAX_CHOICES = 8
PERSON_PREFIX = "person:"


@dataclass(frozen=True)
class Someone:
    """A person the directory knows, as a search sees them."""

    email: str
    name: str
    school: str

    @property
    def value(self) -> str:
        return PERSON_PREFIX + self.email

    @property
    def label(self) -> str:
        return f"{self.name} ({self.school})"[:75]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z'-]*", text.lower())


def named_in(text: str, people: Sequence[Someone]) -> list[Someone]:
    """The people whose whole name ``text`` contains."""
    lowered = " ".join(_words(text))
    return [p for p in people if re.search(rf"\b{re.escape(' '.join(_words(p.name)))}\b",
                                          lowered)]


def find_people(text: str, people: Sequence[Someone]) -> list[Someone]:
    """Everyone ``text`` may mean: whole names first; else the people who share the most
    name words with it (a first name, a title and surname). At most :data:`MAX_CHOICES`."""
    whole = named_in(text, people)
    if whole:
        return whole[:MAX_CHOICES]
    said = set(_words(text)) - TITLES
    scored = []
    for p in people:
        shared = len(said & set(_words(p.name)))
        if shared:
            scored.append((shared, p))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [p for score, p in scored if score == best][:MAX_CHOICES]
