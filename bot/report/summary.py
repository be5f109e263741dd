"""The few lines a report leads with: five headline numbers and what changed since the period
before, and what needs the Board's attention. Shown on the report's first page and as the
summary card in chat; every count in them passes disclosure control."""

from __future__ import annotations

from datetime import date

from bot.report.disclosure import count_text, is_small
from bot.report.period import Period
from bot.report.policy import reader_figures, reader_misses, review_is_near, review_line
from bot.report.scope import Scope
from bot.report.tables import measure_text
from bot.report.timing import Headline, still_open
from conversations.messages import Card, FileOffer

DISCLOSURE_NOTE = ("Counts under {n} are shown as \"fewer than {n}\", and a count that would "
                   "let one be worked out is withheld, so no figure points at a person.")


def change_text(headline: Headline, threshold: int) -> str:
    """"12 (up 4 from 8)"; small counts are never subtracted from each other."""
    now, before = headline.now, headline.before
    if not headline.is_count:
        shown = measure_text(now)
        return shown + ("" if before is None else f" (was {measure_text(before)})")
    a, b = int(now or 0), int(before or 0)
    if is_small(a, threshold) or is_small(b, threshold):
        return f"{count_text(a, threshold)} (period before: {count_text(b, threshold)})"
    if a == b:
        return f"{a} (no change)"
    return f"{a} ({'up' if a > b else 'down'} {abs(a - b)} from {b})"


def attention(scope: Scope, threshold: int, today: date) -> list[str]:
    """What a Board should look at, in sentences; counts pass disclosure control."""
    lines = []
    overdue = [h for hours in still_open(scope).values() for h in hours
               if h > scope.timing.escalation_hours]
    if overdue:
        # Shown counts are 0 or at least the threshold (3 unless set): plural reads right.
        lines.append(f"{count_text(len(overdue), threshold).capitalize()} requests still open "
                     f"had waited more than {int(scope.timing.escalation_hours)} working hours.")
    unacknowledged = list(scope.open_at_end("concern"))
    if unacknowledged:
        lines.append(f"{count_text(len(unacknowledged), threshold).capitalize()} concern "
                     "reports not yet acknowledged by everyone they went to.")
    if review_is_near(scope.pack, today):
        lines.append(review_line(scope.pack, today))
    missed = reader_misses(reader_figures())
    if missed:
        lines.append(f"The bot's reading of drafts misses {len(missed)} of its targets on "
                     "drafts it has never seen: it asks rather than decides when unsure, and "
                     "approvers see what it found.")
    return lines or ["Nothing stands out."]


def summary_card(title: str, period: Period, school: str, headlines: list[Headline],
                 lines: list[str], threshold: int, file: FileOffer | None = None) -> Card:
    where = school or "the whole Trust"
    body = (f"{period.title()}, {where}. Compared with the period before.\n\n"
            "*For the Board's attention*\n" + "\n".join(f"• {line}" for line in lines))
    return Card(title=title, fields=tuple((h.label, change_text(h, threshold))
                                          for h in headlines),
                body=body, footer=DISCLOSURE_NOTE.format(n=threshold), file=file)
