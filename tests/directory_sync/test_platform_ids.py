"""Slack ids filled in from the sync by email, once, when a Slack token is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Application
from bot.directory_sync.run import Network, Outcome
from testing.entra.tenant import DEPUTY, TEACHER, Tenant, sample_people, sync
from testing.slack.fake_slack import FakeSlack

TOKEN = "xoxb-1-2-abcdef"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(TOKEN, {"U0SOPHIE": TEACHER, "U0DANIEL": DEPUTY.upper()})
    await fake.start()
    yield fake
    await fake.close()


async def test_slack_ids_come_from_users_lookup_by_email(
        app: Application, tenant: Tenant, network: Network, slack: FakeSlack) -> None:
    settings = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "abcdef123456",
                "SLACK_API_URL": slack.url}
    slack.fail_next("users.lookupByEmail", retry_after=0)  # Slack's rate limit, waited out

    result = await sync(app, tenant, network, **settings)

    assert result.outcome is Outcome.APPLIED, result.problems or result.error
    assert result.slack_ids_found == 2
    people = await app.directory.snapshot()
    teacher, deputy = people.get(TEACHER), people.get(DEPUTY)
    assert teacher is not None and teacher.platform_id("slack") == "U0SOPHIE"
    assert deputy is not None and deputy.platform_id("slack") == "U0DANIEL"
    assert teacher.platform_id("teams")  # and the Entra object id for Teams
    looked_up = len(slack.calls_to("users.lookupByEmail"))
    assert looked_up == len(sample_people()) + 1 + 1  # everyone once, plus the retried call

    # A later sync looks up no one again: ids already known are kept.
    again = await sync(app, tenant, network, **settings)
    assert again.outcome is Outcome.APPLIED and again.plan is not None and again.plan.empty
    assert len(slack.calls_to("users.lookupByEmail")) == looked_up
