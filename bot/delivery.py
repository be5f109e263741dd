"""Getting messages to people: a transactional outbox and the channels that reach people.

A turn stages its outbound messages in the outbox in the same batch as the state change that
caused them, so nothing acknowledged is lost: if the process dies after the commit, the next
flush delivers them. A flush claims each item with a conditional write before delivering it,
so two replicas never deliver the same item twice.

Each person is reached on the platform where the bot last saw them (``presence/<email>``), or
else the one the directory names (a Slack or Teams id), or else the local inbox that the
terminal chat and the web playground read. A message is marked delivered only when the
channel that reaches its person took it: one for someone on a platform this process does not
serve stays queued, and one a platform cannot take just now (a throttle, an outage, a timeout)
is retried with a growing pause, never moved elsewhere. One the platform refuses for good
(:class:`~bot.port.DeliveryRefused`: the app removed, the chat gone) is marked
failed, the admins are told once per cause, and ``policybot outbox`` lists and retries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import keys
from bot.delivery_failures import (
    FAILURE,
    Failure,
    notice,
    notice_marker,
    refused,
)
from bot.port import LOCAL, Channel, DeliveryRefused
from bot.tx import Tx
from conversations.codec import message_from_json, message_to_json
from conversations.messages import Message, Outbound, Text
from conversations.people import PeopleIndex, Person
from conversations.timefmt import iso, parse
from storage.base import ABSENT, Change, Conflict, Delete, Put, Record, Storage

log = logging.getLogger(__name__)
CLAIM_TIMEOUT = timedelta(minutes=2)
# People served at once by one flush. A flush claims and settles its items in one write each,
# so delivering to several people at once no longer competes with incoming turns for the
# store's writer (it did when each message cost two writes of its own).
MAX_CONCURRENT = 8
MAX_ATTEMPTS = 15  # with the back-off below: about two and a half hours of retries
MAX_WAIT = 900  # seconds between retries at most: a message is never given up on


async def platform_of(storage: Storage, email: str) -> str:
    """The platform ``email`` was last seen on ("slack", "teams"), or "local" when no
    platform has seen them (the web playground and the terminal chat note no presence)."""
    found = await storage.get(keys.presence(email))
    return str(found.value.get("platform") or LOCAL) if found is not None else LOCAL


class LocalInbox:
    """Messages for people who use the terminal chat or the web playground."""

    name = LOCAL

    def __init__(self, storage: Storage, clock: Callable[[], datetime]) -> None:
        self.storage = storage
        self.clock = clock

    async def reaches(self, person: Person) -> bool:
        return True  # everyone in the directory can read their inbox in the playground

    async def deliver(self, person: Person, message: Message, key: str) -> None:
        stamp = iso(self.clock())
        ident = key or f"{stamp}-{uuid.uuid4().hex[:8]}"
        existing = await self.storage.get(keys.inbox(person.email, ident))
        first = existing.value["first_at"] if existing else stamp
        await self.storage.write([Put(keys.inbox(person.email, ident), {
            "at": stamp, "first_at": first, "key": key, "message": message_to_json(message),
        })])

    async def messages(self, email: str) -> list[tuple[str, Message]]:
        """(time, message) pairs for ``email``, oldest first; updated cards keep their place."""
        docs = await self.storage.scan(keys.inbox(email))
        ordered = sorted(docs, key=lambda kv: kv[1].value["first_at"])
        return [(r.value["at"], message_from_json(r.value["message"])) for _, r in ordered]


class Outbox:
    def __init__(self, storage: Storage, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.storage = storage
        self.clock = clock
        self.channels: dict[str, Channel] = {}

    def register(self, channel: Channel) -> None:
        self.channels[channel.name] = channel

    def stage(self, tx: Tx, outbound: Sequence[Outbound], now: datetime) -> None:
        for i, item in enumerate(outbound):
            tx.create(keys.outbox_item(now, i), {
                "to": item.to, "key": item.key, "message": message_to_json(item.message),
                "created_at": iso(now), "claimed_at": None, "attempts": 0,
            })

    async def note_presence(self, email: str, platform: str) -> None:
        """Remember where a person last spoke to the bot (written only when it changes)."""
        key = keys.presence(email)
        current = await self.storage.get(key)
        if current is None or current.value.get("platform") != platform:
            await self.storage.write([Put(key, {"platform": platform, "at": iso(self.clock())})])

    async def channel_for(self, person: Person) -> Channel | None:
        """The channel that reaches ``person`` from this process, or None when the platform
        that reaches them is not served here (``policybot jobs run`` without Slack settings,
        say): their messages then wait for a process that can deliver them."""
        presence = await self.storage.get(keys.presence(person.email))
        preferred = [presence.value["platform"]] if presence else []
        preferred += [platform for platform, _ in person.platform_ids]
        for name in preferred:
            if name in self.channels:
                return self.channels[name]
        if any(name != LOCAL for name in preferred):
            return None  # they use a platform this process does not serve
        # Someone the bot has never seen: a platform that can look them up (Slack, by email)
        # reaches them where they already work, rather than the local inbox.
        for name, channel in self.channels.items():
            if name != LOCAL and await channel.reaches(person):
                return channel
        return self.channels[LOCAL]

    async def flush(self, people: PeopleIndex) -> int:
        """Deliver every item due; returns how many were delivered.

        The items due are claimed together in one conditional write (another replica's
        claim makes this one fall back to claiming item by item), delivered, and settled
        together in one more: delivered items deleted, the others released or set to wait.
        So delivering costs two writes per flush, not two per message, and leaves the store's
        writer to incoming turns. Different people's messages go out concurrently; one
        person's go out in order, and stop at the first that can't go yet, so an older
        version of a card can never arrive after (and overwrite) a newer one.
        """
        now = self.clock()
        queued = await self.storage.scan(keys.OUTBOX)
        due = [(key, record) for key, record in queued if _due(record.value, now)]
        if not due:
            return 0
        claimed = await self._claim(due, now)
        queues: dict[str, list[_Claimed]] = {}
        for item in claimed:
            queues.setdefault(str(item.value.get("to", "")), []).append(item)
        limit = asyncio.Semaphore(MAX_CONCURRENT)

        async def drain(queue: list[_Claimed]) -> None:
            async with limit:
                for n, item in enumerate(queue):
                    await self._deliver_one(item, people, now)
                    if item.outcome not in ("sent", "dropped", "refused"):
                        for later in queue[n + 1:]:
                            later.outcome = "released"  # stays in order behind this one
                        return

        await asyncio.gather(*(drain(q) for q in queues.values()))
        await self._settle(claimed, now, _superseded(queued, claimed))
        await self._tell_admins(claimed, people, now)
        return sum(item.outcome == "sent" for item in claimed)

    async def _claim(self, due: list[tuple[str, Record]], now: datetime) -> list[_Claimed]:
        stamp = iso(now)
        wanted = [_Claimed(key, {**r.value, "claimed_at": stamp,
                                 "attempts": r.value.get("attempts", 0) + 1}, r.value, r.etag)
                  for key, r in due]
        try:
            etags = await self.storage.write([Put(c.key, c.value, c.etag) for c in wanted])
        except Conflict:
            # Another replica claimed some: claim what is left one by one.
            taken = []
            for c in wanted:
                try:
                    c.etag = (await self.storage.write([Put(c.key, c.value, c.etag)]))[c.key]
                except Conflict:
                    continue
                taken.append(c)
            return taken
        for c in wanted:
            c.etag = etags[c.key]
        return wanted

    async def _deliver_one(self, item: _Claimed, people: PeopleIndex, now: datetime) -> None:
        """Try one claimed item; sets its outcome: sent, dropped, waiting or failed."""
        person = people.get(item.value["to"])
        if person is None:
            log.warning("outbound message to someone no longer in the directory dropped")
            item.outcome = "dropped"
            return
        channel: Channel | None = None
        try:
            channel = await self.channel_for(person)
            if channel is None:
                # Left for a process that serves their platform: unclaimed, not retried here.
                item.outcome = "released"
                return
            if item.value["attempts"] == MAX_ATTEMPTS + 1:
                log.error("%s has refused a message for %d attempts (app removed, chat "
                          "gone?); it is kept and retried every %d minutes",
                          channel.name, MAX_ATTEMPTS, MAX_WAIT // 60)
            await channel.deliver(person, message_from_json(item.value["message"]),
                                  item.value["key"])
        except DeliveryRefused as exc:
            name = channel.name if channel else "a platform"
            log.error("delivery via %s refused for good (HTTP %s %s); marked failed, "
                      "not retried: see `policybot outbox`", name, exc.status, exc.code)
            item.outcome = "refused"
            item.failure = refused(exc, name, now)
            return
        except Exception as exc:  # a platform failure must not lose the message
            # Only the kind of failure is logged: exception texts may quote the message.
            log.warning("delivery via %s failed (%s); will retry",
                        channel.name if channel else "a platform", type(exc).__name__)
            item.outcome = "failed"
            return
        item.outcome = "sent"

    async def _settle(self, claimed: list[_Claimed], now: datetime,
                      superseded: list[Change]) -> None:
        """One write for the whole flush: delivered (and dropped) items deleted, refused ones
        marked failed, the others released (or set to wait before the next try)."""
        changes: list[Change] = list(superseded)
        for item in claimed:
            if item.outcome in ("sent", "dropped"):
                changes.append(Delete(item.key, item.etag))
            elif item.outcome == "refused" and item.failure is not None:
                value = {k: v for k, v in item.value.items() if k != "retry_at"}
                changes.append(Put(item.key, {**value, "claimed_at": None,
                                              FAILURE: item.failure.to_json()}, item.etag))
            elif item.outcome == "failed":
                wait = timedelta(seconds=min(2 ** item.value["attempts"], MAX_WAIT))
                changes.append(Put(item.key, {**item.value, "claimed_at": None,
                                              "retry_at": iso(now + wait)}, item.etag))
            else:  # not tried: as it was before the claim
                changes.append(Put(item.key, item.before, item.etag))
        if not changes:
            return
        try:
            await self.storage.write(changes)
        except Conflict:
            # An item's claim ran out and another worker took it meanwhile: settle the rest.
            for change in changes:
                with contextlib.suppress(Conflict):
                    await self.storage.write([change])

    async def _tell_admins(self, claimed: list[_Claimed], people: PeopleIndex,
                           now: datetime) -> None:
        """Tell the people with the ``admin`` role about each new cause of failure, once: the
        marker and the notices are written together, only if no marker was there."""
        causes: dict[str, Failure] = {}
        for item in claimed:
            if item.failure is not None:
                causes.setdefault(item.failure.cause, item.failure)
        admins = people.with_role("admin") if causes else []
        for failure in causes.values():
            if not admins:
                log.warning("no one in the directory has the role admin to tell that "
                            "deliveries failed")
                break
            changes: list[Change] = [notice_marker(failure, now)]
            for i, admin in enumerate(admins):
                changes.append(Put(keys.outbox_item(now, i), {
                    "to": admin.email, "key": "",
                    "message": message_to_json(Text(notice(failure))),
                    "created_at": iso(now), "claimed_at": None, "attempts": 0}, ABSENT))
            with contextlib.suppress(Conflict):  # told already, by this or another replica
                await self.storage.write(changes)


@dataclass
class _Claimed:
    """An outbox item this flush has claimed, and what became of it."""

    key: str
    value: dict[str, Any]
    before: dict[str, Any]
    etag: str
    outcome: str = "released"  # sent, dropped, failed, refused or released (not tried)
    failure: Failure | None = None  # why it was refused for good


def _superseded(queued: list[tuple[str, Record]], claimed: list[_Claimed]) -> list[Change]:
    """Failed items that a newer version, delivered now, replaces (a card sent under the same
    key to the same person): retrying them could only put an older version back."""
    sent = {(str(c.value.get("to")), str(c.value["key"])): c.key for c in claimed
            if c.outcome == "sent" and c.value.get("key")}
    return [Delete(key, record.etag) for key, record in queued
            if record.value.get(FAILURE) and record.value.get("key")
            and key < sent.get((str(record.value.get("to")), str(record.value["key"])), "")]


def _due(item: dict[str, Any], now: datetime) -> bool:
    if item.get(FAILURE):
        return False  # failed for good: only ``policybot outbox retry`` makes it due again
    if item.get("claimed_at") and now - parse(item["claimed_at"]) < CLAIM_TIMEOUT:
        return False  # another worker has it
    return not (item.get("retry_at") and parse(item["retry_at"]) > now)  # backing off

