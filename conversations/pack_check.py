"""Checks a loaded policy pack: references, roles, clauses, and every path through each flow.

Paths are explored by running the real flow runner over every answer of every question (each
option of a multiple-choice question on its own), for a school and a central-team person, so
"unreachable" and "ends without an outcome" mean exactly what the bot would do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conversations.doubt import DOUBT, INSISTED, SUSPICION
from conversations.evaluation import DISPUTED, FOUND, Account
from conversations.flow_registry import REQUEST_FLOWS, REQUIRED_QUESTIONS
from conversations.flows import FlowRunner, Progress
from conversations.intent_registry import KNOWN_INTENTS
from conversations.messages import Choice, Question
from conversations.people import CENTRAL, Person
from conversations.policy import (
    APPROVER_ROLES,
    UNLISTED_ACCOUNT,
    Flow,
    PolicyPack,
)
from conversations.reader import NO_NAMES, Finding, KnownNames

_SAMPLE_ACCOUNTS = (Account("acct-1", "Sample account", "X", "Sample School"),)
_PEOPLE = (
    Person("school@check", "School person", "Sample School"),
    Person("central@check", "Central person", CENTRAL),
)


def check_pack(pack: PolicyPack) -> list[str]:
    problems: list[str] = []

    def fail(place: str, message: str) -> None:
        problems.append(f"{pack.source}: {place}: {message}")

    for i, tip in enumerate(pack.tips):
        for c in tip.clauses:
            if c not in pack.clauses:
                fail(f"tips[{i}]", f"cites clause {c}, which the pack does not define")
    for c in pack.consequences.clauses:
        if c not in pack.clauses:
            fail("consequences", f"cites clause {c}, which the pack does not define")
    for intent in pack.intents:
        if intent not in KNOWN_INTENTS:
            fail(f"intents.{intent}", f"unknown intent; known: {', '.join(sorted(KNOWN_INTENTS))}")
    for flow in pack.flows.values():
        _check_references(pack, flow, fail)
    if not problems:
        for flow in pack.flows.values():
            _check_paths(pack, flow, fail)
    return problems


def _check_references(pack: PolicyPack, flow: Flow, fail: Any) -> None:
    for qid in REQUIRED_QUESTIONS.get(flow.name, ()):
        if not flow.has_question(qid):
            fail(f"flows.{flow.name}.questions", f"must keep the question {qid!r}: the bot "
                                                 "reads its answer")
    seen: dict[str, set[str]] = {DISPUTED: {"true", "false"},
                                 INSISTED: {q.id for q in flow.questions if q.contradicted_by}}
    facts = set(pack.reader.facts) if pack.reader else set()
    for i, q in enumerate(flow.questions):
        place = f"flows.{flow.name}.questions[{i}] ({q.id})"
        if q.id in seen:
            fail(place, "a question with this id comes earlier")
        if q.reads and pack.reader is None:
            fail(place, "reads the draft, but the pack names no reader file")
        values = [o.value for o in q.options]
        if len(values) != len(set(values)):
            fail(place, "two options share a value")
        if q.kind in ("choice", "multi") and not q.options:
            fail(place, f"a {q.kind} question needs options")
        for key, wanted in (*q.ask_if.items(), *q.skip_if.items()):
            if key not in seen:
                fail(place, f"ask_if or skip_if refers to {key!r}, which is not an earlier "
                            "question (or \"found\" after a question that reads the draft)")
            elif seen[key] and not set(wanted) <= seen[key]:
                fail(place, f"ask_if or skip_if expects {sorted(set(wanted) - seen[key])} from "
                            f"{key!r}, which it never answers")
        seen[q.id] = set(values) | ({UNLISTED_ACCOUNT} if q.kind == "account" else set())
        if q.reads:
            seen[FOUND] = facts | {SUSPICION, DOUBT}
        if q.kind == "account":
            seen[q.id] = set()  # any account id may be chosen
    rule_ids: set[str] = set()
    for i, rule in enumerate(flow.rules):
        place = f"flows.{flow.name}.rules[{i}] ({rule.id})"
        if rule.id in rule_ids:
            fail(place, "a rule with this id comes earlier")
        rule_ids.add(rule.id)
        if not rule.clauses:
            fail(place, "cites no clause: every outcome must cite the clauses behind it")
        for c in rule.clauses:
            if c not in pack.clauses:
                fail(place, f"cites clause {c}, which the pack does not define")
        for role in rule.approvers:
            if role not in APPROVER_ROLES:
                fail(place, f"unknown approver role {role!r}; known: "
                            f"{', '.join(sorted(APPROVER_ROLES))}")
        if rule.outcome in ("approval", "refer") and not rule.approvers:
            fail(place, f"an {rule.outcome} rule must name its approvers")
        if not rule.explain:
            fail(place, "needs an explanation in plain words")
        for key, wanted in rule.when.items():
            if key == "person.central":
                if not set(wanted) <= {"true", "false"}:
                    fail(place, "person.central is true or false")
            elif key not in seen:
                fail(place, f"refers to {key!r}, which is not a question of this flow")
            elif key == FOUND and not set(wanted) <= seen[key]:
                fail(place, f"looks for {sorted(set(wanted) - seen[key])}, which the reader "
                            "file's `facts` does not define")
            elif seen[key] and not set(wanted) <= seen[key]:
                fail(place, f"expects {sorted(set(wanted) - seen[key])} from {key!r}, "
                            "which is not one of its options")


class _FactReader:
    """Stands in for the reader on the walk: a draft "fact:x" shows exactly the fact x."""

    def read(self, text: str, names: KnownNames = NO_NAMES) -> tuple[Finding, ...]:
        if not text.startswith("fact:"):
            return ()
        fact = text[5:].lstrip("?")
        return (Finding(fact, text, "the walk", "a sample finding", ("1.1",), "walk",
                        sure=not text.startswith("fact:?")),)


def _check_paths(pack: PolicyPack, flow: Flow, fail: Any) -> None:
    runner = FlowRunner(pack, _FactReader())
    asked: set[str] = set()
    ends = 0
    for person in _PEOPLE:
        for outcome, path in _walk(pack, runner, flow, person, asked):
            ends += 1
            if flow.name in REQUEST_FLOWS and outcome not in ("approval", "refer"):
                fail(f"flows.{flow.name}", f"the path {path} ends without a request "
                                           f"(outcome {outcome})")
                return
    for i, q in enumerate(flow.questions):
        if q.id not in asked:
            fail(f"flows.{flow.name}.questions[{i}] ({q.id})", "is never asked on any path")
    if not ends:
        fail(f"flows.{flow.name}", "no path ends in an outcome")


def _walk(
    pack: PolicyPack, runner: FlowRunner, flow: Flow, person: Person, asked: set[str]
) -> Iterator[tuple[str, list[str]]]:
    start = runner.start(None, flow.name, person, _SAMPLE_ACCOUNTS)
    stack: list[tuple[Progress, list[str]]] = [(start, [])]
    while stack:
        progress, path = stack.pop()
        if progress.finished is not None:
            yield progress.finished.outcome, path
            continue
        question = progress.replies[-1]
        assert isinstance(question, Question)
        at = str(progress.conversation.asked)
        asked.add(at)
        spec = flow.question(at)
        facts = sorted(pack.reader.facts) if spec.reads and pack.reader else []
        for answer in _answers(question, facts):
            nxt = runner.answer(progress.conversation, person, answer, _SAMPLE_ACCOUNTS)
            if nxt.stale or (nxt.finished is None and nxt.conversation.asked == at):
                continue
            stack.append((nxt, [*path, f"{at}={answer.values or 'text'}"]))


def _answers(question: Question, facts: list[str]) -> list[Choice]:
    if question.free_text:
        samples = ["sample", *(f"fact:{f}" for f in facts), *(f"fact:?{f}" for f in facts[:1])]
        return [Choice(question.token, text=t) for t in samples]
    return [Choice(question.token, values=(o.value,)) for o in question.options]
