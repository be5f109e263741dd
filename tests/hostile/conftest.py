"""Fixtures for the hostile-input tests: the real Slack and Teams endpoints on loopback.

The Slack harness and the Teams world are the ones the adapters' own tests use (the real Bolt
app and the real botbuilder adapter on aiohttp test servers, against the fake platforms, on
TinyDB files in tmp_path); this package only adds a Teams server that requires a Bot Framework
token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from testing.hostile import APP_PASSWORD, TENANT_ID
from testing.slack.world import fake, slack
from testing.teams.fake_connector import FakeConnector
from testing.teams.harness import TeamsWorld
from testing.teams.world import APP_ID, connector, make_application, serving, world

__all__ = ["connector", "fake", "slack", "world"]  # fixtures shared with the adapters' tests


@pytest.fixture
async def teams_with_auth(tmp_path: Path, connector: FakeConnector
                          ) -> AsyncIterator[TeamsWorld]:
    """The Teams endpoint with an app id: every request needs a valid Bot Framework token."""
    app = await make_application(tmp_path, {"MICROSOFT_APP_ID": APP_ID,
                                            "MICROSOFT_APP_PASSWORD": APP_PASSWORD,
                                            "MICROSOFT_APP_TENANT_ID": TENANT_ID})
    async with serving(app, connector, emulator=False) as teams:
        yield teams
