"""Microsoft Teams: the bot in Teams personal chat, on botbuilder's CloudAdapter.

Every Bot Framework type stays inside this package (the Python Bot Framework SDK is past its
end of support; moving to its successor must touch this adapter only). The rest of the
product sees one function, :func:`setup_teams`, and the ``teams`` outbox channel it registers.

Authentication is the SDK's: with ``MICROSOFT_APP_ID`` set, every request must carry a valid
Bot Framework token, and one without gets 401 before anything is read or written. Without an
app id the endpoint is off, unless ``emulator`` is set: then it serves without auth, for the
Bot Framework Emulator and for tests, and must only listen on a loopback address.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity

from adapters.teams.activity_handler import TURN_MARKER, PolicyTeamsHandler, TurnMarker
from adapters.teams.channel import TeamsChannel
from adapters.teams.identity import TeamsIdentity
from adapters.teams.references import TeamsMemory
from bot.app import Application
from bot.config import Config

__all__ = ["is_loopback", "setup_teams"]
log = logging.getLogger(__name__)
ENDPOINT = "/api/messages"


@dataclass(frozen=True)
class _BotFrameworkSettings:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TENANTID: str
    APP_TYPE: str


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
    web_app.router.add_post(ENDPOINT, _endpoint(adapter, handler, auth=bool(app_id)))


def _endpoint(adapter: CloudAdapter, handler: PolicyTeamsHandler, *, auth: bool) -> Any:
    async def messages(request: web.Request) -> web.StreamResponse:
        problem = await malformed(request)
        if problem:
            status = 415 if problem.startswith("Expected") else 400
            return web.Response(status=status, text=problem)
        marker = TurnMarker()
        TURN_MARKER.set(marker)
        try:
            response = await adapter.process(request, handler)
        except web.HTTPException:
            raise  # the SDK's 401 for a missing or invalid token, 415, 405
        except Exception as exc:  # never a traceback to the caller
            if not marker.started:
                # The SDK failed before the bot ran: a token it could not even parse.
                log.warning("Teams request refused before the turn: %s", type(exc).__name__)
                if auth:
                    return web.Response(status=401, text="Unauthorized")
                return web.Response(status=400, text="The activity could not be read.")
            log.exception("Teams request failed")
            return web.Response(status=500, text="The bot could not handle this activity.")
        return response if response is not None else web.Response(status=201)

    return messages


def _is_account(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])


async def malformed(request: web.Request) -> str:
    """Why this request is not an activity the bot can take ("" when it is)."""
    if "application/json" not in request.headers.get("Content-Type", ""):
        return "Expected a JSON activity (Content-Type: application/json)."
    try:
        body = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError):
        return "The body is not valid JSON."
    if not isinstance(body, dict):
        return "An activity is a JSON object."
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "The activity has no type."
    if not _is_account(body.get("from")):
        return "The activity has no sender (from.id)."
    if not _is_account(body.get("conversation")):
        return "The activity has no conversation (conversation.id)."
    if "recipient" in body and not _is_account(body["recipient"]):
        return "The activity's recipient is malformed."
    service_url = body.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        return "The activity has no serviceUrl."
    for key in ("id", "text", "name", "replyToId", "channelId", "action"):
        if body.get(key) is not None and not isinstance(body[key], str):
            return f"The activity's {key} must be a string."
    for key in ("channelData",):
        if body.get(key) is not None and not isinstance(body[key], dict):
            return f"The activity's {key} must be an object."
    members = body.get("membersAdded")
    if members is not None and not (isinstance(members, list)
                                    and all(_is_account(m) for m in members)):
        return "The activity's membersAdded is malformed."
    try:
        Activity().deserialize(body)
    except Exception:  # msrest's errors name no single type worth depending on
        return "The activity could not be read."
    return ""
