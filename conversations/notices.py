"""What a change to a request owes people: cards to send or update, people to tell (pure).

Every change to a request, whoever makes it (a turn's decision, the due work's reminder,
escalation, delegation or expiry, the directory sync passing a leaver's steps on), is said
here once: :func:`notices` compares the record before and after, with the
:class:`Occasion` that says why, and returns the outbound messages. The request repository
keeps the indexes of the same change (``bot/request_store.commit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from conversations import render
from conversations.messages import Outbound, Text
from conversations.requests import RequestRecord, pending_steps
from conversations.timefmt import when

OccasionKind = Literal["created", "decided", "reassigned", "reminded", "expired"]


def is_report(record: RequestRecord) -> bool:
    """A concern report: acknowledged ("in hand") by those it went to, not approved."""
    return record["kind"] == "concern"


def card_key(request_id: str, step: int) -> str:
    """The key an approver's card of a step is sent under, so a later one replaces it."""
    return f"card:{request_id}:{step}"


@dataclass(frozen=True)
class Occasion:
    """Why a request changed, for the words of what it owes.

    ``actor``/``actor_name``: who decided (a decision). ``why``: for each step passed on, the
    reason the new approver is given. ``tell_previous``: the previous approver's card shows
    where the step went (not when they have left). ``tell_requester``: the requester hears
    the reason too. ``step``: the step reminded. ``expiry_days``: after how long a request
    expires, for the requester's notice.
    """

    kind: OccasionKind
    actor: str = ""
    actor_name: str = ""
    why: Mapping[int, str] = field(default_factory=dict)
    tell_previous: bool = True
    tell_requester: bool = False
    step: int = -1
    expiry_days: int = 0


def _card(record: RequestRecord, index: int) -> Outbound:
    return Outbound(record["steps"][index]["approver"], render.approver_card(record, index),
                    card_key(record["id"], index))


def notices(before: RequestRecord | None, after: RequestRecord,
            occasion: Occasion) -> list[Outbound]:
    """The messages the change from ``before`` (None: a new request) to ``after`` owes."""
    if before is None or occasion.kind == "created":
        return [_card(after, i) for i in pending_steps(after)]
    if occasion.kind == "decided":
        return _decided(before, after, occasion)
    if occasion.kind == "reassigned":
        return _reassigned(before, after, occasion)
    if occasion.kind == "reminded":
        step = after["steps"][occasion.step]
        what, waits = (("report", "for you to take it in hand") if is_report(after)
                       else ("request", "for your decision"))
        return [Outbound(step["approver"], Text(
            f"Reminder: {after['requester_name']}'s {what} {after['id']} has been "
            f"waiting {waits} since {when(step['asked_at'])}.")),
            _card(after, occasion.step)]
    # Expired: the cards still asking show it, and the requester may ask again.
    out = [_card(after, i) for i in pending_steps(before)]
    out.append(Outbound(after["requester"], Text(
        f"{after['id']} expired after {occasion.expiry_days} days without a decision, so it "
        "is not approved. You may ask again: say \"check a post\".")))
    return out


def _decided(before: RequestRecord, after: RequestRecord,
             occasion: Occasion) -> list[Outbound]:
    """Updated cards, the next approver asked, and the requester's news."""
    out: list[Outbound] = []
    for i, (old, new) in enumerate(zip(before["steps"], after["steps"], strict=True)):
        if old["state"] != new["state"] and old["state"] != "waiting":
            out.append(_card(after, i))
        if old["state"] == "waiting" and new["state"] == "pending":
            out.append(_card(after, i))
            out.append(Outbound(after["requester"], render.step_progress(after)))
    if after["status"] != before["status"] and after["status"] in ("approved", "rejected"):
        out.append(Outbound(after["requester"], render.requester_outcome(after)))
    if is_report(after) and occasion.actor != after["requester"]:
        out.append(Outbound(after["requester"], Text(
            f"{occasion.actor_name} has your report {after['id']} in hand.")))
    return out


def _reassigned(before: RequestRecord, after: RequestRecord,
                occasion: Occasion) -> list[Outbound]:
    """Each pending step passed to someone else: the previous approver's card says so, the
    new approver is asked, and the requester told when the occasion says."""
    out: list[Outbound] = []
    rid = after["id"]
    needs = "you to take it in hand" if is_report(after) else "your decision"
    for i, (old, new) in enumerate(zip(before["steps"], after["steps"], strict=True)):
        if new["state"] != "pending" or old["approver"] == new["approver"]:
            continue
        why = occasion.why.get(i, "")
        if occasion.tell_previous:
            out.append(Outbound(old["approver"], render.reassigned_card(after, i, why),
                                card_key(rid, i)))
        out.append(Outbound(new["approver"], Text(f"{rid} needs {needs}. {why}")))
        out.append(_card(after, i))
        if occasion.tell_requester:
            out.append(Outbound(after["requester"], Text(f"{rid}: {why}")))
    return out
