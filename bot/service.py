"""The application: one turn in, neutral replies and outbound messages out.

Every adapter (terminal, web playground, Slack, Teams) turns what a person did into a
:class:`conversations.messages.Turn` and gives it to :meth:`PolicyBot.handle` through the
port. A turn goes one way: the engine says what it is
(:func:`conversations.classify.classify`), one route of :mod:`bot.routes` carries it out,
and the conversation is stored. It is computed inside an optimistic transaction
(:mod:`bot.tx`): the conversation, requests, indexes, audit entries, outbox and the platform
event marker are committed together, so a restart resumes at the same question and a
retried event is applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot import keys
from bot.approvals import ID_PREFIX, ApprovalDesk
from bot.command_turns import CommandTurns
from bot.config_values import Config
from bot.delivery import Outbox
from bot.directory import DirectoryStore
from bot.flow_turns import FlowTurns
from bot.report.chat import ReportChat
from bot.report.options import options_from
from bot.request_ids import RequestIds
from bot.routes import application_routes
from bot.turn_context import open_turn
from bot.tx import Tx
from conversations.classify import Dialogue, classify
from conversations.messages import Text, Turn, TurnResult
from conversations.people import CENTRAL, PeopleIndex, Person
from conversations.policy import PolicyPack
from conversations.reader import KnownNames
from conversations.timefmt import iso
from storage.base import Conflict, Storage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


class PolicyBot:
    def __init__(
        self,
        storage: Storage,
        pack: PolicyPack,
        directory: DirectoryStore,
        outbox: Outbox,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        reports: ReportChat | None = None,
    ) -> None:
        self.storage = storage
        self.pack = pack
        self.directory = directory
        self.outbox = outbox
        self.clock = clock
        self.dialogue = Dialogue.of(pack)
        desk = ApprovalDesk(pack, RequestIds(storage, ID_PREFIX))
        reports = reports or ReportChat(storage, pack, options_from(Config()))
        self.routes = application_routes(FlowTurns(self.dialogue, desk),
                                         CommandTurns(self.dialogue, desk), reports)
        self._retrying = asyncio.Lock()
        self._names: tuple[PeopleIndex | None, KnownNames] = (None, KnownNames())

    def names(self, people: PeopleIndex) -> KnownNames:
        """Staff and school names for the draft reader, rebuilt when the directory changes."""
        if self._names[0] is not people:
            staff = tuple(sorted(p.name for p in people.people()))
            schools = tuple(sorted({p.school for p in people.people()} - {CENTRAL}))
            who = tuple(sorted((p.email, p.name, p.school) for p in people.people()))
            self._names = (people, KnownNames(staff, schools, who))
        return self._names[1]

    async def handle(self, turn: Turn) -> TurnResult:
        """Apply one turn; returns what the speaker sees. Outbound messages are in the outbox."""
        people = await self.directory.snapshot()
        person = people.get(turn.person)
        if person is None:
            return TurnResult(replies=[self.not_set_up()])
        marker = keys.seen(turn.event_id)
        for attempt in range(MAX_ATTEMPTS):
            # Retries in this process take turns: a burst of turns that all touch one document
            # (the request counter, the open index) would otherwise keep failing each other.
            async with self._retrying if attempt else contextlib.nullcontext():
                tx = Tx(self.storage)
                if turn.event_id:
                    if await tx.get(marker) is not None:
                        return TurnResult(duplicate=True)
                    tx.create(marker, {"at": iso(self.clock())})
                result = await self._turn(tx, person, people, turn)
                self.outbox.stage(tx, result.outbound, self.clock())
                try:
                    await tx.commit()
                except Conflict as conflict:
                    if conflict.key == marker:
                        return TurnResult(duplicate=True)
                    log.info("turn retried after a concurrent change",
                             extra={"key": conflict.key})
                    continue
                return result
        raise RuntimeError("the turn could not be applied: too many concurrent changes")

    def not_set_up(self) -> Text:
        return Text(
            "Sorry, you're not set up to use this bot yet: I can't find you in the staff "
            f"directory. Please contact {self.pack.contact}."
        )

    async def _turn(self, tx: Tx, person: Person, people: PeopleIndex, turn: Turn) -> TurnResult:
        ctx = await open_turn(tx, person, people, self.names(people), self.clock())
        stored = ctx.conversation
        intent = classify(self.dialogue, stored, turn, ctx.known)
        if intent.drops_aside:
            ctx = ctx.carrying_on(stored.without_side_exchange())
        result, after = await self.routes.dispatch(ctx, intent)
        if after != stored:
            tx.put(keys.conversation(person.email),
                   {**after.to_json(), "updated_at": iso(ctx.now)})
        return result
