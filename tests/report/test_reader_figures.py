"""The reader's held-out figures the report ships (bot/report/reader_figures.json) are the
ones docs/policy-pack.md gives, so the board paper and the docs never disagree."""

from __future__ import annotations

import re
from pathlib import Path

from bot.report.policy import reader_figures

DOC = Path(__file__).resolve().parents[2] / "docs" / "policy-pack.md"


def _held_out_now() -> dict[str, tuple[str, str]]:
    """Each measure's target and its last column ("held out, now"), from the docs' table."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] and not cells[0].startswith(("measure", "---")):
            rows[cells[0].lower()] = (cells[1], cells[4])
    return rows


def test_the_shipped_figures_are_the_docs_figures() -> None:
    table = _held_out_now()
    figures = reader_figures()
    for measure in figures["percentages"]:
        target, now = table[measure["measure"].lower()]
        assert now.startswith(f"{measure['right']}/{measure['of']} "), (measure, now)
        assert re.search(rf"\b{measure['target']}%", target), (measure, target)
    others = {m["measure"]: m["result"] for m in figures["others"]}
    assert table["median answers after the draft"][1] == others[
        "Median answers asked for after the draft"]
    assert table["reading a 10,000-character draft"][1] == others[
        "Reading a 10,000-character draft"]
