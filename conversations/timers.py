"""What time has made due on a request: a reminder, an escalation or expiry (pure)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from conversations.people import PeopleIndex, Person
from conversations.requests import RequestRecord
from conversations.worktime import add_working_hours


@dataclass(frozen=True)
class Timings:
    reminder_hours: float = 24
    escalation_hours: float = 72
    expiry_days: int = 14
    holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Due:
    action: str  # "expire", "escalate" or "remind"
    step: int
    at: datetime


def parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def next_due(record: RequestRecord, timings: Timings) -> Due | None:
    """The next thing time will make due on ``record``, whether or not it is due yet.

    Expiry comes before escalation, and escalation before a reminder: after a long downtime
    only the latest applicable action is taken, once.
    """
    if record["status"] != "pending":
        return None
    expiry = parse(record["created_at"]) + timedelta(days=timings.expiry_days)
    index = record["current"]
    step = record["steps"][index]
    asked = parse(step["asked_at"])
    escalate_at = add_working_hours(asked, timings.escalation_hours, timings.holidays)
    remind_at = add_working_hours(asked, timings.reminder_hours, timings.holidays)
    candidates = [Due("expire", index, expiry), Due("escalate", index, escalate_at)]
    if not step.get("reminded_at"):
        candidates.append(Due("remind", index, remind_at))
    return min(candidates, key=lambda d: (d.at, ("expire", "escalate", "remind").index(d.action)))


def due_now(record: RequestRecord, timings: Timings, now: datetime) -> Due | None:
    """The one action to take now, if any: the most advanced one whose time has come."""
    if record["status"] != "pending":
        return None
    upcoming = next_due(record, timings)
    if upcoming is None or upcoming.at > now:
        return None
    expiry = parse(record["created_at"]) + timedelta(days=timings.expiry_days)
    if now >= expiry:
        return Due("expire", record["current"], expiry)
    step = record["steps"][record["current"]]
    escalate_at = add_working_hours(parse(step["asked_at"]), timings.escalation_hours,
                                    timings.holidays)
    if now >= escalate_at:
        return Due("escalate", record["current"], escalate_at)
    return upcoming


def escalation_target(
    approver: Person, requester: Person, index: PeopleIndex, exclude: Collection[str] = ()
) -> Person | None:
    """The next person up ``approver``'s line, never the requester; else a fallback approver."""
    skip = {requester.email, approver.email, *exclude}
    for above in index.chain(approver):
        if above.email not in skip:
            return above
    return next((p for p in index.with_role("fallback_approver") if p.email not in skip), None)
