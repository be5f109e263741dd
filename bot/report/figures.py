"""The report's figures, section by section, counted from the rows a report read.

Every figure here is a true count or measure; :mod:`bot.report.disclosure` decides what of it
may be shown. Definitions (docs/governance-report.md lists them for a reader of the CSV):

- a post check is fine or refused when its audit entry says so ("checked", the post flow),
  and needs approval when it made a post request;
- a week starts on Monday; a school is the requester's (a concern: the school it is about);
- the clauses and facts of a refusal are its audit entry's, of an approval its request's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from bot.report.scope import (
    NOT_RECORDED,
    PLATFORMS,
    STATUSES,
    Scope,
    school_name,
    tally,
)
from bot.report.tables import Section, Table
from conversations.flow_registry import CHECK_POST

OUTCOMES = ("Fine to post", "Refused", "Needs approval")
FINE, REFUSED, APPROVAL = range(3)


def post_checks(scope: Scope) -> Iterator[tuple[int, str, str, str]]:
    """(outcome, when, school, platform) of every post check in the period."""
    for event in scope.events("checked"):
        if event.flow == CHECK_POST.name and event.outcome in ("allow", "refuse"):
            yield (FINE if event.outcome == "allow" else REFUSED, event.at, event.school,
                   event.platform)
    for row in scope.made("post"):
        yield APPROVAL, row.created_at, row.school, row.platform


def _by_outcome(key: str, title: str, row_label: str, chart: str) -> Table:
    return Table(key, title, row_label, OUTCOMES, counts=frozenset(range(3)), chart=chart)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def use(scope: Scope) -> Section:
    checks = list(post_checks(scope))
    weeks: dict[date, list[int]] = {}
    monday, last = _monday(scope.period.start), scope.until.date() - timedelta(microseconds=1)
    while monday <= last:
        weeks[monday] = [0, 0, 0]
        monday += timedelta(days=7)
    schools = {school: [0, 0, 0] for school in scope.schools()}
    platforms: dict[str, list[int]] = {}
    for outcome, at, school, platform in checks:
        week = _monday(date.fromisoformat(at[:10]))
        weeks.setdefault(week, [0, 0, 0])[outcome] += 1
        schools.setdefault(school, [0, 0, 0])[outcome] += 1
        platforms.setdefault(PLATFORMS.get(platform, NOT_RECORDED), [0, 0, 0])[outcome] += 1
    by_week = _by_outcome("use.week", "Post checks per week, by outcome", "Week beginning",
                          "stacked")
    for week, counts in sorted(weeks.items()):
        by_week.add(f"{week.day} {week:%b %Y}", *counts)
    by_school = _by_outcome("use.school", "Post checks by school, by outcome", "School", "bars")
    for school, counts in schools.items():
        by_school.add(school_name(school), *counts)
    by_platform = _by_outcome("use.platform", "Post checks by platform, by outcome",
                              "Platform", "bars")
    for platform, counts in sorted(platforms.items()):
        by_platform.add(platform, *counts)
    return Section("use", "Is the policy being used?",
                   "Post checks per week, by school and by platform, by what the bot answered.",
                   [by_week, by_school, by_platform])


def going_wrong(scope: Scope) -> Section:
    refusals = [e for e in scope.events("checked")
                if e.flow == CHECK_POST.name and e.outcome == "refuse"]
    approvals = list(scope.made("post"))
    by_clause = Table("wrong.clause", "Refusals and approvals asked for, by clause", "Clause",
                      ("Refused", "Sent for approval"), counts=frozenset({0, 1}))
    refused_clauses = tally(c for e in refusals for c in e.clauses)
    approval_clauses = tally(c for r in approvals for c in r.clauses)
    for clause in _ranked(refused_clauses, approval_clauses):
        by_clause.add(scope.clause_label(clause), refused_clauses.get(clause, 0),
                      approval_clauses.get(clause, 0))
    by_fact = Table("wrong.fact", "Refusals and approvals asked for, by what the reader found",
                    "What the reader found", ("Refused", "Sent for approval"),
                    counts=frozenset({0, 1}),
                    note="Approvals asked for before this release recorded no findings.")
    refused_facts = tally(f for e in refusals for f in e.found)
    approval_facts = tally(f for r in approvals for f in r.found)
    for fact in _ranked(refused_facts, approval_facts):
        by_fact.add(scope.fact_label(fact), refused_facts.get(fact, 0),
                    approval_facts.get(fact, 0))
    disputed = Table("wrong.disputed", "Findings people disputed", "What the reader found",
                     ("Disputed",), counts=frozenset({0}))
    for fact, count in sorted(tally(f for e in scope.events("finding_disputed")
                                    for f in e.found).items(), key=lambda kv: (-kv[1], kv[0])):
        disputed.add(scope.fact_label(fact), count)
    ended = Table("wrong.dispute_outcome", "How disputed checks ended", "Outcome", ("Checks",),
                  counts=frozenset({0}),
                  note="A disputed check goes to the person's line manager to decide.")
    outcomes = tally(r.status for r in approvals if r.disputed)
    for status in ("approved", "rejected", "pending", "withdrawn", "expired"):
        ended.add(STATUSES[status], outcomes.get(status, 0))
    return Section("wrong", "Where do people go wrong?",
                   "The policy's clauses behind refusals and approvals, what the reader saw, "
                   "and the findings people disputed.", [by_clause, by_fact, disputed, ended])


def _ranked(*counts: dict[str, int]) -> list[str]:
    keys = set().union(*counts)
    return sorted(keys, key=lambda k: (-sum(c.get(k, 0) for c in counts), _clause_order(k)))


def _clause_order(key: str) -> tuple[tuple[int, ...], str]:
    parts = tuple(int(p) for p in key.split(".") if p.isdigit())
    return parts, key


def accounts(scope: Scope) -> Section:
    register = Table("accounts.register", "The register of approved official accounts",
                     "Account", ("Platform", "School", "Approved on"), chart="none")
    for account in sorted(scope.rows.accounts, key=lambda a: (a.school, a.platform, a.name)):
        if scope.in_school(account.school):
            register.add(account.name, account.platform, school_name(account.school),
                         account.approved_at[:10])
    asked = Table("accounts.requests", "New account requests made in the period, by outcome",
                  "Outcome", ("Requests",), counts=frozenset({0}))
    outcomes = tally(r.status for r in scope.made("account"))
    for status in ("approved", "rejected", "pending", "withdrawn", "expired"):
        asked.add(STATUSES[status], outcomes.get(status, 0))
    return Section("accounts", "Official accounts",
                   "The accounts the Trust has approved, and the requests for new ones.",
                   [register, asked])


def concerns(scope: Scope) -> Section:
    made = list(scope.made("concern"))
    category = Table("concerns.category", "Concerns reported, by category", "Category",
                     ("Reports",), counts=frozenset({0}))
    for label, count in sorted(tally(scope.category_label(r.category) for r in made).items(),
                               key=lambda kv: (-kv[1], kv[0])):
        category.add(label, count)
    by_school = Table("concerns.school", "Concerns reported, by the school they are about",
                      "School", ("Reports",), counts=frozenset({0}))
    counted = tally(r.concern_school for r in made)
    for school in scope.schools() + sorted(set(counted) - set(scope.schools())):
        by_school.add(school_name(school), counted.get(school, 0))
    return Section("concerns", "Concerns",
                   "How many concerns were reported, about what and where, and how soon "
                   "they were taken in hand. Never who reported them, who they are about or "
                   "what they said.", [category, by_school])
