"""``policybot directory sync --from entra [--dry-run] [--force]``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from bot.config import Config
from bot.delivery import Outbox
from bot.directory_sync.options import options_from
from bot.directory_sync.run import Network, Outcome, SyncResult, sync_from_entra
from storage import Storage, open_storage
from storage.memory import MemoryStorage
from storage.tinydb_store import TinyDBStorage

# Exit codes: 0 done (or dry run), 1 problems or failure, 3 stopped for safety.
SAFETY_STOP_EXIT = 3


def _now() -> datetime:
    return datetime.now(UTC)


async def sync_command(config: Config, *, dry_run: bool, force: bool,
                       network: Network | None = None) -> int:
    options = options_from(config)  # ConfigError: reported by the CLI, exit 2
    storage = _storage(config, dry_run=dry_run)
    try:
        result = await sync_from_entra(storage, options, Outbox(storage, _now), _now,
                                       dry_run=dry_run, force=force,
                                       network=network)
    finally:
        await storage.close()
    return report(result, dry_run=dry_run)


def _storage(config: Config, *, dry_run: bool) -> Storage:
    """The store; for a dry run before the first sync or import, an empty one in memory.
    Opening a TinyDB store makes its folder, main file and lock file, and a dry run must
    leave a new install's data folder as it found it."""
    storage = open_storage(config.storage_target)
    if dry_run and isinstance(storage, TinyDBStorage) and not storage.path.exists():
        return MemoryStorage()  # nothing opened yet, so nothing to close
    return storage


def report(result: SyncResult, *, dry_run: bool) -> int:
    """Prints what happened; the exit code."""
    if result.outcome is Outcome.FAILED:
        print(f"policybot: directory sync: {result.error}. Nothing was changed.",
              file=sys.stderr)
        return 1
    plan = result.plan
    assert plan is not None
    title = "Directory sync from Microsoft Entra ID"
    print(f"{title} (dry run: nothing was changed)" if dry_run else title)
    if result.throttled:
        print(f"  (Microsoft Graph asked us to slow down {result.throttled} time(s))")
    if plan.replaces_sample:
        print("  The directory now is the bundled sample: it is replaced.")
    passed_to: dict[str, list[str]] = {}
    for step in result.passed:
        passed_to.setdefault(step.leaver, []).append(f"{step.request_id} to {step.to_name}")
    for line in plan.lines(passed_to):
        print(line)
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"Summary: {plan.summary()}.")
    if result.outcome is Outcome.PROBLEMS:
        for problem in result.problems:
            print(f"problem: {problem}", file=sys.stderr)
        print(f"Nothing changed: {len(result.problems)} problem(s). Fix them in Entra, the "
              "school mapping file or the roles file, and sync again.", file=sys.stderr)
        return 1
    share = (f"{len(plan.left)} of {plan.current_count} people "
             f"({plan.removal_percent():.0f}%)")
    if result.outcome is Outcome.SAFETY_STOP:
        print(f"Stopped: this would mark {share} as left, more than "
              f"{result.max_percent}% (POLICYBOT_ENTRA_MAX_REMOVAL_PERCENT). Nothing was "
              "changed. If it is right, run it again with --force.", file=sys.stderr)
        return SAFETY_STOP_EXIT
    if result.outcome is Outcome.DRY_RUN:
        if plan.exceeds(result.max_percent):
            print(f"A real sync would stop for safety ({share} marked as left); it would need "
                  "--force.")
        return 0
    if result.slack_ids_found:
        print(f"Slack ids found by email: {result.slack_ids_found}")
    print(f"Pending approval steps of leavers passed on: {len(result.passed)}")
    if result.version is not None:
        print(f"Directory version {result.version}.")
    return 0
