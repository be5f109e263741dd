"""Requests and their decisions, as pure functions over a JSON record.

A request is created when a flow ends in *needs approval* (a post, a new account) or in a
referral (a concern). Its steps are decided in order, each by its assigned approver only; a
decided request never changes again. Every function returns the new record (or the same one,
unchanged) and the audit events that describe what happened, refusals included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from conversations.routing import RouteStep
from conversations.timefmt import when


class StepHistory(TypedDict):
    """One move of a step to another approver (escalation, delegation)."""

    to: str
    reason: str
    at: str


class StepRecord(TypedDict, total=False):
    """One approver's part of a request. Times are stored stamps (conversations.timefmt)."""

    approver: str
    approver_name: str
    role: str
    clauses: list[str]
    state: str  # "waiting", "pending", "approved", "rejected", "acknowledged", "cancelled"
    asked_at: str | None
    reminded_at: str | None
    decided_at: str | None
    decided_by: str | None
    decided_by_name: str
    comment: str
    history: list[dict[str, str]]
    escalated_at: str
    on_behalf_of: str
    on_behalf_of_name: str


class RequestRecord(TypedDict, total=False):
    """A request as stored under ``request/<id>`` (see bot/request_store.py)."""

    id: str
    kind: str  # "post", "account", "concern"
    requester: str
    requester_name: str
    school: str
    created_at: str
    status: str  # "pending", "referred", "approved", "rejected", "withdrawn", "expired", ...
    draft: str
    answers: list[list[str]]
    answer_values: dict[str, list[str]]
    clauses: list[str]
    rules: list[str]
    sequential: bool
    current: int
    steps: list[StepRecord]
    decided_at: str | None
    decided_by: str | None
    decided_by_name: str
    comment: str
    # What a kind of request adds: the account asked for, a concern's subject, a dispute...
    warnings: list[str]  # what the policy says to bear in mind
    findings: list[str]  # what the reader saw in the draft, in sentences
    dispute: str  # the requester's own words when they disputed a finding
    account_id: str  # a post on a registered account
    account: dict[str, str]  # a new account asked for
    subject: str  # a concern's subject (email), "" when not in the directory
    purged_at: str  # personal data removed by retention

OPEN_STATES = frozenset({"pending", "referred"})


@dataclass
class Change:
    """The outcome of an action on a request.

    ``applied``: the record changed. ``refusal``: why nothing changed (for the actor).
    ``events``: audit entries to append (every attempt is recorded, refused ones too).
    """

    record: RequestRecord
    applied: bool
    refusal: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)


def new_request(
    *,
    request_id: str,
    kind: str,
    requester: str,
    requester_name: str,
    school: str,
    now: str,
    steps: Sequence[RouteStep],
    names: dict[str, str],
    draft: str,
    answers: list[tuple[str, str]],
    answer_values: dict[str, list[str]],
    clauses: Sequence[str],
    rules: Sequence[str],
    sequential: bool,
    extra: RequestRecord | None = None,
) -> RequestRecord:
    """A new pending request; the first step (or every step of a referral) is asked now."""
    record: RequestRecord = {
        "id": request_id,
        "kind": kind,
        "requester": requester,
        "requester_name": requester_name,
        "school": school,
        "created_at": now,
        "status": "pending" if sequential else "referred",
        "draft": draft,
        "answers": [list(a) for a in answers],
        "answer_values": answer_values,
        "clauses": list(clauses),
        "rules": list(rules),
        "sequential": sequential,
        "current": 0,
        "steps": [
            {
                "approver": s.approver,
                "approver_name": names.get(s.approver, s.approver),
                "role": s.role,
                "clauses": list(s.clauses),
                "state": "pending" if (i == 0 or not sequential) else "waiting",
                "asked_at": now if (i == 0 or not sequential) else None,
                "reminded_at": None,
                "decided_at": None,
                "decided_by": None,
                "comment": "",
            }
            for i, s in enumerate(steps)
        ],
        "decided_at": None,
        "decided_by": None,
        "comment": "",
    }
    record.update(extra or {})
    return record


def pending_steps(record: RequestRecord) -> list[int]:
    """Indexes of the steps waiting on their approver now."""
    return [i for i, s in enumerate(record["steps"]) if s["state"] == "pending"]


def _copied(record: RequestRecord) -> RequestRecord:
    """A deep copy of a record, which is plain JSON (dicts, lists, scalars): a decision copies
    the record it changes, and ``copy.deepcopy`` (memo, any object) cost several times more."""
    copied: RequestRecord = _plain_copy(record)
    return copied


def _plain_copy(value: Any) -> Any:
    if type(value) is dict:
        return {k: _plain_copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_plain_copy(v) for v in value]
    if type(value) is tuple:
        return tuple(_plain_copy(v) for v in value)
    return value


def _event(kind: str, record: RequestRecord, actor: str, now: str, **more: Any) -> dict[str, Any]:
    return {"event": kind, "request": record["id"], "actor": actor, "at": now, **more}


def _already(record: RequestRecord) -> str:
    at = when(record["decided_at"])
    if record["status"] == "withdrawn":
        return f"{record['id']} was withdrawn by its requester at {at}."
    if record["status"] == "expired":
        return f"{record['id']} expired at {at} without a decision."
    who = record.get("decided_by_name") or record.get("decided_by") or "someone"
    return f"{record['id']} was already {record['status']} by {who} at {at}."


def _earlier_step_of(record: RequestRecord, actor: str) -> StepRecord | None:
    """The step ``actor`` already decided on this request, if any."""
    return next((s for s in record["steps"][: record["current"]]
                 if (s.get("decided_by") or "").lower() == actor.lower()), None)


def decide(
    record: RequestRecord, actor: str, decision: str, comment: str, now: str, actor_name: str = ""
) -> Change:
    """Approve or reject the current step; only its approver may, and only once."""
    if decision not in ("approve", "reject"):
        raise ValueError(decision)
    if record["kind"] == "concern":
        return Change(record, False, f"{record['id']} is a report: it is acknowledged, not "
                                     "approved or rejected.", [])
    if record["status"] != "pending":
        return Change(record, False, _already(record),
                      [_event("refused", record, actor, now, reason="already_decided",
                              attempted=decision)])
    index = record["current"]
    step = record["steps"][index]
    earlier = _earlier_step_of(record, actor)
    if earlier is not None:
        return Change(record, False,
                      f"You {earlier['state']} {record['id']} at {when(earlier['decided_at'])}; "
                      f"it is now with {step['approver_name']}.",
                      [_event("refused", record, actor, now, reason="already_decided",
                              attempted=decision)])
    if actor.lower() != step["approver"].lower():
        return Change(record, False,
                      f"Only {step['approver_name']} can decide this step of {record['id']}.",
                      [_event("refused", record, actor, now, reason="not_assigned",
                              attempted=decision)])
    if decision == "reject" and not comment.strip():
        return Change(record, False, "Please give a reason for rejecting it.", [])
    new = _copied(record)
    new_step = new["steps"][index]
    new_step.update({
        "state": "approved" if decision == "approve" else "rejected",
        "decided_at": now, "decided_by": actor, "comment": comment.strip(),
    })
    events = [_event("decided", record, actor, now, step=index, decision=decision,
                     comment=comment.strip(), on_behalf_of=step.get("on_behalf_of", ""))]
    if decision == "approve" and index + 1 < len(new["steps"]):
        new["current"] = index + 1
        new["steps"][index + 1].update({"state": "pending", "asked_at": now})
        events.append(_event("step_asked", record, "policybot", now, step=index + 1,
                             approver=new["steps"][index + 1]["approver"]))
    else:
        new.update({
            "status": "approved" if decision == "approve" else "rejected",
            "decided_at": now, "decided_by": actor, "decided_by_name": actor_name or actor,
            "comment": comment.strip(),
        })
        events.append(_event(new["status"], record, actor, now))
    return Change(new, True, "", events)


def withdraw(record: RequestRecord, actor: str, now: str) -> Change:
    if actor.lower() != record["requester"].lower():
        refusal = f"Only {record['requester_name']} can withdraw {record['id']}."
        return Change(record, False, refusal,
                      [_event("refused", record, actor, now, reason="not_requester",
                              attempted="withdraw")])
    if record["status"] not in OPEN_STATES:
        return Change(record, False, _already(record),
                      [_event("refused", record, actor, now, reason="already_decided",
                              attempted="withdraw")])
    new = _copied(record)
    for step in new["steps"]:
        if step["state"] in ("pending", "waiting"):
            step["state"] = "cancelled"
    new.update({"status": "withdrawn", "decided_at": now, "decided_by": actor,
                "decided_by_name": record["requester_name"]})
    return Change(new, True, "", [_event("withdrawn", record, actor, now)])


def acknowledge(record: RequestRecord, actor: str, now: str) -> Change:
    """A recipient of a concern report confirms they have it in hand."""
    mine = [i for i, s in enumerate(record["steps"]) if s["approver"].lower() == actor.lower()]
    if not mine:
        return Change(record, False, f"{record['id']} was not referred to you.",
                      [_event("refused", record, actor, now, reason="not_assigned",
                              attempted="acknowledge")])
    step = record["steps"][mine[0]]
    if record["status"] not in OPEN_STATES:
        return Change(record, False, _already(record), [])
    if step["state"] != "pending":
        done = f"You acknowledged {record['id']} at {when(step['decided_at'])}."
        return Change(record, False, done, [])
    new = _copied(record)
    new["steps"][mine[0]].update({"state": "acknowledged", "decided_at": now, "decided_by": actor})
    if not pending_steps(new):
        new.update({"status": "acknowledged", "decided_at": now, "decided_by": actor})
    return Change(new, True, "", [_event("acknowledged", record, actor, now, step=mine[0])])


def reassign(
    record: RequestRecord, index: int, to: str, to_name: str, now: str, *, reason: str,
    on_behalf_of: str = "", on_behalf_of_name: str = "",
) -> Change:
    """Give a pending step to someone else (escalation, or an approver's delegate)."""
    step = record["steps"][index]
    if record["status"] not in OPEN_STATES or step["state"] != "pending":
        return Change(record, False, "the step is no longer pending")
    new = _copied(record)
    moved = new["steps"][index]
    history = moved.setdefault("history", [])
    history.append({"from": step["approver"], "to": to, "reason": reason, "at": now})
    moved.update({"approver": to, "approver_name": to_name, "asked_at": now, "reminded_at": None,
                  "on_behalf_of": on_behalf_of, "on_behalf_of_name": on_behalf_of_name})
    if reason == "escalated":
        moved["escalated_at"] = now
    event = _event(reason, record, "policybot", now, step=index, previous=step["approver"],
                   approver=to)
    return Change(new, True, "", [event])


def remind(record: RequestRecord, index: int, now: str) -> Change:
    new = _copied(record)
    new["steps"][index]["reminded_at"] = now
    approver = record["steps"][index]["approver"]
    return Change(new, True, "", [_event("reminded", record, "policybot", now, step=index,
                                         approver=approver)])


def expire(record: RequestRecord, now: str) -> Change:
    if record["status"] not in OPEN_STATES:
        return Change(record, False, _already(record))
    new = _copied(record)
    for step in new["steps"]:
        if step["state"] in ("pending", "waiting"):
            step["state"] = "cancelled"
    new.update({"status": "expired", "decided_at": now, "decided_by": "policybot",
                "decided_by_name": "policybot"})
    return Change(new, True, "", [_event("expired", record, "policybot", now)])


def may_decide(record: RequestRecord, actor: str) -> bool:
    """Whether ``actor`` is the approver of the step ``record`` waits on now."""
    if record.get("status") != "pending":
        return False
    try:
        approver = str(record["steps"][record["current"]]["approver"])
    except (KeyError, IndexError, TypeError):
        return False
    return approver.lower() == actor.lower()
