"""The policy pack: questions, options, rules, clauses and approver roles, loaded from YAML.

The pack is data. This module turns it into typed objects and reports every problem with the
file name and the place in it (``flows.check_post.rules[3] (attack)``), so a Trust editing its
own pack gets errors it can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from conversations.faq import Faq, FaqEntry, load_faq
from conversations.reader_spec import ReaderSpec, load_reader_spec

APPROVER_ROLES = frozenset(
    {
        "line_manager",
        "headteacher",
        "headteacher_or_ceo",
        "account_headteacher",
        "ceo",
        "concern_lead",
        "dpo",
    }
)
# person: someone in the staff directory, found by the name typed, or one of the options;
# school: one of the Trust's schools, or the central team.
QUESTION_KINDS = frozenset({"text", "choice", "multi", "account", "person", "school"})
OUTCOMES = frozenset({"refuse", "warn", "approval", "refer"})
# The answer value the "account" question gives when the account is not in the register.
UNLISTED_ACCOUNT = "unlisted"
FLOW_NAMES = ("check_post", "new_account", "report_concern")
# Question ids the application reads by name, per flow (the first is the request's main
# text); a pack must keep them. Everything else in a flow is the pack's to choose.
REQUIRED_QUESTIONS = {
    "check_post": ("draft",),
    "new_account": ("purpose", "platform", "name", "runner"),
    "report_concern": ("details",),
}

Outcome = Literal["refuse", "warn", "approval", "refer"]


class PackError(Exception):
    """The pack cannot be used; ``problems`` lists every place that is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Clause:
    number: str
    title: str
    plain: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptionSpec:
    value: str
    label: str


@dataclass(frozen=True)
class QuestionSpec:
    id: str
    kind: str
    prompt: str
    short: str = ""
    options: tuple[OptionSpec, ...] = ()
    ask_if: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Not asked when any of these holds (e.g. the reader already saw who a contact is).
    skip_if: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The answer is a draft the reader reads (its findings become the "found" answer).
    reads: bool = False

    def label_of(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)


@dataclass(frozen=True)
class Rule:
    id: str
    when: Mapping[str, tuple[str, ...]]
    outcome: Outcome
    clauses: tuple[str, ...]
    explain: str
    approvers: tuple[str, ...] = ()
    revisable: bool = False
    # A refusal for conduct: the consequences (8.1, 8.3, 8.4) are stated with it. Someone
    # told "no" about a connection, or an account not yet approved, is not warned of them.
    conduct: bool = False
    # What a refusal's title asks of the person, when it is not "don't post this".
    title: str = ""


@dataclass(frozen=True)
class Flow:
    name: str
    title: str
    questions: tuple[QuestionSpec, ...]
    rules: tuple[Rule, ...]

    def question(self, qid: str) -> QuestionSpec:
        return next(q for q in self.questions if q.id == qid)

    def has_question(self, qid: str) -> bool:
        return any(q.id == qid for q in self.questions)

    @property
    def draft_question(self) -> str:
        """The free-text question whose answer is the request's main text."""
        return REQUIRED_QUESTIONS[self.name][0]


@dataclass(frozen=True)
class Reminder:
    clauses: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class PolicyPack:
    source: str
    id: str
    title: str
    next_review: date
    contact: str
    clauses: Mapping[str, Clause]
    flows: Mapping[str, Flow]
    reminders: tuple[Reminder, ...]
    consequences: Reminder
    intents: Mapping[str, tuple[str, ...]]
    reader: ReaderSpec | None = None
    faq: tuple[FaqEntry, ...] = ()
    faq_synonyms: Mapping[str, str] = field(default_factory=dict)

    def flow(self, name: str) -> Flow:
        return self.flows[name]

    def clause(self, number: str) -> Clause:
        return self.clauses[number]


def default_pack_path() -> Path:
    return Path(str(resources.files("conversations") / "packs" / "default.yaml"))


def load_pack(path: str | Path | None = None) -> PolicyPack:
    """Load and validate a pack; raises :class:`PackError` naming every problem."""
    from conversations.pack_check import check_pack  # late: the checker walks a loaded pack

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
        if not isinstance(raw.get("reminders") or [], list) or not all(
                isinstance(r, dict) for r in raw.get("reminders") or []):
            self.fail("reminders", "expected a list of {clauses, text}")
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
        reminders = tuple(
            Reminder(tuple(str(c) for c in r.get("clauses", [])), str(r.get("text", "")))
            for r in raw.get("reminders") or []
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
            reminders=reminders,
            consequences=Reminder(tuple(str(c) for c in cons.get("clauses", [])),
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
