"""What a report reads from the store, reduced as it is read to what the figures need.

The same records ``policybot export`` writes out (requests, the audit trail) and the register
of approved accounts. Requests are read by id, a batch at a time (ids are numbered in order,
as retention reads them), and audit entries a month at a time, so a store of a hundred
thousand requests is read in flat memory: each record becomes a small row of counts' keys and
times, never a draft, a name, an email or a comment, and rows outside the period are dropped.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot import keys
from bot.approvals import ID_PREFIX
from bot.request_ids import COUNTER
from bot.request_store import open_ids
from conversations.people import PeopleIndex
from conversations.requests import OPEN_STATES
from conversations.timefmt import iso, parse
from storage.base import Storage

BATCH = 500
# How long before a report's first day a request may have been made and still count (decided
# or escalated within the report's time): well over POLICYBOT_EXPIRY_DAYS.
LOOKBACK = timedelta(days=60)
# Audit events the report counts; everything else in the trail is passed over.
COUNTED_EVENTS = frozenset({"checked", "created", "finding_disputed", "reminded", "escalated",
                            "expired", "delegated"})


@dataclass(frozen=True, slots=True)
class StepRow:
    role: str
    state: str
    waiting_from: str  # when the step began to wait: the request's creation, or the step before
    decided_at: str


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: str  # to join audit entries to their request; never shown
    kind: str
    school: str
    created_at: str
    status: str
    decided_at: str
    clauses: tuple[str, ...]
    steps: tuple[StepRow, ...]
    disputed: bool
    category: str  # a concern's category ("bullying_staff"), else ""
    concern_school: str  # the school a concern is about
    found: tuple[str, ...]  # the facts the reader found (kept in the audit since this release)
    platform: str


@dataclass(frozen=True, slots=True)
class EventRow:
    at: str
    event: str
    request: str
    flow: str
    outcome: str
    clauses: tuple[str, ...]
    found: tuple[str, ...]
    school: str
    platform: str


@dataclass(frozen=True, slots=True)
class AccountRow:
    name: str
    platform: str
    school: str
    approved_at: str


@dataclass
class StoreRows:
    requests: list[RequestRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    accounts: list[AccountRow] = field(default_factory=list)
    school_of: dict[str, str] = field(default_factory=dict)  # request id -> its school
    schools: set[str] = field(default_factory=set)  # every school the store or directory names


# Clause and fact lists, kept once each: a Trust has few distinct ones, so this stays small.
_TUPLES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    words = tuple(sys.intern(str(v)) for v in value)
    return _TUPLES.setdefault(words, words)


def _word(value: Any) -> str:
    """A value many rows share (a school, a status, a clause): kept once in memory, not once
    per row as JSON parsing makes it."""
    return sys.intern(str(value or ""))


def _days(low: str, high: str) -> list[str]:
    """"2026-09-01" ... every day from the stamp ``low`` to the stamp ``high``, both
    included: audit entries are read a day at a time, so no more than a day's entries are
    copied out of the store at once."""
    first, last = date.fromisoformat(low[:10]), date.fromisoformat(high[:10])
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


CREATED_DETAILS = ("disputed", "category", "about_school", "found", "platform")


async def audit_rows(storage: Storage, low: str, high: str, people: PeopleIndex,
                     created: dict[str, dict[str, Any]]) -> AsyncIterator[EventRow]:
    """Counted audit events from ``low`` (included) to ``high`` (excluded), day by day;
    what each "created" entry says of its request goes into ``created``."""
    for day in _days(low, high):
        for key, record in await storage.scan(keys.AUDIT + day):  # a day: "audit/2026-10-05"
            event = record.value
            at = str(event.get("at") or key.split("/", 1)[1][:27])
            if event.get("event") not in COUNTED_EVENTS or not low <= at < high:
                continue
            if event["event"] == "created" and event.get("request"):
                created[str(event["request"])] = {k: event[k] for k in CREATED_DETAILS
                                                  if k in event}
            actor = people.get(str(event.get("actor") or ""))
            yield EventRow(
                at=at, event=_word(event["event"]), request=str(event.get("request") or ""),
                flow=_word(event.get("flow")), outcome=_word(event.get("outcome")),
                clauses=_strings(event.get("clauses")), found=_strings(event.get("found")),
                # Entries from before this release name no school: the actor's, from the
                # directory, stands in while they are in it.
                school=_word(event.get("school") or (actor.school if actor else "")),
                platform=_word(event.get("platform")))


async def request_records(storage: Storage, since: str) -> AsyncIterator[dict[str, Any]]:
    """The request records a report from ``since`` (a stored stamp) on can count: read by
    id from the newest back, a batch at a time, until a whole batch was made more than
    :data:`LOOKBACK` before ``since``; then every older request still open. (Ids follow the
    order requests were made, give or take the blocks replicas reserve; a request for
    approval is decided or expires within POLICYBOT_EXPIRY_DAYS.)"""
    counter = await storage.get(COUNTER)
    if counter is None:  # a store from before numbered blocks: read it whole
        for _, record in await storage.scan(keys.REQUEST):
            yield record.value
        return
    floor = iso(parse(since) - LOOKBACK)
    last = int(counter.value["next"]) - 1
    while last >= 1:
        # One batch to a TinyDB request file (BATCH ids each), newest first.
        numbers = range(max(1, last // BATCH * BATCH), last + 1)
        found = await storage.read([keys.request(f"{ID_PREFIX}-{n:04d}") for n in numbers])
        for record in found.values():
            yield record.value
        last = numbers.start - 1
        if found and all(str(r.value.get("created_at", "")) < floor for r in found.values()):
            break
    # Grouped as the ids run (BATCH to a group): a read that spans few neighbouring ids keeps
    # a TinyDB store from opening many of its files at once.
    groups: dict[int, list[str]] = {}
    for request_id in await open_ids(storage):
        if _number(request_id) <= last:
            groups.setdefault(_number(request_id) // BATCH, []).append(request_id)
    for _, ids in sorted(groups.items()):
        found = await storage.read([keys.request(i) for i in ids])
        for record in found.values():
            yield record.value


def _number(request_id: str) -> int:
    digits = request_id.rpartition("-")[2]
    return int(digits) if digits.isdigit() else 0


def request_row(record: dict[str, Any], created: dict[str, Any], people: PeopleIndex
                ) -> RequestRow:
    """A request reduced to what the figures count; ``created`` is its "created" audit
    entry when it was read (it holds what retention removes from the record)."""
    steps = []
    before = str(record["created_at"])
    for step in record.get("steps", []):
        waiting_from = before if record.get("sequential", True) else str(record["created_at"])
        decided = str(step.get("decided_at") or "")
        steps.append(StepRow(_word(step.get("role")), _word(step.get("state")), waiting_from,
                             decided))
        before = decided or before
    values = record.get("answer_values") or {}
    subject = people.get(str(record.get("subject") or ""))
    concern_school = str(created.get("about_school") or (subject.school if subject else "")
                         or (values.get("school") or [""])[0] or record.get("school", ""))
    return RequestRow(
        id=str(record["id"]), kind=_word(record.get("kind")),
        school=_word(record.get("school")), created_at=str(record["created_at"]),
        status=_word(record.get("status")), decided_at=str(record.get("decided_at") or ""),
        clauses=_strings(record.get("clauses")), steps=tuple(steps),
        disputed=bool(created.get("disputed") or record.get("dispute")),
        category=_word(created.get("category") or (values.get("about") or [""])[0]),
        concern_school=_word(concern_school if record.get("kind") == "concern" else ""),
        found=_strings(created.get("found")), platform=_word(created.get("platform")))


def matters(record: dict[str, Any], low: str, high: str) -> bool:
    """Whether a request can count in a report from ``low`` to ``high``: made, decided or
    with a step decided in that time, or still open at its end."""
    created = str(record["created_at"])
    if created >= high:
        return False
    if created >= low or record.get("status") in OPEN_STATES:
        return True
    decided = [str(record.get("decided_at") or "")] + [
        str(s.get("decided_at") or "") for s in record.get("steps", [])]
    return any(d >= low for d in decided)


async def read_store(storage: Storage, people: PeopleIndex, low: str, high: str) -> StoreRows:
    """The rows of everything from ``low`` to ``high`` (stored stamps), and the register."""
    rows = StoreRows()
    created: dict[str, dict[str, Any]] = {}
    async for event in audit_rows(storage, low, high, people, created):
        rows.events.append(event)
    async for record in request_records(storage, low):
        rows.school_of[str(record["id"])] = _word(record.get("school"))
        rows.schools.add(str(record.get("school", "")))
        if matters(record, low, high):
            rows.requests.append(request_row(record, created.get(str(record["id"]), {}), people))
    for _, account in await storage.scan(keys.ACCOUNT):
        value = account.value
        rows.accounts.append(AccountRow(str(value.get("name", "")), str(value.get("platform", "")),
                                        str(value.get("school", "")),
                                        str(value.get("approved_at") or "")))
    rows.schools.update(p.school for p in people.people())
    rows.schools.discard("")
    return rows
