"""The Teams world tests run in: the fake Bot Framework connector, a token issuer the real SDK
trusts, and the bot on loopback in emulator mode or with an app id.

The fixtures are imported by the conftest of every test package that talks to Teams (the
adapter's own tests and the hostile-input tests), so both run against the same world.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from microsoft_agents.hosting.core import AuthenticationConstants
from microsoft_agents.hosting.core.authorization import _entra_issuers

from adapters.teams import setup_teams
from adapters.teams.auth import TokenServiceFactory
from bot.app import Application, build_application
from bot.application_port import PortToApplication
from bot.config import Config
from policybot_app.adapter_settings import teams_settings
from storage.tinydb_store import TinyDBStorage
from testing.clock import Clock
from testing.teams.fake_connector import FakeConnector
from testing.teams.fake_token_issuer import FakeTokenIssuer
from testing.teams.fake_token_service import FakeTokenService
from testing.teams.harness import TeamsWorld, schema_errors

APP_ID = "00000000-0000-4000-8000-000000000001"
AUTH_SETTINGS = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
                 "MICROSOFT_APP_TENANT_ID": "00000000-0000-0000-0000-000000000001"}


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """The fake connector; on teardown, no call the bot made may have been refused for
    breaking the Bot Connector's rules (a null, an unknown type, an oversized card...)."""
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()
    broken = [(c.method, c.path, c.error_code, c.body) for c in fake.violations()]
    assert not broken, broken


@pytest.fixture
def token_issuer(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTokenIssuer]:
    """Tokens the real SDK accepts: its token check reads this issuer's keys.

    The SDK 1.9 reads no OpenID configuration: it goes straight to the key set published for
    each Bot Framework issuer (its table of issuer to key set URL, patched here for the test:
    the one place the tests reach inside the SDK). The US Government cloud's issuer is pointed
    at the same keys, so a token from it is refused for its issuer, not for its signature.
    """
    issuer = FakeTokenIssuer()
    issuer.start()
    for name in (AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER,
                 AuthenticationConstants.GOV_AGENTS_SDK_TOKEN_ISSUER):
        monkeypatch.setitem(_entra_issuers.BOTFRAMEWORK_JWKS_URIS, name, issuer.jwks_url)
    yield issuer
    issuer.close()


async def make_application(tmp_path: Path, values: dict[str, str]) -> Application:
    storage = TinyDBStorage(str(tmp_path / "policybot.json"))
    return await build_application(Config(values), storage=storage, clock=Clock())


@contextlib.asynccontextmanager
async def serving(app: Application, connector: FakeConnector, *, emulator: bool,
                  token_service: TokenServiceFactory = FakeTokenService,
                  ) -> AsyncIterator[TeamsWorld]:
    web_app = web.Application()
    await setup_teams(web_app, PortToApplication(app), teams_settings(app.config),
                      emulator=emulator, host="127.0.0.1", token_service=token_service)
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    pump = asyncio.create_task(app.pump(interval=0.05))
    try:
        async with ClientSession() as http:
            yield TeamsWorld(app, connector, str(server.make_url("/api/messages")), http)
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        await server.close()
        await app.close()


@pytest.fixture
async def world(tmp_path: Path, connector: FakeConnector) -> AsyncIterator[TeamsWorld]:
    """The bot in emulator mode (no auth) on a real server, against the fake connector.

    On teardown every card the bot sent (and every card returned in an invoke response) is
    checked against the Adaptive Cards 1.5 schema, so every journey checks its cards.
    """
    app = await make_application(tmp_path, {})
    async with serving(app, connector, emulator=True) as teams:
        yield teams
    cards = connector.all_cards() + teams.invoke_cards
    invalid = [(card.get("body", [{}])[0], schema_errors(card)) for card in cards
               if schema_errors(card)]
    assert not invalid, invalid


@pytest.fixture
async def secured(tmp_path: Path, connector: FakeConnector, token_issuer: FakeTokenIssuer,
                  ) -> AsyncIterator[TeamsWorld]:
    """The bot with an app id: every request needs a Bot Framework token."""
    app = await make_application(tmp_path, AUTH_SETTINGS)
    async with serving(app, connector, emulator=False) as teams:
        yield teams
