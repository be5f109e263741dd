"""Running due work: by hand (``policybot jobs run``) or every few minutes in the server.

Every replica runs its own AsyncIOScheduler with one job of a stable id. The job is cheap
when nothing is due, and safe to run anywhere at any time: what is due comes from storage
and each item is claimed with a conditional write (see pending_steps and digests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import keys
from bot.app import Application
from bot.directory_sync import schedule as directory_schedule
from bot.directory_sync.run import Network
from bot.due_work import digests, retention
from bot.due_work.pending_steps import DueWorkReport, PendingSteps, timings_from
from bot.report import schedule as report_schedule
from bot.tx import Tx
from storage.base import Conflict

log = logging.getLogger(__name__)
JOB_ID = "policybot-due-work"
TICK_MINUTES = 5


class DueWork:
    def __init__(self, application: Application) -> None:
        self.application = application
        self.timers = PendingSteps(application, timings_from(application.config))
        self.retention_days = application.config.number("POLICYBOT_RETENTION_DAYS")
        self.entra_network: Network | None = None  # how the Entra sync reaches Graph

    async def run_all(self, now: datetime) -> DueWorkReport:
        report = DueWorkReport()
        people = await self.application.directory.snapshot()
        await self.timers.run(now, report)
        sent = await digests.run_digest(self.application, now, people)
        if sent:
            report.count("digests sent", sent)
        reviewed = await digests.run_review(self.application, now, people)
        if reviewed:
            report.count("policy review notices", reviewed)
        reported = await report_schedule.run_scheduled(self.application, now)
        if reported:
            report.count("governance reports sent", reported)
        if await self._claim_daily(keys.RETENTION_RUN, now):
            purged = await retention.purge(self.application.storage, now, self.retention_days)
            if purged.requests:
                report.count("requests purged", len(purged.requests))
        if directory_schedule.is_due(self.application, now) and await self._claim_daily(
                keys.DIRECTORY_SYNC_RUN, now):
            synced = await directory_schedule.run_scheduled(self.application, now,
                                                            self.entra_network)
            report.count(f"directory sync from Entra: {synced.outcome.value}" if synced
                         else "directory sync from Entra: not configured")
        return report

    async def _claim_daily(self, key: str, now: datetime) -> bool:
        tx = Tx(self.application.storage)
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
        review = self.application.pack.next_review
        for days in digests.REVIEW_NOTICES:
            at = datetime.combine(review - timedelta(days=days), time(0, 0),
                                  now.tzinfo)
            if at > now:
                items.append((at, f"policy review notice ({days} days before)"
                               if days else "policy review notice (on the day)"))
        schedule = self.application.config.get("POLICYBOT_REPORT_AT").strip()
        report_at = report_schedule.next_slot(schedule, now) if schedule else None
        if report_at is not None:
            items.append((report_at, "governance report of the term just ended"))
        return sorted(items)

    async def tick(self) -> None:
        try:
            report = await self.run_all(self.application.bot.clock())
            if report.done:
                log.info("due work done: %s", "; ".join(report.lines()))
            self.application.kick()
        except Exception:  # a failed tick is retried at the next one
            log.exception("due work failed; will retry at the next tick")


def start_scheduler(runner: DueWork, clock: Callable[[], datetime]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(runner.tick, "interval", minutes=TICK_MINUTES, id=JOB_ID,
                      replace_existing=True, coalesce=True, max_instances=1,
                      next_run_time=clock())
    scheduler.start()
    return scheduler
