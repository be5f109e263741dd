"""What a message about being away says: "away until 12 December, delegate to Daniel Osei",
"I'm back" (pure; the application stores the delegation)."""

from __future__ import annotations

import re
from datetime import date, datetime

from conversations.people import PeopleIndex, Person

_AWAY = re.compile(r"\baway\b.*?\buntil\s+(?P<until>.+?)(?:[,;.]|\s+and\b|\s+delegate\b|$)",
                   re.IGNORECASE)
_TO = re.compile(r"\bdelegate\s+(?:it\s+|them\s+|everything\s+)?to\s+(?P<who>.+?)\s*[.!]?$",
                 re.IGNORECASE)
_FROM = re.compile(r"\bfrom\s+(?P<start>\d{4}-\d{2}-\d{2}|\d{1,2}\s+\w+(?:\s+\d{4})?)",
                   re.IGNORECASE)
_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d/%m/%Y", "%d %B", "%d %b")


class DelegationError(ValueError):
    """A delegation that can't be set; the message says why, for the person."""


def parse_date(text: str, today: date) -> date:
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().rstrip(".")).strip()
    for fmt in _FORMATS:
        try:
            parsed = datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
        if "%Y" not in fmt:
            parsed = parsed.replace(year=today.year)
            if parsed < today:
                parsed = parsed.replace(year=today.year + 1)
        return parsed
    raise DelegationError(f"I couldn't read the date {text.strip()!r}; try 2026-12-01.")


_BACK = re.compile(r"^(i'?m|i am) back\b|\b(end|stop|cancel) (my )?delegati(on|ng)\b",
                   re.IGNORECASE)


def looks_like_return(text: str) -> bool:
    """"I'm back", "end my delegation"."""
    return bool(_BACK.search(text.strip()))


def looks_like_delegation(text: str) -> bool:
    return bool(_AWAY.search(text) and _TO.search(text))


def find_person(index: PeopleIndex, who: str) -> Person:
    who = who.strip().strip("\"'").lower()
    person = index.get(who)
    if person is not None:
        return person
    matches = [p for p in index.people() if p.name.lower() == who]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise DelegationError(f"I can't find {who!r} in the staff directory.")
    raise DelegationError(f"More than one person is called {who!r}; use their email.")


def parse_delegation(text: str, index: PeopleIndex, today: date) -> tuple[Person, date, date]:
    """"away until 12 December, delegate to Daniel Osei" -> (delegate, start, until)."""
    away, to = _AWAY.search(text), _TO.search(text)
    if not away or not to:
        raise DelegationError("Say, for example: away until 2026-12-12, delegate to Daniel Osei.")
    until = parse_date(away.group("until"), today)
    start_match = _FROM.search(text)
    start = parse_date(start_match.group("start"), today) if start_match else today
    return find_person(index, to.group("who")), start, until
