"""Loading a policy pack from YAML, checked, with every problem named.

The pack is data. This module turns it into typed objects (:mod:`conversations.policy`) and
reports every problem with the file name and the place in it
(``flows.check_post.rules[3] (attack)``), so a Trust editing its own pack gets errors it can
act on. The paths through each flow are then checked by :mod:`conversations.pack_check`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from conversations.faq import Faq, load_faq
from conversations.flow_registry import FLOW_NAMES
from conversations.pack_check import check_pack
from conversations.policy import (
    OUTCOMES,
    QUESTION_KINDS,
    Clause,
    Flow,
    OptionSpec,
    PackError,
    PolicyPack,
    PolicyTip,
    QuestionSpec,
    Rule,
)
from conversations.reader_spec import load_reader_spec


def default_pack_path() -> Path:
    return Path(str(resources.files("conversations") / "packs" / "default.yaml"))


def load_pack(path: str | Path | None = None) -> PolicyPack:
    """Load and validate a pack; raises :class:`PackError` naming every problem."""
    file = Path(path) if path else default_pack_path()
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PackError([f"{file}: cannot be read ({exc.strerror})"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "somewhere"
        raise PackError([f"{file}: not valid YAML at {where}"]) from None
    builder = _Builder(str(file))
    try:
        pack = builder.build(raw)
        if pack is not None:
            pack = _with_files(pack, raw, file, builder.problems)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # A shape the checks below did not foresee: still one line naming the file.
        raise PackError(builder.problems + [
            f"{file}: not shaped like a policy pack ({type(exc).__name__}: {exc})"]) from None
    problems = builder.problems + (check_pack(pack) if pack is not None else [])
    if problems or pack is None:
        raise PackError(problems)
    return pack


def _with_files(pack: PolicyPack, raw: dict[str, Any], file: Path,
                problems: list[str]) -> PolicyPack:
    """Loads the reader and question files the pack names (paths relative to the pack)."""
    reader = None
    faq = Faq()
    if raw.get("reader"):
        reader, found = load_reader_spec(file.parent / str(raw["reader"]), pack.clauses)
        problems += found
    if raw.get("faq"):
        faq, found_in_faq = load_faq(file.parent / str(raw["faq"]), pack.clauses)
        problems += found_in_faq
    return replace(pack, reader=reader, faq=faq.entries, faq_synonyms=faq.synonyms)


class _Builder:
    """Turns the raw YAML into typed objects, collecting structural problems as it goes."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def fail(self, place: str, message: str) -> None:
        self.problems.append(f"{self.source}: {place}: {message}")

    def build(self, raw: Any) -> PolicyPack | None:
        if not isinstance(raw, dict):
            self.fail("top level", "expected a mapping with policy, clauses and flows")
            return None
        meta = raw.get("policy") or {}
        for section in ("policy", "consequences", "intents", "flows", "clauses"):
            if section in raw and not isinstance(raw[section], dict):
                self.fail(section, "expected a mapping")
                return None
        # "tips" was called "reminders" in packs written before; both are read.
        tips_key = "tips" if "tips" in raw else "reminders"
        raw_tips = raw.get(tips_key) or []
        if not isinstance(raw_tips, list) or not all(isinstance(r, dict) for r in raw_tips):
            self.fail(tips_key, "expected a list of {clauses, text}")
            return None
        clauses = self._clauses(raw.get("clauses"))
        flows = {}
        for name in FLOW_NAMES:
            spec = (raw.get("flows") or {}).get(name)
            if not isinstance(spec, dict):
                self.fail(f"flows.{name}", "missing")
                continue
            flows[name] = self._flow(name, spec)
        try:
            next_review = date.fromisoformat(str(meta.get("next_review")))
        except ValueError:
            self.fail("policy.next_review", "expected a date like 2027-01-01")
            next_review = date.max
        tips = tuple(
            PolicyTip(tuple(str(c) for c in r.get("clauses", [])), str(r.get("text", "")))
            for r in raw_tips
        )
        cons = raw.get("consequences") or {}
        intents = {
            str(k): tuple(str(p).lower() for p in v) for k, v in (raw.get("intents") or {}).items()
        }
        return PolicyPack(
            source=self.source,
            id=str(meta.get("id", "")),
            title=str(meta.get("title", "Social Media Policy")),
            next_review=next_review,
            contact=str(meta.get("contact", "your headteacher")),
            clauses=clauses,
            flows=flows,
            tips=tips,
            consequences=PolicyTip(tuple(str(c) for c in cons.get("clauses", [])),
                                  str(cons.get("text", ""))),
            intents=intents,
        )

    def _clauses(self, raw: Any) -> dict[str, Clause]:
        if not isinstance(raw, dict):
            self.fail("clauses", "missing: the pack must define the policy's clauses")
            return {}
        out = {}
        for number, spec in raw.items():
            if not isinstance(spec, dict) or not spec.get("plain"):
                self.fail(f"clauses.{number}", "needs a title and a plain-words text")
                continue
            out[str(number)] = Clause(
                number=str(number),
                title=str(spec.get("title", "")),
                plain=" ".join(str(spec["plain"]).split()),
                keywords=tuple(str(k).lower() for k in spec.get("keywords") or []),
            )
        return out

    def _entries(self, raw: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
        """The entries of a list of questions or rules that have an id, with their place."""
        out = []
        for i, entry in enumerate(raw or []):
            if isinstance(entry, dict) and "id" in entry:
                out.append((f"{where}[{i}]", entry))
            else:
                self.fail(f"{where}[{i}]", "an entry needs an id")
        return out

    def _flow(self, name: str, spec: dict[str, Any]) -> Flow:
        questions = []
        for place, q in self._entries(spec.get("questions"), f"flows.{name}.questions"):
            kind = str(q.get("kind", ""))
            if kind not in QUESTION_KINDS:
                self.fail(f"{place} ({q['id']})", f"unknown kind {kind!r}")
            options = tuple(
                OptionSpec(str(o["value"]), str(o["label"]))
                for o in q.get("options") or []
                if isinstance(o, dict) and "value" in o and "label" in o
            )
            if len(options) != len(q.get("options") or []):
                self.fail(f"{place} ({q['id']})", "every option needs a value and a label")
            questions.append(
                QuestionSpec(
                    id=str(q["id"]),
                    kind=kind,
                    prompt=" ".join(str(q.get("prompt", "")).split()),
                    short=str(q.get("short") or q["id"]),
                    options=options,
                    ask_if=self._conditions(q.get("ask_if"), f"{place} ({q['id']}).ask_if"),
                    skip_if=self._conditions(q.get("skip_if"), f"{place} ({q['id']}).skip_if"),
                    reads=bool(q.get("reads", False)),
                    contradicted_by=self._conditions(q.get("contradicted_by"),
                                                     f"{place} ({q['id']}).contradicted_by"),
                    **({"if_insisted": " ".join(str(q["if_insisted"]).split())}
                       if q.get("if_insisted") else {}),
                )
            )
        rules = []
        for place, r in self._entries(spec.get("rules"), f"flows.{name}.rules"):
            outcome = str(r.get("outcome", ""))
            if outcome not in OUTCOMES:
                self.fail(f"{place} ({r['id']})", f"unknown outcome {outcome!r}")
                continue
            rules.append(
                Rule(
                    id=str(r["id"]),
                    when=self._conditions(r.get("when"), f"{place} ({r['id']}).when"),
                    outcome=outcome,  # type: ignore[arg-type]
                    clauses=tuple(str(c) for c in r.get("clauses") or []),
                    explain=" ".join(str(r.get("explain", "")).split()),
                    approvers=tuple(str(a) for a in r.get("approvers") or []),
                    revisable=bool(r.get("revisable", False)),
                    conduct=bool(r.get("conduct", False)),
                    title=str(r.get("title") or ""),
                )
            )
        return Flow(name, str(spec.get("title", name)), tuple(questions), tuple(rules))


    def _conditions(self, raw: Any, place: str) -> dict[str, tuple[str, ...]]:
        if not raw:
            return {}
        if not isinstance(raw, dict):
            self.fail(place, "expected a mapping of question id to value(s)")
            return {}
        return _conditions(raw)


def _conditions(raw: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    out = {}
    for key, value in raw.items():
        values = value if isinstance(value, list) else [value]
        out[str(key)] = tuple(_as_value(v) for v in values)
    return out


def _as_value(v: Any) -> str:
    # YAML reads yes/no/true/false as booleans; the pack's values are strings.
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
