"""How well the bot reads drafts and questions, measured on the labelled corpus.

The corpus (benchmarks/corpus/) holds realistic drafts, each with where it goes, the honest
answers to the questions the bot may ask, the expected outcome, first approver, clauses and
the facts plain in its words; and policy questions with their verdict and key clause. Every
draft goes through the real application twice: answered honestly, and answered carelessly
("no" and "none" to everything; where it goes is still told truthfully). Run:

    .venv/bin/python -m benchmarks.understanding [--misses] [--heldout]

The reader was tuned on corpus/drafts*.yaml and corpus/questions*.yaml (the development set).
heldout/drafts.yaml and heldout/questions.yaml were written blind, from the policy and its
rulings only, and are never tuned on: ``--heldout`` measures on them, the fair figure of how
the reader generalises. Once a held-out set has been read case by case it joins the
development set and a new one is written.

Prints, per fact, precision and recall; the share of drafts given the right outcome when
answered honestly and carelessly; innocent drafts flagged; the median number of answers after
the draft; questions with the right verdict and key clause; and the time to read a
10,000-character draft.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from benchmarks.judging import Outcome, outcome_of
from bot.app import build_application
from bot.config import Config
from conversations.ask import PolicyIndex
from conversations.messages import Choice, Question, Turn
from conversations.reader import KnownNames, Reader
from storage.base import Put
from storage.memory import MemoryStorage

CORPUS = Path(__file__).parent / "corpus"
HELDOUT = Path(__file__).parent / "heldout"
# What a hurried person answers: nothing ticked, "no" to every question.
CARELESS = {"connection": "other", "pupils_shown": "no", "fair": "yes", "suspected": "none",
            "identifies": "no", "about_school": "personal"}
PERSONAL_FACTS = frozenset({"pupil_info", "colleague_info", "contact_details"})
CRITICAL_FACTS = frozenset({"derogatory", "negative_work", "attack"})
BUSINESS_FACTS = frozenset({"business", "school_pictures", "opinion", "school_resources",
                            "trust_resources", "not_public", "parent_address"})
# Facts the engine uses only to decide which question to ask, not labelled in the corpus.
INTERNAL_FACTS = frozenset({"pictures", "school_life", "pupil_named", "pupils_pictured", "doubt",
                            "suspicion", "unreadable"})
ACCOUNTS = (
    ("oakfield-facebook", "Oakfield Primary School", "Facebook", "Oakfield Primary"),
    ("riverside-x", "Riverside Academy", "X", "Riverside Academy"),
    ("northbrook-linkedin", "Northbrook Trust", "LinkedIn", "Central"),
)


@dataclass
class Tally:
    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, miss: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append(miss)

    def share(self) -> str:
        return f"{self.right}/{self.total} ({100 * self.right / max(self.total, 1):.1f}%)"


def load(name: str, heldout: bool = False) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for file in sorted((HELDOUT if heldout else CORPUS).glob(f"{name}*.yaml")):
        rows += yaml.safe_load(file.read_text(encoding="utf-8"))
    return rows


def truthful(row: dict[str, Any]) -> dict[str, str]:
    """The honest answers to the questions the labels answer without asking the writer: what
    the draft shows is its labelled facts."""
    facts = set(row.get("facts") or ())
    return {
        "suspected": " ".join(sorted(facts)) or "none",
        "identifies": "personal" if facts & PERSONAL_FACTS else "no",
        "about_school": "critical" if facts & CRITICAL_FACTS else
                        "business" if facts & BUSINESS_FACTS else "personal",
    }


async def run_draft(app: Any, row: dict[str, Any], answers: dict[str, str]) -> Outcome:
    person = row["author"]
    bot = app.bot
    await bot.handle(Turn(person, text="cancel"))
    await bot.handle(Turn(person, text="check a post"))
    result = await bot.handle(Turn(person, text=row["draft"]))
    # A draft that reads like a question is met with "is this your post?": it is.
    # A question the row has no answer for was judged irrelevant by its writer: the truthful
    # answer is then the one that changes nothing ("no pupils shown", "someone else").
    given = {"channel": row["channel"], "account": row.get("account", ""), "held": "post",
             **CARELESS, **answers}
    asked: list[str] = []
    while True:
        questions = [m for m in result.replies if isinstance(m, Question)]
        if not questions:
            break
        question = questions[-1]
        asked.append(question.name)
        value = given.get(question.name, "")
        offered = {o.value for o in question.options}
        if question.name == "account" and value not in offered:
            value = "unlisted"
        values = tuple(v for v in value.split() if v in offered) if question.multiple else (value,)
        if question.multiple and not values:
            values = ("none",)
        if len(asked) > 10 or not value:
            break
        result = await bot.handle(Turn(person, choice=Choice(question.token, values)))
    state = await app.storage.get(f"conversation/{person}")
    return await outcome_of(app, result, asked, state.value if state else {})


async def measure(show_misses: bool, heldout: bool) -> None:
    storage = MemoryStorage()
    for account_id, name, platform, school in ACCOUNTS:
        await storage.write([Put(f"account/{account_id}", {
            "id": account_id, "name": name, "platform": platform, "school": school})])
    app = await build_application(Config({}), storage=storage)
    drafts = load("drafts", heldout)
    channels_of: dict[str, set[str]] = {}
    for detector in app.pack.reader.detectors if app.pack.reader else ():
        if detector.channels:
            channels_of.setdefault(detector.fact, set()).update(detector.channels)
    fact_counts: dict[str, Counter[str]] = {}
    honest, careless_caught, careless_exact = Tally(), Tally(), Tally()
    innocent = Tally()
    answers_given: list[int] = []
    for row in drafts:
        wanted = {"outcome": row["expected"], "approver": row.get("approver", ""),
                  "clauses": [str(c) for c in row.get("clauses") or []]}
        told = {**truthful(row), **{k: str(v) for k, v in (row.get("honest") or {}).items()}}
        got = await run_draft(app, row, told)
        answers_given.append(len(got.asked))
        honest.add(got.matches(wanted), f"{row['id']}: expected {wanted}, got {got.summary()}")
        # A fact the policy weighs only elsewhere (party politics on a personal account) is
        # not one the bot should act on here.
        labelled = {f for f in row.get("facts") or () if f != "contact"
                    and row["channel"] in channels_of.get(f, {row["channel"]})}
        seen = set(got.facts) - INTERNAL_FACTS - {"contact"}
        for fact in labelled | seen:
            counts = fact_counts.setdefault(fact, Counter())
            counts["tp" if fact in labelled and fact in seen else
                   "fn" if fact in labelled else "fp"] += 1
        if row.get("innocent"):
            flagged = got.outcome != "allow" or bool(seen - labelled)
            innocent.add(not flagged, f"{row['id']}: {got.summary()} facts {sorted(seen)}")
        if row.get("plain") and row["expected"] != "allow":
            careless = await run_draft(app, row, {**told, **CARELESS})
            careless_caught.add(careless.outcome != "allow",
                                f"{row['id']}: careless answers gave {careless.summary()}")
            careless_exact.add(careless.outcome == row["expected"],
                               f"{row['id']}: expected {row['expected']}, careless gave "
                               f"{careless.summary()}")
    questions = Tally()
    index = PolicyIndex(app.pack)
    for q in load("questions", heldout):
        answer = index.answer(q["text"])
        verdict = answer.entry.verdict if answer.entry else "none"
        cited = [c.number for c in answer.clauses]
        questions.add(verdict == str(q["verdict"]) and str(q["clause"]) in cited,
                      f"{q['id']}: expected {q['verdict']} {q['clause']}, got {verdict} "
                      f"{cited} ({answer.entry.id if answer.entry else '-'}): {q['text'][:70]}")
    print_report(fact_counts, honest, careless_caught, careless_exact, innocent,
                 answers_given, questions,
                 reading_ms(app, drafts, app.bot.names(await app.directory.snapshot())),
                 show_misses)


def reading_ms(app: Any, drafts: list[dict[str, Any]], known: KnownNames,
               ) -> tuple[float, float]:
    """Median time to read a 10,000-character draft made of the corpus's own drafts: wall
    clock, and this process's CPU time (steadier when other work shares the machine)."""
    assert app.pack.reader is not None
    reader = Reader(app.pack.reader)
    text = ""
    while len(text) < 10_000:
        text += "\n".join(row["draft"] for row in drafts) + "\n"
    text = text[:10_000]
    reader.read(text, known)
    wall, cpu = [], []
    for _ in range(30):
        start, start_cpu = time.perf_counter(), time.process_time()
        reader.read(text, known)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def print_report(fact_counts: dict[str, Counter[str]], honest: Tally, caught: Tally,
                 exact: Tally, innocent: Tally, answers: list[int], questions: Tally,
                 read_ms: tuple[float, float], show_misses: bool) -> None:
    print(f"{'fact':18} {'precision':>10} {'recall':>8}  (tp/fp/fn)")
    for fact in sorted(fact_counts):
        c = fact_counts[fact]
        precision = c["tp"] / max(c["tp"] + c["fp"], 1)
        recall = c["tp"] / max(c["tp"] + c["fn"], 1)
        print(f"{fact:18} {precision:>10.2f} {recall:>8.2f}  ({c['tp']}/{c['fp']}/{c['fn']})")
    print()
    print(f"drafts right, honest answers         {honest.share()}   target >= 92%")
    print(f"plain problems caught, careless      {caught.share()}   target >= 92%")
    print(f"plain problems exact, careless       {exact.share()}   target >= 85%")
    print(f"innocent drafts not flagged          {innocent.share()}   target >= 95%")
    print(f"median answers after the draft       {statistics.median(answers):.0f}"
          f"   (mean {statistics.mean(answers):.2f}, max {max(answers)})   target <= 2")
    print(f"questions: right verdict and clause  {questions.share()}   target >= 85%")
    print(f"reading a 10,000-character draft     {read_ms[0]:.1f} ms wall, {read_ms[1]:.1f} ms CPU "
          f"(medians of 30)   target < 20")
    if show_misses:
        for title, tally in (("honest", honest), ("careless caught", caught),
                             ("careless exact", exact), ("innocent", innocent),
                             ("questions", questions)):
            if tally.misses:
                print(f"\nMisses, {title}:")
                for miss in tally.misses:
                    print(f"  {miss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--heldout", action="store_true",
                        help="measure on the held-out corpus, never used for tuning")
    args = parser.parse_args()
    asyncio.run(measure(args.misses, args.heldout))


if __name__ == "__main__":
    main()
