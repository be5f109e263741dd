"""The common questions staff ask, with answers that give the verdict first.

The pack names a file of them (``faq: faq.yaml``). Each entry has its verdict, a one- or
two-sentence answer citing clauses, the flow to offer as a button, and the question in the
many ways staff really type it. They are ranked together with the clauses (conversations.ask).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conversations.flow_registry import FLOW_NAMES
from conversations.pack_files import problems_of, read_yaml

VERDICTS = frozenset({"yes", "no", "approval", "own_risk", "report", "info"})
OFFERED_FLOWS = frozenset({*FLOW_NAMES, "none"})


@dataclass(frozen=True)
class FaqEntry:
    id: str
    verdict: str
    answer: str
    clauses: tuple[str, ...]
    flow: str
    asks: tuple[str, ...]


@dataclass(frozen=True)
class Faq:
    entries: tuple[FaqEntry, ...] = ()
    # Word -> the word it means here ("fb" -> "facebook"), from `synonyms` in the file.
    synonyms: Mapping[str, str] = field(default_factory=dict)


def load_faq(file: Path, clauses: Mapping[str, object]) -> tuple[Faq, list[str]]:
    """The entries of ``file`` and every problem found in it (empty when usable)."""
    problems, fail = problems_of(file)
    raw = read_yaml(file, fail)
    if raw is None and problems:
        return Faq(), problems
    entries = raw.get("questions") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        fail("questions", "expected a list of questions")
        return Faq(), problems
    synonyms: dict[str, str] = {}
    for word, variants in (raw.get("synonyms") or {}).items():
        if not isinstance(variants, list):
            fail(f"synonyms.{word}", "expected a list of words that mean it")
            continue
        synonyms.update({str(v).lower(): str(word).lower() for v in variants})
    out: list[FaqEntry] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "id" not in entry:
            fail(f"questions[{i}]", "an entry needs an id")
            continue
        entry_problems = _check(entry, clauses, seen)
        problems += [f"{file}: questions[{i}] ({entry['id']}): {p}" for p in entry_problems]
        seen.add(str(entry["id"]))
        if not entry_problems:
            out.append(FaqEntry(
                id=str(entry["id"]), verdict=_text(entry["verdict"]),
                answer=" ".join(str(entry["answer"]).split()),
                clauses=tuple(str(c) for c in entry["clauses"]),
                flow=str(entry.get("flow") or "none"),
                asks=tuple(str(a) for a in entry["asks"]),
            ))
    return Faq(tuple(out), synonyms), problems


def _text(value: Any) -> str:
    # YAML reads an unquoted yes/no as a boolean.
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _check(entry: dict[str, Any], clauses: Mapping[str, object], seen: set[str]) -> list[str]:
    problems = []
    if str(entry["id"]) in seen:
        problems.append("an entry with this id comes earlier")
    if _text(entry.get("verdict")) not in VERDICTS:
        problems.append(f"verdict must be one of {', '.join(sorted(VERDICTS))}")
    if not str(entry.get("answer") or "").strip():
        problems.append("needs an answer")
    cited = entry.get("clauses")
    if not isinstance(cited, list) or not cited:
        problems.append("must cite at least one clause")
    else:
        problems += [f"cites clause {c}, which the pack does not define"
                     for c in cited if str(c) not in clauses]
    if str(entry.get("flow") or "none") not in OFFERED_FLOWS:
        problems.append(f"flow must be one of {', '.join(sorted(OFFERED_FLOWS))}")
    asks = entry.get("asks")
    if not isinstance(asks, list) or not asks or not all(str(a).strip() for a in asks):
        problems.append("`asks` must list the ways the question is asked")
    return problems
