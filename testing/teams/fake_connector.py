"""A fake Bot Framework connector: a small aiohttp app on a free loopback port.

It answers the calls the bot makes as Teams' connector does, as strictly as the service
(:mod:`testing.teams.connector_rules`: a null anywhere, a string field that is not a string,
an unknown activity type, no conversation or recipient, over 28 KB: refused with the service's
status and error body), and records every one:
  POST /v3/conversations                                  open a 1:1 chat
  POST /v3/conversations/{id}/activities[/{replyToId}]    send a message
  PUT  /v3/conversations/{id}/activities/{activityId}     update a message
  GET  /v3/conversations/{id}/members/{userId}            one member, with email and UPN

``outage`` makes sends to a conversation fail for a while (``outage_status``: 503 as a
connector outage, or 429 as Teams throttling); ``member_outage`` does the same to member
lookups (``member_outage_status``). :meth:`FakeConnector.refuse` makes a conversation refuse
every send and update for good, as Teams does once the app is uninstalled (403
``BotNotInConversationRoster``) or the chat is gone (404 ``ConversationNotFound``);
:meth:`FakeConnector.uninstall` refuses new chats with a user the same way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.typedefs import Handler

from testing.teams.connector_rules import (
    CARD,
    Refusal,
    activity_refusal,
    conversation_refusal,
    read_body,
)

__all__ = ["CARD", "GONE", "UNINSTALLED", "Call", "FakeConnector", "Refusal"]
UNINSTALLED = Refusal(403, "BotNotInConversationRoster",
                      "The bot is not part of the conversation roster.")
GONE = Refusal(404, "ConversationNotFound", "Conversation not found.")
# The codes the service answers a malformed or oversized activity with.
RULE_CODES = frozenset({"BadArgument", "BadSyntax", "MessageSizeTooBig"})


@dataclass
class Call:
    method: str
    path: str
    conversation_id: str = ""
    activity_id: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    authorization: str = ""  # the bot's Authorization header ("" without credentials)
    status: int = 201  # what the fake answered
    error_code: str = ""  # the error code it answered with, when it refused

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in self.body.get("attachments") or []
                if a.get("contentType") == CARD]

    @property
    def card(self) -> dict[str, Any]:
        found = self.cards
        assert found, f"no card in {self.body}"
        return found[0]

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")


class FakeConnector:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.members: dict[str, dict[str, Any]] = {}  # user id or aadObjectId -> member
        self.activities: dict[str, dict[str, Any]] = {}  # activity id -> latest body
        self.outage: dict[str, int] = {}  # conversation id -> sends to answer with an error
        self.outage_status = 503
        self.refusals: dict[str, Refusal] = {}  # conversation id -> how every send is refused
        self.uninstalled: set[str] = set()  # user or aadObjectId ids no new chat can reach
        self.member_outage = 0  # member lookups still to answer with an error
        self.member_outage_status = 503
        self.peers: list[str] = []  # the client's address and port of every call, in order
        self._ids = itertools.count(1)
        app = web.Application(middlewares=[self._note_peer])
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{reply}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        self.server = TestServer(app, host="127.0.0.1")

    async def start(self) -> None:
        await self.server.start_server()

    async def close(self) -> None:
        await self.server.close()

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))

    def add_member(self, user_id: str, aad_object_id: str, name: str, *, email: str = "",
                   upn: str = "") -> None:
        member = {"id": user_id, "name": name, "aadObjectId": aad_object_id,
                  "userPrincipalName": upn or email, "tenantId": "tenant-1", "userRole": "user"}
        if email:
            member["email"] = email
        self.members[user_id] = self.members[aad_object_id] = member

    def refuse(self, conversation_id: str, refusal: Refusal = UNINSTALLED) -> None:
        """Refuse every send and update to the conversation from now on."""
        self.refusals[conversation_id] = refusal

    def uninstall(self, *user_ids: str) -> None:
        """The app is removed for these users: no new chat with them can be opened."""
        self.uninstalled.update(user_ids)

    # -- what was recorded ---------------------------------------------------------------

    def sent(self, conversation_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and "/activities" in c.path
                and c.activity_id != "failed" and conversation_id in (None, c.conversation_id)]

    def updates(self, conversation_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "PUT" and c.status < 400
                and (conversation_id in (None, c.conversation_id))]

    def created(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/v3/conversations" and c.status < 400]

    def refused(self) -> list[Call]:
        """Every call the fake refused, whatever the reason."""
        return [c for c in self.calls if c.status >= 400]

    def violations(self) -> list[Call]:
        """Calls refused for breaking the service's rules (not for a fault a test set up)."""
        return [c for c in self.calls if c.error_code in RULE_CODES]

    def member_lookups(self) -> list[Call]:
        return [c for c in self.calls if c.method == "GET"]

    def all_cards(self) -> list[dict[str, Any]]:
        return [card for c in self.calls for card in c.cards]

    def connections(self) -> set[str]:
        """The distinct client connections the calls came over (a reused HTTP session sends
        many calls over one kept-alive connection; a new session opens a new one)."""
        return set(self.peers)

    # -- handlers ------------------------------------------------------------------------

    @web.middleware
    async def _note_peer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.peers.append(f"{peer[0]}:{peer[1]}" if peer else "")
        return await handler(request)

    def _refused(self, request: web.Request, cid: str, body: Any,
                 refusal: Refusal) -> web.Response:
        self.calls.append(Call(request.method, request.path, cid, "failed",
                               body if isinstance(body, dict) else {}, _auth(request),
                               refusal.status, refusal.code))
        return refusal.response()

    async def _create(self, request: web.Request) -> web.Response:
        body, refusal = await read_body(request)
        refusal = refusal or conversation_refusal(body)
        if refusal is None and "activity" in body:
            refusal = activity_refusal(body["activity"], "")
        if refusal is None and any(m["id"] in self.uninstalled or m.get("aadObjectId") in
                                   self.uninstalled for m in body["members"]):
            refusal = UNINSTALLED
        if refusal is not None:
            return self._refused(request, "", body, refusal)
        conversation_id = f"a:created-{next(self._ids)}"
        self.calls.append(Call("POST", request.path, conversation_id, "", body, _auth(request)))
        return web.json_response({"id": conversation_id, "serviceUrl": self.url}, status=201)

    def _outage(self, cid: str) -> Refusal | None:
        if cid in self.refusals:
            return self.refusals[cid]
        if self.outage.get(cid, 0) > 0:
            self.outage[cid] -= 1
            code = "Throttled" if self.outage_status == 429 else "ServiceError"
            return Refusal(self.outage_status, code, "down")
        return None

    async def _send(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        body, refusal = await read_body(request)
        refusal = refusal or activity_refusal(body, cid) or self._outage(cid)
        if refusal is not None:
            return self._refused(request, cid, body, refusal)
        activity_id = f"act-{next(self._ids)}"
        self.calls.append(Call("POST", request.path, cid, activity_id, body, _auth(request)))
        self.activities[activity_id] = body
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        body, refusal = await read_body(request)
        refusal = refusal or activity_refusal(body, cid)
        if refusal is None and body.get("id", aid) != aid:
            refusal = Refusal(400, "BadArgument", "The activity id is not the one addressed")
        refusal = refusal or self._outage(cid)
        if refusal is None and aid not in self.activities:
            refusal = Refusal(404, "NotFound", "no such activity")
        if refusal is not None:
            return self._refused(request, cid, body, refusal)
        self.calls.append(Call("PUT", request.path, cid, aid, body, _auth(request), 200))
        self.activities[aid] = body
        return web.json_response({"id": aid})

    async def _member(self, request: web.Request) -> web.Response:
        self.calls.append(Call("GET", request.path, request.match_info["cid"],
                               authorization=_auth(request)))
        if self.member_outage > 0:
            self.member_outage -= 1
            return web.json_response({"error": {"code": "ServiceError", "message": "down"}},
                                     status=self.member_outage_status)
        member = self.members.get(request.match_info["uid"])
        if member is None:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation", "message": "not found"}},
                status=404)
        return web.json_response(member)


def _auth(request: web.Request) -> str:
    return request.headers.get("Authorization", "")
