"""Terminal chat: the first adapter, for trying every flow on a fresh machine.

Options are numbered; a multiple-choice question takes several numbers ("1 3"). Messages the
bot sends to other people are shown as "to NAME: ...", so one terminal can play a teacher and
another (``--as`` their manager) can decide the request. Card buttons are offered as lettered
choices and become a :class:`Press`, never fake text.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import Callable
from typing import TextIO

from bot.port import LOCAL, ApplicationPort, Person
from conversations.messages import Action, Card, Choice, Message, Press, Question, Text, Turn

WIDTH = 88


def render(message: Message) -> str:
    """A message as terminal text (without the lettered card actions)."""
    if isinstance(message, Text):
        return _wrap(message.text)
    if isinstance(message, Question):
        lines = [_wrap(message.prompt)]
        for i, option in enumerate(message.options, start=1):
            lines.append(f"  {i}. {option.label}")
        if message.multiple:
            lines.append("  (type the numbers that apply, e.g. 1 3)")
        elif message.free_text:
            lines.append("  (type your answer)")
        return "\n".join(lines)
    tone = {"refused": "REFUSED", "fine": "FINE", "waiting": "NEEDS APPROVAL"}.get(message.tone)
    lines = [f"[ {tone}: {message.title} ]" if tone else f"[ {message.title} ]"]
    lines += [f"  {k}: {v}" for k, v in message.fields]
    if message.body:
        lines.append(textwrap.indent(_wrap(message.body), "  "))
    if message.quote:  # a draft, as typed
        lines.append(textwrap.indent(message.quote, "  | "))
    if message.footer:
        lines.append(f"  {message.footer}")
    return "\n".join(lines)


def _wrap(text: str) -> str:
    return "\n".join(textwrap.fill(p, WIDTH) if p else "" for p in text.split("\n"))


class TerminalChannel:
    """Shows messages for other people in this terminal, and keeps them in their inbox."""

    name = LOCAL

    def __init__(self, port: ApplicationPort, out: TextIO, me: str) -> None:
        self.port = port
        self.out = out
        self.me = me

    async def reaches(self, person: Person) -> bool:
        return True  # everyone's inbox is kept, and shown here when it is for someone else

    async def deliver(self, person: Person, message: Message, key: str) -> None:
        await self.port.keep_in_inbox(person, message, key)
        if person.email != self.me:
            first, _, rest = render(message).partition("\n")
            self.out.write(f"to {person.name}: {first}\n")
            if rest:
                self.out.write(textwrap.indent(rest, "    ") + "\n")


class TerminalChat:
    def __init__(
        self, port: ApplicationPort, email: str, out: TextIO = sys.stdout,
        ask_reason: Callable[[], str] = lambda: input("  Reason: "),
    ) -> None:
        self.port = port
        self.ask_reason = ask_reason
        self.email = email.lower()
        self.out = out
        self.actions: dict[str, Action] = {}
        self.question: Question | None = None
        port.register_channel(TerminalChannel(port, out, self.email))

    async def greet(self) -> bool:
        person = await self.port.person(self.email)
        if person is None:
            self.out.write(self.port.not_set_up().text + "\n")
            return False
        self.out.write(f"Signed in as {person.name} ({person.school}). Type 'help' for the "
                       "menu, 'quit' to leave.\n")
        await self.say("help")
        return True

    async def say(self, line: str) -> None:
        """Handle one line typed by the person."""
        turn = self._turn_for(line.strip())
        if turn is None:
            self.out.write("Nothing was sent: a reason is needed for that.\n")
            return
        result = await self.port.take_turn(turn)
        await self.port.deliver_now()
        self.actions = {}
        for message in result.replies:
            self._show(message)

    def _turn_for(self, line: str) -> Turn | None:
        letter = line.lower()
        if letter in self.actions:
            action = self.actions[letter]
            comment = ""
            if action.needs_reason:
                comment = self.ask_reason().strip()
                if not comment:
                    # Asked again here, so the reason typed next is not taken for a message.
                    self.out.write("  Please give a reason (it is read with the request), or "
                                   "press Enter to leave it.\n")
                    comment = self.ask_reason().strip()
                if not comment:
                    return None
            return Turn(self.email, press=Press(action.name, action.request_id, action.value,
                                                comment))
        if self.question is not None and self.question.options and not self.question.free_text:
            numbers = line.replace(",", " ").split()
            if numbers and all(n.isdigit() for n in numbers):
                picked = [self.question.options[int(n) - 1].value for n in numbers
                          if 0 < int(n) <= len(self.question.options)]
                if len(picked) == len(numbers):
                    return Turn(self.email, choice=Choice(self.question.token, tuple(picked)))
        return Turn(self.email, text=line)

    def _show(self, message: Message) -> None:
        self.out.write(render(message) + "\n")
        if isinstance(message, Question):
            self.question = message
        if isinstance(message, Card) and message.actions:
            for action in message.actions:
                letter = chr(ord("a") + len(self.actions))
                self.actions[letter] = action
                suffix = f" {action.request_id}" if action.request_id else ""
                self.out.write(f"  {letter}) {action.label}{suffix}\n")


async def run_chat(port: ApplicationPort, email: str) -> int:
    chat = TerminalChat(port, email)
    if not await chat.greet():
        return 1
    while True:
        try:
            line = await asyncio.to_thread(input, "> ")
        except EOFError:
            return 0
        if line.strip().lower() in ("quit", "exit"):
            return 0
        await chat.say(line)
