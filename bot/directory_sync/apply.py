"""Applying a sync: the directory in one conditional batch, then the leavers' pending steps.

The directory is written the way a CSV import writes it: every changed person and the bumped
``meta/directory`` in one batch that expects the version read, so a concurrent import or
sync makes this one start again rather than interleave. Someone who has left keeps their
record, marked ``left_at``: their requests, decisions and audit entries still name them.

Their pending approval steps then move at once to the next person up their line who is
still here (never the requester, nor the person a report is about), or to a fallback
approver; the new approver gets the card and the requester is told. A later step not yet
asked (steps run in order) is pointed at that person too, before it is asked. Each request
moves in its own transaction. The pass looks at every open request with a step on anyone
marked as left, so a sync interrupted after the directory write catches up on the next run.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot import request_store
from bot.delivery import Outbox
from bot.directory import LEFT_AT, META_KEY, person_key
from bot.directory_sync.plan import SyncPlan
from bot.request_store import open_ids
from bot.tx import Tx
from conversations.notices import Occasion, notices
from conversations.people import PeopleIndex, Person
from conversations.requests import OPEN_STATES, RequestRecord, reassign
from conversations.routing import leaver_successor
from conversations.timefmt import iso
from storage.base import ABSENT, Change, Conflict, Put, Record, Storage

SOURCE = "entra"
_ATTEMPTS = 5


async def write_directory(storage: Storage, meta: Record | None, plan: SyncPlan,
                          left_records: dict[str, dict], now: datetime) -> int:
    """Store the plan; the new directory version. Raises Conflict if the directory moved."""
    stamp = now.isoformat(timespec="seconds")
    changes: list[Change] = [Put(person_key(p.email), p.to_json()) for p in plan.added]
    changes += [Put(person_key(c.after.email), c.after.to_json()) for c in plan.changed]
    for person in plan.left:
        record = dict(left_records.get(person.email) or person.to_json())
        changes.append(Put(person_key(person.email), {**record, LEFT_AT: stamp}))
    version = (int(meta.value.get("version", 0)) if meta else 0) + 1
    count = plan.unchanged + len(plan.added) + len(plan.changed)
    changes.append(Put(META_KEY, {"version": version, "count": count, "updated_at": stamp,
                                  "source": SOURCE},
                       expect=meta.etag if meta is not None else ABSENT))
    await storage.write(changes)
    return version


@dataclass
class _Moves:
    record: RequestRecord
    pending: list[tuple[str, int]] = field(default_factory=list)  # (leaver, step index)
    later: int = 0  # steps not asked yet, re-pointed before they are
    why: dict[int, str] = field(default_factory=dict)  # per step passed on: the reason


@dataclass(frozen=True)
class PassedStep:
    """One step of a leaver's passed on (or, in a dry run, that would be)."""

    leaver: str
    request_id: str
    to_name: str


async def escalate_leavers(storage: Storage, outbox: Outbox, present: PeopleIndex,
                           everyone: PeopleIndex, left: set[str],
                           clock: Callable[[], datetime], *, dry_run: bool = False
                           ) -> list[PassedStep]:
    """Move every step of someone in ``left``; the pending steps moved (with ``dry_run``,
    those that would move: nothing is written)."""
    if not left:
        return []
    passed: list[PassedStep] = []
    for request_id in await open_ids(storage):
        for _attempt in range(_ATTEMPTS):
            tx = Tx(storage)
            record = await request_store.load(tx, request_id)
            if record is None or record["status"] not in OPEN_STATES:
                break
            now = clock()
            moves = _move_steps(tx, record, present, everyone, left, now)
            done = [PassedStep(leaver, request_id, moves.record["steps"][i]["approver_name"])
                    for leaver, i in moves.pending]
            if dry_run or not (moves.pending or moves.later):
                passed += done
                break
            await request_store.commit(tx, record, moves.record)
            outbox.stage(tx, notices(record, moves.record, Occasion(
                "reassigned", why=moves.why, tell_previous=False, tell_requester=True)), now)
            try:
                await tx.commit()
            except Conflict:
                continue  # decided or moved meanwhile: look again
            passed += done
            break
    return passed


def _move_steps(tx: Tx, record: RequestRecord, present: PeopleIndex, everyone: PeopleIndex,
                left: set[str], now: datetime) -> _Moves:
    moves = _Moves(record)
    avoid = frozenset({record["subject"]} if record.get("subject") else ())
    for index, step in enumerate(record["steps"]):
        if step["state"] not in ("pending", "waiting") or step["approver"] not in left:
            continue
        leaver = everyone.get(step["approver"])
        leaver_name = leaver.name if leaver else step["approver"]
        target = leaver_successor(step["approver"], record["requester"], avoid, everyone,
                                  present)
        if target is None:
            continue  # no one at all can take it: the due work keeps reminding the record
        why = f"{leaver_name} has left the Trust, so this passed to {target.name}."
        if step["state"] == "waiting":
            # A later step not asked yet: point it at the new approver before it is asked.
            moves.record = _repoint_waiting(moves.record, index, target, iso(now))
            tx.append_audit(now, {"event": "approver_left", "request": record["id"],
                                  "actor": "policybot", "at": iso(now), "step": index,
                                  "previous": step["approver"], "approver": target.email})
            moves.later += 1
            continue
        change = reassign(moves.record, index, target.email, target.name, iso(now),
                          reason="approver_left")
        if not change.applied:
            continue
        moves.record = change.record
        for event in change.events:
            tx.append_audit(now, event)
        moves.pending.append((step["approver"], index))
        moves.why[index] = why
    return moves


def _repoint_waiting(record: RequestRecord, index: int, to: Person, now: str) -> RequestRecord:
    new = copy.deepcopy(record)
    step = new["steps"][index]
    step.setdefault("history", []).append(
        {"from": step["approver"], "to": to.email, "reason": "approver_left", "at": now})
    step["approver"], step["approver_name"] = to.email, to.name
    return new


def left_emails(rows: Sequence[tuple[str, Record]]) -> set[str]:
    return {str(r.value.get("email")) for _, r in rows if r.value.get(LEFT_AT)}
