"""The Slack workspace tests run in: its people, the fake Web API and the bot on loopback.

The fixtures are imported by the conftest of every test package that talks to Slack (the
adapter's own tests and the hostile-input tests), so both run against the same world.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.slack import setup_slack
from bot.app import build_application
from bot.application_port import PortToApplication
from bot.config import Config
from policybot_app.adapter_settings import slack_settings
from storage.tinydb_store import TinyDBStorage
from testing.slack.fake_slack import FakeSlack
from testing.slack.harness import SlackHarness
from testing.slack.signing import SECRET, TOKEN

# Approvers have their Slack id in the directory; everyone else is found by email.
DOMAIN = "@northbrook.example"
DIRECTORY_CSV = "\n".join([
    "email,name,school,line_manager_email,roles,slack_user_id",
    f"joanne.clarke{DOMAIN},Joanne Clarke,Oakfield Primary,helen.whitfield{DOMAIN},headteacher,"
    "UJOANNE",
    f"daniel.osei{DOMAIN},Daniel Osei,Oakfield Primary,joanne.clarke{DOMAIN},,UDANIEL",
    f"siobhan.murphy{DOMAIN},Siobhan Murphy,Central,rajesh.patel{DOMAIN},dpo,USIOBHAN",
]) + "\n"
EMAILS = {
    "USOPHIE": "sophie.bennett@northbrook.example",
    "UIMRAN": "Imran.Hussain@northbrook.example",
    "ULUCY": "lucy.evans@northbrook.example",
    "USTRANGER": "someone@elsewhere.example",
    "URAJESH": "rajesh.patel@northbrook.example",  # the Head of Governance and People
}
SOPHIE, IMRAN, LUCY = "USOPHIE", "UIMRAN", "ULUCY"
DANIEL, JOANNE, SIOBHAN = "UDANIEL", "UJOANNE", "USIOBHAN"
STRANGER, GHOST = "USTRANGER", "UGHOST"  # not in the directory; unknown to Slack
RAJESH = "URAJESH"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(token=TOKEN, emails=dict(EMAILS))
    await slack.start()
    yield slack
    await slack.close()


def slack_config(fake: FakeSlack, **more: str) -> Config:
    return Config({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                   "SLACK_API_URL": fake.url, **more})


@pytest.fixture
async def slack(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    config = slack_config(fake)
    application = await build_application(
        config, storage=TinyDBStorage(str(tmp_path / "policybot.json")))
    report = await application.directory.import_csv(DIRECTORY_CSV, source="test")
    assert report.ok, report.errors
    web_app = web.Application()
    adapter = await setup_slack(web_app, PortToApplication(application), slack_settings(config))
    server = TestServer(web_app, host="127.0.0.1", port=0)
    await server.start_server()
    pump = asyncio.create_task(application.pump(interval=0.2))
    async with aiohttp.ClientSession() as session:
        yield SlackHarness(application, adapter, fake, server, session)
    pump.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await pump
    await server.close()
    await application.close()
