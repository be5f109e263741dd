"""``POST /api/messages``: who may call it, what it accepts, and what it answers.

With an app id, the caller is authenticated first, before the body is even looked at: a
request without a valid Bot Framework token gets 401 and nothing else happens, whatever its
body. The token is checked by the SDK twice: once on its own (signature, issuer, audience,
expiry), then against the activity it came with (its service URL, its channel). Only then is
the body checked: a request that is not an activity gets a 4xx naming what is wrong, never a
500, and the bot never sees it.

A turn runs to its end (committed, replies sent or handed to the outbox) before the response
is returned; for an invoke, the response is the invoke response the turn produced.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult

from adapters.teams.activity_handler import TURN_MARKER, PolicyTeamsHandler, TurnMarker

log = logging.getLogger(__name__)
UNAUTHORIZED = "Unauthorized"


class NotAnActivity(Exception):
    """The request is not an activity the bot can take; the message says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class TeamsEndpoint:
    def __init__(self, adapter: CloudAdapter, handler: PolicyTeamsHandler, *,
                 auth: bool) -> None:
        self.adapter = adapter
        self.handler = handler
        self.auth = auth

    async def handle(self, request: web.Request) -> web.StreamResponse:
        header = request.headers.get("Authorization", "")
        if self.auth and not await self._token_is_valid(header):
            return web.Response(status=401, text=UNAUTHORIZED)
        try:
            activity = await read_activity(request)
        except NotAnActivity as exc:
            return web.Response(status=exc.status, text=str(exc))
        try:
            # Against this activity: a valid token for another service URL is refused here.
            authenticated = await self.adapter.bot_framework_authentication \
                .authenticate_request(activity, header)
        except Exception as exc:  # the SDK's PermissionError, or a token it could not read
            log.warning("Teams request refused: not authenticated (%s)", type(exc).__name__)
            return web.Response(status=401, text=UNAUTHORIZED)
        return await self._run(authenticated, activity)

    async def _token_is_valid(self, header: str) -> bool:
        """The token alone, checked before anything of the request is read."""
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token.strip():
            log.warning("Teams request refused: no Bot Framework token")
            return False
        try:
            await self.adapter.bot_framework_authentication.authenticate_request(
                Activity(), header)
        except Exception as exc:  # forged, expired, for another bot, unreadable
            log.warning("Teams request refused: invalid token (%s)", type(exc).__name__)
            return False
        return True

    async def _run(self, authenticated: AuthenticateRequestResult,
                   activity: Activity) -> web.StreamResponse:
        marker = TurnMarker()
        TURN_MARKER.set(marker)
        try:
            invoke_response = await self.adapter.process_activity(
                authenticated, activity, self.handler.on_turn)
        except Exception as exc:  # never a traceback to the caller
            if not marker.started:
                # The SDK could not take the activity before the bot ran: nothing happened.
                log.warning("Teams activity refused before the turn: %s", type(exc).__name__)
                return web.Response(status=400, text="The activity could not be read.")
            log.exception("Teams request failed")
            return web.Response(status=500, text="The bot could not handle this activity.")
        if invoke_response is not None:
            return web.json_response(serializer_helper(invoke_response.body),
                                     status=invoke_response.status)
        return web.Response(status=201)


def _is_account(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])


async def read_activity(request: web.Request) -> Activity:
    """The request's activity; raises :class:`NotAnActivity` saying what is wrong."""
    if "application/json" not in request.headers.get("Content-Type", ""):
        raise NotAnActivity("Expected a JSON activity (Content-Type: application/json).", 415)
    try:
        body = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError):
        raise NotAnActivity("The body is not valid JSON.") from None
    problem = _problem(body)
    if problem:
        raise NotAnActivity(problem)
    try:
        return Activity().deserialize(body)
    except Exception:  # msrest's errors name no single type worth depending on
        raise NotAnActivity("The activity could not be read.") from None


def _problem(body: Any) -> str:
    """Why this JSON is not an activity the bot can take ("" when it is)."""
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
    return ""
