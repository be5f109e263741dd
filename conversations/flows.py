"""Walks a person through a flow of the policy pack, one question at a time.

Pure: every function takes the conversation state (a JSON dict) and returns a new one with the
messages to show. Nothing here reads storage or knows a platform. The state records the
answers so far and the token of the question now asked; an answer carrying another token is
an old question pressed again, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conversations.doubt import (
    DISMISSED,
    INSISTED,
    SUSPECTED,
    challenge_text,
    contradiction,
    found_facts,
    suspicions,
)
from conversations.messages import Choice, Message, Option, Question, Text
from conversations.people import CENTRAL, Person
from conversations.people_search import Someone, find_people
from conversations.policy import UNLISTED_ACCOUNT, Flow, PolicyPack, QuestionSpec, Rule
from conversations.reader import NO_NAMES, DraftReader, Finding, KnownNames, Reader
from conversations.typed_answers import match_typed as _match_typed
from conversations.typed_answers import speaker_named

# Answers the engine supplies itself, beside the person's: what the reader found in the draft
# (facts that matter where the post goes) and whether the person disputed a finding.
FOUND = "found"
DISPUTED = "disputed"
CHANNEL = "channel"
ENGINE_KEYS = frozenset({FOUND, DISPUTED, INSISTED, "person.central"})

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


def findings_of(state: State) -> tuple[Finding, ...]:
    return tuple(Finding.from_json(f) for f in state.get("findings") or ())


def effective_answers(state: State) -> dict[str, list[str]]:
    """The person's answers with the engine's own: the facts found where the post goes."""
    answers: dict[str, list[str]] = {k: list(v) for k, v in state.get("answers", {}).items()}
    if "findings" in state:
        channel = (answers.get(CHANNEL) or [""])[0] or None
        answers[FOUND] = found_facts(findings_of(state), channel, answers.get(SUSPECTED))
    answers[DISPUTED] = ["true" if state.get("dispute") else "false"]
    answers[INSISTED] = list(state.get("insisted") or ())
    return answers


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
    if any(set(answers.get(k, ())) & set(v) for k, v in question.skip_if.items()):
        return False
    return all(set(answers.get(k, ())) & set(v) for k, v in question.ask_if.items())


class FlowRunner:
    def __init__(self, pack: PolicyPack, reader: DraftReader | None = None) -> None:
        self.pack = pack
        self.reader: DraftReader | None = reader or (
            Reader(pack.reader) if pack.reader else None)

    def start(
        self, state: State | None, flow_name: str, person: Person, accounts: Sequence[Account],
        preset: Mapping[str, Sequence[str]] | None = None, names: KnownNames = NO_NAMES,
    ) -> Progress:
        """Begin ``flow_name``; ``preset`` answers (e.g. a draft already typed) are kept."""
        fresh: State = {
            "flow": flow_name,
            "seq": int((state or {}).get("seq", 0)),
            "answers": {k: list(v) for k, v in (preset or {}).items()},
        }
        if any(q.kind == "school" for q in self.pack.flow(flow_name).questions):
            fresh["schools"] = list(names.schools)
        for question in self.pack.flow(flow_name).questions:
            if question.reads and question.id in fresh["answers"]:
                fresh = self._read(fresh, fresh["answers"][question.id][0], names)
        return self._advance(fresh, person, accounts)

    def resume(self, check: State, person: Person, accounts: Sequence[Account],
               dispute: str) -> Progress:
        """Carry on a finished check whose findings the person disputes, with their reason."""
        resumed = {**check, "dispute": dispute}
        resumed.pop("asked", None)
        return self._advance(resumed, person, accounts)

    def answer(self, state: State, person: Person, choice: Choice,
               accounts: Sequence[Account], names: KnownNames = NO_NAMES) -> Progress:
        flow = self.pack.flow(state["flow"])
        if choice.token != state.get("token"):
            return Progress(state, stale=True)
        question = flow.question(state["asked"])
        if question.kind == "person" and not choice.values and choice.text.strip():
            typed = _match_typed(choice.text, self._options(question, accounts, state), False)
            if not typed:
                return self._named(state, person, question, choice.text, accounts, names)
            choice = Choice(choice.token, tuple(typed))
        values, problem = self._read_answer(question, choice, accounts, state)
        if problem:
            return Progress(state, replies=[Text(problem), self._ask(question, state, accounts)])
        values = speaker_named(flow.name, question.id, values, person.name)  # "me": a name
        clash = contradiction(question, values, findings_of(state))
        if question.kind == "suspicions" and values == ["none"]:
            clash = self._first_suspect(state)
        if clash is not None and state.get("challenged") != question.id:
            seq = int(state.get("seq", 0)) + 1
            again = {**state, "challenged": question.id, "seq": seq, "token": f"q{seq}"}
            label = self._label(question, values[0], accounts, state)
            source = "draft" if flow.has_question("draft") else "description"
            return Progress(again, replies=[Text(challenge_text(label, clash, question, source)),
                                            self._ask(question, again, accounts)])
        new_state = {**state, "answers": {**state["answers"], question.id: values}}
        if clash is not None and question.kind == "suspicions":
            # Said twice: what was noticed stands, and the person's word takes it to the
            # line manager, as a disputed finding does, with both on the card.
            new_state["answers"][question.id] = list(state.get("suspects") or ())
            new_state["dispute"] = DISMISSED
        elif clash is not None:
            new_state["insisted"] = [*(state.get("insisted") or ()), question.id]
        if question.reads:
            new_state = self._read(new_state, values[0], names)
        progress = self._advance(new_state, person, accounts)
        progress.answered = tuple(self._label(question, v, accounts, new_state) for v in values)
        return progress

    def _named(self, state: State, person: Person, question: QuestionSpec, text: str,
               accounts: Sequence[Account], names: KnownNames) -> Progress:
        """A name typed for a person question: one match is the answer; several are offered
        to choose from; none is said, and the question asked again."""
        found = find_people(text, [Someone(*p) for p in names.people])
        choices = {**(state.get("choices") or {}),
                   question.id: [[p.value, p.label] for p in found]}
        if len(found) == 1:
            chosen = {**state, "choices": choices,
                      "answers": {**state["answers"], question.id: [found[0].value]}}
            progress = self._advance(chosen, person, accounts)
            progress.answered = (found[0].label,)
            return progress
        seq = int(state.get("seq", 0)) + 1
        again = {**state, "choices": choices, "seq": seq, "token": f"q{seq}"}
        said = (f"Several people in the staff directory match “{text[:80]}”. Which one?"
                if found else f"I can't find “{text[:80]}” in the staff directory. Type "
                              "their name again, or choose:")
        return Progress(again, replies=[Text(said), self._ask(question, again, accounts)])

    def current_question(self, state: State, accounts: Sequence[Account]) -> Question | None:
        if not state.get("flow") or not state.get("asked"):
            return None
        question = self.pack.flow(state["flow"]).question(state["asked"])
        return self._ask(question, state, accounts)

    def evaluate(self, flow: Flow, answers: Answers, person: Person,
                 findings: Sequence[Finding] = (), dispute: str = "") -> Evaluation:
        applied = self._applied(flow, answers, person)
        held = [r for r in flow.rules if rule_applies(r, answers, person)]
        frozen = {k: tuple(v) for k, v in answers.items() if k not in ENGINE_KEYS}
        refusals = tuple(r for r in applied if r.outcome == "refuse")
        warnings = tuple(r for r in applied if r.outcome == "warn")
        behind = _findings_behind(held, answers, findings)
        needs = tuple(r for r in applied if r.outcome in ("approval", "refer"))
        if refusals:
            outcome, needs = "refuse", ()
        elif any(r.outcome == "refer" for r in needs):
            outcome = "refer"
        else:
            outcome = "approval" if needs else "allow"
        return Evaluation(flow.name, outcome, refusals, warnings, needs, frozen, behind, dispute)

    def _applied(self, flow: Flow, answers: Answers, person: Person) -> list[Rule]:
        """The rules that hold. Under a dispute, refusals resting only on what the reader
        saw become the line manager's approval, citing the clauses they cited."""
        applied = [r for r in flow.rules if rule_applies(r, answers, person)]
        if DISPUTED not in answers or "true" not in answers[DISPUTED]:
            return applied
        disputed = [r for r in applied if r.outcome == "refuse" and set(r.when) == {FOUND}]
        kept = [r for r in applied if r not in disputed]
        out = []
        for r in kept:
            if set(r.when) == {DISPUTED}:
                cited = sort_clauses({c for d in disputed for c in d.clauses} or set(r.clauses))
                r = replace(r, clauses=cited)
            out.append(r)
        return out

    # -- internals ---------------------------------------------------------------------

    def _read(self, state: State, text: str, names: KnownNames) -> State:
        found = self.reader.read(text, names) if self.reader else ()
        return {**state, "findings": [f.to_json() for f in found]}

    def _advance(self, state: State, person: Person, accounts: Sequence[Account]) -> Progress:
        """Ask the next question that still matters, or finish the flow."""
        flow = self.pack.flow(state["flow"])
        answers = effective_answers(state)
        # Stop as soon as a refusal is certain: no question after it can change that.
        if any(r.outcome == "refuse" for r in self._applied(flow, answers, person)):
            return self._finish(state, flow, person)
        for question in flow.questions:
            if question.id in answers or not should_ask(question, answers):
                continue
            if question.kind == "suspicions":
                # Only what could still change the outcome is worth asking about.
                worth = self._raising(flow, answers, person, state)
                if not worth:
                    state = {**state, "answers": {**state["answers"], question.id: ["none"]}}
                    answers = effective_answers(state)
                    continue
                state = {**state, "suspects": worth}
            seq = int(state.get("seq", 0)) + 1
            asked = {**state, "asked": question.id, "seq": seq, "token": f"q{seq}"}
            return Progress(asked, replies=[self._ask(question, asked, accounts)])
        return self._finish(state, flow, person)

    def _first_suspect(self, state: State) -> Finding | None:
        channel = (state.get("answers", {}).get(CHANNEL) or [""])[0] or None
        wanted = state.get("suspects") or ()
        return next((f for f in suspicions(findings_of(state), channel) if f.fact in wanted),
                    None)

    def _raising(self, flow: Flow, answers: Answers, person: Person, state: State) -> list[str]:
        """The suspected facts that, if confirmed, would make the outcome stricter."""
        rank = {"allow": 0, "approval": 1, "refer": 1, "refuse": 2}
        now = rank[self.evaluate(flow, answers, person).outcome]
        channel = (answers.get(CHANNEL) or [""])[0] or None
        found = set(answers.get(FOUND, ()))
        return [f.fact for f in suspicions(findings_of(state), channel)
                if rank[self.evaluate(flow, {**answers, FOUND: sorted(found | {f.fact})},
                                      person).outcome] > now]

    def _finish(self, state: State, flow: Flow, person: Person) -> Progress:
        evaluation = self.evaluate(flow, effective_answers(state), person, findings_of(state),
                                   str(state.get("dispute") or ""))
        done = idle(state)
        if "findings" in state and flow.has_question("draft"):
            # Kept so the person can dispute a finding or check a revised draft again.
            done["last_check"] = {"id": f"c{state.get('seq', 0)}",
                                  **{k: state[k] for k in ("flow", "answers", "findings")}}
        return Progress(done, finished=evaluation)

    def _options(self, question: QuestionSpec, accounts: Sequence[Account],
                 state: State) -> tuple[Option, ...]:
        if question.kind == "school":
            schools = [Option(s, s) for s in state.get("schools") or ()]
            return (*schools, Option(CENTRAL, "The Trust's central team"))
        if question.kind == "person":
            found = [Option(v, label) for v, label in
                     (state.get("choices") or {}).get(question.id, ())]
            return (*found, *(Option(o.value, o.label) for o in question.options))
        if question.kind == "suspicions":
            channel = (state.get("answers", {}).get(CHANNEL) or [""])[0] or None
            return (*(Option(f.fact, self._fact_title(f.fact))
                      for f in suspicions(findings_of(state), channel)
                      if f.fact in state.get("suspects", (f.fact,))),
                    Option("none", "None of these"))
        if question.kind == "account":
            listed = tuple(
                Option(a.id, f"{a.name} ({a.platform}, {a.school})"[:75]) for a in accounts
            )
            return listed + (Option(UNLISTED_ACCOUNT, "It isn't listed"),)
        return tuple(Option(o.value, o.label) for o in question.options)

    def _fact_title(self, fact: str) -> str:
        titles = self.pack.reader.facts if self.pack.reader else {}
        title = titles[fact].title if fact in titles else fact
        return (title[:1].upper() + title[1:])[:75]

    def _ask(self, question: QuestionSpec, state: State, accounts: Sequence[Account]) -> Question:
        # Say what was seen that made the question worth asking.
        facts = set(question.ask_if.get(FOUND, ()))
        channel = (state.get("answers", {}).get(CHANNEL) or [""])[0] or None
        seen = [f.sentence() for f in findings_of(state)
                if f.fact in facts and f.applies_to(channel)]
        if question.kind == "suspicions":
            seen = [" ".join(f.sentence() for f in suspicions(findings_of(state), channel)
                             if f.fact in state.get("suspects", (f.fact,)))]
        return Question(
            token=str(state["token"]),
            prompt=question.prompt,
            options=self._options(question, accounts, state),
            multiple=question.kind in ("multi", "suspicions"),
            free_text=question.kind == "text",
            detail=" ".join(seen[:1]),
            name=question.id,
        )

    def _label(self, question: QuestionSpec, value: str, accounts: Sequence[Account],
               state: State) -> str:
        if question.kind == "text":
            return value
        options = self._options(question, accounts, state)
        return next((o.label for o in options if o.value == value), value)

    def _read_answer(
        self, question: QuestionSpec, choice: Choice, accounts: Sequence[Account], state: State
    ) -> tuple[list[str], str]:
        """The answer's values, or an explanation of why it can't be taken."""
        if question.kind == "text":
            text = choice.text.strip() or " ".join(choice.values).strip()
            return ([text], "") if text else ([], "Please type your answer.")
        options = self._options(question, accounts, state)
        values = list(choice.values) or _match_typed(choice.text, options,
                                                     question.kind in ("multi", "suspicions"))
        known = {o.value for o in options}
        if not values or any(v not in known for v in values):
            return [], "Please choose from the options below."
        if question.kind not in ("multi", "suspicions") and len(values) != 1:
            return [], "Please choose one option."
        if "none" in values and len(values) > 1:
            values = [v for v in values if v != "none"]
        return list(dict.fromkeys(values)), ""


def _findings_behind(rules: Sequence[Rule], answers: Answers,
                     findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """The findings an outcome rests on: one per fact that a rule which held looked for."""
    wanted = {v for r in rules for v in r.when.get(FOUND, ())}
    channel = (answers.get(CHANNEL) or [""])[0] or None
    out: dict[str, Finding] = {}
    for f in findings:
        if f.fact in wanted and f.applies_to(channel) and f.fact not in out:
            out[f.fact] = f
    return tuple(out.values())
