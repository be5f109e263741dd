"""Deliveries that cannot succeed: kept, marked failed, told to the admins, retried by hand.

A platform that refuses a message for good (the app was removed for the person, the chat is
gone, the message is one it cannot take) raises :class:`bot.port.DeliveryRefused`. The outbox then
stops trying: the item stays where it is (``outbox/<time>-<n>-<random>``), with a ``failure``
member saying when, on which platform, the HTTP status, the service's error code and what
that means, and is never due again by itself. Transient failures (a throttle, an outage, a
timeout) are not this: they are retried with their back-off.

The people with the ``admin`` role are told once per cause (platform, status and error code),
not once per message; a marker ``meta/outbox-failure/<cause>`` remembers that they were,
until someone retries the failed messages. ``policybot outbox`` lists what failed, and
``policybot outbox retry ID`` (or ``--all``) makes items due again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import keys
from bot.port import DeliveryRefused
from conversations.timefmt import iso
from storage.base import ABSENT, Change, Conflict, Delete, Put, Storage

FAILURE = "failure"  # the member of an outbox item that failed for good


@dataclass(frozen=True)
class Failure:
    channel: str
    status: int
    code: str
    reason: str
    at: str

    @property
    def cause(self) -> str:
        """What makes two failures the same cause: one notice to the admins for all."""
        return f"{self.channel}-{self.status}-{self.code or 'none'}"

    def to_json(self) -> dict[str, Any]:
        return {"channel": self.channel, "status": self.status, "code": self.code,
                "reason": self.reason, "at": self.at}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Failure:
        return cls(str(value.get("channel", "")), int(value.get("status", 0)),
                   str(value.get("code", "")), str(value.get("reason", "")),
                   str(value.get("at", "")))

    def describe(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"{self.channel} HTTP {self.status}{code}: {self.reason}"


def refused(exc: DeliveryRefused, channel: str, now: datetime) -> Failure:
    return Failure(channel, exc.status, exc.code, exc.reason, iso(now))


def notice(failure: Failure) -> str:
    """What the admins are told about a new cause (nobody named, no message quoted)."""
    platform = failure.channel.capitalize()
    return (f"{platform} refused a message from the bot for good ({failure.describe()}). It "
            "will not be sent again by itself, nor will others refused for the same reason "
            "(you will not be told about each). `policybot outbox` lists the messages that "
            "failed; once the cause is fixed, `policybot outbox retry --all` sends them again.")


def notice_marker(failure: Failure, now: datetime) -> Put:
    """The marker that the admins were told about this cause (written only if absent)."""
    return Put(keys.outbox_failure_notice(failure.cause),
               {"at": iso(now), **failure.to_json()}, ABSENT)


@dataclass(frozen=True)
class FailedItem:
    """One outbox item that failed for good, as ``policybot outbox`` lists it."""

    ident: str  # the item's key without ``outbox/``
    to: str
    key: str
    created_at: str
    summary: str
    failure: Failure


def summary(message: dict[str, Any]) -> str:
    """A card's title or a question's prompt: never a draft or a comment."""
    if message.get("type") == "text":
        return "a text message"
    what = str(message.get("title") or message.get("prompt") or "").strip()
    return what.splitlines()[0][:80] if what else "a message"


async def failed(storage: Storage) -> list[FailedItem]:
    """Every outbox item that failed for good, oldest first."""
    found = []
    for key, record in await storage.scan(keys.OUTBOX):
        value = record.value
        if not value.get(FAILURE):
            continue
        found.append(FailedItem(
            key.removeprefix(keys.OUTBOX), str(value.get("to", "")), str(value.get("key", "")),
            str(value.get("created_at", "")), summary(value.get("message") or {}),
            Failure.from_json(value[FAILURE])))
    return found


async def waiting(storage: Storage) -> int:
    """How many outbox items are still to be delivered (failed ones aside)."""
    return sum(1 for _, r in await storage.scan(keys.OUTBOX) if not r.value.get(FAILURE))


async def retry(storage: Storage, idents: list[str] | None) -> tuple[list[str], list[str]]:
    """Make failed items due again: all of them (``idents`` None) or those named.

    Returns (retried, unknown): the idents made due, and those that name no failed item.
    The admins will be told again about a cause that recurs after a retry.
    """
    items = {item.ident: item for item in await failed(storage)}
    wanted = list(items) if idents is None else idents
    unknown = [i for i in wanted if i not in items]
    retried: list[str] = []
    causes: set[str] = set()
    for ident in wanted:
        if ident not in items:
            continue
        key = keys.OUTBOX + ident
        record = await storage.get(key)
        if record is None or not record.value.get(FAILURE):
            continue  # delivered or retried meanwhile
        value = {k: v for k, v in record.value.items() if k not in (FAILURE, "retry_at")}
        value.update(attempts=0, claimed_at=None)
        changes: list[Change] = [Put(key, value, record.etag)]
        try:
            await storage.write(changes)
        except Conflict:
            continue
        retried.append(ident)
        causes.add(items[ident].failure.cause)
    if causes:
        await storage.write([Delete(keys.outbox_failure_notice(c)) for c in sorted(causes)])
    return retried, unknown
