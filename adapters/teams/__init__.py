"""Microsoft Teams: the bot in Teams personal chat, on the Microsoft 365 Agents SDK.

Every SDK type stays inside this package. The rest of the product sees one function,
:func:`setup_teams`, and the ``teams`` outbox channel it registers.

Authentication is the SDK's: with ``MICROSOFT_APP_ID`` set, every request must carry a valid
Bot Framework token, and one without gets 401 before its body is looked at and before anything
is written (:mod:`adapters.teams.endpoint`, :mod:`adapters.teams.auth`). Without an app id the
endpoint is off, unless ``emulator`` is set: then it serves without auth, for the Bot
Framework Emulator and for tests, and must only listen on a loopback address.
"""

from __future__ import annotations

import logging
import os

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter

from adapters.teams.activity_handler import PolicyTeamsHandler
from adapters.teams.auth import (
    TokenCheck,
    TokenServiceFactory,
    TokenThread,
    connections,
    service_connection,
    warn_about_sdk_settings,
)
from adapters.teams.channel import TeamsChannel
from adapters.teams.connector import ConnectorClientFactory, ConnectorSessions
from adapters.teams.endpoint import TeamsEndpoint
from adapters.teams.identity import TeamsIdentity
from adapters.teams.references import TeamsMemory
from adapters.teams.settings import TeamsSettings
from bot.port import ApplicationPort, is_loopback

__all__ = ["CONNECTOR_SESSIONS", "setup_teams"]
log = logging.getLogger(__name__)
ENDPOINT = "/api/messages"
# The open HTTP sessions to the Bot Connector, one per service URL (closed with the application).
CONNECTOR_SESSIONS = web.AppKey("teams_connector_sessions", ConnectorSessions)


async def setup_teams(
    web_app: web.Application,
    port: ApplicationPort,
    settings: TeamsSettings,
    *,
    emulator: bool = False,
    host: str | None = None,
    token_service: TokenServiceFactory | None = None,
) -> None:
    """Mount ``POST /api/messages`` on ``web_app`` and register the ``teams`` outbox channel.

    Does nothing when Teams is not configured (no ``MICROSOFT_APP_ID``) and ``emulator`` is
    off. ``emulator`` serves the endpoint without authentication; ``host``, when given, must
    then be a loopback address (ValueError otherwise). ``token_service`` is where the bot
    gets its own tokens for calls to Teams: MSAL against Microsoft Entra unless given.
    """
    app_id = settings.app_id
    if not app_id and not emulator:
        log.info("Teams is off: MICROSOFT_APP_ID is not set")
        return
    if emulator:
        if host is not None and not is_loopback(host):
            raise ValueError("the Teams emulator mode serves without authentication and "
                             f"only binds to a loopback address, not {host!r}")
        app_id = ""  # no credentials at all: nothing is checked, nothing is signed
        log.warning("Teams endpoint serving WITHOUT authentication (emulator mode)")
    warn_about_sdk_settings(os.environ)
    tokens: TokenCheck | None = None
    thread: TokenThread | None = None
    connection = service_connection(
        app_id, settings.app_password, settings.tenant_id, settings.app_type) if app_id else None
    if connection is not None:
        thread = TokenThread()
        tokens = TokenCheck(connection, thread)
        web_app.on_cleanup.append(lambda _: _stop(thread))
    sessions = ConnectorSessions()
    port.on_close(sessions.close)
    web_app[CONNECTOR_SESSIONS] = sessions
    adapter = CloudAdapter(channel_service_client_factory=ConnectorClientFactory(
        connections(connection, thread, token_service), sessions))
    memory = TeamsMemory(port.notes)
    identity = TeamsIdentity(port, memory, emulator=emulator)
    handler = PolicyTeamsHandler(port, memory, identity)
    adapter.on_turn_error = handler.on_turn_error  # the SDK's hook for a turn that failed
    port.register_channel(
        TeamsChannel(adapter, memory, app_id, settings.tenant_id))
    web_app.router.add_post(ENDPOINT, TeamsEndpoint(adapter, handler, tokens).handle)


async def _stop(thread: TokenThread | None) -> None:
    if thread is not None:
        thread.close()
