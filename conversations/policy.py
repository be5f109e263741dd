"""The policy pack as typed objects: clauses, flows, questions, rules and approver roles.

This module is the model only. Loading a pack from YAML is :mod:`conversations.pack_loader`;
checking every path through it is :mod:`conversations.pack_check`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from conversations.faq import FaqEntry
from conversations.flow_registry import REQUIRED_QUESTIONS
from conversations.reader_spec import ReaderSpec

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
QUESTION_KINDS = frozenset({"text", "choice", "multi", "account", "person", "school",
                            "suspicions"})
OUTCOMES = frozenset({"refuse", "warn", "approval", "refer"})
# The answer value the "account" question gives when the account is not in the register.
UNLISTED_ACCOUNT = "unlisted"

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
    # Answers the draft's own words can contradict: {answer value: [facts]}.
    contradicted_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # What the challenge says happens if the contradicted answer is given again.
    if_insisted: str = "if you give the same answer, the post goes for approval with both."

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
class PolicyTip:
    """A line of advice the policy gives with every answer (clauses cited), e.g. "check
    your privacy settings". Not to be confused with an approver's reminder (due work)."""

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
    tips: tuple[PolicyTip, ...]
    consequences: PolicyTip
    intents: Mapping[str, tuple[str, ...]]
    reader: ReaderSpec | None = None
    faq: tuple[FaqEntry, ...] = ()
    faq_synonyms: Mapping[str, str] = field(default_factory=dict)

    def flow(self, name: str) -> Flow:
        return self.flows[name]

    def clause(self, number: str) -> Clause:
        return self.clauses[number]
