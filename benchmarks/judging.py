"""Reads what the bot said at the end of a check: outcome, first approver, clauses, facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conversations.conversation import Conversation
from conversations.evaluation import FOUND
from conversations.flows import effective_answers
from conversations.messages import Card, TurnResult

TITLES = (("Not permitted", "refuse"), ("Not yet", "revise"), ("Fine to post", "allow"),
          ("Needs approval", "approval"))


@dataclass
class Outcome:
    outcome: str
    approver: str = ""
    clauses: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def matches(self, wanted: dict[str, Any]) -> bool:
        if self.outcome != wanted["outcome"]:
            return False
        if self.outcome == "approval" and wanted["approver"] and \
                self.approver != wanted["approver"]:
            return False
        return set(wanted["clauses"]) <= set(self.clauses)

    def summary(self) -> str:
        who = f" to {self.approver}" if self.approver else ""
        return f"{self.outcome}{who} citing {self.clauses} after {self.asked}"


async def outcome_of(app: Any, result: TurnResult, asked: list[str],
                     state: dict[str, Any]) -> Outcome:
    cards = [m for m in result.replies if isinstance(m, Card)]
    outcome, card = "none", None
    for c in cards:
        for prefix, name in TITLES:
            if c.title.startswith(prefix):
                outcome, card = name, c
    clauses = []
    if card is not None:
        cited = dict(card.fields).get("Clauses", "")
        clauses = [c.strip() for c in cited.split(",") if c.strip()]
    approver = ""
    if outcome == "approval" and card is not None and card.request_id:
        record = await app.storage.get(f"request/{card.request_id}")
        approver = record.value["steps"][0]["approver"] if record else ""
    last = Conversation.from_json(state).last_check
    facts = effective_answers(Conversation(answers=last.answers, findings=last.findings)).get(
        FOUND, []) if last else []
    return Outcome(outcome, approver, clauses, list(facts), list(asked))
