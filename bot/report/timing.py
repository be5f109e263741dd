"""Approvers' figures (how long decisions take, what time made due, what is still open),
how soon concerns are taken in hand, and the headline numbers.

Time is working time (conversations.worktime: Monday to Friday, not POLICYBOT_HOLIDAYS, all
24 hours of a working day), as reminders and escalation count it. A step waits from the
moment it was first asked of anyone: the request's creation for a first step or a referral,
the decision on the step before for a later one; an escalation or a delegation does not
restart it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.report.figures import post_checks
from bot.report.scope import ROLES, Scope, median, percentile_90, school_name
from bot.report.tables import Section, Table

DECIDED = frozenset({"approved", "rejected"})
TIMERS = (("reminded", "Reminders sent"), ("escalated", "Escalated to someone above"),
          ("expired", "Expired without a decision"), ("delegated", "Passed to a delegate"))
KINDS = (("post", "Post checks"), ("account", "New accounts"), ("concern", "Concern reports"))


def decisions(scope: Scope) -> Iterator[tuple[str, str, float]]:
    """(step role, school, working hours waited) of every approval step decided in the
    period."""
    for kind in ("post", "account"):
        for row in scope.requests(kind):
            for step in row.steps:
                if step.state in DECIDED and scope.period.holds(step.decided_at):
                    yield step.role, row.school, scope.hours(step.waiting_from, step.decided_at)


def _timed(key: str, title: str, row_label: str) -> Table:
    return Table(key, title, row_label, ("Decisions", "Median hours", "90th percentile hours"),
                 counts=frozenset({0}), count_of=0)


def _add_timed(table: Table, label: str, hours: list[float]) -> None:
    table.add(label, len(hours), median(hours), percentile_90(hours))


def open_bands(scope: Scope) -> tuple[str, ...]:
    low, high = int(scope.timing.reminder_hours), int(scope.timing.escalation_hours)
    return (f"Under {low} working hours", f"{low} to {high} working hours",
            f"Over {high} working hours")


def still_open(scope: Scope) -> dict[str, list[float]]:
    """Working hours waited so far by each request open at the end, by kind (worked out
    once per report: the headlines, the approvers' section and the summary all ask)."""
    if "still_open" not in scope.cache:
        end = scope.until_stamp
        scope.cache["still_open"] = {
            kind: [scope.hours(r.created_at, end) for r in scope.open_at_end(kind)]
            for kind, _ in KINDS}
    return scope.cache["still_open"]


def approvers(scope: Scope) -> Section:
    done = list(decisions(scope))
    by_step = _timed("approvers.step", "Time to decision by step, in working hours", "Step")
    for role in [r for r in ROLES if any(d[0] == r for d in done)]:
        _add_timed(by_step, ROLES[role], [h for r, _, h in done if r == role])
    by_school = _timed("approvers.school", "Time to decision by school, in working hours",
                       "School")
    for school in scope.schools():
        _add_timed(by_school, school_name(school), [h for _, s, h in done if s == school])
    timers = Table("approvers.timers", "Reminders, escalations, expiries and delegations",
                   "What happened", ("Times",), counts=frozenset({0}))
    for event, label in TIMERS:
        timers.add(label, sum(1 for _ in scope.events(event)))
    waiting = still_open(scope)
    bands = open_bands(scope)
    stuck = Table("approvers.open", f"Requests still open at {_moment(scope)}, by how long "
                  "they have waited", "Waited", tuple(label for _, label in KINDS),
                  counts=frozenset(range(len(KINDS))), chart="stacked")
    for n, band in enumerate(bands):
        stuck.add(band, *(sum(1 for h in waiting[kind] if _band(scope, h) == n)
                          for kind, _ in KINDS))
    oldest = max((h for hours in waiting.values() for h in hours), default=None)
    lines = [f"The longest wait of a request still open: {oldest / 24:.1f} working days."
             ] if oldest is not None else ["No request was still open."]
    return Section("approvers", "Are approvers quick, and what is stuck?",
                   "How long decisions took, what reminders and escalations were needed, "
                   "and what is still waiting.", [by_step, by_school, timers, stuck], lines)


def _band(scope: Scope, hours: float) -> int:
    if hours < scope.timing.reminder_hours:
        return 0
    return 1 if hours <= scope.timing.escalation_hours else 2


def _moment(scope: Scope) -> str:
    until = scope.until
    return f"{until.day} {until:%b %Y, %H:%M} UTC"


def acknowledgement(scope: Scope) -> Table:
    """How soon concerns made in the period were first taken in hand."""
    hours: list[float] = []
    waiting = 0
    end = scope.until_stamp
    for row in scope.made("concern"):
        acked = sorted(s.decided_at for s in row.steps
                       if s.state == "acknowledged" and s.decided_at and s.decided_at < end)
        if acked:
            hours.append(scope.hours(row.created_at, acked[0]))
        else:
            waiting += 1
    table = Table("concerns.acknowledged", "Time until a concern was taken in hand, in working "
                  "hours", "Concerns", ("Acknowledged", "Median hours", "90th percentile hours",
                                        "Not yet acknowledged"),
                  counts=frozenset({0, 3}), count_of=0, chart="none")
    table.add("Reported in the period", len(hours), median(hours), percentile_90(hours),
              waiting)
    return table


@dataclass(frozen=True)
class Headline:
    label: str
    now: float | None
    before: float | None
    is_count: bool = True


def headlines(scope: Scope, earlier: Scope) -> list[Headline]:
    """The five numbers a summary leads with, this period and the one before."""
    def numbers(s: Scope) -> tuple[int, int, float | None, int, int]:
        checks = [c[0] for c in post_checks(s)]
        return (len(checks), checks.count(1), median([h for _, _, h in decisions(s)]),
                sum(len(v) for v in still_open(s).values()),
                sum(1 for _ in s.made("concern")))

    now, before = numbers(scope), numbers(earlier)
    labels = ("Post checks", "Refused", "Median working hours to a decision",
              "Requests still open", "Concerns reported")
    return [Headline(label, a, b, is_count=label != labels[2])
            for label, a, b in zip(labels, now, before, strict=True)]
