"""Terminal chat: the first adapter, for trying every flow on a fresh machine.

Options are numbered; a multiple-choice question takes several numbers ("1 3"). Messages the
bot sends to other people are shown as "to NAME: ...", so one terminal can play a teacher and
another (``--as`` their manager) can decide the request; what reaches this terminal's own
person from elsewhere (the manager's decision) is shown as "for you: ..." while it is open.
Card buttons are offered as lettered choices and become a :class:`Press`, never fake text; a
letter stays its button's for the whole chat, so an old card's letters still work.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import textwrap
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TextIO

from bot.port import LOCAL, ApplicationPort
from conversations.messages import (
    Action,
    Card,
    Choice,
    FileOffer,
    Message,
    Press,
    Question,
    Text,
    Turn,
)
from conversations.people import Person

log = logging.getLogger(__name__)
WIDTH = 88
PROMPT = "> "
INBOX_EVERY = 2.0  # seconds between looks at the inbox while waiting for a line
# Button letters. Left out: letters that are typed answers too ("y", "n", "x" for X, "i" for
# "I will run it") or look like digits ("l", "o"). After "z" they go round again as "a2"...
LETTERS = "abcdefghjkmpqrstuvwz"


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


def letter(index: int) -> str:
    """The letter of the ``index``-th button shown in this chat: "a", "b"... "z", "a2"..."""
    turn, place = divmod(index, len(LETTERS))
    return LETTERS[place] + (str(turn + 1) if turn else "")


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
        # This terminal's own person reads it from the inbox (TerminalChat.show_news).
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
        # Every button shown in this chat keeps its letter, so an old card's letters still
        # press its buttons after newer cards (the menu again, say) have been shown.
        self.actions: dict[str, Action] = {}
        self.letters: dict[Action, str] = {}
        self.question: Question | None = None
        # Inbox messages already shown or already known: (time, text).
        self.seen: set[tuple[str, str]] = set()
        # A turn and a look at the inbox never interleave their output.
        self.lock = asyncio.Lock()
        port.register_channel(TerminalChannel(port, out, self.email))

    async def greet(self) -> bool:
        person = await self.port.person(self.email)
        if person is None:
            self.out.write(self.port.not_set_up().text + "\n")
            return False
        self.out.write(f"Signed in as {person.name} ({person.school}). Type 'help' for the "
                       "menu, 'quit' to leave.\n")
        # What reached the inbox before the chat opened is not news.
        self.seen = {(at, render(m)) for at, m in await self.port.local_inbox(self.email)}
        await self.say("help")
        return True

    async def say(self, line: str) -> None:
        """Handle one line typed by the person."""
        async with self.lock:
            await self._show_news()  # what arrived since the last look comes first
            turn = self._turn_for(line.strip())
            if turn is None:
                self.out.write("Nothing was sent: a reason is needed for that.\n")
                return
            result = await self.port.take_turn(turn)
            await self.port.deliver_now()
            for message in result.replies:
                self._show(message)
                if isinstance(message, Card) and message.file is not None:
                    await self._save(message.file)
            # What this turn sent this person (an approver's own card, updated) repeats the
            # replies just shown: known, not news.
            await self._show_news(quiet={render(o.message) for o in result.outbound
                                         if o.to.lower() == self.email})

    async def show_news(self, before: str = "") -> bool:
        """Show what reached this person's inbox since the last look (a decision made in
        another terminal), after ``before``; False when nothing had."""
        async with self.lock:
            return await self._show_news(before=before)

    async def _show_news(self, quiet: Collection[str] = (), before: str = "") -> bool:
        shown = False
        for at, message in await self.port.local_inbox(self.email):
            text = render(message)
            if (at, text) in self.seen:
                continue
            self.seen.add((at, text))
            if text not in quiet:
                self.out.write("" if shown else before)
                self._show(message, prefix="for you: ")
                shown = True
        return shown

    async def _save(self, offer: FileOffer) -> None:
        """A file a card offers (the governance report), saved in the current folder."""
        found = await self.port.file(offer.token)
        if found is None:
            self.out.write("  The file is no longer kept: ask again.\n")
            return
        name, content = found
        path = Path(name).name  # never a path of the server's choosing, only a name
        await asyncio.to_thread(Path(path).write_bytes, content)
        await self.port.file_taken(offer.token)
        self.out.write(f"  Saved {path} in this folder.\n")

    def _turn_for(self, line: str) -> Turn | None:
        typed = line.lower()
        if typed in self.actions:
            action = self.actions[typed]
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

    def _show(self, message: Message, prefix: str = "") -> None:
        first, _, rest = render(message).partition("\n")
        self.out.write(prefix + first + "\n")
        if rest:
            self.out.write((textwrap.indent(rest, "    ") if prefix else rest) + "\n")
        if isinstance(message, Question):
            self.question = message
        if isinstance(message, Card) and message.actions:
            for action in message.actions:
                key = self.letters.get(action)
                if key is None:  # a button not shown before: the next letter
                    key = self.letters[action] = letter(len(self.letters))
                    self.actions[key] = action
                suffix = f" {action.request_id}" if action.request_id else ""
                self.out.write(f"  {key}) {action.label}{suffix}\n")


async def run_chat(
    port: ApplicationPort, email: str, *, read_line: Callable[[str], str] = input,
    out: TextIO = sys.stdout, every: float = INBOX_EVERY,
) -> int:
    chat = TerminalChat(port, email, out)
    if not await chat.greet():
        return 1
    watcher = asyncio.create_task(_watch_inbox(chat, every), name="terminal-inbox")
    try:
        while True:
            try:
                line = await asyncio.to_thread(read_line, PROMPT)
            except EOFError:
                return 0
            if line.strip().lower() in ("quit", "exit"):
                return 0
            await chat.say(line)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)


async def _watch_inbox(chat: TerminalChat, every: float) -> None:
    """While the chat waits for a line, show what reaches the inbox (a decision made in
    another terminal), then the prompt again."""
    while True:
        await asyncio.sleep(every)
        try:
            # The prompt is on the screen: the news starts on a line of its own.
            if await chat.show_news(before="\n"):
                chat.out.write(PROMPT)
                chat.out.flush()
        except Exception:  # a failed look must not end the chat; the next one may work
            log.exception("could not read the inbox")
