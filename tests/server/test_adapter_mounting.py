"""Which adapters one server mounts, from configuration and flags."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.request import urlopen

from aiohttp.test_utils import TestClient, TestServer

from bot.config import Config
from policybot_app.web_server import build_web_app
from testing.server.application import make_application
from testing.server.serve_process import ServerProcess

SLACK = {"SLACK_BOT_TOKEN": "xoxb-1-2-abcdefghij", "SLACK_SIGNING_SECRET": "abcdef1234567890",
         # Nothing may reach the real Slack from a test: a closed local port instead.
         "SLACK_API_URL": "http://127.0.0.1:9/api/"}
TEAMS = {"MICROSOFT_APP_ID": "11111111-2222-3333-4444-555555555555",
         "MICROSOFT_APP_PASSWORD": "not-a-real-password",
         "MICROSOFT_APP_TENANT_ID": "00000000-0000-0000-0000-000000000001"}


async def _client(tmp_path: Path, settings: dict[str, str], **flags: bool) -> TestClient:
    application = await make_application(tmp_path, **settings)
    web_app = await build_web_app(application, Config(settings),
                                  playground=flags.get("playground", False),
                                  teams_emulator=flags.get("teams_emulator", False))
    web_app.on_cleanup.append(lambda _: application.close())
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    return client


async def _adapters(client: TestClient) -> list[str]:
    return (await (await client.get("/healthz")).json())["adapters"]


async def test_slack_is_mounted_when_configured_and_checks_signatures(tmp_path: Path):
    client = await _client(tmp_path, SLACK)
    try:
        assert await _adapters(client) == ["slack"]
        unsigned = await client.post("/slack/events", json={"type": "url_verification",
                                                             "challenge": "x"})
        assert unsigned.status == 401
        assert (await client.get("/")).status == 404  # no playground beside a platform
    finally:
        await client.close()


async def test_the_playground_can_be_served_beside_slack(tmp_path: Path):
    client = await _client(tmp_path, SLACK, playground=True)
    try:
        assert await _adapters(client) == ["slack", "playground"]
        assert (await client.get("/")).status == 200
    finally:
        await client.close()


async def test_teams_is_mounted_when_configured_and_needs_a_token(tmp_path: Path):
    client = await _client(tmp_path, TEAMS)
    try:
        assert await _adapters(client) == ["teams"]
        activity = {"type": "message", "text": "hi", "from": {"id": "u1"},
                    "conversation": {"id": "c1"}, "serviceUrl": "http://127.0.0.1:9/"}
        assert (await client.post("/api/messages", json=activity)).status == 401
    finally:
        await client.close()


async def test_the_teams_emulator_is_mounted_with_the_flag(tmp_path: Path):
    client = await _client(tmp_path, {}, teams_emulator=True, playground=True)
    try:
        assert await _adapters(client) == ["teams-emulator", "playground"]
        refused = await client.post("/api/messages", data="hello")
        assert refused.status == 415
    finally:
        await client.close()


def test_serve_with_slack_listens_everywhere_without_the_playground(
    server_process: Callable[..., ServerProcess],
):
    server = server_process("--host", "0.0.0.0", **SLACK)
    assert "Slack at" in server.stdout[0] and "playground" not in server.stdout[0]
    port = server.url.rsplit(":", 1)[1].strip("/")
    with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        assert json.load(response)["adapters"] == ["slack"]
    assert server.terminate() == 0
    assert not any(SLACK["SLACK_BOT_TOKEN"] in line for line in server.stderr)


def test_an_unreachable_slack_does_not_hold_up_start_or_stop(
    server_process: Callable[..., ServerProcess],
):
    """Socket Mode keeps trying to connect in the background; SIGTERM still stops at once."""
    app_token = "xapp-1-A0000-1234-abcdefSECRET"
    server = server_process(SLACK_APP_TOKEN=app_token, **SLACK)
    with urlopen(f"{server.url}healthz", timeout=10) as response:
        assert json.load(response)["status"] == "ok"
    server.wait_for_log("apps.connections.open")  # it is trying, and failing
    assert server.terminate() == 0
    assert not any(app_token in line for line in server.stderr)
