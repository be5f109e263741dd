"""Microsoft's own Teams client, Microsoft 365 Agents Playground, against the real server in
emulator mode: a teacher checks a post that needs approval in her playground, her line
manager's card arrives unasked in his, he approves it, and she is told.

Two playgrounds, each in a folder of its own whose config file (made from
``docs/agents-playground.yml``) says who is at the keyboard, each driven by headless Chromium
from the system. A screenshot of each step is kept in ``test-artifacts/teams-playground/``.
The playground is installed by ``./scripts/test``; without Node.js, npm or the pinned
package this test fails, naming what to install.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from testing.server.playground import browser
from testing.server.serve_process import ServerProcess
from testing.staff import DEPUTY, TEACHER
from testing.teams.agents_playground import (
    PlaygroundProcess,
    choose,
    message,
    press,
    require_playground,
    say,
)
from testing.teams.playground_config import ROOT

__all__ = ["browser"]  # the fixture, found by pytest here

ARTIFACTS = ROOT / "test-artifacts" / "teams-playground"
STEP_TIMEOUT_MS = 30_000
DRAFT = "Proud of our Year 4 choir at the Trust conference today"
MENU = "What would you like to do?"
ACCEPTED = re.compile(r"^message 20\d$")
REFUSED = re.compile(r"^\w+ [45]\d\d$")  # "message 400" in the playground's log panel


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Callable[[str, str], PlaygroundProcess]]:
    """Starts playgrounds (as the person named, in a folder of their own) and stops them."""
    running: list[PlaygroundProcess] = []

    def start(endpoint: str, email: str) -> PlaygroundProcess:
        playground = PlaygroundProcess(tmp_path / email.split("@")[0], endpoint, email)
        running.append(playground)
        return playground

    yield start
    for playground in running:
        playground.stop()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    folder = tmp_path / "server"
    folder.mkdir()
    process = ServerProcess(folder, ["--teams-emulator"], {})
    yield process
    process.kill()


@pytest.fixture(autouse=True)
def playground_installed() -> None:
    require_playground()


class Steps:
    """Screenshots of both playgrounds, numbered in the order the steps happen."""

    def __init__(self, pages: dict[str, Page]) -> None:
        self.pages = pages
        self.count = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()

    def shot(self, who: str, step: str) -> None:
        self.count += 1
        path = ARTIFACTS / f"{self.count:02d}-{who}-{step}.png"
        self.pages[who].screenshot(path=str(path), full_page=True)


def open_playground(browser: Browser, playground: PlaygroundProcess, first_name: str) -> Page:
    page = browser.new_page(viewport={"width": 1360, "height": 980})
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(playground.url)
    # Opening the chat installs the bot for this person: it greets them by name.
    expect(message(page, f"Hello {first_name}!")).to_be_visible()
    expect(message(page, MENU)).to_be_visible()
    return page


def test_teacher_checks_post_manager_approves_in_agents_playground(
        tmp_path: Path, browser: Browser, server: ServerProcess,
        started: Callable[[str, str], PlaygroundProcess]) -> None:
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    endpoint = f"{server.url}api/messages"
    teacher_playground = started(endpoint, TEACHER)
    manager_playground = started(endpoint, DEPUTY)

    # Each opens Teams: the bot learns both chats, so it can reach the manager later.
    manager = open_playground(browser, manager_playground, "Daniel")
    teacher = open_playground(browser, teacher_playground, "Sophie")
    steps = Steps({"teacher": teacher, "manager": manager})
    steps.shot("manager", "welcomed")
    steps.shot("teacher", "welcomed")

    # The teacher asks in her own words, then pastes the draft.
    say(teacher, "can I post this?")
    expect(message(teacher, "Paste the text of your post")).to_be_visible()
    say(teacher, DRAFT)
    where = message(teacher, "Where will it go?")
    steps.shot("teacher", "draft-sent")
    press(where, "My own personal account")
    expect(where).to_contain_text("✔ My own personal account")

    # Options too long for a button come as a list of choices with Continue.
    named = message(teacher, "Does it name or identify a pupil, a parent or a colleague?")
    choose(named, "No one is named or can be identified")
    expect(named).to_contain_text("✔ No one is named or can be identified")
    about = message(teacher, "What is it about?")
    steps.shot("teacher", "questions")
    choose(about, "School or Trust news, events, results or plans")

    outcome = message(teacher, "Needs approval: request SM-0001")
    expect(outcome).to_contain_text("This post needs approval from Daniel Osei")
    expect(outcome).to_contain_text("4.1")
    steps.shot("teacher", "needs-approval")

    # The manager's card arrives in his chat without him asking.
    card = message(manager, "Approval needed: SM-0001")
    expect(card).to_contain_text("Sophie Bennett (Oakfield Primary)")
    expect(card).to_contain_text(DRAFT)
    steps.shot("manager", "card-arrived")
    press(card, "Approve")
    # The card changes in place: decided, with no buttons left to press.
    decided = message(manager, "Post check SM-0001: approved by Daniel Osei")
    expect(decided.get_by_role("button", name="Approve")).to_have_count(0)
    expect(message(manager, "You approved SM-0001.")).to_be_visible()
    steps.shot("manager", "approved")

    # The teacher is told, in her own chat.
    told = message(teacher, re.compile(r"Approved: SM-0001"))
    expect(told).to_contain_text("Daniel Osei approved your post")
    expect(told).to_contain_text("You may post it now, exactly as approved.")
    steps.shot("teacher", "told")

    # Every message reached the playgrounds: nothing refused, nothing waiting to retry.
    for page in (teacher, manager):  # each request in the log panel, with its status
        assert page.get_by_text(ACCEPTED).count() > 0
        expect(page.get_by_text(REFUSED)).to_have_count(0)
    assert not [line for line in server.stderr if "delivery via" in line], server.stderr
    assert server.terminate() == 0
