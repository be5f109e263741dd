"""The governance report's figures, checked against ``policybot export`` of the same store:
each expected figure is counted here from the export's JSON, independently of the report's
own code, then protected by the disclosure rule, and compared with the report's CSV. The same
on TinyDB and on PostgreSQL."""

from __future__ import annotations

import csv
import json
import math
import statistics
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot import records
from bot.config import Config
from bot.directory import DirectoryStore
from bot.report.command import report_command
from conversations.pack_loader import load_pack
from storage import open_storage
from testing.postgres import private_schema
from testing.report_seed import History, seed

START, END = date(2026, 9, 1), date(2026, 11, 20)
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
LOW, HIGH = "2026-09-01T00:00:00", "2026-11-21T00:00:00"
SCHOOLS = {"Oakfield Primary": "Oakfield Primary", "Riverside Academy": "Riverside Academy",
           "Central": "Central team"}
PLATFORMS = {"slack": "Slack", "teams": "Microsoft Teams", "local": "Web playground or terminal",
             "": "Not recorded"}


@pytest.fixture(params=["tinydb", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "tinydb":
        yield str(tmp_path / "policybot.json")
        return
    with private_schema() as url:
        yield url


def protect(values: list[int]) -> list[str]:
    """The disclosure rule, written out again: under 3 is "fewer than 3"; then the smallest
    others are withheld until two or more are hidden holding 3 or more."""
    shown = [str(v) for v in values]
    hidden = {i for i, v in enumerate(values) if 0 < v < 3}
    for i in hidden:
        shown[i] = "fewer than 3"
    while hidden and (len(hidden) < 2 or sum(values[i] for i in hidden) < 3):
        rest = sorted((v, i) for i, v in enumerate(values) if v > 0 and i not in hidden)
        if not rest:
            break
        hidden.add(rest[0][1])
        shown[rest[0][1]] = "withheld"
    return shown


def working_hours(start: str, end: str) -> float:
    """Hours of Monday to Friday between two stored stamps (no holidays in these tests)."""
    a = datetime.fromisoformat(start.replace("Z", "+00:00"))
    b = datetime.fromisoformat(end.replace("Z", "+00:00"))
    total = 0.0
    day = a.date()
    while day <= b.date():
        lo = max(a, datetime(day.year, day.month, day.day, tzinfo=UTC))
        hi = min(b, datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1))
        if day.weekday() < 5 and hi > lo:
            total += (hi - lo).total_seconds() / 3600
        day += timedelta(days=1)
    return total


def inside(stamp: str | None) -> bool:
    return bool(stamp) and LOW <= str(stamp) < HIGH


def expect_column(table: str, rows: list[str], columns: list[str],
                  counts: dict[tuple[str, str], int]) -> dict[tuple[str, str, str], str]:
    out = {}
    for column in columns:
        shown = protect([counts.get((row, column), 0) for row in rows])
        out.update({(table, row, column): text for row, text in zip(rows, shown, strict=True)})
    return out


def expected(export: dict, titles: dict[str, str]) -> dict[tuple[str, str, str], str]:
    audit, requests = export["audit"], export["requests"]
    outcome = {"allow": "Fine to post", "refuse": "Refused"}
    checks = [(outcome[e["outcome"]], e["at"], e["school"], e["platform"]) for e in audit
              if e["event"] == "checked" and e.get("flow") == "check_post" and inside(e["at"])]
    platform_of = {e["request"]: e.get("platform", "") for e in audit if e["event"] == "created"}
    posts = [r for r in requests if r["kind"] == "post" and inside(r["created_at"])]
    checks += [("Needs approval", r["created_at"], r["school"], platform_of.get(r["id"], ""))
               for r in posts]
    out: dict[tuple[str, str, str], str] = {}
    kinds = ["Fine to post", "Refused", "Needs approval"]
    by_school = Counter((SCHOOLS[s], k) for k, _, s, _ in checks)
    out |= expect_column("use.school", list(SCHOOLS.values()), kinds, by_school)
    by_platform = Counter((PLATFORMS[p], k) for k, _, _, p in checks)
    out |= expect_column("use.platform", sorted({p for p, _ in by_platform}), kinds,
                         by_platform)
    week: dict[tuple[str, str], int] = {}
    for kind, at, _, _ in checks:
        day = date.fromisoformat(at[:10])
        monday = day - timedelta(days=day.weekday())
        week[(f"{monday.day} {monday:%b %Y}", kind)] = week.get(
            (f"{monday.day} {monday:%b %Y}", kind), 0) + 1
    mondays = [START - timedelta(days=START.weekday()) + timedelta(weeks=n) for n in range(12)]
    out |= expect_column("use.week", [f"{m.day} {m:%b %Y}" for m in mondays], kinds, week)
    refused = [e for e in audit if e["event"] == "checked" and e.get("flow") == "check_post"
               and e["outcome"] == "refuse" and inside(e["at"])]
    clauses = Counter((f"{c} {titles[c]}", "Refused") for e in refused for c in e["clauses"])
    clauses.update((f"{c} {titles[c]}", "Sent for approval") for r in posts for c in r["clauses"])
    ranked = sorted({row for row, _ in clauses},
                    key=lambda row: (-clauses[(row, "Refused")] - clauses[(row, "Sent for "
                                                                             "approval")],
                                     [int(p) for p in row.split()[0].split(".")]))
    out |= expect_column("wrong.clause", ranked, ["Refused", "Sent for approval"], clauses)
    concerns = [r for r in requests if r["kind"] == "concern" and inside(r["created_at"])]
    category = {e["request"]: e["category"] for e in audit if e["event"] == "created"
                and e.get("kind") == "concern"}
    labels = {"misuse": "Inappropriate use of social media by staff or volunteers",
              "breach": "A breach of the Social Media Policy",
              "bullying_staff": "Online bullying or harassment of staff",
              "bullying_pupils": "Online bullying involving pupils"}
    by_category = Counter((labels[category[r["id"]]], "Reports") for r in concerns)
    ordered = sorted({row for row, _ in by_category},
                     key=lambda row: (-by_category[(row, "Reports")], row))
    out |= expect_column("concerns.category", ordered, ["Reports"], by_category)
    out |= expect_column("concerns.school", list(SCHOOLS.values()), ["Reports"],
                         Counter((SCHOOLS[r["school"]], "Reports") for r in concerns))
    timers = {"reminded": "Reminders sent", "escalated": "Escalated to someone above",
              "expired": "Expired without a decision", "delegated": "Passed to a delegate"}
    out |= expect_column("approvers.timers", list(timers.values()), ["Times"], Counter(
        (timers[e["event"]], "Times") for e in audit if e["event"] in timers and inside(e["at"])))
    statuses = {"approved": "Approved", "rejected": "Rejected", "pending": "Still waiting",
                "withdrawn": "Withdrawn", "expired": "Expired"}
    out |= expect_column("accounts.requests", list(statuses.values()), ["Requests"], Counter(
        (statuses[r["status"]], "Requests") for r in requests
        if r["kind"] == "account" and inside(r["created_at"])))
    waited: dict[str, list[float]] = {}
    for r in requests:
        if r["kind"] not in ("post", "account"):
            continue
        since = r["created_at"]
        for step in r["steps"]:
            if step["state"] in ("approved", "rejected") and inside(step["decided_at"]):
                waited.setdefault(step["role"], []).append(
                    working_hours(since, step["decided_at"]))
            since = step["decided_at"] or since
    roles = {"line_manager": "Line manager", "headteacher": "Headteacher",
             "account_headteacher": "Headteacher of the account's school"}
    for role, hours in waited.items():
        n = len(hours)
        out[("approvers.step", roles[role], "Decisions")] = str(n) if n >= 3 else "fewer than 3"
        if n >= 3:
            out[("approvers.step", roles[role], "Median hours")] = \
                f"{statistics.median(hours):.1f}"
            p90 = sorted(hours)[math.ceil(0.9 * n) - 1]
            out[("approvers.step", roles[role], "90th percentile hours")] = f"{p90:.1f}"
    total = len(checks)
    out[("headline: this period", "Post checks", "")] = str(total) if total >= 3 else \
        "fewer than 3"
    return out


async def test_every_figure_matches_the_export(target: str, tmp_path: Path) -> None:
    storage = open_storage(target)
    await DirectoryStore(storage).ensure_sample()
    await seed(storage, History(datetime(2026, 1, 5, tzinfo=UTC), days=330, seed=11), 700)
    export = json.loads(await records.export(storage, None, "json", "all"))
    await storage.close()
    config = Config({"DATABASE_URL": target} if target.startswith("postgresql") else
                    {"POLICYBOT_DB": target})
    out = tmp_path / "report.html"
    assert await report_command(config, START, END, "", str(out), NOW) == 0
    with (tmp_path / "report.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    got = {(r["table"], r["row"], r["column"]): r["value"] for r in rows}
    titles = {n: c.title for n, c in load_pack(None).clauses.items()}
    want = expected(export, titles)
    assert len(want) > 100
    wrong = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
    assert not wrong, wrong
    # Small counts are there, and hidden: the check is not vacuous.
    assert "fewer than 3" in want.values() and "withheld" in want.values()
    assert sum(1 for r in rows if r["value"] == "fewer than 3") >= sum(
        1 for v in want.values() if v == "fewer than 3")
    page = out.read_text(encoding="utf-8")
    for text in (page, (tmp_path / "report.csv").read_text(encoding="utf-8")):
        assert "northbrook.example" not in text  # no email
        assert "SM-0" not in text and "A made-up draft" not in text  # no id, no draft
        assert "Sophie" not in text and "Bennett" not in text  # no name
