"""Fixtures for the hostile-input tests: the real Slack and Teams endpoints on loopback.

The Slack harness and the Teams world are the adapters' own test fixtures (the real Bolt app
and the real Agents SDK adapter on aiohttp test servers, against the fake platforms, on TinyDB
files in tmp_path); this package only adds a Teams server that requires a Bot Framework token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.base import Storage
from tests.slack.conftest import fake, slack
from tests.teams.conftest import _application, connector, serving, token_issuer, world
from tests.teams.fake_connector import FakeConnector
from tests.teams.fake_token_issuer import FakeTokenIssuer
from tests.teams.harness import TeamsWorld

# Fixtures shared with the adapters' tests.
__all__ = ["connector", "fake", "slack", "token_issuer", "world"]

APP_ID = "00000000-0000-4000-8000-000000000001"
APP_PASSWORD = "not-a-real-client-secret"
TENANT_ID = "00000000-0000-0000-0000-000000000001"
# Never in a response body: what a traceback or an error echoing internals would show.
LEAKS = ("Traceback", 'File "', APP_PASSWORD)

Snapshot = dict[str, tuple[str, dict]]


@pytest.fixture
async def teams_with_auth(tmp_path: Path, connector: FakeConnector,
                          token_issuer: FakeTokenIssuer) -> AsyncIterator[TeamsWorld]:
    """The Teams endpoint with an app id: every request needs a valid Bot Framework token
    (Bot Framework's signing keys are the fake issuer's, on loopback)."""
    app = await _application(tmp_path, {"MICROSOFT_APP_ID": APP_ID,
                                        "MICROSOFT_APP_PASSWORD": APP_PASSWORD,
                                        "MICROSOFT_APP_TENANT_ID": TENANT_ID})
    async with serving(app, connector, emulator=False) as teams:
        yield teams


async def snapshot(storage: Storage) -> Snapshot:
    """Every stored document with its etag: any write, even of the same value, shows."""
    return {key: (record.etag, record.value) for key, record in await storage.scan("")}


def assert_no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"response body shows {leak!r}: {text[:300]!r}"
