"""A fake Slack Web API on a free loopback port: answers like Slack, records every call.

It keeps the messages it was asked to post, with their current look after chat.update, so a
test can press the buttons the bot really sent, and the files uploaded through Slack's upload
flow (files.getUploadURLExternal, the upload URL, files.completeUploadExternal), refusing
what Slack refuses. It can be told to fail the next call to a method (a 429 with Retry-After,
or an error) or to hold calls to a method unanswered until released, and it serves a Socket
Mode WebSocket.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0001"
# Not in the reference: Slack answers msg_blocks_too_long when a message's blocks hold more
# than about 12,000 characters of text in all (slackapi/bolt-js#2509, confirmed there by
# Slack's SDK maintainers).
MESSAGE_TEXT = 12_000
TEXT_OBJECTS = ("plain_text", "mrkdwn")


def text_in(node: Any) -> int:
    """Characters of text in every plain_text and mrkdwn object under ``node``."""
    if isinstance(node, list):
        return sum(text_in(n) for n in node)
    if not isinstance(node, dict):
        return 0
    text = node.get("text")
    own = len(text) if node.get("type") in TEXT_OBJECTS and isinstance(text, str) else 0
    return own + sum(text_in(v) for v in node.values())


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200
    ok: bool = True


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    updates: int = 0


@dataclass
class Upload:
    """A file as files.getUploadURLExternal announced it, then its bytes and where it went."""

    name: str
    length: int
    data: bytes | None = None
    title: str = ""
    channel: str = ""  # set by files.completeUploadExternal


@dataclass
class Failure:
    status: int
    error: str
    retry_after: int | None = None


@dataclass
class FakeSlack:
    token: str
    emails: dict[str, str]  # user id -> email (what users.info answers)
    # Deactivated accounts: still looked up by email (``deleted``), but no DM opens to them.
    disabled: set[str] = field(default_factory=set)
    app_token: str = "xapp-test-app-token"
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[str, str], Posted] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)
    _opened: set[str] = field(default_factory=set)  # DM conversations opened
    _failures: dict[str, list[Failure]] = field(default_factory=dict)
    _holds: dict[str, asyncio.Event] = field(default_factory=dict)
    _server: TestServer | None = None
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _socket_inbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/socket", self._socket)
        app.router.add_route("*", "/upload/{file_id}", self._upload)
        self._server = TestServer(app, host="127.0.0.1", port=0)
        await self._server.start_server()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/api/"))

    async def close(self) -> None:
        for method in list(self._holds):
            self.release(method)
        for ws in self._sockets:
            await ws.close()
        if self._server is not None:
            await self._server.close()

    # -- test controls --------------------------------------------------------------------

    def fail_next(self, method: str, status: int = 429, error: str = "ratelimited",
                  retry_after: int | None = 0) -> None:
        self._failures.setdefault(method, []).append(Failure(status, error, retry_after))

    def hold(self, method: str) -> None:
        """Keep every call to ``method`` waiting (recorded, unanswered) until released."""
        self._holds.setdefault(method, asyncio.Event())

    def release(self, method: str) -> None:
        gate = self._holds.pop(method, None)
        if gate is not None:
            gate.set()

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def in_channel(self, channel: str) -> list[Posted]:
        """Messages posted in ``channel``, oldest first, as they look now."""
        return sorted((m for m in self.messages.values() if m.channel == channel),
                      key=lambda m: float(m.ts))

    # -- the Web API ----------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for name in ("blocks", "view"):
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        call = Call(method, args)
        self.calls.append(call)
        wanted = self.app_token if method == "apps.connections.open" else self.token
        if request.headers.get("Authorization") != f"Bearer {wanted}":
            call.ok = False
            return web.json_response({"ok": False, "error": "invalid_auth"})
        gate = self._holds.get(method)
        if gate is not None:
            await gate.wait()
        if self._failures.get(method):
            failure = self._failures[method].pop(0)
            call.status, call.ok = failure.status, False
            headers = {} if failure.retry_after is None else {
                "Retry-After": str(failure.retry_after)}
            return web.json_response({"ok": False, "error": failure.error},
                                     status=failure.status, headers=headers)
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        body = answer(args) if answer is not None else {"ok": False, "error": "unknown_method"}
        call.ok = bool(body.get("ok"))
        return web.json_response(body)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://northbrook.slack.example/", "team": "Northbrook",
                "user": "policybot", "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID,
                "is_enterprise_install": False}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user", ""))
        if user not in self.emails:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": user, "team_id": TEAM,
                                     "deleted": user in self.disabled,
                                     "is_bot": False, "profile": {"email": self.emails[user]}}}

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email", "")).lower()
        found = [u for u, e in self.emails.items() if e.lower() == email]
        if not found:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": {"id": found[0], "deleted": found[0] in self.disabled,
                                     "profile": {"email": email}}}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", ""))
        if not users or "," in users:
            return {"ok": False, "error": "invalid_arguments"}
        if users in self.disabled:
            return {"ok": False, "error": "user_disabled"}
        self._opened.add("D" + users)
        return {"ok": True, "channel": {"id": "D" + users}}

    def _next_ts(self) -> str:
        return f"1760000000.{next(self._ts):06d}"

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if text_in(args.get("blocks") or []) > MESSAGE_TEXT:
            return {"ok": False, "error": "msg_blocks_too_long"}
        ts = self._next_ts()
        self.messages[(channel, ts)] = Posted(channel, ts, str(args.get("text", "")),
                                              list(args.get("blocks") or []))
        return {"ok": True, "channel": channel, "ts": ts,
                "message": {"ts": ts, "text": args.get("text", ""), "bot_id": BOT_ID}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel", "")), str(args.get("ts", "")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        if text_in(args.get("blocks") or []) > MESSAGE_TEXT:
            return {"ok": False, "error": "msg_blocks_too_long"}
        message = self.messages[key]
        message.text, message.blocks = str(args.get("text", "")), list(args.get("blocks") or [])
        message.updates += 1
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return {"ok": True, "view": {"id": f"V{len(self.calls):05d}", **args["view"]}}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": f"V{len(self.calls):05d}", **args["view"]}}

    # -- files: the upload flow Slack asks for since files.upload was retired -------------

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = str(args.get("filename") or ""), str(args.get("length") or "")
        if not filename or not length or length == "0":
            return {"ok": False, "error": "missing_argument"}
        if not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{len(self.files) + 1:08d}"
        self.files[file_id] = Upload(filename, int(length))
        assert self._server is not None
        return {"ok": True, "file_id": file_id,
                "upload_url": str(self._server.make_url(f"/upload/{file_id}"))}

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL: the bytes, once, of exactly the length announced."""
        upload = self.files.get(request.match_info["file_id"])
        if request.method != "POST" or upload is None or upload.data is not None:
            return web.Response(status=404, text="Not Found")
        data = await request.read()
        if len(data) != upload.length:
            return web.Response(status=400, text="length does not match")
        upload.data = data
        return web.Response(text=f"OK - {len(data)}")

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        try:
            wanted = json.loads(str(args.get("files", "")))
            ids = [str(f["id"]) for f in wanted]
        except (ValueError, TypeError, KeyError):
            return {"ok": False, "error": "invalid_arguments"}
        if not ids or any(self.files.get(i) is None or self.files[i].data is None for i in ids):
            return {"ok": False, "error": "file_not_found"}
        channel = str(args.get("channel_id") or "")
        # The bot's DM with each user Slack knows exists (events arrive from it).
        if channel and channel not in self._opened | {"D" + u for u in self.emails}:
            return {"ok": False, "error": "channel_not_found"}
        shared = []
        for item in wanted:
            upload = self.files[str(item["id"])]
            upload.title, upload.channel = str(item.get("title") or upload.name), channel
            shared.append({"id": item["id"], "name": upload.name, "title": upload.title,
                           "size": upload.length})
        return {"ok": True, "files": shared}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        assert self._server is not None
        url = str(self._server.make_url("/socket")).replace("http://", "ws://")
        return {"ok": True, "url": url}

    # -- Socket Mode ----------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A0001"}})
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await self._socket_inbox.put(json.loads(message.data))
        return ws

    async def socket_send(self, envelope: dict[str, Any]) -> None:
        await self._sockets[-1].send_json(envelope)

    async def socket_receive(self, timeout: float = 10.0) -> dict[str, Any]:
        return await asyncio.wait_for(self._socket_inbox.get(), timeout)

    @property
    def socket_connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)
