"""A fake Bot Framework connector: a small aiohttp app on a free loopback port.

It answers the calls the bot makes as Teams' connector does, and records every one:
  POST /v3/conversations                                  open a 1:1 chat
  POST /v3/conversations/{id}/activities[/{replyToId}]    send a message
  PUT  /v3/conversations/{id}/activities/{activityId}     update a message
  GET  /v3/conversations/{id}/members/{userId}            one member, with email and UPN

``outage`` makes sends to a conversation fail with 503 for a while, as a connector outage;
``member_outage`` does the same to member lookups (``member_outage_status``: 503, or 429 as
Teams throttling).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Call:
    method: str
    path: str
    conversation_id: str = ""
    activity_id: str = ""
    body: dict[str, Any] = field(default_factory=dict)

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
        self.outage: dict[str, int] = {}  # conversation id -> sends to answer with 503
        self.member_outage = 0  # member lookups still to answer with an error
        self.member_outage_status = 503
        self._ids = itertools.count(1)
        app = web.Application()
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

    # -- what was recorded ---------------------------------------------------------------

    def sent(self, conversation_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and "/activities" in c.path
                and c.activity_id != "failed" and conversation_id in (None, c.conversation_id)]

    def updates(self, conversation_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "PUT"
                and (conversation_id in (None, c.conversation_id))]

    def created(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/v3/conversations"]

    def member_lookups(self) -> list[Call]:
        return [c for c in self.calls if c.method == "GET"]

    def all_cards(self) -> list[dict[str, Any]]:
        return [card for c in self.calls for card in c.cards]

    # -- handlers ------------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation_id = f"a:created-{next(self._ids)}"
        self.calls.append(Call("POST", request.path, conversation_id, "", body))
        return web.json_response({"id": conversation_id, "serviceUrl": self.url}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        cid = request.match_info["cid"]
        if self.outage.get(cid, 0) > 0:
            self.outage[cid] -= 1
            self.calls.append(Call("POST", request.path, cid, "failed", body))
            return web.json_response({"error": {"code": "ServiceError", "message": "down"}},
                                     status=503)
        activity_id = f"act-{next(self._ids)}"
        self.calls.append(Call("POST", request.path, cid, activity_id, body))
        self.activities[activity_id] = body
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        if aid not in self.activities:
            return web.json_response(
                {"error": {"code": "NotFound", "message": "no such activity"}}, status=404)
        self.calls.append(Call("PUT", request.path, cid, aid, body))
        self.activities[aid] = body
        return web.json_response({"id": aid})

    async def _member(self, request: web.Request) -> web.Response:
        self.calls.append(Call("GET", request.path, request.match_info["cid"]))
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
