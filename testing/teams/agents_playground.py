"""Microsoft 365 Agents Playground (npm ``@microsoft/m365agentsplayground``) as a real process
in front of ``policybot serve --teams-emulator``, and the steps a person takes on its page.

The package is installed, pinned, under ``.playground/`` by ``./scripts/test``; nothing is
installed or downloaded at run time. Each playground runs in a folder of its own, whose
``.m365agentsplayground.yml`` says who is at the keyboard (see
:mod:`testing.teams.playground_config`).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from testing.teams.playground_config import ROOT, write_config

VERSION = "0.2.28"
PACKAGE = ROOT / ".playground" / "node_modules" / "@microsoft" / "m365agentsplayground"
COMMAND = ROOT / ".playground" / "node_modules" / ".bin" / "agentsplayground"
INSTALL = f"npm install --prefix .playground @microsoft/m365agentsplayground@{VERSION}"
START_TIMEOUT = 30.0
LISTENING = re.compile(r"Listening on (\d+)")
MESSAGE = ".fai-OutputCard"  # one message in the chat, text or card


def require_playground() -> None:
    """Fail, naming what to install, unless Node.js, npm and the pinned package are here."""
    for tool in ("node", "npm"):
        assert shutil.which(tool), f"{tool} is missing: apt-get install nodejs npm"
    assert COMMAND.exists(), f"{COMMAND} is missing: run ./scripts/test, or {INSTALL}"
    version = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    assert version == VERSION, f"Agents Playground {version} installed, {VERSION} expected: " \
                               f"{INSTALL}"


def free_port() -> int:
    """A loopback port nobody listens on just now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PlaygroundProcess:
    """One ``agentsplayground`` in front of the bot at ``endpoint``, as the person ``email``."""

    def __init__(self, folder: Path, endpoint: str, email: str) -> None:
        write_config(folder, email)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.proc = subprocess.Popen(
            [str(COMMAND), "-e", endpoint, "-c", "msteams", "-p", str(free_port()),
             "--disable-telemetry"],
            cwd=folder, env={"PATH": _path(), "HOME": str(folder)}, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._collect, daemon=True).start()
        try:
            port = self._wait_for_port()
        except AssertionError:
            self.stop()
            raise
        # The port it says it listens on: it takes another when the one asked for is taken.
        self.url = f"http://127.0.0.1:{port}/"

    def _collect(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _wait_for_port(self) -> int:
        def port() -> int | None:
            found = next((m for m in map(LISTENING.search, self.lines) if m), None)
            return int(found.group(1)) if found else None

        with self._changed:
            self._changed.wait_for(
                lambda: port() is not None or self.proc.poll() is not None, START_TIMEOUT)
            listening = port()
        assert listening is not None, (f"Agents Playground did not start: exit "
                                       f"{self.proc.poll()}, output {self.lines}")
        return listening

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _path() -> str:
    node = shutil.which("node")
    return str(Path(node).parent) if node else "/usr/bin"


# -- on the playground's page ------------------------------------------------------------

def message(page: Page, text: str | re.Pattern[str]) -> Locator:
    """The latest message in the chat showing ``text`` (the log panel is not the chat)."""
    return page.locator(MESSAGE, has_text=text).last


def say(page: Page, text: str) -> None:
    """Type ``text`` in the compose box and send it."""
    box = page.get_by_role("textbox")
    box.click()
    box.fill(text)
    box.press("Enter")
    expect(page.get_by_text(text, exact=True).last).to_be_visible()


def press(card: Locator, label: str) -> None:
    card.get_by_role("button", name=label, exact=True).click()


def choose(card: Locator, label: str) -> None:
    """Pick ``label`` from a card's list of choices and send it with Continue."""
    card.get_by_role("radio", name=label, exact=True).check()
    press(card, "Continue")
