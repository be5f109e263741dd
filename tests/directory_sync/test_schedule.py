"""The server's daily sync: once across replicas, logged, and the admins told when it stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.app import Application, build_application
from bot.directory_sync.run import Network
from bot.due_work.runner import DueWork
from storage.tinydb_store import TinyDBStorage
from testing.clock import Clock
from testing.entra.tenant import ADMIN, DEPUTY, HEAD_OAK, TEACHER, Tenant, queued

SYNC_AT = "02:00"


@pytest.fixture
async def replicas(tenant: Tenant, network: Network) -> AsyncIterator[list[DueWork]]:
    """Two servers' due-work runners over one shared store, syncing daily at 02:00."""
    config = tenant.config(POLICYBOT_ENTRA_SYNC_AT=SYNC_AT)
    apps: list[Application] = []
    for _ in range(2):
        apps.append(await build_application(
            config, storage=TinyDBStorage(config.get("POLICYBOT_DB")), clock=Clock(),
            load_sample=False))
    runners = [DueWork(a) for a in apps]
    for runner in runners:
        runner.entra_network = network
    yield runners
    for a in apps:
        await a.close()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


async def test_the_daily_sync_runs_once_a_day_across_replicas(
        replicas: list[DueWork], tenant: Tenant) -> None:
    early = await asyncio.gather(*(r.run_all(at(2, 1, 59)) for r in replicas))
    assert tenant.graph.token_requests == 0
    assert not any("directory" in line for report in early for line in report.lines())

    reports = await asyncio.gather(*(r.run_all(at(2, 2, 5)) for r in replicas))
    assert tenant.graph.token_requests == 1  # one replica synced, the other found it claimed
    lines = [line for report in reports for line in report.lines()]
    assert lines.count("directory sync from Entra: applied: 1") == 1
    assert (await replicas[1].application.directory.snapshot()).get(ADMIN) is not None

    await asyncio.gather(*(r.run_all(at(2, 23)) for r in replicas))
    assert tenant.graph.token_requests == 1  # once a day
    await replicas[0].run_all(at(3, 2, 0))
    assert tenant.graph.token_requests == 2  # and again the next day


async def test_a_stopped_sync_is_logged_without_names_and_the_admins_are_told(
        replicas: list[DueWork], tenant: Tenant, caplog: pytest.LogCaptureFixture) -> None:
    runner = replicas[0]
    await runner.run_all(at(2, 3))
    for email in ("lucy.evans@northbrook.example", "margaret.doyle@northbrook.example",
                  "imran.hussain@northbrook.example"):
        tenant.remove(email)
    with caplog.at_level(logging.INFO, logger="bot.directory_sync"):
        report = await runner.run_all(at(3, 3))

    assert "directory sync from Entra: stopped for safety: 1" in report.lines()
    logged = [r.getMessage() for r in caplog.records if "directory sync" in r.getMessage()]
    assert logged and all("@" not in line and "Evans" not in line for line in logged)
    told = [m["text"] for m in await queued(runner.application, ADMIN) if m["type"] == "text"]
    assert len(told) == 1 and "stopped for safety" in told[0]
    assert "--dry-run" in told[0] and "Evans" not in told[0]
    assert (await runner.application.directory.snapshot()).get("lucy.evans@northbrook.example")


async def test_a_failed_sync_tells_the_admins_why(
        replicas: list[DueWork], tenant: Tenant) -> None:
    runner = replicas[0]
    await runner.run_all(at(2, 3))
    tenant.graph.groups.pop(tenant.config().get("POLICYBOT_ENTRA_STAFF_GROUP"))
    report = await runner.run_all(at(3, 3))
    assert "directory sync from Entra: failed: 1" in report.lines()
    told = [m["text"] for m in await queued(runner.application, ADMIN) if m["type"] == "text"]
    assert told and "failed and changed nothing" in told[-1] and "group id" in told[-1]


async def test_the_admins_are_told_who_needs_a_new_manager_and_the_log_names_no_one(
        replicas: list[DueWork], tenant: Tenant, caplog: pytest.LogCaptureFixture) -> None:
    runner = replicas[0]
    await runner.run_all(at(2, 3))
    tenant.disable(DEPUTY)  # before his reports are given a new manager
    with caplog.at_level(logging.INFO, logger="bot.directory_sync"):
        report = await runner.run_all(at(3, 3))

    assert "directory sync from Entra: applied: 1" in report.lines()
    logged = [r.getMessage() for r in caplog.records if "directory sync" in r.getMessage()]
    assert logged and all("@" not in line and "Bennett" not in line for line in logged)
    assert any("4 manager account disabled" in line for line in logged)
    told = [m["text"] for m in await queued(runner.application, ADMIN) if m["type"] == "text"]
    assert len(told) == 1 and told[0].startswith(
        "Today's directory sync from Microsoft Entra ID was applied, with 4 thing(s) to fix "
        "in Entra:\n- ")
    assert (f"- Sophie Bennett <{TEACHER}> needs a new manager: their manager Daniel Osei "
            f"<{DEPUTY}> has a disabled account in Entra. Until Entra names a new one, their "
            f"approvals go to Joanne Clarke <{HEAD_OAK}>.") in told[0]
    sophie = (await runner.application.directory.snapshot()).get(TEACHER)
    assert sophie is not None and sophie.line_manager == HEAD_OAK
