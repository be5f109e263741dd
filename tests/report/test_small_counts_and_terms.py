"""Known answers: a small school's single concern is never shown as one, anywhere; school
terms; working hours; bad input to ``policybot report``."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config import Config
from bot.directory import DirectoryStore
from bot.report.command import report_command
from bot.report.disclosure import hidden_rows
from bot.report.period import Period, PeriodError, chosen, easter_sunday, term_containing
from bot.request_ids import COUNTER
from conversations.worktime import add_working_hours, working_hours_between
from storage import open_storage
from storage.base import Put

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def concern(number: int, school: str, day: int) -> list[Put]:
    rid = f"SM-{number:04d}"
    at = f"2026-10-{day:02d}T10:00:00.000000Z"
    record = {"id": rid, "kind": "concern", "requester": "x@northbrook.example",
              "requester_name": "Someone Secret", "school": school, "created_at": at,
              "status": "referred", "draft": "Mr X shouted at Amelia in Year 3", "clauses": ["8.2"],
              "sequential": False, "current": 0, "subject": "joanne.clarke@northbrook.example",
              "steps": [{"approver": "a@northbrook.example", "role": "concern_lead",
                         "state": "pending", "asked_at": at, "decided_at": None}],
              "decided_at": None, "answer_values": {"about": ["misuse"]}}
    event = {"event": "created", "request": rid, "actor": "x@northbrook.example",
             "kind": "concern", "clauses": ["8.2"], "category": "misuse", "school": school,
             "about_school": school, "platform": "slack", "found": [], "disputed": False}
    return [Put(f"request/{rid}", record), Put(f"audit/{at[:-1]}-{number:08d}", event)]


async def test_one_concern_at_a_small_school_is_never_shown_as_one(tmp_path: Path) -> None:
    target = str(tmp_path / "policybot.json")
    storage = open_storage(target)
    await DirectoryStore(storage).ensure_sample()
    puts = [p for n, day in enumerate([5, 6, 7, 8], 1) for p in concern(n, "Oakfield Primary",
                                                                          day)]
    puts += concern(5, "Riverside Academy", 9)
    await storage.write([*puts, Put(COUNTER, {"next": 6})])
    await storage.close()
    out = tmp_path / "r.html"
    config = Config({"POLICYBOT_DB": target})
    assert await report_command(config, date(2026, 9, 1), date(2026, 12, 1), "", str(out),
                                NOW) == 0
    with (tmp_path / "r.csv").open(encoding="utf-8") as handle:
        rows = {(r["table"], r["row"], r["column"]): r["value"] for r in csv.DictReader(handle)}
    # Riverside's one concern is "fewer than 3"; Oakfield's four would give it away by
    # subtraction from the total of five, so they are withheld.
    assert rows[("concerns.school", "Riverside Academy", "Reports")] == "fewer than 3"
    assert rows[("concerns.school", "Oakfield Primary", "Reports")] == "withheld"
    assert rows[("concerns.school", "Central team", "Reports")] == "0"
    assert rows[("headline: this period", "Concerns reported", "")] == "5"
    page = out.read_text(encoding="utf-8")
    table = page[page.index('id="concerns.school"'):]
    table = table[:table.index("</figure>")]
    assert "fewer than 3" in table and ">1<" not in table and ">4<" not in table
    for text in (page, (tmp_path / "r.csv").read_text(encoding="utf-8")):
        assert "Someone Secret" not in text and "Amelia" not in text
        assert "joanne.clarke" not in text and "SM-0005" not in text

    # One school's report: Riverside's own concern is still "fewer than 3".
    assert await report_command(config, date(2026, 9, 1), date(2026, 12, 1),
                                "Riverside Academy", str(out), NOW) == 0
    assert "fewer than 3" in (tmp_path / "r.csv").read_text(encoding="utf-8")


def test_the_disclosure_rule() -> None:
    assert hidden_rows([10, 1, 0], 3) == {1: "fewer than 3", 0: "withheld"}
    assert hidden_rows([10, 2, 1, 7], 3) == {1: "fewer than 3", 2: "fewer than 3"}
    assert hidden_rows([1, 1, 9, 5], 3) == {0: "fewer than 3", 1: "fewer than 3",
                                            3: "withheld"}
    assert hidden_rows([0, 5, 8], 3) == {}
    assert hidden_rows([2], 3) == {0: "fewer than 3"}
    assert hidden_rows([4, 4], 5) == {0: "fewer than 5", 1: "fewer than 5"}


def test_school_terms() -> None:
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    autumn = term_containing(date(2026, 11, 12))
    assert (autumn.start, autumn.end, autumn.name) == (date(2026, 9, 1), date(2026, 12, 31),
                                                       "Autumn term 2026")
    summer = autumn.before()
    assert (summer.start, summer.end) == (date(2026, 4, 6), date(2026, 8, 31))
    assert summer.name == "Summer term 2026"
    assert term_containing(date(2026, 2, 1)).end == date(2026, 4, 5)
    assert term_containing(date(2026, 2, 1)).before().name == "Autumn term 2025"
    assert chosen(date(2026, 11, 12), None, None) == autumn
    custom = chosen(date(2026, 11, 12), date(2026, 10, 1), date(2026, 10, 10))
    assert custom.before() == Period(date(2026, 9, 21), date(2026, 9, 30))
    with pytest.raises(PeriodError):
        Period(date(2026, 10, 2), date(2026, 10, 1))


def test_working_hours_between() -> None:
    friday = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    monday = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)
    assert working_hours_between(friday, monday, ()) == 12.0
    assert working_hours_between(friday, monday, {date(2026, 3, 9)}) == 6.0
    assert working_hours_between(monday, friday, ()) == 0.0
    # The inverse of the clock reminders run on, over waits of minutes to years.
    holidays = {date(2026, 12, 25), date(2027, 4, 2), date(2026, 3, 9)}
    for hours in (0.5, 7.25, 24, 72, 300, 2000, 9000):
        later = add_working_hours(friday, hours, holidays)
        assert abs(working_hours_between(friday, later, holidays) - hours) < 1e-6


async def test_bad_input_says_why_and_writes_nothing(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    config = Config({"POLICYBOT_DB": str(tmp_path / "policybot.json")})
    out = tmp_path / "r.html"
    assert await report_command(config, date(2026, 10, 2), date(2026, 10, 1), "", str(out),
                                NOW) == 2
    assert "ends" in capsys.readouterr().err
    assert await report_command(config, None, None, "Hogwarts", str(out), NOW) == 2
    err = capsys.readouterr().err
    assert "no school called 'Hogwarts'" in err and "Traceback" not in err
    assert not out.exists() and not (tmp_path / "r.csv").exists()
