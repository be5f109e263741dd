"""Walks a person through a flow of the policy pack, one question at a time.

Pure: every function takes the conversation state (a JSON dict) and returns a new one with the
messages to show. Nothing here reads storage or knows a platform. The state records the
answers so far and the token of the question now asked; an answer carrying another token is
an old question pressed again, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conversations.messages import Choice, Message, Option, Question, Text
from conversations.people import Person
from conversations.policy import UNLISTED_ACCOUNT, Flow, PolicyPack, QuestionSpec, Rule

State = dict[str, Any]
Answers = Mapping[str, Sequence[str]]


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

    @property
    def clauses(self) -> tuple[str, ...]:
        rules = self.refusals if self.outcome == "refuse" else self.requirements + self.warnings
        return sort_clauses({c for r in rules for c in r.clauses})


@dataclass
class Progress:
    state: State
    replies: list[Message] = field(default_factory=list)
    finished: Evaluation | None = None
    answered: tuple[str, ...] = ()
    stale: bool = False


def sort_clauses(clauses: set[str] | Sequence[str]) -> tuple[str, ...]:
    def key(c: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else 0 for p in c.split("."))

    return tuple(sorted(set(clauses), key=key))


def idle(state: State | None) -> State:
    """A state with no flow under way, keeping the question counter."""
    return {"flow": None, "seq": int((state or {}).get("seq", 0))}


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


def should_ask(question: QuestionSpec, answers: Answers) -> bool:
    return all(set(answers.get(k, ())) & set(v) for k, v in question.ask_if.items())


class FlowRunner:
    def __init__(self, pack: PolicyPack) -> None:
        self.pack = pack

    def start(
        self, state: State | None, flow_name: str, person: Person, accounts: Sequence[Account],
        preset: Mapping[str, Sequence[str]] | None = None,
    ) -> Progress:
        """Begin ``flow_name``; ``preset`` answers (e.g. a draft already typed) are kept."""
        fresh: State = {
            "flow": flow_name,
            "seq": int((state or {}).get("seq", 0)),
            "answers": {k: list(v) for k, v in (preset or {}).items()},
        }
        return self._advance(fresh, person, accounts)

    def answer(
        self, state: State, person: Person, choice: Choice, accounts: Sequence[Account]
    ) -> Progress:
        flow = self.pack.flow(state["flow"])
        if choice.token != state.get("token"):
            return Progress(state, stale=True)
        question = flow.question(state["asked"])
        values, problem = self._read_answer(question, choice, accounts)
        if problem:
            return Progress(state, replies=[Text(problem), self._ask(question, state, accounts)])
        new_state = {**state, "answers": {**state["answers"], question.id: values}}
        progress = self._advance(new_state, person, accounts)
        progress.answered = tuple(self._label(question, v, accounts) for v in values)
        return progress

    def current_question(self, state: State, accounts: Sequence[Account]) -> Question | None:
        if not state.get("flow") or not state.get("asked"):
            return None
        question = self.pack.flow(state["flow"]).question(state["asked"])
        return self._ask(question, state, accounts)

    def evaluate(self, flow: Flow, answers: Answers, person: Person) -> Evaluation:
        applied = [r for r in flow.rules if rule_applies(r, answers, person)]
        frozen = {k: tuple(v) for k, v in answers.items()}
        refusals = tuple(r for r in applied if r.outcome == "refuse")
        warnings = tuple(r for r in applied if r.outcome == "warn")
        if refusals:
            return Evaluation(flow.name, "refuse", refusals, warnings, (), frozen)
        needs = tuple(r for r in applied if r.outcome in ("approval", "refer"))
        if any(r.outcome == "refer" for r in needs):
            return Evaluation(flow.name, "refer", (), warnings, needs, frozen)
        if needs:
            return Evaluation(flow.name, "approval", (), warnings, needs, frozen)
        return Evaluation(flow.name, "allow", (), warnings, (), frozen)

    # -- internals ---------------------------------------------------------------------

    def _advance(self, state: State, person: Person, accounts: Sequence[Account]) -> Progress:
        """Ask the next question that still matters, or finish the flow."""
        flow = self.pack.flow(state["flow"])
        answers = state["answers"]
        # Stop as soon as a refusal is certain: no question after it can change that.
        if any(
            r.outcome == "refuse" and rule_applies(r, answers, person) for r in flow.rules
        ):
            return self._finish(state, flow, person)
        for question in flow.questions:
            if question.id in answers or not should_ask(question, answers):
                continue
            seq = int(state.get("seq", 0)) + 1
            asked = {**state, "asked": question.id, "seq": seq, "token": f"q{seq}"}
            return Progress(asked, replies=[self._ask(question, asked, accounts)])
        return self._finish(state, flow, person)

    def _finish(self, state: State, flow: Flow, person: Person) -> Progress:
        evaluation = self.evaluate(flow, state["answers"], person)
        return Progress(idle(state), finished=evaluation)

    def _options(self, question: QuestionSpec, accounts: Sequence[Account]) -> tuple[Option, ...]:
        if question.kind == "account":
            listed = tuple(
                Option(a.id, f"{a.name} ({a.platform}, {a.school})"[:75]) for a in accounts
            )
            return listed + (Option(UNLISTED_ACCOUNT, "It isn't listed"),)
        return tuple(Option(o.value, o.label) for o in question.options)

    def _ask(self, question: QuestionSpec, state: State, accounts: Sequence[Account]) -> Question:
        return Question(
            token=str(state["token"]),
            prompt=question.prompt,
            options=self._options(question, accounts),
            multiple=question.kind == "multi",
            free_text=question.kind == "text",
        )

    def _label(self, question: QuestionSpec, value: str, accounts: Sequence[Account]) -> str:
        if question.kind == "text":
            return value
        return next((o.label for o in self._options(question, accounts) if o.value == value), value)

    def _read_answer(
        self, question: QuestionSpec, choice: Choice, accounts: Sequence[Account]
    ) -> tuple[list[str], str]:
        """The answer's values, or an explanation of why it can't be taken."""
        if question.kind == "text":
            text = choice.text.strip() or " ".join(choice.values).strip()
            return ([text], "") if text else ([], "Please type your answer.")
        options = self._options(question, accounts)
        values = list(choice.values) or _match_typed(choice.text, options, question.kind == "multi")
        known = {o.value for o in options}
        if not values or any(v not in known for v in values):
            return [], "Please choose from the options below."
        if question.kind != "multi" and len(values) != 1:
            return [], "Please choose one option."
        if "none" in values and len(values) > 1:
            values = [v for v in values if v != "none"]
        return list(dict.fromkeys(values)), ""


def _match_typed(text: str, options: Sequence[Option], multiple: bool) -> list[str]:
    """Reads a typed answer: option numbers ("1, 3"), a label, or yes / no."""
    text = text.strip().lower()
    if not text:
        return []
    parts = [p.strip() for p in text.replace(",", " ").split()] if multiple else [text]
    if all(p.isdigit() for p in parts):
        picked = [options[int(p) - 1].value for p in parts if 0 < int(p) <= len(options)]
        return picked if len(picked) == len(parts) else []
    for option in options:
        if text in (option.label.lower(), option.value.lower()):
            return [option.value]
    starts = [o.value for o in options if o.label.lower().startswith(text)]
    return starts if len(starts) == 1 else []
