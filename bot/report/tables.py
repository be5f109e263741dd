"""The report's figures as tables: what the HTML shows under each chart, what the CSV lists,
and what the charts draw. Built by :mod:`bot.report.figures` with true counts; made fit to
show by :mod:`bot.report.disclosure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A figure: a count, a measure, text (an account's platform), or None for nothing to show
# (no decision to time, say).
Number = int | float | str | None


@dataclass
class Table:
    """One table of figures.

    ``counts``: the columns that are counts of people's actions, which disclosure control
    protects; the other columns are measures (hours) that belong to a row's count in
    ``count_of``: when that count is too small to show, so are its measures.
    """

    key: str
    title: str
    row_label: str
    columns: tuple[str, ...]
    rows: list[tuple[str, tuple[Number, ...]]] = field(default_factory=list)
    counts: frozenset[int] = frozenset()
    count_of: int | None = None
    note: str = ""
    chart: str = "bars"  # how it is drawn: "bars", "stacked", "none"

    def add(self, label: str, *values: Number) -> None:
        assert len(values) == len(self.columns), (self.key, label)
        self.rows.append((label, tuple(values)))

    def column(self, name: str) -> list[Number]:
        index = self.columns.index(name)
        return [values[index] for _, values in self.rows]


@dataclass(frozen=True)
class Cell:
    """A figure as shown: its text, and the number a chart may draw (None when it is
    withheld or empty)."""

    text: str
    value: float | None


@dataclass
class ShownTable:
    table: Table
    rows: list[tuple[str, tuple[Cell, ...]]]

    @property
    def key(self) -> str:
        return self.table.key

    @property
    def title(self) -> str:
        return self.table.title


@dataclass
class Section:
    key: str
    title: str
    question: str  # the question the section answers, in a line
    tables: list[Table] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # short statements (no counts of people)


def measure_text(value: float | None) -> str:
    """A measure (hours, a percentage) as shown: one decimal place."""
    return "—" if value is None else f"{value:.1f}"
