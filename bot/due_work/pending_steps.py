"""Work that time makes due, computed from stored state.

Nothing here lives only in memory: each open request records when its current step was asked,
reminded and escalated, so a run at any moment does exactly what is due then, once. Each
request is handled in its own optimistic transaction; when two replicas run the same tick,
one commits and the other finds nothing left to do. Long downtime is caught up once: only
the most advanced due action is taken.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot import request_store
from bot.app import Application
from bot.config import Config
from bot.delegation import active_delegate
from bot.request_store import open_ids
from bot.tx import Tx
from conversations.messages import Outbound
from conversations.notices import Occasion, is_report, notices
from conversations.people import PeopleIndex
from conversations.requests import OPEN_STATES, RequestRecord, expire, reassign, remind
from conversations.routing import escalation_target
from conversations.timefmt import iso
from conversations.timers import Due, Timings, due_now, next_due
from storage.base import Conflict

log = logging.getLogger(__name__)


@dataclass
class DueWorkReport:
    done: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.done[what] = self.done.get(what, 0) + n

    def lines(self) -> list[str]:
        return [f"{k}: {v}" for k, v in sorted(self.done.items())] or ["nothing was due"]


def timings_from(config: Config) -> Timings:
    holidays = frozenset(
        date.fromisoformat(d.strip()) for d in config.get("POLICYBOT_HOLIDAYS").split(",")
        if d.strip()
    )
    return Timings(
        reminder_hours=config.number("POLICYBOT_REMINDER_HOURS"),
        escalation_hours=config.number("POLICYBOT_ESCALATION_HOURS"),
        expiry_days=config.number("POLICYBOT_EXPIRY_DAYS"),
        holidays=holidays,
    )


class PendingSteps:
    """Reminders, escalation, expiry and delegation of pending steps."""

    def __init__(self, application: Application, timings: Timings) -> None:
        self.application = application
        self.timings = timings

    async def open_ids(self) -> list[str]:
        return await open_ids(self.application.storage)

    async def run(self, now: datetime, report: DueWorkReport) -> None:
        people = await self.application.directory.snapshot()
        for request_id in await self.open_ids():
            for _attempt in range(5):
                tx = Tx(self.application.storage)
                record = await request_store.load(tx, request_id)
                if record is None:
                    break
                outbound, what = await self._one(tx, record, people, now)
                if not outbound and not tx.pending:
                    break
                self.application.outbox.stage(tx, outbound, now)
                try:
                    await tx.commit()
                except Conflict:
                    continue  # another replica or a decision got there first: look again
                if what:
                    report.count(what)
                break

    async def upcoming(self) -> list[tuple[datetime, str]]:
        out = []
        for request_id in await self.open_ids():
            record = await request_store.peek(self.application.storage, request_id)
            due = next_due(record, self.timings) if record else None
            if due is not None:
                out.append((due.at, f"{due.action} {request_id}"))
        return out

    async def _one(
        self, tx: Tx, record: RequestRecord, people: PeopleIndex, now: datetime
    ) -> tuple[list[Outbound], str]:
        if record["status"] not in OPEN_STATES:
            return [], ""
        if record["status"] == "pending":
            delegated = await self._delegation(tx, record, people, now)
            if delegated is not None:
                return delegated, "delegated"
        due = due_now(record, self.timings, now)
        if due is None:
            return [], ""
        if due.action == "expire":
            return await self._expire(tx, record, now), "expired"
        if due.action == "escalate":
            return await self._escalate(tx, record, due, people, now), "escalated"
        return await self._remind(tx, record, due, now), "reminded"

    async def _remind(self, tx: Tx, record: RequestRecord, due: Due,
                      now: datetime) -> list[Outbound]:
        change = remind(record, due.step, iso(now))
        return await self._save(tx, record, change.record, change.events, now,
                                Occasion("reminded", step=due.step))

    async def _escalate(
        self, tx: Tx, record: RequestRecord, due: Due, people: PeopleIndex, now: datetime
    ) -> list[Outbound]:
        step = record["steps"][due.step]
        approver, requester = people.get(step["approver"]), people.get(record["requester"])
        # A report never escalates to the person it is about.
        avoid = frozenset({record["subject"]} if record.get("subject") else ())
        target = (escalation_target(approver, requester, people, avoid)
                  if approver and requester else None)
        if target is None:
            # No one above: remind once more rather than leave the step silent.
            return await self._remind(tx, record, due, now) if not step.get("reminded_at") \
                else []
        hours = int(self.timings.escalation_hours)
        # A report is taken in hand, never decided: its notice says so.
        unmet = ("with no one taking it in hand" if is_report(record)
                 else "without a decision")
        why = f"Escalated to {target.name} after {hours} working hours {unmet}."
        return await self._move(tx, record, due.step, target.email, target.name, now,
                                reason="escalated", why=why, tell_requester=True)

    async def _delegation(
        self, tx: Tx, record: RequestRecord, people: PeopleIndex, now: datetime
    ) -> list[Outbound] | None:
        """Moves the current step to the approver's delegate, or back when the range ends."""
        index = record["current"]
        step = record["steps"][index]
        original = step.get("on_behalf_of") or step["approver"]
        delegate = await active_delegate(tx, original, now.date())
        target = delegate if delegate and delegate != record["requester"] else original
        if target == step["approver"] or people.get(target) is None:
            return None
        person = people.get(target)
        owner = people.get(original)
        assert person is not None
        original_name = owner.name if owner else original
        if target == original:
            why = f"{original_name} is back: the request has returned to them."
            return await self._move(tx, record, index, target, person.name, now,
                                    reason="delegation_ended", why=why)
        why = f"Passed to {person.name} while {original_name} is away."
        return await self._move(tx, record, index, target, person.name, now, reason="delegated",
                                why=why, on_behalf_of=original, on_behalf_of_name=original_name)

    async def _move(
        self, tx: Tx, record: RequestRecord, index: int, to: str, to_name: str, now: datetime,
        *, reason: str, why: str, tell_requester: bool = False, on_behalf_of: str = "",
        on_behalf_of_name: str = "",
    ) -> list[Outbound]:
        change = reassign(record, index, to, to_name, iso(now), reason=reason,
                          on_behalf_of=on_behalf_of, on_behalf_of_name=on_behalf_of_name)
        occasion = Occasion("reassigned", why={index: why}, tell_requester=tell_requester)
        return await self._save(tx, record, change.record, change.events, now, occasion)

    async def _expire(self, tx: Tx, record: RequestRecord, now: datetime) -> list[Outbound]:
        change = expire(record, iso(now))
        return await self._save(tx, record, change.record, change.events, now,
                                Occasion("expired", expiry_days=self.timings.expiry_days))

    async def _save(self, tx: Tx, before: RequestRecord, after: RequestRecord,
                    events: Sequence[dict], now: datetime,
                    occasion: Occasion) -> list[Outbound]:
        """The change stored with its indexes and audit entries; what it owes people."""
        await request_store.commit(tx, before, after)
        for event in events:
            tx.append_audit(now, event)
        return notices(before, after, occasion)
