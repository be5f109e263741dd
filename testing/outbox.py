"""A platform for the outbox's tests that refuses some messages for good and fails others for
a while, and the steps those tests share."""

from __future__ import annotations

from bot.app import Application
from bot.port import DeliveryRefused
from conversations.messages import Message, Text
from conversations.people import Person
from testing.chat import Chat
from testing.staff import TEACHER

UNINSTALLED = (403, "BotNotInConversationRoster", "the app is no longer installed")
TOO_BIG = (413, "MessageSizeTooBig", "the message is too large")


class Platform:
    """A platform that refuses messages to the people in ``refuse`` for the given cause, and
    fails ``transient`` times with a connection error first."""

    name = "teams"

    def __init__(self) -> None:
        self.refuse: dict[str, tuple[int, str, str]] = {}
        self.refuse_text = ""  # a text message refused (as too big) whoever it is for
        self.transient = 0
        self.tried: list[str] = []
        self.delivered: list[tuple[str, Message, str]] = []

    async def reaches(self, person: Person) -> bool:
        return False  # someone never seen here reads the local inbox

    async def deliver(self, person: Person, message: Message, key: str) -> None:
        self.tried.append(person.email)
        if self.transient > 0:
            self.transient -= 1
            raise ConnectionError("platform down")
        if person.email in self.refuse:
            raise DeliveryRefused(*self.refuse[person.email])
        if isinstance(message, Text) and message.text == self.refuse_text:
            raise DeliveryRefused(*TOO_BIG)
        self.delivered.append((person.email, message, key))


async def setup(app: Application, *people: str) -> Platform:
    platform = Platform()
    app.outbox.register(platform)
    for email in people:
        await app.outbox.note_presence(email, "teams")
    return platform


async def ask_for_approval(app: Application) -> None:
    """Sophie's post needs Daniel's approval: a card for him goes to the outbox, and the
    harness flushes once."""
    await Chat(app, TEACHER).check_post(
        "Oakfield's new library opens on Monday, come and see it!", channel="personal")


async def flush_all(app: Application) -> int:
    """Flush, then once more: a failure's notice to the admins goes in the next flush."""
    return await app.flush() + await app.flush()


