"""Creating requests and carrying out decisions, inside a turn's transaction.

Records and their indexes are kept by :mod:`bot.request_store`; every key is in
:mod:`bot.keys`. Approved new accounts join the register (``account/<id>``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot import keys, request_store
from bot.delegation import active_delegate
from bot.delivery import platform_of
from bot.request_ids import RequestIds
from bot.turn_context import TurnContext
from bot.tx import Tx
from conversations import render
from conversations.evaluation import Account, Evaluation
from conversations.flow_registry import KIND_OF_FLOW, NEW_ACCOUNT, REPORT_CONCERN
from conversations.messages import Message, Outbound
from conversations.notices import Occasion, notices
from conversations.people import PeopleIndex, Person
from conversations.people_search import PERSON_PREFIX
from conversations.policy import PolicyPack
from conversations.requests import (
    RequestRecord,
    acknowledge,
    decide,
    new_request,
    withdraw,
)
from conversations.routing import RouteStep, Unroutable, route_approval, route_referral
from conversations.timefmt import iso

ID_PREFIX = "SM"


@dataclass
class DeskResult:
    replies: list[Message] = field(default_factory=list)
    outbound: list[Outbound] = field(default_factory=list)
    record: RequestRecord | None = None
    refusal: str = ""


class ApprovalDesk:
    def __init__(self, pack: PolicyPack, ids: RequestIds) -> None:
        self.pack = pack
        self.ids = ids

    async def create(self, ctx: TurnContext, evaluation: Evaluation) -> DeskResult:
        tx, person, people, now = ctx.tx, ctx.person, ctx.people, ctx.now
        accounts = ctx.accounts
        flow = self.pack.flow(evaluation.flow)
        answers = evaluation.answers
        account = next((a for a in accounts if a.id in answers.get("account", ())), None)
        subject, school = report_subject(answers, people)
        try:
            if evaluation.outcome == "refer":
                steps = route_referral(evaluation.requirements, person, people, subject, school)
            else:
                steps = route_approval(evaluation.requirements, person, people,
                                       account.school if account else "")
        except Unroutable as exc:
            tx.append_audit(now, {"event": "unroutable", "actor": person.email,
                                  "flow": flow.name, "detail": str(exc)})
            return DeskResult(refusal=f"I couldn't find anyone to take this: {exc}. "
                                      f"Please contact {self.pack.contact}.")
        request_id = await self.ids.next()
        shown = self._answers_that_mattered(evaluation, account, people)
        extra: RequestRecord = {"warnings": [w.explain for w in evaluation.warnings]}
        if evaluation.findings:
            extra["findings"] = [f.sentence() for f in evaluation.findings]
        if evaluation.dispute:
            extra["dispute"] = evaluation.dispute
        if account:
            extra["account_id"] = account.id
        if flow.name == REPORT_CONCERN.name:
            extra["subject"] = subject.email if subject else ""
        if flow.name == NEW_ACCOUNT.name:
            extra["account"] = {
                "platform": flow.question("platform").label_of(answers["platform"][0]),
                "name": answers["name"][0], "purpose": answers["purpose"][0],
                "runner": answers["runner"][0], "school": person.school,
            }
        draft_key = flow.draft_question
        record = new_request(
            request_id=request_id, kind=KIND_OF_FLOW[flow.name], requester=person.email,
            requester_name=person.name, school=person.school, now=iso(now), steps=steps,
            names={s.approver: _name(people, s) for s in steps},
            draft=(answers.get(draft_key) or [""])[0], answers=shown,
            answer_values={k: list(v) for k, v in answers.items() if k != draft_key},
            clauses=evaluation.clauses, rules=[r.id for r in evaluation.requirements],
            sequential=evaluation.outcome == "approval", extra=extra,
        )
        if record["kind"] != "concern":  # a report is never passed to a delegate (8.2)
            await self._delegate_new_steps(tx, record, people, now)
        await request_store.commit(tx, None, record)
        outbound = notices(None, record, Occasion("created"))
        tx.append_audit(now, {"event": "created", "request": request_id, "actor": person.email,
                              "kind": record["kind"], "clauses": record["clauses"],
                              "approvers": [s.approver for s in steps],
                              **await self._for_the_report(tx, person, evaluation, subject,
                                                           school)})
        return DeskResult(render.request_created(self.pack, record), outbound, record)

    async def act(self, ctx: TurnContext, name: str, request_id: str,
                  comment: str) -> DeskResult:
        """Approve, reject, acknowledge or withdraw; refusals are recorded, nothing changes."""
        tx, person, now = ctx.tx, ctx.person, ctx.now
        record = await request_store.load(tx, request_id)
        if record is None or (record["kind"] == "concern" and
                              not request_store.knows_of(record, person.email)):
            if record is not None:  # the attempt is recorded, for governance only
                tx.append_audit(now, {"event": "refused", "request": request_id,
                                      "actor": person.email, "reason": "not_involved",
                                      "attempted": name})
            # A report is known only to its reporter and those it was referred to: to
            # anyone else, and above all the person it is about, it does not exist.
            return DeskResult(refusal=f"I can't find a request {request_id}.")
        stamp = iso(now)
        if name in ("approve", "reject"):
            change = decide(record, person.email, name, comment, stamp, person.name)
        elif name == "acknowledge":
            change = acknowledge(record, person.email, stamp)
        elif name == "withdraw":
            change = withdraw(record, person.email, stamp)
        else:
            return DeskResult(refusal="That button isn't one I know.")
        for event in change.events:
            tx.append_audit(now, event)
        if not change.applied:
            return DeskResult(record=record, refusal=change.refusal)
        await request_store.commit(tx, record, change.record)
        if change.record["status"] == "approved" and record["status"] != "approved" \
                and change.record["kind"] == "account":
            self._register_account(tx, change.record)
        occasion = Occasion("decided", actor=person.email, actor_name=person.name)
        return DeskResult(record=change.record,
                          outbound=notices(record, change.record, occasion))

    async def _delegate_new_steps(
        self, tx: Tx, record: RequestRecord, people: PeopleIndex, now: datetime
    ) -> None:
        """Steps of an approver who is away go straight to their delegate."""
        for step in record["steps"]:
            delegate = await active_delegate(tx, step["approver"], now.date())
            person = people.get(delegate) if delegate else None
            if person is None or person.email == record["requester"]:
                continue
            step.update({"on_behalf_of": step["approver"],
                         "on_behalf_of_name": step["approver_name"],
                         "approver": person.email, "approver_name": person.name})

    async def _for_the_report(self, tx: Tx, person: Person, evaluation: Evaluation,
                              subject: Person | None, school: str) -> dict[str, object]:
        """What the governance report counts a request by, kept in its audit entry because
        retention later removes the answers and findings from the request itself. Never a
        name: a concern's category and the school it concerns, not who it is about."""
        facts: dict[str, object] = {
            "school": person.school, "platform": await platform_of(tx.storage, person.email),
            "found": [f.fact for f in evaluation.findings],
            "disputed": bool(evaluation.dispute)}
        if evaluation.flow == REPORT_CONCERN.name:
            facts["category"] = (evaluation.answers.get("about") or [""])[0]
            facts["about_school"] = subject.school if subject else (school or person.school)
        return facts

    def _register_account(self, tx: Tx, record: RequestRecord) -> None:
        acc = record["account"]
        account_id = f"acct-{record['id']}"
        tx.put(keys.account(account_id), {
            "id": account_id, "name": acc["name"], "platform": acc["platform"],
            "school": acc["school"], "purpose": acc["purpose"], "runner": acc["runner"],
            "request": record["id"], "approved_by": record["decided_by"],
            "approved_at": record["decided_at"],
        })

    def preview_referral(self, person: Person, people: PeopleIndex,
                         evaluation: Evaluation) -> list[Person]:
        """Who a report would reach, to tell the reporter before it is sent; raises
        :class:`Unroutable` when no one can take it."""
        subject, school = report_subject(evaluation.answers, people)
        steps = route_referral(evaluation.requirements, person, people, subject, school)
        return [p for p in (people.get(s.approver) for s in steps) if p is not None]

    def _answers_that_mattered(
        self, evaluation: Evaluation, account: Account | None, people: PeopleIndex
    ) -> list[tuple[str, str]]:
        """Every answer given, for the approver's card: all of them bear on the decision
        (consent for the pupils shown, say), except "none of these" and the draft itself,
        which the card shows as its body."""
        flow = self.pack.flow(evaluation.flow)
        shown = []
        for q in flow.questions:
            values = [v for v in evaluation.answers.get(q.id, ()) if v != "none"]
            if not values or q.id == flow.draft_question:
                continue
            if q.kind == "account" and account is not None:
                label = f"{account.name} ({account.platform}, {account.school})"
            elif q.kind == "person":
                label = ", ".join(_person_label(v, q.label_of(v), people) for v in values)
            else:
                label = ", ".join(q.label_of(v) for v in values)
            shown.append((q.short, label))
        return shown


def report_subject(answers: Mapping[str, Sequence[str]],
                   people: PeopleIndex) -> tuple[Person | None, str]:
    """The person a report is about (when in the directory) and the school it concerns."""
    chosen = next((v for v in answers.get("subject", ()) if v.startswith(PERSON_PREFIX)), "")
    subject = people.get(chosen[len(PERSON_PREFIX):]) if chosen else None
    return subject, (answers.get("school") or [""])[0]


def _person_label(value: str, label: str, people: PeopleIndex) -> str:
    if value.startswith(PERSON_PREFIX):
        found = people.get(value[len(PERSON_PREFIX):])
        return f"{found.name} ({found.school})" if found else value[len(PERSON_PREFIX):]
    return label


def _name(people: PeopleIndex, step: RouteStep) -> str:
    person = people.get(step.approver)
    return person.name if person else step.approver
