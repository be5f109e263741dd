"""What time has made due on a request: a reminder, an escalation or expiry (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from conversations.requests import RequestRecord, pending_steps
from conversations.timefmt import parse
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



ORDER = ("expire", "escalate", "remind")  # most advanced first


def _candidates(record: RequestRecord, timings: Timings) -> list[Due]:
    """Every timed action the request will come to, with when.

    A request waiting for approval has its current step timed and expires; a report (its
    steps all asked at once) has each unacknowledged step timed and never expires.
    """
    out: list[Due] = []
    if record["status"] == "pending":
        expiry = parse(record["created_at"]) + timedelta(days=timings.expiry_days)
        out.append(Due("expire", record["current"], expiry))
        steps = [record["current"]]
    elif record["status"] == "referred":
        steps = pending_steps(record)
    else:
        return []
    for index in steps:
        step = record["steps"][index]
        asked = parse(step.get("asked_at") or record["created_at"])
        out.append(Due("escalate", index,
                       add_working_hours(asked, timings.escalation_hours, timings.holidays)))
        if not step.get("reminded_at"):
            out.append(Due("remind", index,
                           add_working_hours(asked, timings.reminder_hours, timings.holidays)))
    return out


def next_due(record: RequestRecord, timings: Timings) -> Due | None:
    """The next thing time will make due on ``record``, whether or not it is due yet."""
    return min(_candidates(record, timings),
               key=lambda d: (d.at, ORDER.index(d.action)), default=None)


def due_now(record: RequestRecord, timings: Timings, now: datetime) -> Due | None:
    """The one action to take now, if any: the most advanced one whose time has come.

    After a long downtime only that one is taken (an expiry, not the reminder and the
    escalation before it), once.
    """
    due = [d for d in _candidates(record, timings) if d.at <= now]
    return min(due, key=lambda d: (ORDER.index(d.action), d.at), default=None)
