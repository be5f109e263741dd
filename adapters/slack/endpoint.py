"""``POST /slack/events``: the guard in front of Bolt.

Bolt verifies signatures, but answers a body it can't parse with a 500 (and the traceback goes
to the log). This handler checks the signature first (401, nothing else happens), then that the
body is the shape Bolt expects (400 with a plain message), and only then hands the request to
Bolt, which verifies the signature again. Responses never carry a traceback or the body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)
UNSIGNED = "Invalid or expired Slack signature."
MALFORMED = "Malformed request body."
FAILED = "Something went wrong on our side; Slack will retry."


class Malformed(ValueError):
    """The body is not something Slack sends."""


def parse_slack_body(text: str, content_type: str) -> dict[str, Any]:
    """A Slack request body as Bolt sees it, checked; :class:`Malformed` when it isn't one."""
    try:
        if content_type == "application/json" or text.lstrip().startswith("{"):
            body = json.loads(text)
        else:
            params = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
            body = json.loads(params["payload"]) if "payload" in params else params
    except ValueError:
        raise Malformed("neither JSON nor form data") from None  # the error would quote it
    if not isinstance(body, dict):
        raise Malformed("not an object")
    _check_shape(body)
    return body


def _need(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise Malformed(f"{what} missing or of the wrong type")
    return value


def _check_shape(body: Mapping[str, Any]) -> None:
    """The parts Bolt's matchers index without checking."""
    kind = body.get("type")
    if "command" in body:
        _need(body["command"], str, "command")
        return
    if kind == "event_callback":
        event = _need(body.get("event"), dict, "event")
        _need(event.get("type"), str, "event.type")
    elif kind == "url_verification":
        _need(body.get("challenge"), str, "challenge")
    elif kind == "block_actions":
        _need(body.get("user"), dict, "user")
        actions = _need(body.get("actions"), list, "actions")
        if not actions:
            raise Malformed("no actions")
        for action in actions:
            _need(_need(action, dict, "action").get("action_id"), str, "action_id")
            _need(action.get("block_id", ""), str, "block_id")
    elif kind in ("view_submission", "view_closed"):
        _need(body.get("user"), dict, "user")
        view = _need(body.get("view"), dict, "view")
        _need(view.get("callback_id"), str, "view.callback_id")
    elif kind is not None and not isinstance(kind, str):
        raise Malformed("type")


class SlackEndpoint:
    """The aiohttp handler for Slack's Events API, interactivity and slash commands."""

    def __init__(self, bolt: AsyncApp, signing_secret: str) -> None:
        self.bolt = bolt
        self.verifier = SignatureVerifier(signing_secret)

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if not self._signed(raw, request):
            return web.Response(status=401, text=UNSIGNED)
        try:
            text = raw.decode("utf-8")
            body = parse_slack_body(text, request.content_type)
        except (UnicodeDecodeError, Malformed) as exc:
            log.warning("malformed Slack request refused: %s", _reason(exc))
            return web.Response(status=400, text=MALFORMED)
        # Headers that steer Bolt's lazy listeners are only for Bolt itself.
        headers: dict[str, str | Sequence[str]] = {k: v for k, v in request.headers.items()
                   if not k.lower().startswith("x-slack-bolt-")}
        try:
            # Bolt would parse the body again (unquoting a button press's whole message a
            # second time): it is given the one parsed and checked above instead. That is
            # also right where the two differ: Bolt takes any form body containing the word
            # "payload" for an interactive one (a slash command's text can).
            bolt_request = AsyncBoltRequest(body="", query=request.query_string,
                                            headers=headers)
            bolt_request.raw_body = text  # what Bolt verifies the signature of
            bolt_request.body = body
            bolt_request.context = build_async_context(AsyncBoltContext({}), body)
        except Exception as exc:  # a shape Bolt can't read is still the sender's problem
            log.warning("Slack request Bolt could not read refused: %s", type(exc).__name__)
            return web.Response(status=400, text=MALFORMED)
        try:
            response = await self.bolt.async_dispatch(bolt_request)
        except Exception:
            log.exception("Slack request failed")
            return web.Response(status=500, text=FAILED)
        return await to_aiohttp_response(response)

    def _signed(self, raw: bytes, request: web.Request) -> bool:
        try:
            return self.verifier.is_valid(
                body=raw,
                timestamp=request.headers.get("X-Slack-Request-Timestamp"),
                signature=request.headers.get("X-Slack-Signature"))
        except (ValueError, TypeError):  # a timestamp that is not a number
            return False


def _reason(exc: Exception) -> str:
    """Why a body was refused, without any of its content."""
    return "not UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc)
