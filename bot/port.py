"""The application as the platform adapters see it: the one door from Slack, Teams, the web
playground and the terminal into policybot.

An adapter translates: a platform's request becomes a :class:`Turn`, the engine's neutral
replies become the platform's messages. What it needs of the application is the
:class:`ApplicationPort` protocol below, which the application implements
(:class:`bot.application_port.PortToApplication`) and the composition root
(:mod:`policybot_app`) hands over; an adapter imports nothing else of ``bot/`` or
``storage/`` (a test checks). What the protocol names that an adapter implements in turn:

- a :class:`Channel` that reaches people on its platform, raising :class:`DeliveryRefused`
  for a message its platform refuses for good;
- nothing else: an adapter's settings are typed objects of its own, built by the root.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from conversations.messages import Action, Message, Text, Turn, TurnResult
from conversations.people import PeopleIndex, Person

JSON = dict[str, Any]
# The name of the local inbox's channel (the playground's and the terminal's).
LOCAL = "local"


class DeliveryRefused(Exception):
    """A platform refused a message for good: retrying it unchanged cannot succeed."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(f"refused: HTTP {status} {code}")
        self.status = status
        self.code = code
        self.reason = reason


class Channel(Protocol):
    """Something that reaches people: a platform adapter, or the local inbox."""

    name: str

    async def reaches(self, person: Person) -> bool:
        """Whether this platform can reach ``person`` though they never wrote to the bot
        (Slack looks them up by email). Raise when the platform cannot answer now."""

    async def deliver(self, person: Person, message: Message, key: str) -> None:
        """Send ``message`` (replacing the one sent earlier under ``key``, if any).

        Raise :class:`DeliveryRefused` when the platform refused it for good; raise anything
        else to have the item kept and retried after a pause.
        """


class AdapterNotes(Protocol):
    """What an adapter remembers between requests and restarts, as plain JSON, under one of
    the namespaces :data:`bot.keys.ADAPTER_NAMESPACES` lists ("teamsref", "slackmsg"...)."""

    async def get(self, namespace: str, name: str) -> JSON | None: ...

    async def put(self, namespace: str, name: str, value: JSON) -> None:
        """Store ``value``; no write when it is already what is stored."""

    async def put_new(self, namespace: str, name: str, value: JSON) -> bool:
        """Store ``value`` only if nothing is stored under the name; False when something
        was (another replica got there first)."""

    async def delete(self, namespace: str, name: str) -> None: ...

    async def update(self, namespace: str, name: str,
                     change: Callable[[JSON | None], JSON]) -> None:
        """Replace the stored value with ``change(current)``, retried when another process
        wrote it meanwhile."""


class ApplicationPort(Protocol):
    """Everything an adapter asks of the application."""

    @property
    def notes(self) -> AdapterNotes: ...

    # -- who is speaking ---------------------------------------------------------------------

    async def directory(self) -> PeopleIndex:
        """The staff directory as it is now: one snapshot for several look-ups."""

    async def person(self, email: str) -> Person | None: ...

    async def people(self) -> list[Person]: ...

    def not_set_up(self) -> Text:
        """What someone not in the staff directory is told."""

    @property
    def menu(self) -> tuple[Action, ...]: ...

    # -- turns -------------------------------------------------------------------------------

    async def seen(self, person: Person, platform: str) -> None:
        """The person spoke on ``platform``: their messages go there from now on."""

    async def take_turn(self, turn: Turn) -> TurnResult:
        """Apply one turn. When this returns it is committed; what it staged for other people
        waits in the outbox until :meth:`deliver_soon` or :meth:`deliver_now`."""

    def deliver_soon(self) -> None:
        """Wake the outbox pump: what turns staged for other people goes out now."""

    async def deliver_now(self) -> None:
        """Deliver what is waiting now; a failure leaves it to the outbox's own retries."""

    async def hand_over(self, email: str, messages: Sequence[Message]) -> None:
        """Replies a committed turn could not post now: the outbox delivers them later."""

    async def may_decide(self, email: str, request_id: str) -> bool:
        """Whether ``email`` may decide the current step of ``request_id`` now."""

    async def local_inbox(self, email: str) -> list[tuple[str, Message]]:
        """What reached ``email`` in the local inbox (the playground's and terminal's)."""

    async def keep_in_inbox(self, person: Person, message: Message, key: str) -> None: ...

    async def open_question_token(self, email: str) -> str | None:
        """The token of the question ``email`` is being asked now, if any."""

    # -- wiring ------------------------------------------------------------------------------

    async def file(self, token: str) -> tuple[str, bytes] | None:
        """(name, content) of the file a card offers (the governance report), while it is
        neither taken nor expired."""

    async def file_taken(self, token: str) -> None:
        """The file was handed over (uploaded into the person's chat): it is kept no longer."""

    def register_channel(self, channel: Channel) -> None: ...

    def on_close(self, close: Callable[[], Awaitable[None]]) -> None:
        """Something the adapter opened (an HTTP session) that closing the application
        closes."""

    def now(self) -> datetime: ...

    def stamp(self) -> str:
        """Now, as stored times are written."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address, ``[v6]`` or a name) can only mean this machine: the
    one test of "loopback" the product uses, for addresses to bind and for the names a
    request says it was sent to."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # another host name: it may resolve to any address
