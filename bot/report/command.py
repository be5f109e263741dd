"""``policybot report``: the governance report of a period, as an HTML page and a CSV."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import Config
from bot.report.build import ReportError, make_report
from bot.report.options import options_from
from bot.report.period import PeriodError, chosen
from conversations.pack_loader import load_pack
from storage import open_storage
from storage.base import Storage
from storage.tinydb_store import TinyDBStorage

# A report reads each TinyDB file once, in order (a month of audit, then the next): a cache
# that holds one month's file and a few request files is all it needs, where the server's
# cache is sized for many small files used again and again.
ONE_PASS_CACHE_BYTES = 8_000_000


def _store_read_once(target: str) -> Storage:
    storage = open_storage(target)
    if isinstance(storage, TinyDBStorage):
        return TinyDBStorage(storage.path, cached_bytes=ONE_PASS_CACHE_BYTES)
    return storage


async def report_command(config: Config, start: date | None, end: date | None, school: str,
                         out: str, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    try:
        period = chosen(now.date(), start, end)
    except PeriodError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    pack = load_pack(config.get("POLICYBOT_POLICY") or None)
    storage = _store_read_once(config.storage_target)
    try:
        report = await make_report(storage, pack, options_from(config), period, school.strip(),
                                   now)
    except ReportError as exc:
        print(f"policybot: {exc}; nothing was written", file=sys.stderr)
        return 2
    finally:
        await storage.close()
    page = Path(out) if out else Path(f"{report.stem}.html")
    if page.suffix.lower() not in (".html", ".htm"):
        page = page.with_name(page.name + ".html")
    figures = page.with_suffix(".csv")
    try:
        page.write_text(report.html, encoding="utf-8")
        figures.write_text(report.csv, encoding="utf-8")
    except OSError as exc:
        print(f"policybot: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"Wrote {page} and {figures} ({period.title()}"
          f"{', ' + school.strip() if school.strip() else ''}).")
    return 0
