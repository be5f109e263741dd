"""Microsoft Teams: the bot in Teams personal chat, on botbuilder's CloudAdapter.

Every Bot Framework type stays inside this package (the Python Bot Framework SDK is past its
end of support; moving to its successor must touch this adapter only). The rest of the
product sees one function, :func:`setup_teams`, and the ``teams`` outbox channel it registers.

Authentication is the SDK's: with ``MICROSOFT_APP_ID`` set, every request must carry a valid
Bot Framework token, and one without gets 401 before its body is looked at and before anything
is written (:mod:`adapters.teams.endpoint`). Without an app id the endpoint is off, unless
``emulator`` is set: then it serves without auth, for the Bot Framework Emulator and for
tests, and must only listen on a loopback address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from adapters.teams.activity_handler import PolicyTeamsHandler
from adapters.teams.channel import TeamsChannel
from adapters.teams.endpoint import TeamsEndpoint
from adapters.teams.identity import TeamsIdentity
from adapters.teams.references import TeamsMemory
from bot.app import Application
from bot.config import Config
from bot.serving_plan import is_loopback

__all__ = ["setup_teams"]
log = logging.getLogger(__name__)
ENDPOINT = "/api/messages"


@dataclass(frozen=True)
class _BotFrameworkSettings:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TENANTID: str
    APP_TYPE: str


async def setup_teams(
    web_app: web.Application,
    application: Application,
    config: Config,
    *,
    emulator: bool = False,
    host: str | None = None,
) -> None:
    """Mount ``POST /api/messages`` on ``web_app`` and register the ``teams`` outbox channel.

    Does nothing when Teams is not configured (no ``MICROSOFT_APP_ID``) and ``emulator`` is
    off. ``emulator`` serves the endpoint without authentication; ``host``, when given, must
    then be a loopback address (ValueError otherwise).
    """
    app_id = config.get("MICROSOFT_APP_ID")
    if not app_id and not emulator:
        log.info("Teams is off: MICROSOFT_APP_ID is not set")
        return
    if emulator:
        if host is not None and not is_loopback(host):
            raise ValueError("the Teams emulator mode serves without authentication and "
                             f"only binds to a loopback address, not {host!r}")
        app_id = ""  # no credentials at all: nothing is checked, nothing is signed
        log.warning("Teams endpoint serving WITHOUT authentication (emulator mode)")
    settings = _BotFrameworkSettings(
        APP_ID=app_id,
        APP_PASSWORD=config.get("MICROSOFT_APP_PASSWORD") if app_id else "",
        APP_TENANTID=config.get("MICROSOFT_APP_TENANT_ID"),
        APP_TYPE=config.get("MICROSOFT_APP_TYPE") if app_id else "MultiTenant",
    )
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings))
    memory = TeamsMemory(application.storage)
    identity = TeamsIdentity(application.directory, memory, emulator=emulator)
    handler = PolicyTeamsHandler(application, memory, identity)
    application.outbox.register(
        TeamsChannel(adapter, memory, app_id, config.get("MICROSOFT_APP_TENANT_ID")))
    web_app.router.add_post(ENDPOINT, TeamsEndpoint(adapter, handler, auth=bool(app_id)).handle)
