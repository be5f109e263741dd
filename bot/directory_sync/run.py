"""One sync from Entra, from reading Graph to the leavers' steps, for the CLI and the server.

Safe by default: problems found in the source stop the sync with nothing written; a sync
that would mark too many people as left stops unless forced; a dry run reads everything and
writes nothing.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from bot.delivery import Outbox
from bot.directory import META_KEY, PERSON_PREFIX
from bot.directory_sync.apply import (
    PassedStep,
    escalate_leavers,
    left_emails,
    write_directory,
)
from bot.directory_sync.auth import MsalTokenSource, certificate_credential
from bot.directory_sync.clouds import cloud_of
from bot.directory_sync.graph import GraphClient, GraphError, Sleep
from bot.directory_sync.mapping import (
    MappingFileError,
    Problem,
    load_roles_file,
    load_school_map,
    map_people,
)
from bot.directory_sync.options import EntraOptions
from bot.directory_sync.plan import SyncPlan, plan_sync
from bot.directory_sync.slack_ids import with_slack_ids
from bot.directory_sync.source import read_staff
from conversations.people import PeopleIndex, Person
from storage.base import Conflict, Storage

_ATTEMPTS = 5


class Outcome(Enum):
    APPLIED = "applied"
    DRY_RUN = "dry run"
    PROBLEMS = "problems found"
    SAFETY_STOP = "stopped for safety"
    FAILED = "failed"


@dataclass
class SyncResult:
    outcome: Outcome
    plan: SyncPlan | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # for the admins; not a stop
    error: str = ""
    version: int | None = None
    passed: list[PassedStep] = field(default_factory=list)  # leavers' steps passed on
    slack_ids_found: int = 0
    throttled: int = 0
    max_percent: int = 10

    def log_line(self) -> str:
        """The outcome in counts and kinds only: no one is named (it goes to the log)."""
        if self.outcome is Outcome.FAILED:
            return f"directory sync from Entra failed: {self.error}"
        if self.outcome is Outcome.PROBLEMS:
            return (f"directory sync from Entra found {len(self.problems)} problem(s) "
                    f"({_kinds(self.problems)}); nothing was changed")
        assert self.plan is not None
        if self.outcome is Outcome.SAFETY_STOP:
            return (f"directory sync from Entra stopped for safety: it would mark "
                    f"{len(self.plan.left)} of {self.plan.current_count} people as left "
                    f"({self.plan.removal_percent():.0f}%, more than "
                    f"{self.max_percent}%); nothing was changed")
        done = "would be" if self.outcome is Outcome.DRY_RUN else "applied"
        warned = (f"; {len(self.warnings)} warning(s) ({_kinds(self.warnings)})"
                  if self.warnings else "")
        return (f"directory sync from Entra {done}: {self.plan.summary()}; "
                f"{len(self.passed)} pending step(s) of leavers passed on{warned}")


def _kinds(found: list[Problem]) -> str:
    """"2 no school, 1 unknown manager": kinds and counts, no one named (for the log)."""
    kinds: dict[str, int] = {}
    for p in found:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))


@dataclass(frozen=True)
class Network:
    """How this process reaches Graph and the identity platform. Production uses the system's
    certificate authorities; a loopback test server brings its own (``ca_file``), and tests
    pass a ``sleep`` that records Retry-After waits instead of waiting."""

    ca_file: str = ""
    sleep: Sleep | None = None


def token_source(options: EntraOptions, network: Network) -> MsalTokenSource:
    credential: str | dict[str, str] = (certificate_credential(options.certificate)
                                        if options.certificate else options.client_secret)
    return MsalTokenSource(tenant_id=options.tenant_id, client_id=options.client_id,
                           credential=credential, authority_url=options.authority_url,
                           scope=cloud_of(options.graph_url).scope,
                           verify=network.ca_file or True)


async def sync_from_entra(storage: Storage, options: EntraOptions, outbox: Outbox,
                          clock: Callable[[], datetime], *, dry_run: bool = False,
                          force: bool = False, network: Network | None = None) -> SyncResult:
    network = network or Network()
    result = SyncResult(Outcome.FAILED, max_percent=options.max_removal_percent)
    try:
        school_map = load_school_map(options.school_map)
        roles_file = load_roles_file(options.roles_file) if options.roles_file else {}
        tokens = token_source(options, network)
        extra: dict[str, Any] = {"sleep": network.sleep} if network.sleep else {}
        context = ssl.create_default_context(cafile=network.ca_file) if network.ca_file else None
        async with GraphClient(tokens, base_url=options.graph_url, ssl_context=context,
                               **extra) as graph:
            staff = await read_staff(graph, staff_group=options.staff_group,
                                     school_attribute=options.school_attribute,
                                     role_groups=options.role_groups,
                                     transitive=options.transitive_members)
            result.throttled = len(graph.waits)
    except (GraphError, MappingFileError) as exc:
        result.error = str(exc)
        return result
    for _attempt in range(_ATTEMPTS):
        meta = await storage.get(META_KEY)
        rows = await storage.scan(PERSON_PREFIX)
        left = left_emails(rows)
        current = [Person.from_json(r.value) for _, r in rows
                   if str(r.value.get("email")) not in left]
        mapped = map_people(staff, school_attribute=options.school_attribute,
                            school_map=school_map, roles_file=roles_file,
                            current=PeopleIndex(current))
        result.problems, result.warnings = mapped.problems, mapped.warnings
        replaces_sample = bool(meta and meta.value.get("source") == "sample")
        result.plan = plan_sync(current, mapped.people, replaces_sample=replaces_sample)
        if mapped.problems:
            result.outcome = Outcome.PROBLEMS
            return result
        everyone = PeopleIndex([Person.from_json(r.value) for _, r in rows]
                               + list(result.plan.added) + [c.after for c in result.plan.changed])
        gone = left | {p.email for p in result.plan.left}
        present = PeopleIndex(p for p in everyone.people() if p.email not in gone)
        if dry_run:
            result.passed = await escalate_leavers(storage, outbox, present, everyone, gone,
                                                   clock, dry_run=True)
            result.outcome = Outcome.DRY_RUN
            return result
        if result.plan.exceeds(options.max_removal_percent) and not force:
            result.outcome = Outcome.SAFETY_STOP
            return result
        if options.slack_token:
            result.plan, result.slack_ids_found = await with_slack_ids(
                result.plan, token=options.slack_token, api_url=options.slack_api_url)
        try:
            result.version = await write_directory(
                storage, meta, result.plan, {str(r.value.get("email")): r.value for _, r in rows},
                clock())
        except Conflict:
            continue  # an import or another sync landed meanwhile: plan again on fresh data
        result.passed = await escalate_leavers(storage, outbox, present, everyone, gone, clock)
        result.outcome = Outcome.APPLIED
        return result
    result.error = "the directory kept changing during the sync; try again"
    return result
