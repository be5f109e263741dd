"""The server's daily sync from Entra, once across replicas.

It runs inside the due work (``bot.scheduler``): at or after ``POLICYBOT_ENTRA_SYNC_AT`` (UTC)
the first replica to claim the day's marker with a conditional write runs it; the others
find the day claimed. The outcome goes to the log in counts only; when the sync fails or
stops (problems, or too many leavers) the Trust's admins (role ``admin``) are told, without
naming anyone, and pointed at the dry run that does. When it applies with warnings (someone
whose manager's account is disabled needs a new manager; a role group holds something that
is not a user), the admins are told each one, by name, every day until Entra is fixed:
those are theirs to fix, and a direct message to them is not a log.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.app import Application
from bot.config import ConfigError
from bot.directory_sync.options import options_from, sync_time
from bot.directory_sync.run import Network, Outcome, SyncResult, sync_from_entra
from bot.tx import Tx
from conversations.messages import Outbound, Text

log = logging.getLogger(__name__)
CLAIM_KEY = "meta/job-directory-sync"
DRY_RUN_HINT = "`policybot directory sync --from entra --dry-run`"


def is_due(application: Application, now: datetime) -> bool:
    at = sync_time(application.config)
    return at is not None and now.time() >= at


async def run_scheduled(application: Application, now: datetime, network: Network | None = None
                        ) -> SyncResult | None:
    """The day's sync (the caller has claimed the day); None if not configured."""
    try:
        options = options_from(application.config)
    except ConfigError as exc:  # checked at start already; kept for safety
        log.error("directory sync from Entra not run: %s", exc)
        return None
    result = await sync_from_entra(application.storage, options, application.outbox,
                                   application.bot.clock, network=network)
    line = result.log_line()
    if result.outcome is Outcome.APPLIED:
        log.info("%s", line)
        if result.warnings:
            await _tell_admins(application, now, _warnings_message(result))
        return result
    log.warning("%s", line)
    await _tell_admins(application, now, _admin_message(result))
    return result


def _warnings_message(result: SyncResult) -> str:
    lines = "\n".join(f"- {w.text}" for w in result.warnings)
    return (f"Today's directory sync from Microsoft Entra ID was applied, with "
            f"{len(result.warnings)} thing(s) to fix in Entra:\n{lines}")


def _admin_message(result: SyncResult) -> str:
    if result.outcome is Outcome.SAFETY_STOP and result.plan is not None:
        plan = result.plan
        return (f"Today's directory sync from Microsoft Entra ID stopped for safety: it would "
                f"mark {len(plan.left)} of {plan.current_count} people as left "
                f"({plan.removal_percent():.0f}%, more than {result.max_percent}%). Nothing "
                f"was changed. See who with {DRY_RUN_HINT}; if it is right, run the sync "
                "with --force.")
    if result.outcome is Outcome.PROBLEMS:
        return (f"Today's directory sync from Microsoft Entra ID found "
                f"{len(result.problems)} problem(s) and changed nothing. "
                f"{DRY_RUN_HINT} names them.")
    return (f"Today's directory sync from Microsoft Entra ID failed and changed nothing: "
            f"{result.error}.")


async def _tell_admins(application: Application, now: datetime, text: str) -> None:
    people = await application.directory.snapshot()
    admins = people.with_role("admin")
    if not admins:
        log.warning("no one in the directory has the role admin to tell about the sync")
        return
    tx = Tx(application.storage)
    application.outbox.stage(tx, [Outbound(a.email, Text(text)) for a in admins], now)
    await tx.commit()
    application.kick()
