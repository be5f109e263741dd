"""Charts as inline SVG, drawn with matplotlib (docs/governance-report.md says why).

Each chart is drawn from a table as it may be shown (after disclosure control): a count too
small to show is never drawn, its place is marked instead. Text stays text in the SVG (not
paths), every chart has a title and a description for screen readers, and the colours are
the Okabe-Ito palette, told apart by people with any common colour blindness, with hatching
as well so a black-and-white print keeps them apart.

matplotlib's settings are global, so charts are drawn one at a time (a lock), off the event
loop (the caller runs :func:`draw_all` in a worker thread).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from html import escape
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.report.tables import ShownTable

matplotlib.use("svg")  # no display, no GUI toolkit: this process only writes files

# Okabe & Ito (2008), "Color Universal Design": blue, vermillion, bluish green, orange, sky
# blue, reddish purple, yellow.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442")
# Outcomes keep their colour in every chart: fine green, refused vermillion, approval blue.
NAMED = {"Fine to post": "#009E73", "Refused": "#D55E00", "Needs approval": "#0072B2",
         "Sent for approval": "#0072B2"}
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--")
STYLE: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "policybot-report", "font.size": 9,
         "font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False,
         "axes.titlesize": 11, "axes.titleweight": "bold", "hatch.linewidth": 0.6}
WIDTH = 7.0  # inches: the printable width of A4 with margins
HIDDEN_MARK = "†"
_LOCK = threading.Lock()
_ID = re.compile(r'\bid="([^"]+)"')


def _colours(columns: Sequence[str]) -> list[str]:
    spare = iter(c for c in PALETTE if c not in {NAMED.get(n) for n in columns})
    return [NAMED.get(name) or next(spare) for name in columns]


def _drawn_columns(shown: ShownTable) -> list[int]:
    """The columns a chart draws: the measures of a timed table, else every count."""
    table = shown.table
    if table.count_of is not None:
        return [i for i in range(len(table.columns)) if i not in table.counts]
    return list(range(len(table.columns)))


def _svg(figure: Figure, chart_id: str, title: str, description: str) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = out.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # Several charts share one page: every id (clip paths) is made unique to its chart.
    for ident in set(_ID.findall(text)):
        text = text.replace(f'id="{ident}"', f'id="{chart_id}-{ident}"').replace(
            f"#{ident})", f"#{chart_id}-{ident})").replace(f'"#{ident}"', f'"#{chart_id}-{ident}"')
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                  rf'<svg\1 width="100%" role="img" '
                  rf'aria-labelledby="{chart_id}-title {chart_id}-desc"', text, count=1)
    head_end = text.index(">") + 1
    return (text[:head_end] + f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + text[head_end:])


def _describe(shown: ShownTable, kind: str) -> str:
    table = shown.table
    columns = [table.columns[i] for i in _drawn_columns(shown)]
    hidden = any(c.value is None and c.text not in ("0", "—") for _, cells in shown.rows
                 for c in cells)
    return (f"{kind} of {table.title.lower()}: one bar per {table.row_label.lower()}"
            + (f", for {', '.join(columns)}" if len(columns) > 1 else "")
            + ". Every number is in the table under the chart."
            + (" Counts too small to show are not drawn." if hidden else ""))


def stacked(shown: ShownTable, chart_id: str) -> str:
    table = shown.table
    columns = _drawn_columns(shown)
    labels = [label for label, _ in shown.rows]
    figure = Figure(figsize=(WIDTH, 3.2))
    axes = figure.add_subplot()
    bottoms = [0.0] * len(labels)
    positions = range(len(labels))
    for colour, hatch, column in zip(_colours([table.columns[c] for c in columns]), HATCHES,
                                     columns, strict=False):
        values = [cells[column].value or 0.0 for _, cells in shown.rows]
        axes.bar(positions, values, bottom=bottoms, color=colour, hatch=hatch,
                 edgecolor="white", linewidth=0.5, label=table.columns[column])
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    for x, (_, cells) in enumerate(shown.rows):
        if any(c.value is None and c.text != "—" for c in cells):
            axes.annotate(HIDDEN_MARK, (x, bottoms[x]), ha="center", va="bottom")
    axes.set_xticks(list(positions), labels, rotation=60 if len(labels) > 8 else 0,
                    ha="right" if len(labels) > 8 else "center")
    axes.set_xlabel(table.row_label)
    axes.set_ylabel("Number")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(table.title, loc="left")
    if len(columns) > 1:
        axes.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _svg(figure, chart_id, table.title, _describe(shown, "Stacked bar chart"))


def bars(shown: ShownTable, chart_id: str) -> str:
    """Horizontal bars, grouped by row; the value written at each bar's end."""
    table = shown.table
    columns = _drawn_columns(shown)
    labels = [label for label, _ in shown.rows]
    group = 0.8
    height = group / max(1, len(columns))
    figure = Figure(figsize=(WIDTH, 0.8 + 0.28 * len(labels) * max(1, len(columns)) ** 0.8))
    axes = figure.add_subplot()
    top = max((cells[c].value or 0.0 for _, cells in shown.rows for c in columns), default=0.0)
    for n, (colour, hatch, column) in enumerate(zip(_colours([table.columns[c] for c in columns]),
                                                    HATCHES, columns, strict=False)):
        offsets = [y - group / 2 + height * (n + 0.5) for y in range(len(labels))]
        values = [cells[column].value or 0.0 for _, cells in shown.rows]
        axes.barh(offsets, values, height=height, color=colour, hatch=hatch, edgecolor="white",
                  linewidth=0.5, label=table.columns[column])
        for y, (_, cells) in zip(offsets, shown.rows, strict=True):
            cell = cells[column]
            shown_text = cell.text if cell.value is not None else f"{HIDDEN_MARK} {cell.text}"
            if cell.text != "—" or cell.value is not None:
                axes.annotate(shown_text, (cell.value or 0.0, y), xytext=(3, 0),
                              textcoords="offset points", va="center", fontsize=7.5)
    axes.set_yticks(range(len(labels)), labels)
    axes.invert_yaxis()
    axes.set_xlim(0, max(1.0, top) * 1.25)
    axes.set_xlabel("Working hours" if table.count_of is not None else
                    "Per cent" if table.key == "policy.reader" else "Number")
    axes.set_title(table.title, loc="left")
    if len(columns) > 1:
        axes.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _svg(figure, chart_id, table.title, _describe(shown, "Bar chart"))


def draw(shown: ShownTable, chart_id: str) -> str:
    """The chart of ``shown`` as SVG text, or "" when it is not drawn (a register, say, or a
    table with nothing to draw)."""
    kind = shown.table.chart
    if kind == "none" or not shown.rows or not any(
            c.value for _, cells in shown.rows for c in cells):
        return ""
    with _LOCK, matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        return stacked(shown, chart_id) if kind == "stacked" else bars(shown, chart_id)


def draw_all(tables: Sequence[ShownTable]) -> dict[str, str]:
    """Every chart, by table key."""
    return {t.key: draw(t, "chart-" + t.key.replace(".", "-")) for t in tables}
