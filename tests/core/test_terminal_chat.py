"""The terminal chat: a card's letters keep pressing its buttons after newer cards are shown,
and a requester's open terminal is told of the decision made in another terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters import terminal
from adapters.terminal import TerminalChat
from bot.app import Application
from bot.application_port import PortToApplication
from testing.chat import Chat
from testing.staff import DEPUTY, TEACHER

POLICYBOT = Path(sys.executable).with_name("policybot")
TIMEOUT = 30.0  # seconds; a bound on a hang, never a measurement
OPINION = "Speaking as head of year, I think phones should go"


def letter_of(chat: TerminalChat, name: str, request_id: str = "") -> str:
    return next(k for k, a in chat.actions.items()
                if a.name == name and a.request_id == request_id)


async def test_an_old_card_s_letters_still_press_its_buttons_after_the_menu(
    app: Application,
) -> None:
    await Chat(app, TEACHER).check_post(OPINION, channel="personal")
    out = io.StringIO()
    chat = TerminalChat(PortToApplication(app), DEPUTY, out=out)
    await chat.greet()
    await chat.say("pending")
    approve = letter_of(chat, "approve", "SM-0001")
    await chat.say("help")  # the menu again: its buttons keep their own letters
    assert f"  {approve}) Approve SM-0001" in out.getvalue()
    await chat.say(approve)
    assert "You approved SM-0001." in out.getvalue()
    assert (await app.storage.get("request/SM-0001")).value["status"] == "approved"


async def test_a_button_shown_again_keeps_its_letter(app: Application) -> None:
    await Chat(app, TEACHER).check_post(OPINION, channel="personal")
    chat = TerminalChat(PortToApplication(app), DEPUTY, out=io.StringIO())
    await chat.greet()
    menu = dict(chat.actions)
    await chat.say("pending")
    await chat.say("help")
    assert len(menu) == 5 and menu.items() <= chat.actions.items()
    assert {a.name for a in chat.actions.values()} == {"start", "approve", "reject"}


def test_letters_never_repeat_and_skip_typed_answers() -> None:
    letters = [terminal.letter(i) for i in range(100)]
    assert len(set(letters)) == 100 and letters[:3] == ["a", "b", "c"]
    assert not {"y", "n", "x", "i", "l", "o"} & set(letters)


async def test_the_approver_s_own_card_is_not_repeated_as_news(app: Application) -> None:
    await Chat(app, TEACHER).check_post(OPINION, channel="personal")
    out = io.StringIO()
    chat = TerminalChat(PortToApplication(app), DEPUTY, out=out)
    await chat.greet()
    await chat.say("pending")
    await chat.say(letter_of(chat, "approve", "SM-0001"))
    assert "You approved SM-0001." in out.getvalue()
    assert "for you:" not in out.getvalue()
    assert not await chat.show_news()


async def test_a_decision_is_news_for_the_requester_once(app: Application) -> None:
    teacher_out = io.StringIO()
    teacher = TerminalChat(PortToApplication(app), TEACHER, out=teacher_out)
    await teacher.greet()
    await teacher.say("check a post")
    await teacher.say(OPINION)
    await teacher.say("1")  # my own personal account
    assert "NEEDS APPROVAL" in teacher_out.getvalue()
    deputy = TerminalChat(PortToApplication(app), DEPUTY, out=io.StringIO())
    await deputy.greet()
    await deputy.say("pending")
    await deputy.say(letter_of(deputy, "approve", "SM-0001"))
    assert await teacher.show_news()
    said = teacher_out.getvalue()
    assert "for you: [ FINE: Approved: SM-0001" in said and "Daniel Osei approved" in said
    assert not await teacher.show_news()


class ChatProcess:
    """``policybot chat --as EMAIL`` in its own process, its output collected as it comes."""

    def __init__(self, tmp_path: Path, email: str) -> None:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
               "POLICYBOT_DB": str(tmp_path / "db" / "policybot.json"), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([str(POLICYBOT), "chat", "--as", email], cwd=tmp_path,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.output = ""
        self._changed = threading.Condition()
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read(1):
            with self._changed:
                self.output += chunk
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def type(self, line: str, then: str) -> None:
        """Type ``line``, then wait (bounded) until the output shows ``then``."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        self.wait_for(then)

    def wait_for(self, text: str) -> None:
        with self._changed:
            seen = self._changed.wait_for(
                lambda: text in self.output or self.proc.poll() is not None, TIMEOUT)
        assert seen and text in self.output, f"{text!r} not in:\n{self.output}"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)


@pytest.fixture
def chats(tmp_path: Path) -> Iterator[dict[str, ChatProcess]]:
    started: dict[str, ChatProcess] = {}
    yield started
    for chat in started.values():
        chat.close()


def test_the_requester_s_open_terminal_is_told_of_the_decision(
    tmp_path: Path, chats: dict[str, ChatProcess],
) -> None:
    teacher = chats["teacher"] = ChatProcess(tmp_path, TEACHER)
    teacher.wait_for("e) Pending for me")
    teacher.type("check a post", then="Paste the text of your post")
    teacher.type(OPINION, then="Where will it go?")
    teacher.type("1", then="NEEDS APPROVAL")
    manager = chats["manager"] = ChatProcess(tmp_path, DEPUTY)
    manager.wait_for("e) Pending for me")
    manager.type("pending", then="f) Approve SM-0001")
    manager.type("f", then="You approved SM-0001.")
    # Nothing typed in the teacher's terminal: it was waiting for a line, and is told.
    teacher.wait_for("for you: [ FINE: Approved: SM-0001")
    teacher.wait_for("Daniel Osei approved")
    teacher.type("quit", then="")
    assert teacher.proc.wait(TIMEOUT) == 0
