"""The termly report by itself: at the times ``POLICYBOT_REPORT_AT`` names (a cron schedule,
UTC), the summary and the file of the term just ended go to the Head of Governance and People
(the governance_lead role; the CEO when no one has it).

Due work like the digests: the slot sent is recorded (``meta/job-report``) in the same
conditional batch as the messages, so with several replicas, or after a restart, each slot is
sent once; a slot missed while the server was down is sent within a week, the latest only.
Report files past their time are removed here too.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot import keys
from bot.app import Application
from bot.report import files
from bot.report.options import cron, options_from
from bot.report.period import term_containing
from bot.tx import Tx
from conversations.messages import Outbound
from conversations.timefmt import iso
from storage.base import Conflict

log = logging.getLogger(__name__)
CATCH_UP = timedelta(days=7)
FILE_HOURS = 7 * 24  # a report nobody asked for may wait a few days to be opened
MAX_SLOTS = 20_000


def latest_slot(schedule: str, now: datetime) -> datetime | None:
    """The last time the schedule named up to ``now``, if within the catch-up week."""
    trigger = cron(schedule)
    found, moment = None, trigger.get_next_fire_time(None, now - CATCH_UP)
    for _ in range(MAX_SLOTS):
        if moment is None or moment > now:
            break
        found = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return found


def next_slot(schedule: str, now: datetime) -> datetime | None:
    next_time: datetime | None = cron(schedule).get_next_fire_time(None, now)
    return next_time


async def run_scheduled(application: Application, now: datetime) -> int:
    """Send the report if a slot is due and not yet sent; returns how many people got it."""
    storage = application.storage
    await files.purge_expired(storage, now)
    options = options_from(application.config)
    slot = latest_slot(options.schedule, now) if options.schedule else None
    if slot is None:
        return 0
    tx = Tx(storage)
    marker = await tx.get(keys.REPORT_SENT) or {}
    if str(marker.get("slot", "")) >= iso(slot):
        return 0
    people = await application.directory.snapshot()
    leads = people.with_role("governance_lead") or people.with_role("ceo")
    period = term_containing(slot.date()).before()
    outbound = []
    if leads:
        from bot.report.build import make_report  # loads matplotlib: only when needed
        report = await make_report(storage, application.pack, options, period, "", now)
        for lead in leads:
            put, offer = files.keep(report.html, f"{report.stem}.html",
                                    f"Governance report: {period.title()}", options.public_url,
                                    now, FILE_HOURS)
            tx.create(put.key, put.value)
            outbound.append(Outbound(lead.email, report.card(offer)))
    else:
        log.warning("no one has the role governance_lead or ceo to send the report to")
    tx.put(keys.REPORT_SENT, {"slot": iso(slot), "period": period.slug()})
    tx.append_audit(now, {"event": "report_sent", "actor": "policybot",
                          "period": period.slug(), "to": len(outbound)})
    application.outbox.stage(tx, outbound, now)
    try:
        await tx.commit()
    except Conflict:
        return 0  # another replica sent it
    return len(outbound)
