"""Disclosure control: no count in a report is small enough to point at a person.

A count under the threshold (``POLICYBOT_REPORT_MIN_COUNT``, 3 unless set) is shown as
"fewer than 3", in the HTML, the CSV, the charts and the chat summary alike. A zero is shown:
it points at no one. A small count hidden in a table whose column adds up to a total shown
elsewhere could be worked out by subtraction, so the next smallest counts in that column are
withheld too, until at least two are hidden and together they hold at least the threshold.
A measure that belongs to a hidden count (the median hours of two decisions) is hidden with
it.
"""

from __future__ import annotations

from bot.report.tables import Cell, Number, ShownTable, Table, measure_text

WITHHELD = "withheld"
DEFAULT_THRESHOLD = 3


def fewer(threshold: int) -> str:
    return f"fewer than {threshold}"


def is_small(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def count_text(count: int, threshold: int) -> str:
    return fewer(threshold) if is_small(count, threshold) else str(count)


def hidden_rows(values: list[Number], threshold: int) -> dict[int, str]:
    """Which cells of one column of counts are hidden, with what they show instead."""
    counts = [int(v) if isinstance(v, int | float) else 0 for v in values]
    hidden = {i: fewer(threshold) for i, n in enumerate(counts) if is_small(n, threshold)}
    if not hidden:
        return hidden
    while len(hidden) < 2 or sum(counts[i] for i in hidden) < threshold:
        shown = [i for i, n in enumerate(counts) if n > 0 and i not in hidden]
        if not shown:
            break
        hidden[min(shown, key=lambda i: (counts[i], i))] = WITHHELD
    return hidden


def show(table: Table, threshold: int) -> ShownTable:
    """``table`` as it may be shown."""
    hidden: dict[tuple[int, int], str] = {}
    for column in table.counts:
        values = [figures[column] for _, figures in table.rows]
        for index, text in hidden_rows(values, threshold).items():
            hidden[(index, column)] = text
    rows = []
    for r, (label, row) in enumerate(table.rows):
        cells = []
        for c, value in enumerate(row):
            if (r, c) in hidden:
                cells.append(Cell(hidden[(r, c)], None))
            elif c in table.counts:
                count = int(value) if isinstance(value, int | float) else 0
                cells.append(Cell(str(count), float(count)))
            elif table.count_of is not None and (r, table.count_of) in hidden:
                cells.append(Cell("—", None))  # belongs to a count too small to show
            elif isinstance(value, str):
                cells.append(Cell(value, None))
            else:
                cells.append(Cell(measure_text(None if value is None else float(value)),
                                  None if value is None else float(value)))
        rows.append((label, tuple(cells)))
    return ShownTable(table, rows)
