"""The web playground: try the bot in a browser, as anyone in the directory.

A third adapter beside Slack and Teams: the page (plain HTML and a small script in
``playground_static/``) sends what the person did as JSON, this module turns it into a neutral
:class:`~conversations.messages.Turn`, and the engine's replies go back as JSON
(:func:`conversations.codec.message_to_json`). Messages for other people land in their local
inbox, which the page shows as "Inbox".

    GET  /playground/api/directory            people to act as
    POST /playground/api/turn                 {"as", "text" | "choice" | "press", "event_id"?}
    GET  /playground/api/inbox?as=EMAIL       messages sent to that person
    GET  /playground/api/requests?as=EMAIL    that person's requests

It lets anyone act as anyone, so the server binds it to loopback only; it also refuses
requests whose Host header is not a loopback name (so a web page cannot reach it through DNS
rebinding) and POSTs that are not ``application/json`` (so a page cannot post a form to it).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

from aiohttp import web

from bot.port import ApplicationPort, is_loopback
from conversations.codec import message_to_json
from conversations.messages import PRESS_NAMES, ActionName, Choice, Press, Turn, TurnResult

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("playground_static")
MAX_TEXT = 20_000
MAX_FIELD = 320
MAX_VALUES = 50
# The page's transcript of each person's chat (what a reload shows again), newest kept.
HISTORY = "history"
HISTORY_ITEMS = 200
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self'; connect-src 'self'; form-action 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class BadInput(Exception):
    """The request cannot be a turn; the message says why (it never echoes the input)."""


def _string(value: Any, what: str, limit: int = MAX_FIELD, called: str = "") -> str:
    """``value`` if it is a string within ``limit``; ``called``: what a person would call it,
    for the page shows the message to them."""
    if not isinstance(value, str):
        raise BadInput(f"{what} must be a string")
    if len(value) > limit:
        raise BadInput(f"{called or what} is too long: {len(value):,} characters, at most "
                       f"{limit:,}")
    return value


def parse_turn(data: Any) -> Turn:
    """A :class:`Turn` from the page's JSON; raises :class:`BadInput`."""
    if not isinstance(data, dict):
        raise BadInput("send a JSON object")
    person = _string(data.get("as"), "'as'").strip()
    if not person:
        raise BadInput("'as' must name a person (their email)")
    event_id = _string(data.get("event_id", ""), "'event_id'", 100)
    given = [k for k in ("text", "choice", "press") if data.get(k) is not None]
    if len(given) != 1:
        raise BadInput("send exactly one of 'text', 'choice' or 'press'")
    turn = Turn(person=person, event_id=f"playground:{event_id}" if event_id else "")
    if given == ["text"]:
        return Turn(turn.person, text=_string(data["text"], "'text'", MAX_TEXT, "the message"),
                    event_id=turn.event_id)
    if given == ["choice"]:
        choice = data["choice"]
        if not isinstance(choice, dict):
            raise BadInput("'choice' must be an object")
        values = choice.get("values", [])
        if not isinstance(values, list) or len(values) > MAX_VALUES:
            raise BadInput("'choice.values' must be a list of strings")
        return Turn(turn.person, event_id=turn.event_id, choice=Choice(
            token=_string(choice.get("token"), "'choice.token'"),
            values=tuple(_string(v, "'choice.values'") for v in values),
            text=_string(choice.get("text", ""), "'choice.text'", MAX_TEXT)))
    press = data["press"]
    if not isinstance(press, dict):
        raise BadInput("'press' must be an object")
    name = press.get("name")
    if name not in PRESS_NAMES:
        raise BadInput(f"'press.name' must be one of {', '.join(sorted(PRESS_NAMES))}")
    return Turn(turn.person, event_id=turn.event_id, press=Press(
        name=cast(ActionName, name),
        request_id=_string(press.get("request_id", ""), "'press.request_id'"),
        value=_string(press.get("value", ""), "'press.value'"),
        comment=_string(press.get("comment", ""), "'press.comment'", MAX_TEXT)))


def result_to_json(result: TurnResult) -> dict[str, Any]:
    """What the speaker sees; outbound messages are not included (they go to inboxes)."""
    return {
        "replies": [message_to_json(m) for m in result.replies],
        "answered": list(result.answered),
        "replace": message_to_json(result.replace) if result.replace is not None else None,
        "stale": result.stale,
        "duplicate": result.duplicate,
    }


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


class Playground:
    def __init__(self, port: ApplicationPort, any_host: bool) -> None:
        self.port = port
        self.any_host = any_host

    def _check_host(self, request: web.Request) -> None:
        if self.any_host:
            return
        host = request.host.lower()
        name = host[1:].partition("]")[0] if host.startswith("[") else host.partition(":")[0]
        if not is_loopback(name):
            raise web.HTTPForbidden(text="The playground only answers on localhost.")

    def _person(self, request: web.Request) -> str:
        self._check_host(request)
        email = request.query.get("as", "").strip()
        if not email or len(email) > MAX_FIELD:
            raise web.HTTPBadRequest(text='{"error": "add ?as=EMAIL"}',
                                     content_type="application/json")
        return email

    async def index(self, request: web.Request) -> web.StreamResponse:
        self._check_host(request)
        return web.FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    async def directory(self, request: web.Request) -> web.Response:
        self._check_host(request)
        people = sorted(await self.port.people(), key=lambda p: (p.school, p.name))
        return web.json_response({"people": [
            {"email": p.email, "name": p.name, "school": p.school, "roles": sorted(p.roles)}
            for p in people]})

    async def turn(self, request: web.Request) -> web.Response:
        self._check_host(request)
        if request.content_type != "application/json":
            return _problem(415, "send the turn as application/json")
        try:
            data = await request.json()
        except ValueError:
            return _problem(400, "the body is not valid JSON")
        try:
            turn = parse_turn(data)
        except BadInput as exc:
            return _problem(400, str(exc))
        result = await self.port.take_turn(turn)
        # Delivered now, so the other person's inbox shows it at once.
        await self.port.deliver_now()
        reply = result_to_json(result)
        await self._remember(turn, reply)
        return web.json_response(reply)

    async def _remember(self, turn: Turn, reply: dict[str, Any]) -> None:
        """Keep the chat as the page showed it, so a reload shows it again. The conversation
        itself is the engine's; this is only its transcript, kept with the store (retention
        removes it with the rest)."""
        if reply["duplicate"]:
            return
        items: list[dict[str, Any]] = []
        if turn.text:
            items.append({"kind": "you", "text": turn.text})
        if reply["answered"]:
            items.append({"kind": "answered", "labels": reply["answered"]})
        items += [{"kind": "bot", "message": m} for m in reply["replies"]]
        if not items:
            return
        stamp = self.port.stamp()

        def add(found: dict[str, Any] | None) -> dict[str, Any]:
            # Another tab of the same person may have written meanwhile: the port retries.
            kept = (found["items"] if found else []) + items
            return {"items": kept[-HISTORY_ITEMS:], "updated_at": stamp}

        await self.port.notes.update(HISTORY, turn.person.lower(), add)

    async def history(self, request: web.Request) -> web.Response:
        email = self._person(request)
        found = await self.port.notes.get(HISTORY, email.lower())
        return web.json_response({
            "items": found["items"] if found else [],
            "open_token": await self.port.open_question_token(email)})

    async def inbox(self, request: web.Request) -> web.Response:
        email = self._person(request)
        messages = await self.port.local_inbox(email)
        return web.json_response({"messages": [
            {"at": at, "message": message_to_json(m)} for at, m in messages]})

    async def requests(self, request: web.Request) -> web.Response:
        # The menu's "My requests" button, pressed: the engine renders the list.
        email = self._person(request)
        result = await self.port.take_turn(Turn(email, press=Press("start",
                                                                  value="my_requests")))
        return web.json_response(result_to_json(result))


def setup_playground(web_app: web.Application, port: ApplicationPort, *,
                     any_host: bool = False) -> None:
    """Mount the page at ``/`` and its API under ``/playground/``."""
    playground = Playground(port, any_host)
    web_app.router.add_get("/", playground.index)
    web_app.router.add_static("/playground/static/", STATIC)
    web_app.router.add_get("/playground/api/directory", playground.directory)
    web_app.router.add_post("/playground/api/turn", playground.turn)
    web_app.router.add_get("/playground/api/inbox", playground.inbox)
    web_app.router.add_get("/playground/api/requests", playground.requests)
    web_app.router.add_get("/playground/api/history", playground.history)
