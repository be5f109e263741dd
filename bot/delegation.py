"""Approvers away: delegation of their steps to someone else for a range of dates.

``delegation/<email>`` holds ``{"delegate", "start", "until"}`` (ISO dates, inclusive). While
a delegation is active, new and pending steps of the approver go to the delegate, who decides
on the approver's behalf (the record says so). A delegate never decides their own request:
such a step stays with the approver. When the range ends, or the approver says they are back,
pending steps return to the approver at the next run of the due work (see bot.due_work).
"""

from __future__ import annotations

from datetime import date

from bot import keys
from bot.tx import Tx
from conversations.away import DelegationError
from conversations.people import Person


async def end_delegation(tx: Tx, approver: Person) -> bool:
    """Ends the approver's delegation; False when there was none."""
    if await tx.get(keys.delegation(approver.email)) is None:
        return False
    tx.delete(keys.delegation(approver.email))
    return True


async def set_delegation(
    tx: Tx, approver: Person, delegate: Person, start: date, until: date, today: date
) -> None:
    if delegate.email == approver.email:
        raise DelegationError("You can't delegate to yourself.")
    if until < start or until < today:
        raise DelegationError("The end date must be today or later, and after the start.")
    tx.put(keys.delegation(approver.email), {
        "delegate": delegate.email, "start": start.isoformat(), "until": until.isoformat(),
    })


async def active_delegate(tx: Tx, approver: str, today: date) -> str | None:
    doc = await tx.get(keys.delegation(approver))
    if doc and doc["start"] <= today.isoformat() <= doc["until"]:
        return str(doc["delegate"])
    return None
