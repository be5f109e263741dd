"""The playground in a real browser: headless Chromium from the system (``/usr/bin/chromium``,
Debian's package) driven by Playwright, and the steps the browser tests take on the page.

Nothing is downloaded or installed at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
STEP_TIMEOUT_MS = 15_000
ANSWERED = re.compile(r"\banswered\b")


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def transcript(page: Page) -> Locator:
    return page.locator("#transcripts .transcript:not([hidden])")


def open_question(page: Page, prompt: str) -> Locator:
    """The question now waiting for an answer, which must be the one asking ``prompt``."""
    expect(transcript(page).locator(".question:not(.answered)").last).to_contain_text(prompt)
    # Pinned by its text: "the last open question" moves on once this one is answered.
    return transcript(page).locator(".question", has_text=prompt).last


def click_option(page: Page, prompt: str, label: str) -> None:
    question = open_question(page, prompt)
    question.get_by_role("button", name=label, exact=True).click()
    expect(question).to_have_class(ANSWERED)
