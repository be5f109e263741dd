"""What an export run for one person holds: what that person could already see in chat.

An operator's export (no person named) holds everything. One run for a person (``policybot
export --for EMAIL``) holds only:

- for the Trust-wide roles (admin, CEO, Head of Governance and People): every request;
- for a headteacher: the requests of their own school's staff;
- for anyone: their own requests and those they were ever asked to decide;

and, whatever the role, a concern report only when it was given to them, never one about them
(8.2). The audit trail is cut the same way: events they made, and events of requests they see.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from bot.request_store import is_about, knows_of
from conversations.people import Person
from conversations.requests import RequestRecord

TRUST_WIDE = ("admin", "ceo", "governance_lead")

Record = dict[str, Any]


def may_see(person: Person, exported: Record) -> bool:
    record = cast(RequestRecord, exported)
    if is_about(record, person.email):
        return False
    if knows_of(record, person.email):
        return True
    if record.get("kind") == "concern":
        return False
    if any(person.has(role) for role in TRUST_WIDE):
        return True
    return person.has("headteacher") and record.get("school") == person.school


def scoped(person: Person, requests: Iterable[Record],
           audit: Iterable[Record]) -> dict[str, list[Record]]:
    """The requests and audit events ``person`` may see, in their original order."""
    seen: list[Record] = []
    hidden: set[str] = set()
    for r in requests:
        (seen.append(r) if may_see(person, r) else hidden.add(r["id"]))
    ids = {r["id"] for r in seen}
    me = person.email.lower()
    # Their own events stay, unless they name a request hidden from them.
    events = [e for e in audit if e.get("request") in ids
              or (str(e.get("actor", "")).lower() == me and e.get("request") not in hidden)]
    return {"requests": seen, "audit": events}
