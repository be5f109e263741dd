"""Making a report: read the store, count, protect small counts, draw, write the page and the
CSV. The reading is async; the counting and drawing run in a worker thread, so a server
making a report for a large Trust keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime

from bot.directory import DirectoryStore
from bot.report import csv_file, html
from bot.report.charts import draw_all
from bot.report.disclosure import count_text, show
from bot.report.figures import accounts, concerns, going_wrong, use
from bot.report.options import ReportOptions
from bot.report.period import Period
from bot.report.policy import pack_version, policy
from bot.report.scope import Scope, school_name
from bot.report.source import StoreRows, read_store
from bot.report.summary import DISCLOSURE_NOTE, attention, change_text, summary_card
from bot.report.tables import measure_text
from bot.report.timing import Headline, acknowledgement, approvers, headlines
from conversations.messages import Card, FileOffer
from conversations.policy import PolicyPack
from storage.base import Storage

TITLE = "Social Media Policy: governance report"


class ReportError(ValueError):
    """A report that cannot be made as asked (a school no one works at); says why."""


@dataclass(frozen=True)
class Report:
    period: Period
    school: str
    html: str
    csv: str
    headlines: list[Headline]
    attention: list[str]
    threshold: int

    @property
    def stem(self) -> str:
        """The files' name without extension: policy-report-autumn-term-2026[-school]."""
        school = re.sub(r"[^a-z0-9]+", "-", self.school.lower()).strip("-")
        return f"policy-report-{self.period.slug()}" + (f"-{school}" if school else "")

    def card(self, file: FileOffer | None = None) -> Card:
        return summary_card(f"Governance report: {self.period.name or 'the period'}",
                            self.period, self.school, self.headlines, self.attention,
                            self.threshold, file)


async def make_report(storage: Storage, pack: PolicyPack, options: ReportOptions,
                      period: Period, school: str, now: datetime) -> Report:
    """The report of ``period`` (one school's, or the Trust's when ``school`` is "")."""
    people = await DirectoryStore(storage).snapshot()
    earlier = period.before()
    rows = await read_store(storage, people, earlier.low, period.high)
    if school and school not in rows.schools:
        known = ", ".join(sorted(rows.schools)) or "none yet"
        raise ReportError(f"no school called {school!r} in the directory or the records "
                          f"(schools: {known})")
    return await asyncio.to_thread(compose, rows, pack, options, period, school, now)


def compose(rows: StoreRows, pack: PolicyPack, options: ReportOptions, period: Period,
            school: str, now: datetime) -> Report:
    threshold = options.threshold
    scope = Scope(period, school, rows, pack, options.timing, now)
    earlier = Scope(period.before(), school, rows, pack, options.timing, now)
    concern_section = concerns(scope)
    concern_section.tables.append(acknowledgement(scope))
    sections = [use(scope), going_wrong(scope), approvers(scope), accounts(scope),
                concern_section, policy(pack, now.date())]
    shown = {t.key: show(t, threshold) for s in sections for t in s.tables}
    charts = draw_all(list(shown.values()))
    heads = headlines(scope, earlier)
    lines = attention(scope, threshold, now.date())
    facts: list[tuple[str, str, str]] = []
    for head in heads:
        for column, value in (("this period", head.now), ("period before", head.before)):
            text = (count_text(int(value or 0), threshold) if head.is_count
                    else measure_text(value))
            facts.append((f"headline: {column}", head.label, text))
    facts += [("policy", "Next review", pack.next_review.isoformat()),
              ("policy", "Pack version", pack_version(pack))]
    facts += [("attention", line, "") for line in lines]
    csv_text = csv_file.render(facts, sections, shown)
    stem = Report(period, school, "", "", heads, lines, threshold).stem
    page = html.Page(
        title=TITLE, period=period.title(), school=school_name(school) if school
        else "the whole Trust", made=_words(now), upto=_words(scope.until),
        headlines=[(h, change_text(h, threshold)) for h in heads], attention=lines,
        disclosure=DISCLOSURE_NOTE.format(n=threshold), csv_name=f"{stem}.csv",
        csv_text=csv_text)
    return Report(period, school, html.render(page, sections, shown, charts), csv_text, heads,
                  lines, threshold)


def _words(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"
