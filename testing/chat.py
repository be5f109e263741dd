"""A conversation harness in the style of a test adapter: send, then assert on the reply."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.app import Application, build_application
from bot.config import Config
from conversations.messages import (
    ActionName,
    Card,
    Choice,
    Message,
    Press,
    Question,
    Text,
    Turn,
    TurnResult,
)
from storage.tinydb_store import TinyDBStorage
from testing.clock import Clock


def text_of(message: Message) -> str:
    if isinstance(message, Text):
        return message.text
    if isinstance(message, Question):
        return message.prompt + " " + " ".join(o.label for o in message.options)
    return " ".join([message.title, message.body, message.footer,
                     *(f"{k} {v}" for k, v in message.fields)])


class Chat:
    """One person's side of a conversation with the bot."""

    def __init__(self, app: Application, email: str) -> None:
        self.app = app
        self.email = email
        self.last: TurnResult | None = None

    async def send(self, text: str = "", *, event_id: str = "") -> TurnResult:
        return await self._go(Turn(self.email, text=text, event_id=event_id))

    async def choose(self, *values: str, token: str | None = None) -> TurnResult:
        question = self.question
        return await self._go(Turn(self.email, choice=Choice(token or question.token, values)))

    async def press(self, name: ActionName, request_id: str, comment: str = "", value: str = "",
                    event_id: str = "") -> TurnResult:
        return await self._go(Turn(self.email, press=Press(name, request_id, value, comment),
                                   event_id=event_id))

    async def _go(self, turn: Turn) -> TurnResult:
        self.last = await self.app.bot.handle(turn)
        await self.app.flush()
        return self.last

    @property
    def question(self) -> Question:
        assert self.last is not None
        found = [m for m in self.last.replies if isinstance(m, Question)]
        assert found, f"no question in {self.replies_text()}"
        return found[-1]

    def card(self) -> Card:
        assert self.last is not None
        cards = [m for m in self.last.replies if isinstance(m, Card)]
        assert cards, f"no card in {self.replies_text()}"
        return cards[-1]

    def replies_text(self) -> str:
        assert self.last is not None
        return "\n".join(text_of(m) for m in self.last.replies)

    def assert_reply(self, *fragments: str) -> None:
        said = self.replies_text()
        for fragment in fragments:
            assert fragment in said, f"{fragment!r} not in:\n{said}"

    async def inbox(self) -> list[Message]:
        return [m for _, m in await self.app.inbox.messages(self.email)]

    async def check_post(self, draft: str, **answers: str | Sequence[str]) -> TurnResult:
        """Start "can I post this?", give the draft, then answer every question the bot asks,
        by its name (``channel="personal"``). A question asked that has no answer here fails
        the test: the bot was expected to see it from the draft or not to need it."""
        await self.send("can I post this?")
        await self.send(draft)
        return await self.answer_asked(**answers)

    async def report(self, about: str, details: str, confidential: str, *,
                     subject: str = "unknown", school: str = "", send: bool = True) -> TurnResult:
        """Report a concern: what it is about, who (a name typed, or "pupils", "outside",
        "unknown"), where, what happened, whether confidential information was shared; then
        send it (or not) once told who will see it."""
        await self.send("report a concern")
        await self.choose(about)
        if subject in ("pupils", "outside", "unknown"):
            await self.choose(subject)
        else:
            await self.send(subject)
        if school:
            await self.choose(school)
        await self.send(details)
        await self.choose(confidential)
        assert self.question.name == "confirm_report", self.replies_text()
        return await self.choose("send" if send else "stop")

    async def answer_asked(self, **answers: str | Sequence[str]) -> TurnResult:
        """Answer each question the bot asks, by its name, until it asks none."""
        assert self.last is not None
        self.asked: list[str] = []
        while True:
            asked = [m for m in self.last.replies if isinstance(m, Question)]
            if not asked:
                return self.last
            name = asked[-1].name
            assert name in answers, f"the bot asked {name!r}: {asked[-1].prompt}"
            assert name not in self.asked, f"the bot asked {name!r} twice"
            self.asked.append(name)
            value = answers[name]
            await self.choose(*([value] if isinstance(value, str) else value))


async def make_app(tmp_path: Path, clock: Clock | None = None) -> Application:
    storage = TinyDBStorage(str(tmp_path / "policybot.json"))
    return await build_application(Config({}), storage=storage, clock=clock or Clock())
