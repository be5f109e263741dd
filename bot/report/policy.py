"""The policy itself: its review date, the version of the pack the bot runs, and how well the
reader reads drafts it has never seen (figures shipped with the bot, never measured at report
time)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.report.tables import Section, Table
from conversations.policy import PolicyPack

FIGURES_FILE = "reader_figures.json"
REVIEW_SOON_DAYS = 180


def reader_figures() -> dict[str, Any]:
    text = resources.files("bot.report").joinpath(FIGURES_FILE).read_text(encoding="utf-8")
    figures: dict[str, Any] = json.loads(text)
    return figures


def pack_version(pack: PolicyPack) -> str:
    """The pack's id and a fingerprint of its files (the pack and the reader and answer files
    it names), so a board paper says exactly which rules the bot ran."""
    digest = hashlib.sha256()
    source = Path(pack.source)
    files = [source]
    try:
        named = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        files += [source.parent / str(named[k]) for k in ("reader", "faq")
                  if isinstance(named.get(k), str)]
        for file in files:
            digest.update(file.read_bytes())
    except (OSError, yaml.YAMLError, AttributeError):
        return pack.id
    return f"{pack.id} (fingerprint {digest.hexdigest()[:12]})"


def review_line(pack: PolicyPack, today: date) -> str:
    days = (pack.next_review - today).days
    when = f"{pack.next_review.day} {pack.next_review:%B %Y}"
    if days < 0:
        return f"The policy was due for review on {when}: {-days} days ago."
    return f"The policy is due for review on {when}, in {days} days."


def review_is_near(pack: PolicyPack, today: date) -> bool:
    return (pack.next_review - today).days <= REVIEW_SOON_DAYS


def reader_misses(figures: dict[str, Any]) -> list[str]:
    return [m["measure"] for m in figures["percentages"]
            if 100 * m["right"] / m["of"] < m["target"]]


def policy(pack: PolicyPack, today: date) -> Section:
    figures = reader_figures()
    table = Table("policy.reader", "How well the bot reads drafts it has never seen "
                  f"(held-out set: {figures['corpus']})", "Measure",
                  ("Result %", "Target %"), chart="bars",
                  note="Measured before release on drafts written blind, never tuned on "
                       "(docs/policy-pack.md); not measured from this Trust's own posts.")
    for m in figures["percentages"]:
        table.add(f"{m['measure']} ({m['right']}/{m['of']})", round(100 * m["right"] / m["of"], 1),
                  float(m["target"]))
    others = Table("policy.reader_other", "The reader's other figures on the held-out set",
                   "Measure", ("Result", "Target"), chart="none")
    for m in figures["others"]:
        others.add(m["measure"], m["result"], m["target"])
    lines = [f"The policy: {pack.title}, owned by the CEO.", review_line(pack, today),
             f"The policy pack the bot runs: {pack_version(pack)}."]
    missed = reader_misses(figures)
    if missed:
        lines.append(f"The reader misses {len(missed)} of its {len(figures['percentages'])} "
                     "held-out targets: read its findings as prompts to look, not verdicts.")
    return Section("policy", "The policy", "Its review date, the version the bot runs, and "
                   "how well the bot reads drafts.", [table, others], lines)
