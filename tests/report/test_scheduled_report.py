"""The termly report by itself (POLICYBOT_REPORT_AT): sent once per slot to the governance
lead, with several replicas too; a bad schedule is refused at start; old files go."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import Config, ConfigError, load_config
from bot.due_work.runner import DueWork
from bot.report import files
from conversations.messages import Card
from storage.tinydb_store import TinyDBStorage
from testing.clock import Clock
from testing.staff import GOVERNANCE

SCHEDULE = {"POLICYBOT_REPORT_AT": "0 7 1 1,5,9 *"}
AFTER_SLOT = datetime(2026, 5, 1, 7, 5, tzinfo=UTC)


async def test_sent_once_to_the_governance_lead_by_two_replicas(tmp_path: Path) -> None:
    path = str(tmp_path / "policybot.json")
    apps = [await build_application(Config(SCHEDULE), storage=TinyDBStorage(path),
                                    clock=Clock(AFTER_SLOT)) for _ in range(2)]
    try:
        reports = await asyncio.gather(*(DueWork(a).run_all(AFTER_SLOT) for a in apps))
        sent = [r.done.get("governance reports sent", 0) for r in reports]
        assert sorted(sent) == [0, 1]
        await apps[0].flush()
        inbox = [m for _, m in await apps[0].inbox.messages(GOVERNANCE)]
        cards = [m for m in inbox if isinstance(m, Card) and m.file is not None]
        assert [c.title for c in cards] == ["Governance report: Spring term 2026"]
        # The same slot is never sent again; the next is in September.
        later = await DueWork(apps[1]).run_all(AFTER_SLOT + timedelta(hours=3))
        assert "governance reports sent" not in later.done
        upcoming = await DueWork(apps[0]).upcoming(AFTER_SLOT)
        assert (datetime(2026, 9, 1, 7, 0, tzinfo=UTC),
                "governance report of the term just ended") in upcoming
        # Its file is kept for a week, then removed by the due work.
        assert len(await apps[0].storage.scan("reportfile/")) == 1
        await DueWork(apps[0]).run_all(AFTER_SLOT + timedelta(days=8))
        assert await apps[0].storage.scan("reportfile/") == []
    finally:
        for app in apps:
            await app.close()


async def test_nothing_is_sent_without_a_schedule_or_long_after_a_slot(tmp_path: Path) -> None:
    app = await build_application(Config({}), storage=TinyDBStorage(str(tmp_path / "a.json")),
                                  clock=Clock(AFTER_SLOT))
    late = await build_application(Config(SCHEDULE),
                                   storage=TinyDBStorage(str(tmp_path / "b.json")),
                                   clock=Clock(AFTER_SLOT))
    try:
        assert "governance reports sent" not in (await DueWork(app).run_all(AFTER_SLOT)).done
        past = AFTER_SLOT + timedelta(days=10)
        assert "governance reports sent" not in (await DueWork(late).run_all(past)).done
        assert await files.purge_expired(late.storage, past) == 0
    finally:
        await app.close()
        await late.close()


@pytest.mark.parametrize(("name", "value", "said"), [
    ("POLICYBOT_REPORT_AT", "every term", "POLICYBOT_REPORT_AT must be a cron schedule"),
    ("POLICYBOT_REPORT_AT", "0 25 1 1 *", "POLICYBOT_REPORT_AT must be a cron schedule"),
    ("POLICYBOT_REPORT_MIN_COUNT", "0", "POLICYBOT_REPORT_MIN_COUNT must be a positive"),
    ("POLICYBOT_PUBLIC_URL", "policybot.example.org", "POLICYBOT_PUBLIC_URL must be"),
])
def test_bad_settings_are_refused_at_start(name: str, value: str, said: str,
                                           tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({name: value}, dotenv=tmp_path / "none.env")
    assert said in str(caught.value)
