"""What one report looks at: a period, perhaps one school, and the rows read for it; and the
words the figures are labelled with (the policy's clause titles, the reader's fact names)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.report.options import Timing
from bot.report.period import Period
from bot.report.source import EventRow, RequestRow, StoreRows
from conversations.flow_registry import REPORT_CONCERN
from conversations.people import CENTRAL
from conversations.policy import PolicyPack
from conversations.timefmt import iso
from conversations.worktime import working_hours_between

NOT_RECORDED = "Not recorded"
PLATFORMS = {"slack": "Slack", "teams": "Microsoft Teams", "local": "Web playground or terminal"}
ROLES = {
    "line_manager": "Line manager", "headteacher": "Headteacher",
    "headteacher_or_ceo": "Headteacher (the CEO for the central team)",
    "account_headteacher": "Headteacher of the account's school", "ceo": "CEO",
    "concern_lead": "Headteacher or Head of Governance", "dpo": "Data Protection Officer",
}
STATUSES = {"approved": "Approved", "rejected": "Rejected", "pending": "Still waiting",
            "referred": "Not yet acknowledged", "acknowledged": "Acknowledged",
            "withdrawn": "Withdrawn", "expired": "Expired"}


@dataclass
class Scope:
    period: Period
    school: str  # "" for the whole Trust
    rows: StoreRows
    pack: PolicyPack
    timing: Timing
    now: datetime
    cache: dict[str, Any] = field(default_factory=dict)  # figures several sections share

    @property
    def until(self) -> datetime:
        return self.period.until(self.now)

    @property
    def until_stamp(self) -> str:
        return iso(self.until)

    # -- what counts ------------------------------------------------------------------------

    def in_school(self, school: str) -> bool:
        return not self.school or school == self.school

    def events(self, *names: str) -> Iterator[EventRow]:
        for event in self.rows.events:
            if event.event in names and self.period.holds(event.at) and self._event_school(event):
                yield event

    def _event_school(self, event: EventRow) -> bool:
        if not self.school:
            return True
        school = event.school or self.rows.school_of.get(event.request, "")
        return school == self.school

    def requests(self, kind: str) -> Iterator[RequestRow]:
        """Requests of ``kind`` in the school looked at (a concern: the school it is about)."""
        for row in self.rows.requests:
            if row.kind == kind and self.in_school(row.concern_school if kind == "concern"
                                                   else row.school):
                yield row

    def made(self, kind: str) -> Iterator[RequestRow]:
        return (r for r in self.requests(kind) if self.period.holds(r.created_at))

    def open_at_end(self, kind: str) -> Iterator[RequestRow]:
        """Requests of ``kind`` still open when the period ends (or now, if sooner)."""
        end = self.until_stamp
        for row in self.requests(kind):
            if row.created_at < end and (not row.decided_at or row.decided_at >= end):
                yield row

    def schools(self) -> list[str]:
        """The rows of a by-school table: every school known, the central team last."""
        if self.school:
            return [self.school]
        named = sorted(s for s in self.rows.schools if s != CENTRAL)
        return named + ([CENTRAL] if CENTRAL in self.rows.schools else [])

    # -- words --------------------------------------------------------------------------------

    def clause_label(self, number: str) -> str:
        clause = self.pack.clauses.get(number)
        return f"{number} {clause.title}" if clause else number

    def fact_label(self, fact: str) -> str:
        facts = self.pack.reader.facts if self.pack.reader is not None else {}
        spec = facts.get(fact)
        return spec.title[:1].upper() + spec.title[1:] if spec else fact.replace("_", " ")

    def category_label(self, value: str) -> str:
        if not value:
            return NOT_RECORDED
        flow = self.pack.flows.get(REPORT_CONCERN.name)
        if flow is None or not flow.has_question("about"):
            return value
        return flow.question("about").label_of(value)

    # -- time -----------------------------------------------------------------------------------

    def hours(self, start: str, end: str) -> float:
        # fromisoformat reads a stored stamp ("...T13:05:01.123456Z") many times faster
        # than strptime, which a report of a large Trust would do tens of thousands of times.
        return working_hours_between(datetime.fromisoformat(start),
                                     datetime.fromisoformat(end), self.timing.holidays)


def median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def percentile_90(values: list[float]) -> float | None:
    """The 90th percentile by the nearest-rank method: the value 90% of the others do not
    exceed (for ten decisions, the ninth fastest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def school_name(school: str) -> str:
    return "Central team" if school == CENTRAL else (school or NOT_RECORDED)


def tally(keys: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for key in keys:
        out[key] = out.get(key, 0) + 1
    return out
