"""The playground's three outcomes in real Chromium, on a phone-sized screen and a desktop:
each looks different at a glance, nothing runs off the screen, errors show beside the form,
a draft reaches the approver exactly as typed, and a reload keeps the chat.

A screenshot of each outcome is kept in ``test-artifacts/playground/`` (or the folder in
``POLICYBOT_TEST_ARTIFACTS``) for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from testing.server.playground import STEP_TIMEOUT_MS, click_option, open_question, transcript
from testing.server.serve_process import ServerProcess
from testing.staff import DEPUTY, HEAD

ARTIFACTS = Path(os.environ.get("POLICYBOT_TEST_ARTIFACTS")
                 or Path(__file__).resolve().parents[2] / "test-artifacts") / "playground"
WIDTHS = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1360, "height": 980}}
INSULT = "Year 9 were feral today, honestly the worst class I've ever had"
PERSONAL = "Lovely walk with the dog in the Peaks today, the views were amazing"
OPINION = "Speaking as head of year, I think *phones* should stay in lockers"


def check_a_post(page: Page, draft: str) -> None:
    page.fill("#text", "check a post")
    page.press("#text", "Enter")
    open_question(page, "Paste the text of your post")
    page.fill("#text", draft)
    page.press("#text", "Enter")


def fits(page: Page) -> None:
    """Nothing runs off the side of the screen."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"
    box = page.locator("#who").bounding_box()
    assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"]


def keep(page: Page, locator_card, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator_card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_the_three_outcomes_look_different_and_fit(
    size: str, browser: Browser, server_process: Callable[..., ServerProcess],
) -> None:
    server = server_process()
    page = browser.new_page(viewport=WIDTHS[size])
    page.set_default_timeout(STEP_TIMEOUT_MS)
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(server.url)
    page.select_option("#who", DEPUTY)
    expect(transcript(page)).to_contain_text("What would you like to do?")
    fits(page)

    check_a_post(page, INSULT)
    refused = transcript(page).locator(".card.refused").last
    expect(refused).to_contain_text("Refused")
    expect(refused).to_contain_text("I noticed “Year 9 were feral”")
    fits(page)
    keep(page, refused, f"refused-{size}")
    # A reason left empty is asked for beside the form, not under the chat box.
    refused.get_by_role("button", name="That's not what it means").click()
    refused.get_by_role("button", name="Send: That's not what it means").click()
    expect(refused.locator(".form-error")).to_have_text("Please give a reason.")
    expect(page.locator("#status")).not_to_contain_text("reason")

    check_a_post(page, PERSONAL)
    click_option(page, "Where will it go?", "My own personal account")
    fine = transcript(page).locator(".card.fine").last
    expect(fine).to_contain_text("Fine")
    fits(page)
    keep(page, fine, f"fine-{size}")

    check_a_post(page, OPINION)
    click_option(page, "Where will it go?", "My own personal account")
    waiting = transcript(page).locator(".card.waiting").last
    expect(waiting).to_contain_text("Needs approval")
    fits(page)
    keep(page, waiting, f"needs-approval-{size}")
    colours = {c: page.locator(f".card.{c}").last.evaluate(
        "e => getComputedStyle(e).borderLeftColor") for c in ("refused", "fine", "waiting")}
    assert len(set(colours.values())) == 3, colours

    # A reload shows the chat as it was, from the server.
    page.reload()
    expect(transcript(page).locator(".card.waiting").last).to_contain_text("Needs approval")
    expect(transcript(page)).to_contain_text(INSULT)

    # The approver sees the draft exactly as typed: *phones* is not made bold.
    page.select_option("#who", HEAD)
    card = page.locator("#inbox .card", has_text="Approval needed")
    expect(card.locator(".quote")).to_have_text(OPINION)
    expect(card.locator("strong")).to_have_count(0)
    fits(page)
    assert errors == [] and missing == []
    page.close()
    assert server.terminate() == 0
