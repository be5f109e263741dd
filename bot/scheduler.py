"""Running due work: by hand (``policybot jobs run``) or every few minutes in the server.

Every replica runs its own AsyncIOScheduler with one job of a stable id. The job is cheap
when nothing is due, and safe to run anywhere at any time: what is due comes from storage
and each item is claimed with a conditional write (see bot.jobs and bot.digests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import digests, retention
from bot.app import Application
from bot.directory_sync import schedule as directory_schedule
from bot.directory_sync.run import Network
from bot.jobs import JobReport, RequestTimers, timings_from
from bot.tx import Tx
from storage.base import Conflict

log = logging.getLogger(__name__)
JOB_ID = "policybot-due-work"
TICK_MINUTES = 5


class JobRunner:
    def __init__(self, app: Application) -> None:
        self.app = app
        self.timers = RequestTimers(app, timings_from(app.config))
        self.retention_days = app.config.number("POLICYBOT_RETENTION_DAYS")
        self.entra_network: Network | None = None  # how the Entra sync reaches Graph

    async def run_all(self, now: datetime) -> JobReport:
        report = JobReport()
        people = await self.app.directory.snapshot()
        await self.timers.run(now, report)
        sent = await digests.run_digest(self.app, now, people)
        if sent:
            report.count("digests sent", sent)
        reviewed = await digests.run_review(self.app, now, people)
        if reviewed:
            report.count("policy review reminders", reviewed)
        if await self._claim_daily("meta/job-retention", now):
            purged = await retention.purge(self.app.storage, now, self.retention_days)
            if purged.requests:
                report.count("requests purged", len(purged.requests))
        if directory_schedule.is_due(self.app, now) and await self._claim_daily(
                directory_schedule.CLAIM_KEY, now):
            synced = await directory_schedule.run_scheduled(self.app, now, self.entra_network)
            report.count(f"directory sync from Entra: {synced.outcome.value}" if synced
                         else "directory sync from Entra: not configured")
        return report

    async def _claim_daily(self, key: str, now: datetime) -> bool:
        tx = Tx(self.app.storage)
        marker = await tx.get(key) or {}
        today = now.date().isoformat()
        if marker.get("date") == today:
            return False
        tx.put(key, {"date": today})
        try:
            await tx.commit()
        except Conflict:
            return False
        return True

    async def upcoming(self, now: datetime) -> list[tuple[datetime, str]]:
        items = await self.timers.upcoming()
        items.append((digests.next_digest(now), "weekly digest"))
        review = self.app.pack.next_review
        for days in digests.REVIEW_NOTICES:
            at = datetime.combine(review - timedelta(days=days), time(0, 0),
                                  now.tzinfo)
            if at > now:
                items.append((at, f"policy review reminder ({days} days before)"
                               if days else "policy review reminder (on the day)"))
        return sorted(items)

    async def tick(self) -> None:
        try:
            report = await self.run_all(self.app.bot.clock())
            if report.done:
                log.info("due work done: %s", "; ".join(report.lines()))
            self.app.kick()
        except Exception:  # a failed tick is retried at the next one
            log.exception("due work failed; will retry at the next tick")


def start_scheduler(runner: JobRunner, clock: Callable[[], datetime]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(runner.tick, "interval", minutes=TICK_MINUTES, id=JOB_ID,
                      replace_existing=True, coalesce=True, max_instances=1,
                      next_run_time=clock())
    scheduler.start()
    return scheduler
