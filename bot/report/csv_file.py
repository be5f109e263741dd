"""Every figure of a report as CSV rows: the same figures as the page, after the same
disclosure control ("fewer than 3" here too), one figure a row."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from bot.records import spreadsheet_cell as spreadsheet_safe
from bot.report.tables import Section, ShownTable

COLUMNS = ("section", "table", "title", "row", "column", "value")


def render(facts: Sequence[tuple[str, str, str]], sections: Sequence[Section],
           shown: dict[str, ShownTable]) -> str:
    """``facts``: (table, row, value) rows of the summary (the headline numbers, the review
    date); then every cell of every table."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for name, row, value in facts:
        writer.writerow([spreadsheet_safe(v) for v in ("summary", name, "", row, "", value)])
    for section in sections:
        for table in section.tables:
            figure = shown[table.key]
            for label, cells in figure.rows:
                for column, cell in zip(table.columns, cells, strict=True):
                    writer.writerow([spreadsheet_safe(v) for v in (
                        section.key, table.key, table.title, label, column, cell.text)])
    return out.getvalue()
