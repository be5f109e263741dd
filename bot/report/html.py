"""The report as one self-contained HTML page: opened with no network, printed to A4 as a
board paper (each section on its own page), readable by a screen reader.

Nothing is loaded from anywhere: the styles are in the page, the charts are inline SVG and the
figures' CSV is a data: link. There is no script at all.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from bot.report.tables import Section, ShownTable
from bot.report.timing import Headline

STYLE = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #4d4d4d; --rule: #c8c8c8;
  --band: #f3f5f7; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1.5rem; color: var(--ink);
  font: 11pt/1.45 "DejaVu Sans", "Segoe UI", Arial, sans-serif; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; color: var(--accent); }
h2 { font-size: 1.3rem; margin: 0 0 .4rem; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.02rem; margin: 1.2rem 0 .3rem; }
p, li { max-width: 48rem; }
.muted, figcaption .note { color: var(--muted); font-size: .9rem; }
.cover { border-bottom: 1px solid var(--rule); padding-bottom: 1rem; }
.headline { display: grid; grid-template-columns: repeat(auto-fit, minmax(10.5rem, 1fr));
  gap: .6rem; margin: 1rem 0; padding: 0; list-style: none; }
.headline li { background: var(--band); border-left: 4px solid var(--accent);
  padding: .5rem .7rem; }
.headline .label { display: block; font-size: .85rem; color: var(--muted); }
.headline .value { display: block; font-size: 1.15rem; font-weight: bold; }
section.part { margin-top: 2rem; }
figure { margin: 1rem 0 1.6rem; }
figure svg { display: block; max-width: 100%; height: auto; break-inside: avoid;
  page-break-inside: avoid; }
table { border-collapse: collapse; margin: .4rem 0; font-size: .9rem; min-width: 50%; }
caption { text-align: left; font-weight: bold; padding: .2rem 0; }
th, td { border: 1px solid var(--rule); padding: .2rem .5rem; text-align: left;
  vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
thead th { background: var(--band); }
nav ol { columns: 2; }
a { color: var(--accent); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  section.part { break-before: page; page-break-before: always; margin-top: 0; }
  .screen-only { display: none; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
}
"""


@dataclass(frozen=True)
class Page:
    title: str
    period: str
    school: str
    made: str  # when it was made, in words
    upto: str  # when the figures stop, in words
    headlines: Sequence[tuple[Headline, str]]  # each with its text as shown
    attention: Sequence[str]
    disclosure: str
    csv_name: str
    csv_text: str


def _table(shown: ShownTable) -> str:
    table = shown.table
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in table.columns)
    body = []
    for (label, cells), (_, raw) in zip(shown.rows, table.rows, strict=True):
        # Numbers line up on the right; text (an account's platform) reads from the left.
        tds = "".join(f"<td>{escape(c.text)}</td>" if isinstance(value, str)
                      else f'<td class="n">{escape(c.text)}</td>'
                      for c, value in zip(cells, raw, strict=True))
        body.append(f'<tr><th scope="row">{escape(label)}</th>{tds}</tr>')
    if not body:
        body.append(f'<tr><td colspan="{len(table.columns) + 1}">None in this period.</td></tr>')
    return (f"<table><caption>{escape(table.title)}</caption><thead><tr>"
            f'<th scope="col">{escape(table.row_label)}</th>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def _figure(shown: ShownTable, svg: str) -> str:
    note = (f'<p class="note">{escape(shown.table.note)}</p>' if shown.table.note else "")
    mark = ('<p class="note">† A count too small to show is not drawn; the table says '
            "“fewer than” or “withheld”.</p>" if svg and "†" in svg else "")
    return (f'<figure id="{escape(shown.key)}">{svg}<figcaption>{_table(shown)}{note}{mark}'
            "</figcaption></figure>")


def _section(number: int, section: Section, shown: dict[str, ShownTable],
             charts: dict[str, str]) -> str:
    parts = [f'<section class="part" id="{section.key}" aria-labelledby="{section.key}-h">',
             f'<h2 id="{section.key}-h">{number}. {escape(section.title)}</h2>',
             f'<p class="muted">{escape(section.question)}</p>']
    parts += [f"<p>{escape(line)}</p>" for line in section.lines]
    for table in section.tables:
        parts.append(_figure(shown[table.key], charts.get(table.key, "")))
    parts.append("</section>")
    return "\n".join(parts)


def render(page: Page, sections: Sequence[Section], shown: dict[str, ShownTable],
           charts: dict[str, str]) -> str:
    csv_link = ("data:text/csv;charset=utf-8;base64,"
                + base64.b64encode(page.csv_text.encode("utf-8")).decode("ascii"))
    numbers = "".join(f'<li><span class="label">{escape(h.label)}</span>'
                      f'<span class="value">{escape(text)}</span></li>'
                      for h, text in page.headlines)
    contents = "".join(f'<li><a href="#{s.key}">{escape(s.title)}</a></li>' for s in sections)
    body = "\n".join(_section(n, s, shown, charts) for n, s in enumerate(sections, 1))
    attention = "".join(f"<li>{escape(line)}</li>" for line in page.attention)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(page.title)}: {escape(page.period)}</title>
<style>{STYLE}</style>
</head>
<body>
<header class="cover" id="summary">
<h1>{escape(page.title)}</h1>
<p><strong>{escape(page.period)}</strong>, {escape(page.school)}.</p>
<p class="muted">Made {escape(page.made)}; figures up to {escape(page.upto)}. Times are in
working hours (Monday to Friday, less the Trust's holidays).</p>
<h2>At a glance</h2>
<p class="muted">Each number with the period before it, of the same kind and length.</p>
<ul class="headline">{numbers}</ul>
<h2>For the Board's attention</h2>
<ul>{attention}</ul>
<p class="muted">{escape(page.disclosure)} Every figure in this report is in its
<a class="screen-only" download="{escape(page.csv_name)}" href="{csv_link}">CSV file</a>
<span>({escape(page.csv_name)})</span>.</p>
<nav aria-label="Contents"><h2>Contents</h2><ol>{contents}</ol></nav>
</header>
<main>
{body}
</main>
</body>
</html>
"""
