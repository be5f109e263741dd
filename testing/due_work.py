"""Due work run as the scheduler would, at a moment a test chooses."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import Application
from bot.due_work.runner import DueWork
from testing.clock import Clock

# Jobs that fall due by the calendar whatever the requests: left out of reports unless asked.
PERIODIC = ("digests sent", "policy review notices")


async def run_due_work(app: Application, clock: Clock, moment: datetime,
                       everything: bool = False) -> dict[str, int]:
    """Runs every job at ``moment``; reports the request timers only, unless ``everything``."""
    clock.now = moment
    report = await DueWork(app).run_all(moment)
    await app.flush()
    return {k: v for k, v in report.done.items() if everything or k not in PERIODIC}


def asked_at(record: dict) -> datetime:
    return datetime.strptime(record["steps"][record["current"]]["asked_at"],
                             "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
