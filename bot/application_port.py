"""The application's side of the port (:mod:`bot.port`): what an adapter's calls do.

:class:`PortToApplication` implements :class:`bot.port.ApplicationPort` over the running
:class:`bot.app.Application`; :class:`NotesInStorage` keeps an adapter's notes under the
namespaces :mod:`bot.keys` lists.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from bot import keys, request_store
from bot.app import Application
from bot.port import Channel
from bot.report import files as report_files
from bot.tx import Tx
from conversations.conversation import Conversation
from conversations.intent_registry import MENU
from conversations.messages import Action, Message, Outbound, Text, Turn, TurnResult
from conversations.people import PeopleIndex, Person
from conversations.requests import may_decide
from conversations.timefmt import iso
from storage.base import ABSENT, Conflict, Delete, Put

log = logging.getLogger(__name__)
JSON = dict[str, Any]
_MAX_UPDATE_ATTEMPTS = 8


class NotesInStorage:
    """What an adapter remembers between requests and restarts, as plain JSON.

    ``namespace`` is one of :data:`bot.keys.ADAPTER_NAMESPACES` ("teamsref", "slackmsg"...),
    so every key the product writes is listed in one module.
    """

    def __init__(self, application: Application) -> None:
        self._storage = application.storage

    async def get(self, namespace: str, name: str) -> JSON | None:
        found = await self._storage.get(keys.adapter_note(namespace, name))
        return dict(found.value) if found is not None else None

    async def put(self, namespace: str, name: str, value: JSON) -> None:
        """Store ``value``; no write when it is already what is stored."""
        key = keys.adapter_note(namespace, name)
        current = await self._storage.get(key)
        if current is None or current.value != value:
            await self._storage.write([Put(key, value)])

    async def put_new(self, namespace: str, name: str, value: JSON) -> bool:
        """Store ``value`` only if nothing is stored under the name; False when something
        was (another replica got there first)."""
        try:
            await self._storage.write([Put(keys.adapter_note(namespace, name), value, ABSENT)])
        except Conflict:
            return False
        return True

    async def delete(self, namespace: str, name: str) -> None:
        await self._storage.write([Delete(keys.adapter_note(namespace, name))])

    async def update(self, namespace: str, name: str,
                     change: Callable[[JSON | None], JSON]) -> None:
        """Replace the stored value with ``change(current)``, retried when another process
        wrote it meanwhile."""
        key = keys.adapter_note(namespace, name)
        for _ in range(_MAX_UPDATE_ATTEMPTS):
            found = await self._storage.get(key)
            new = change(dict(found.value) if found is not None else None)
            try:
                await self._storage.write([Put(key, new, found.etag if found else ABSENT)])
                return
            except Conflict:
                continue
        log.warning("an adapter note kept changing under us; this update was dropped")


class PortToApplication:
    """The application behind the port; adapters see it as :class:`bot.port.ApplicationPort`."""

    def __init__(self, application: Application) -> None:
        self._app = application
        self._notes = NotesInStorage(application)

    @property
    def notes(self) -> NotesInStorage:
        return self._notes

    # -- who is speaking ---------------------------------------------------------------------

    async def directory(self) -> PeopleIndex:
        """The staff directory as it is now (one read when it has not changed): for an
        adapter that looks a speaker up several ways, one snapshot for all of them."""
        return await self._app.directory.snapshot()

    async def person(self, email: str) -> Person | None:
        return (await self.directory()).get(email)

    async def people(self) -> list[Person]:
        return list((await self._app.directory.snapshot()).people())

    def not_set_up(self) -> Text:
        """What someone not in the staff directory is told."""
        return self._app.bot.not_set_up()

    @property
    def menu(self) -> tuple[Action, ...]:
        return MENU

    # -- turns -------------------------------------------------------------------------------

    async def seen(self, person: Person, platform: str) -> None:
        """The person spoke on ``platform``: their messages go there from now on."""
        await self._app.outbox.note_presence(person.email, platform)

    async def take_turn(self, turn: Turn) -> TurnResult:
        """Apply one turn. When this returns it is committed; what it staged for other people
        waits in the outbox until :meth:`deliver_soon` or :meth:`deliver_now`."""
        return await self._app.bot.handle(turn)

    def deliver_soon(self) -> None:
        """Wake the outbox pump: what turns staged for other people goes out now."""
        self._app.kick()

    async def deliver_now(self) -> None:
        """Deliver what is waiting now (the playground shows the other person's inbox at
        once); a failure leaves it to the outbox's own retries."""
        try:
            await self._app.flush()
        except Exception:
            log.exception("delivery failed; the outbox will retry")
            self._app.kick()

    async def hand_over(self, email: str, messages: Sequence[Message]) -> None:
        """Replies a committed turn could not post now: the outbox delivers them later."""
        tx = Tx(self._app.storage)
        self._app.outbox.stage(tx, [Outbound(email, m) for m in messages], self._app.bot.clock())
        await tx.commit()
        self._app.kick()

    async def may_decide(self, email: str, request_id: str) -> bool:
        """Whether ``email`` may decide the current step of ``request_id`` now (for a
        platform that asks for a reason before it sends the decision)."""
        record = await request_store.peek(self._app.storage, request_id)
        return record is not None and may_decide(record, email)

    async def local_inbox(self, email: str) -> list[tuple[str, Message]]:
        """What reached ``email`` in the local inbox (the playground's and terminal's)."""
        return await self._app.inbox.messages(email)

    async def keep_in_inbox(self, person: Person, message: Message, key: str) -> None:
        await self._app.inbox.deliver(person, message, key)

    async def file(self, token: str) -> tuple[str, bytes] | None:
        return await report_files.peek(self._app.storage, token, self._app.bot.clock())

    async def file_taken(self, token: str) -> None:
        await report_files.drop(self._app.storage, token)

    async def open_question_token(self, email: str) -> str | None:
        """The token of the question ``email`` is being asked now, if any."""
        found = await self._app.storage.get(keys.conversation(email))
        return Conversation.from_json(found.value if found is not None else None).open_token

    # -- wiring ------------------------------------------------------------------------------

    def register_channel(self, channel: Channel) -> None:
        self._app.outbox.register(channel)

    def on_close(self, close: Callable[[], Awaitable[None]]) -> None:
        """Something the adapter opened (an HTTP session) that closing the application
        closes."""
        self._app.closers.append(close)

    def now(self) -> datetime:
        return self._app.bot.clock()

    def stamp(self) -> str:
        """Now, as stored times are written."""
        return iso(self._app.bot.clock())
