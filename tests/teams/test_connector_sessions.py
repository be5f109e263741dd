"""One HTTP session to the Bot Connector per service URL, reused by every turn and proactive
message and closed with the application (the SDK alone opens one per turn)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from adapters.teams import CONNECTOR_SESSIONS, setup_teams
from adapters.teams.connector import ConnectorSessions
from bot.application_port import PortToApplication
from policybot_app.adapter_settings import teams_settings
from testing.staff import DEPUTY, HEAD
from testing.teams.fake_connector import FakeConnector
from testing.teams.flows import approver_card, ask_for_approval
from testing.teams.harness import TeamsWorld, button, texts_of
from testing.teams.world import make_application


async def test_one_session_per_service_url_closed_by_close() -> None:
    sessions = ConnectorSessions()
    first = sessions.session("https://smba.example/teams")
    assert sessions.session("https://smba.example/teams/") is first
    other = sessions.session("https://smba.example/emea/")
    assert other is not first and sessions.opened == 2
    await sessions.close()
    assert first.closed and other.closed
    again = sessions.session("https://smba.example/teams/")
    assert again is not first and not again.closed
    await sessions.close()


async def test_turns_and_proactive_messages_share_one_connection(world: TeamsWorld) -> None:
    daniel = world.user(DEPUTY, "Daniel Osei")
    joanne = world.user(HEAD, "Joanne Clarke")
    await joanne.install()
    await ask_for_approval(daniel)  # four turns: messages and button presses
    card = await world.until(lambda: approver_card(joanne))  # proactive
    await joanne.execute(button(card.card, "Approve"), card_id=card.activity_id)
    await world.until(lambda: [c for c in daniel.received() if c.cards
                               and "Approved: SM-0001" in texts_of(c.card)])
    calls = len(world.connector.peers)
    assert calls >= 10
    # A turn and a delivery may overlap (two connections then); never one per turn.
    assert len(world.connector.connections()) <= 2, (calls, world.connector.connections())


async def test_the_sessions_are_closed_with_the_application(
        tmp_path: Path, connector: FakeConnector) -> None:
    app = await make_application(tmp_path, {})
    web_app = web.Application()
    await setup_teams(web_app, PortToApplication(app), teams_settings(app.config), emulator=True,
                      host="127.0.0.1")
    sessions = web_app[CONNECTOR_SESSIONS]
    opened = sessions.session(connector.url)
    await app.close()
    assert opened.closed
