"""The playground in a real browser: a teacher checks a post that needs approval, the
headteacher approves it from her inbox, and the teacher sees the outcome.

Headless Chromium from the system (``/usr/bin/chromium``, Debian's package) driven by
Playwright; nothing is downloaded or installed at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, expect

from testing.server.playground import STEP_TIMEOUT_MS, click_option, open_question, transcript
from testing.server.serve_process import ServerProcess
from testing.staff import DEPUTY, HEAD

# Markup in a draft must show as typed, never become part of the page.
DRAFT = "Sports day photos of our year 5 relay team <b>so fast</b>, well done everyone who ran!"


def test_teacher_asks_headteacher_approves_teacher_sees_outcome(
    tmp_path: Path, browser: Browser, server_process: Callable[..., ServerProcess]
):
    server = server_process()
    page = browser.new_page(viewport={"width": 1360, "height": 980})
    page.set_default_timeout(STEP_TIMEOUT_MS)
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url)

    # The teacher checks a post: the menu, then each question answered with its controls.
    page.select_option("#who", DEPUTY)
    expect(transcript(page)).to_contain_text("What would you like to do?")
    transcript(page).get_by_role("button", name="Check a post").click()
    open_question(page, "Paste the text of your post")
    page.fill("#text", DRAFT)
    page.press("#text", "Enter")
    expect(transcript(page).locator(".msg.you").last).to_have_text(DRAFT)
    click_option(page, "Where will it go?", "My own personal account")
    # The bot saw the sports day photos: it says so, and asks only about consent.
    expect(open_question(page, "Does it show any pupils")).to_contain_text(
        "I noticed “Sports day photos”")
    click_option(page, "Does it show any pupils", "Yes, with consent for every pupil shown")
    outcome = transcript(page).locator(".card", has_text="Needs approval: request SM-0001")
    expect(outcome).to_contain_text("Joanne Clarke")
    expect(page.locator("#requests")).to_contain_text("SM-0001 · Post check: waiting for approval")

    # The headteacher finds the request in her inbox and approves it.
    page.select_option("#who", HEAD)
    card = page.locator("#inbox .card", has_text="Approval needed: SM-0001")
    expect(card).to_contain_text(DRAFT)
    expect(page.locator("#inbox b, #transcripts b")).to_have_count(0)
    card.get_by_role("button", name="Approve").click()
    expect(transcript(page)).to_contain_text("You approved SM-0001.")
    decided = page.locator("#inbox .card", has_text="SM-0001").first
    expect(decided.get_by_role("button", name="Approve")).to_have_count(0)

    # Back to the teacher: the outcome is in his inbox and in his requests.
    page.select_option("#who", DEPUTY)
    expect(page.locator("#inbox .card", has_text="Approved: SM-0001")).to_contain_text(
        "Joanne Clarke approved your post")
    expect(page.locator("#requests")).to_contain_text("SM-0001 · Post check: approved")
    # His conversation is still there, as he left it.
    expect(outcome).to_be_visible()
    page.screenshot(path=str(tmp_path / "playground.png"), full_page=True)
    assert errors == []
    page.close()
    assert server.terminate() == 0
