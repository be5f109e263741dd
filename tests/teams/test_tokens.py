"""Bot Framework tokens, checked by the real SDK against a key set served by the test.

A correctly signed token for our app id is accepted and the turn runs (its replies carry the
bot's own token); every other token is refused with 401 and changes nothing. A slow key
endpoint holds up only the Teams requests waiting for it: Slack is answered meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.slack import setup_slack
from adapters.teams import auth, setup_teams
from bot.app import build_application
from bot.application_port import PortToApplication
from policybot_app.adapter_settings import slack_settings, teams_settings
from storage.tinydb_store import TinyDBStorage
from testing.clock import Clock
from testing.slack.fake_slack import FakeSlack
from testing.slack.harness import SlackHarness
from testing.slack.world import DANIEL, DIRECTORY_CSV, fake, slack_config
from testing.staff import DEPUTY
from testing.teams.fake_connector import FakeConnector
from testing.teams.fake_token_issuer import FakeTokenIssuer
from testing.teams.fake_token_service import BOT_TOKEN, FakeTokenService, UnreachableTokenService
from testing.teams.harness import TeamsWorld, written
from testing.teams.world import APP_ID, AUTH_SETTINGS, make_application, serving

__all__ = ["fake"]  # the fake Slack, a fixture
ANOTHER_APP = "00000000-0000-4000-8000-000000000002"
# Each way a token can be wrong, as (what is wrong, how to make it from the issuer, our URL).
Forger = Callable[[FakeTokenIssuer, str], str]
WRONG_TOKENS: list[tuple[str, Forger]] = [
    ("wrong audience", lambda i, url: i.token("https://graph.microsoft.com", url)),
    ("wrong issuer", lambda i, url: i.token(APP_ID, url, iss="https://api.botframework.us")),
    ("expired", lambda i, url: i.token(APP_ID, url, lifetime=-3600)),
    ("not yet valid", lambda i, url: i.token(APP_ID, url, starts_in=3600)),
    ("signed by an unknown key", lambda i, url: i.token(APP_ID, url, unknown_key=True)),
    ("alg: none", lambda i, url: i.unsigned_token(APP_ID, url)),
    ("for another app", lambda i, url: i.token(ANOTHER_APP, url, appid=ANOTHER_APP)),
]


async def test_a_correctly_signed_token_for_our_app_is_accepted(
    secured: TeamsWorld, token_issuer: FakeTokenIssuer
) -> None:
    daniel = secured.user(DEPUTY, "Daniel Osei")
    headers = token_issuer.header(APP_ID, secured.connector.url)
    status, _ = await secured.post(daniel.activity("message", text="hello"), headers=headers)
    assert status == 201
    assert daniel.received(), "the bot answered"
    assert await secured.app.storage.get(f"teamsref/{DEPUTY}") is not None
    # Everything the bot sent Teams carried its own token, none went without.
    assert {call.authorization for call in secured.connector.calls} == {f"Bearer {BOT_TOKEN}"}


@pytest.mark.parametrize(("wrong", "forge"), WRONG_TOKENS, ids=[w for w, _ in WRONG_TOKENS])
async def test_a_wrong_token_is_refused_and_changes_nothing(
    secured: TeamsWorld, token_issuer: FakeTokenIssuer, wrong: str, forge: Forger
) -> None:
    daniel = secured.user(DEPUTY, "Daniel Osei")
    token = forge(token_issuer, secured.connector.url)
    for activity in (daniel.activity("message", text="hello"), daniel.activity(
            "installationUpdate", action="add")):
        status, text = await secured.post(activity, headers={"Authorization": f"Bearer {token}"})
        assert status == 401, (wrong, status, text)
        assert "Traceback" not in text
    assert await written(secured.app.storage) == []
    assert secured.connector.calls == []


async def test_without_its_own_token_the_bot_answers_503_and_changes_nothing(
    tmp_path: Path, connector: FakeConnector, token_issuer: FakeTokenIssuer
) -> None:
    app = await make_application(tmp_path, AUTH_SETTINGS)
    async with serving(app, connector, emulator=False,
                       token_service=UnreachableTokenService) as world:
        daniel = world.user(DEPUTY, "Daniel Osei")
        status, text = await world.post(daniel.activity("message", text="hello"),
                                        headers=token_issuer.header(APP_ID, connector.url))
        assert status == 503 and "nothing was changed" in text, (status, text)
        assert await written(world.app.storage) == []
        assert connector.calls == []


@contextlib.asynccontextmanager
async def slack_and_teams(tmp_path: Path, slack_fake: FakeSlack, connector: FakeConnector,
                          ) -> AsyncIterator[tuple[SlackHarness, TeamsWorld]]:
    """Slack and Teams (with an app id) on one server, as ``policybot serve`` runs them."""
    config = slack_config(slack_fake, **AUTH_SETTINGS)
    app = await build_application(config, storage=TinyDBStorage(str(tmp_path / "db.json")),
                                  clock=Clock())
    assert (await app.directory.import_csv(DIRECTORY_CSV, source="test")).ok
    web_app = web.Application()
    slack_adapter = await setup_slack(web_app, PortToApplication(app), slack_settings(config))
    await setup_teams(web_app, PortToApplication(app), teams_settings(config),
                      token_service=FakeTokenService)
    server = TestServer(web_app, host="127.0.0.1", port=0)
    await server.start_server()
    pump = asyncio.create_task(app.pump(interval=0.05))
    try:
        async with aiohttp.ClientSession() as http:
            teams_url = str(server.make_url("/api/messages"))
            yield (SlackHarness(app, slack_adapter, slack_fake, server, http),
                   TeamsWorld(app, connector, teams_url, http))
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        await server.close()
        await app.close()


async def test_a_slow_key_endpoint_does_not_hold_up_slack(
    tmp_path: Path, fake: FakeSlack, connector: FakeConnector, token_issuer: FakeTokenIssuer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The keys are held for as long as Slack takes here, however busy the machine: the Teams
    # requests must not give up on them meanwhile (they would answer 503 after 10 s).
    monkeypatch.setattr(auth, "TOKEN_CHECK_SECONDS", 120.0)
    async with slack_and_teams(tmp_path, fake, connector) as (slack, teams):
        token_issuer.hold_keys()
        daniel = teams.user(DEPUTY, "Daniel Osei")
        headers = token_issuer.header(APP_ID, teams.connector.url)
        # More Teams requests waiting for the keys than any default thread pool has threads.
        waiting = [asyncio.create_task(teams.post(
            daniel.activity("message", text="hello"), headers=headers)) for _ in range(40)]
        await teams.until(lambda: token_issuer.key_requests > 0)
        for n in range(3):
            response = await slack.user(DANIEL).say(f"hello {n}")
            assert response.status == 200
        assert len(slack.user(DANIEL).messages()) >= 3, "Slack was answered meanwhile"
        assert not any(task.done() for task in waiting), "Teams was still waiting for keys"
        token_issuer.release_keys()
        statuses = [status for status, _ in await asyncio.gather(*waiting)]
    assert statuses == [201] * 40
    assert token_issuer.key_requests == 1  # one fetch served every request that waited
