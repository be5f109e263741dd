"""``POST /api/messages``: who may call it, what it accepts, and what it answers.

With an app id, the caller is authenticated first, before the body is even looked at: a
request without a valid Bot Framework token gets 401 and nothing else happens, whatever its
body (:mod:`adapters.teams.auth` checks the token with the SDK). Only then is the body
checked: a request that is not an activity gets a 4xx naming what is wrong, never a 500, and
the bot never sees it. A token made out for another service URL than the activity's is
refused (401) too.

A turn runs to its end (committed, replies sent or handed to the outbox) before the response
is returned; for an invoke, the response is the invoke response the turn produced.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AuthenticationConstants, ClaimsIdentity
from pydantic import ValidationError

from adapters.teams.activity_handler import TURN_MARKER, PolicyTeamsHandler, TurnMarker
from adapters.teams.auth import TokenCheck, TokenCheckUnavailable
from adapters.teams.connector import dumps

log = logging.getLogger(__name__)
UNAUTHORIZED = "Unauthorized"
NOT_TAKEN = "The bot could not take this activity just now; nothing was changed."
CANNOT_CHECK_TOKEN = "The request's token could not be checked just now; nothing was changed."


class NotAnActivity(Exception):
    """The request is not an activity the bot can take; the message says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class TeamsEndpoint:
    def __init__(self, adapter: CloudAdapter, handler: PolicyTeamsHandler,
                 tokens: TokenCheck | None) -> None:
        """``tokens`` checks each request's token; None serves without (the emulator)."""
        self.adapter = adapter
        self.handler = handler
        self.tokens = tokens

    async def handle(self, request: web.Request) -> web.StreamResponse:
        claims = ClaimsIdentity()  # anonymous: the emulator mode
        if self.tokens is not None:
            try:
                checked = await self._claims(request.headers.get("Authorization", ""))
            except TokenCheckUnavailable:
                return web.Response(status=503, text=CANNOT_CHECK_TOKEN)
            if checked is None:
                return web.Response(status=401, text=UNAUTHORIZED)
            claims = checked
        try:
            activity = await read_activity(request)
        except NotAnActivity as exc:
            return web.Response(status=exc.status, text=str(exc))
        if not _same_service(claims, activity):
            log.warning("Teams request refused: its token is for another service URL")
            return web.Response(status=401, text=UNAUTHORIZED)
        return await self._run(claims, activity)

    async def _claims(self, header: str) -> ClaimsIdentity | None:
        """The token's claims, checked before anything of the request is read."""
        assert self.tokens is not None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
            log.warning("Teams request refused: no Bot Framework token")
            return None
        return await self.tokens.claims(token)

    async def _run(self, claims: ClaimsIdentity, activity: Activity) -> web.StreamResponse:
        marker = TurnMarker()
        TURN_MARKER.set(marker)
        try:
            invoke_response = await self.adapter.process_activity(
                claims, activity, self.handler.on_turn)
        except Exception as exc:  # never a traceback to the caller
            if not marker.started and self.tokens is not None:
                # An authenticated activity the SDK could not start a turn for: most likely
                # the bot's own token from Entra did not come. Nothing happened; Teams may retry.
                log.warning("Teams activity not taken before the turn: %s", type(exc).__name__)
                return web.Response(status=503, text=NOT_TAKEN)
            if not marker.started:
                # The SDK could not take the activity before the bot ran: nothing happened.
                log.warning("Teams activity refused before the turn: %s", type(exc).__name__)
                return web.Response(status=400, text="The activity could not be read.")
            log.exception("Teams request failed")
            return web.Response(status=500, text="The bot could not handle this activity.")
        if invoke_response is not None:
            # Written as every activity the bot sends: no null members.
            return web.json_response(invoke_response.body, status=invoke_response.status,
                                     dumps=dumps)
        return web.Response(status=201)


def _same_service(claims: ClaimsIdentity, activity: Activity) -> bool:
    """False when the token names a service URL other than the activity's (a token Teams made
    for one conversation service must not vouch for activities pointing at another)."""
    named = claims.get_claim_value(AuthenticationConstants.SERVICE_URL_CLAIM)
    if not named:
        return True
    return _normal_url(str(named)) == _normal_url(activity.service_url or "")


def _normal_url(url: str) -> str:
    return url.strip().rstrip("/").lower()


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
        return Activity.model_validate(body)
    except (ValidationError, ValueError, TypeError):
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
