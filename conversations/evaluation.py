"""Where a finished flow ends, and the rules that take it there (pure).

The answers a rule looks at are the person's with the engine's own beside them
(:data:`ENGINE_KEYS`): what the reader found, whether the person disputed it, what they
insisted on, and whether they work centrally.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from conversations.doubt import INSISTED
from conversations.finding import Finding
from conversations.people import Person
from conversations.policy import Rule

Answers = Mapping[str, Sequence[str]]

# Answers the engine supplies itself, beside the person's: what the reader found in the draft
# (facts that matter where the post goes) and whether the person disputed a finding.
FOUND = "found"
DISPUTED = "disputed"
CHANNEL = "channel"
ENGINE_KEYS = frozenset({FOUND, DISPUTED, INSISTED, "person.central"})



@dataclass(frozen=True)
class Account:
    """An entry of the register of approved official accounts."""

    id: str
    name: str
    platform: str
    school: str


@dataclass(frozen=True)
class Evaluation:
    """Where a finished flow ends, with every rule behind it."""

    flow: str
    outcome: str  # "refuse", "allow", "approval" or "refer"
    refusals: tuple[Rule, ...] = ()
    warnings: tuple[Rule, ...] = ()
    requirements: tuple[Rule, ...] = ()
    answers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # What the reader saw that the outcome rests on, and the person's reason for disputing it.
    findings: tuple[Finding, ...] = ()
    dispute: str = ""

    @property
    def disputable(self) -> bool:
        """A refusal that rests only on what the reader saw: the person may say it's wrong."""
        return self.outcome == "refuse" and bool(self.findings) and all(
            set(r.when) == {FOUND} for r in self.refusals)

    @property
    def clauses(self) -> tuple[str, ...]:
        rules = self.refusals if self.outcome == "refuse" else self.requirements + self.warnings
        return sort_clauses({c for r in rules for c in r.clauses})


def sort_clauses(clauses: set[str] | Sequence[str]) -> tuple[str, ...]:
    def key(c: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else 0 for p in c.split("."))

    return tuple(sorted(set(clauses), key=key))


def rule_applies(rule: Rule, answers: Answers, person: Person) -> bool | None:
    """True or False once every question the rule looks at is answered; None before."""
    for key, wanted in rule.when.items():
        if key == "person.central":
            actual: Sequence[str] = ["true" if person.is_central else "false"]
        elif key in answers:
            actual = answers[key]
        else:
            return None
        if not set(actual) & set(wanted):
            return False
    return True


def findings_behind(rules: Sequence[Rule], answers: Answers,
                     findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """The findings an outcome rests on: one per fact that a rule which held looked for."""
    wanted = {v for r in rules for v in r.when.get(FOUND, ())}
    channel = (answers.get(CHANNEL) or [""])[0] or None
    out: dict[str, Finding] = {}
    for f in findings:
        if f.fact in wanted and f.applies_to(channel) and f.fact not in out:
            out[f.fact] = f
    return tuple(out.values())
