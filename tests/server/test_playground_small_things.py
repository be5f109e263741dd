"""The playground in real Chromium, where a real person trips: a long card's verdict is in
view on a phone when it arrives, a message over the limit stays in the box with the reason
beside it, and a server that has stopped is named as such."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from testing.server.playground import STEP_TIMEOUT_MS, open_question, transcript
from testing.server.serve_process import ServerProcess
from testing.staff import DEPUTY

PHONE = {"width": 360, "height": 780}
# A refused draft long enough that its card is taller than the chat on a phone.
LONG_INSULT = "Year 9 were feral today, honestly the worst class I've ever had. " + " ".join(
    f"Lesson {n} went on and on about fractions and nobody listened at all." for n in range(40))
OVER_THE_LIMIT = "a" * 20_001  # the playground takes at most 20,000 characters a message


def open_page(browser: Browser, server: ServerProcess, viewport: dict[str, int]) -> Page:
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(STEP_TIMEOUT_MS)
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    page.goto(server.url)
    page.select_option("#who", DEPUTY)
    expect(transcript(page)).to_contain_text("What would you like to do?")
    return page


def test_a_long_card_s_verdict_is_in_view_on_a_phone(
    browser: Browser, server_process: Callable[..., ServerProcess],
) -> None:
    server = server_process()
    page = open_page(browser, server, PHONE)
    page.fill("#text", "check a post")
    page.press("#text", "Enter")
    open_question(page, "Paste the text of your post")
    page.fill("#text", LONG_INSULT)
    page.press("#text", "Enter")
    card = transcript(page).locator(".card.refused").last
    expect(card).to_contain_text("Refused")
    box = card.bounding_box()
    assert box is not None and box["height"] > PHONE["height"] / 2, box  # a long card
    expect(card.locator(".tone")).to_be_in_viewport(ratio=1)
    expect(card.locator("h3")).to_be_in_viewport(ratio=1)
    page.close()
    assert server.terminate() == 0


def test_a_message_over_the_limit_stays_in_the_box_with_the_reason_beside_it(
    browser: Browser, server_process: Callable[..., ServerProcess],
) -> None:
    server = server_process()
    page = open_page(browser, server, {"width": 1360, "height": 980})
    page.fill("#text", OVER_THE_LIMIT)
    page.press("#text", "Enter")
    problem = page.locator("#say-error")
    expect(problem).to_contain_text("too long")
    expect(problem).to_contain_text("20,000")
    expect(page.locator("#text")).to_have_value(OVER_THE_LIMIT)
    expect(page.locator("#text")).to_be_enabled()
    expect(transcript(page).locator(".msg.you")).to_have_count(0)  # nothing was said
    # Shortened, it goes, and the reason goes with it.
    page.fill("#text", "help")
    page.press("#text", "Enter")
    expect(transcript(page).locator(".msg.you")).to_have_text(["help"])
    expect(page.locator("#text")).to_have_value("")
    expect(problem).to_be_hidden()
    page.close()
    assert server.terminate() == 0


def test_a_stopped_server_is_said_in_words(
    browser: Browser, server_process: Callable[..., ServerProcess],
) -> None:
    server = server_process()
    page = open_page(browser, server, PHONE)
    assert server.terminate() == 0
    page.fill("#text", "check a post")
    page.press("#text", "Enter")
    problem = page.locator("#say-error")
    expect(problem).to_contain_text(f"policybot is not running at {server.url.rstrip('/')}")
    expect(page.locator("body")).not_to_contain_text("Failed to fetch")
    expect(page.locator("#text")).to_have_value("check a post")
    page.locator("#refresh").click()
    expect(page.locator("#status")).to_contain_text("policybot is not running at")
    page.close()
