"""The report's HTML in real Chromium, opened from a file as a governor would open it: no
console error, no request leaves the page, every chart is an image with a title and a table
under it; printed to A4, each section starts on its own page.

A screenshot of each section is kept in ``test-artifacts/report/`` (or the folder in
``POLICYBOT_TEST_ARTIFACTS``) for a person to look at, with the PDF.
"""

from __future__ import annotations

import asyncio
import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

from playwright.sync_api import Browser, Request, Route
from pypdf import PdfReader

from bot.config import Config
from bot.directory import DirectoryStore
from bot.report.command import report_command
from storage import open_storage
from testing.report_seed import History, seed

ARTIFACTS = Path(os.environ.get("POLICYBOT_TEST_ARTIFACTS")
                 or Path(__file__).resolve().parents[2] / "test-artifacts") / "report"
SECTIONS = ("summary", "use", "wrong", "approvers", "accounts", "concerns", "policy")
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


async def _make_report(folder: Path) -> Path:
    target = str(folder / "policybot.json")
    storage = open_storage(target)
    await DirectoryStore(storage).ensure_sample()
    await seed(storage, History(datetime(2026, 1, 5, tzinfo=UTC), days=330, seed=5), 900)
    await storage.close()
    page = folder / "report.html"
    assert await report_command(Config({"POLICYBOT_DB": target}), date(2026, 9, 1),
                                date(2026, 12, 7), "", str(page), NOW) == 0
    return page


def test_the_report_in_chromium(tmp_path: Path, browser: Browser) -> None:
    # Playwright's sync API holds this thread's event loop: the report is made in another.
    with ThreadPoolExecutor(1) as worker:
        page_file = worker.submit(asyncio.run, _make_report(tmp_path)).result()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url = page_file.as_uri()
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    problems: list[str] = []
    left: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    def guard(route: Route, request: Request) -> None:
        if request.url == url:
            route.continue_()
        else:
            left.append(request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(url)
    page.wait_for_load_state("load")
    assert problems == [] and left == []

    charts = page.locator("figure svg")
    assert charts.count() >= 10
    for n in range(charts.count()):
        chart = charts.nth(n)
        assert chart.get_attribute("role") == "img"
        labelled = (chart.get_attribute("aria-labelledby") or "").split()
        assert len(labelled) == 2 and page.locator(f"[id='{labelled[0]}']").text_content()
    # Every chart has its numbers in a table under it.
    assert page.locator("figure:has(svg)").count() == page.locator(
        "figure:has(svg) figcaption table").count()
    for section in SECTIONS:
        page.locator(f"#{section}").screenshot(path=str(ARTIFACTS / f"{section}.png"))

    pdf = ARTIFACTS / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    # NFKC: the PDF's text has ligatures ("ﬃ") where the page has letters.
    pages = [unicodedata.normalize("NFKC", p.extract_text() or "") for p in PdfReader(pdf).pages]
    titles = [page.locator(f"#{s}-h").inner_text() for s in SECTIONS[1:]]
    starts = [next((i for i, text in enumerate(pages) if text.lstrip().startswith(title)), -1)
              for title in titles]
    assert -1 not in starts, (titles, [p[:60] for p in pages])
    assert starts == sorted(set(starts)) and starts[0] > 0  # each its own page, in order
    assert problems == [] and left == []
    page.close()
