"""The README's picture of the governance report, made from the sample trust's made-up
history (testing/report_seed.py) in headless Chromium:

    .venv/bin/python -m testing.report_sample docs/images/report.png
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

from bot.config import Config
from bot.directory import DirectoryStore
from bot.report.command import report_command
from storage import open_storage
from testing.report_seed import History, seed
from testing.server.playground import CHROMIUM, CHROMIUM_ARGS

NOW = datetime(2026, 12, 18, 16, 0, tzinfo=UTC)


async def write_report(folder: Path) -> Path:
    target = str(folder / "policybot.json")
    storage = open_storage(target)
    await DirectoryStore(storage).ensure_sample()
    await seed(storage, History(datetime(2026, 1, 5, tzinfo=UTC), days=345, seed=12), 1400)
    await storage.close()
    page = folder / "report.html"
    await report_command(Config({"POLICYBOT_DB": target}), None, None, "",
                         str(page), NOW)
    return page


def main(out: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        page_file = asyncio.run(write_report(Path(folder)))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1500})
            page.goto(page_file.as_uri())
            height = page.locator("#use figure").first.bounding_box()
            assert height is not None
            page.screenshot(path=out, clip={"x": 0, "y": 0, "width": 1000,
                                            "height": height["y"] + height["height"]})
            browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/images/report.png")
