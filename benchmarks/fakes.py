"""The tests' fake Slack Web API and fake Bot Framework connector, in a process of their own.

The load generator and the crash test run the fakes in a separate process so that the fake's
work (parsing every Web API call) does not share an event loop with the client whose timings
are measured. Beside the fake, a small "watch" app lets the client wait for what the bot
posted:

    GET /watch?channel=D123&since=4&timeout=30   (Slack: messages posted in a channel)
    GET /watch?conversation=a:1&since=4           (Teams: activities sent to a conversation)

answers, as soon as there are more than ``since`` of them (or at the timeout),
``{"count": n, "items": [...the ones after since...]}``. ``GET /stats`` counts the calls.

Run: ``python -m benchmarks.fakes slack|teams --people FILE``; it prints one JSON line with
its URLs, then serves until killed. FILE maps Slack user ids to emails (Slack), or holds the
Teams members ``[{"id", "aad", "name", "email"}]`` (Teams).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from testing.slack.fake_slack import FakeSlack, Posted
from testing.slack.signing import TOKEN
from testing.teams.fake_connector import FakeConnector

WATCH_TIMEOUT = 30.0


class Changes:
    """Per-key counters that waiters can block on."""

    def __init__(self) -> None:
        self._waiters: dict[str, asyncio.Event] = {}

    def changed(self, key: str) -> None:
        event = self._waiters.pop(key, None)
        if event is not None:
            event.set()

    async def wait(self, key: str, timeout: float) -> None:
        event = self._waiters.setdefault(key, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


class WatchedSlack(FakeSlack):
    """The fake Slack Web API, keeping each channel's messages in order of posting."""

    def __init__(self, token: str, emails: dict[str, str]) -> None:
        super().__init__(token=token, emails=emails)
        self.changes = Changes()
        self.by_channel: dict[str, list[Posted]] = {}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        body = super()._chat_postMessage(args)
        if body.get("ok"):
            posted = self.messages[(body["channel"], body["ts"])]
            self.by_channel.setdefault(posted.channel, []).append(posted)
            self.changes.changed(posted.channel)
        return body

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        body = super()._chat_update(args)
        if body.get("ok"):
            self.changes.changed(str(body["channel"]))
        return body

    def items(self, channel: str) -> list[dict[str, Any]]:
        return [asdict(p) for p in self.by_channel.get(channel, [])]


class WatchedConnector(FakeConnector):
    """The fake connector, keeping each conversation's sent activities in order."""

    def __init__(self) -> None:
        super().__init__()
        self.changes = Changes()
        self.by_conversation: dict[str, list[dict[str, Any]]] = {}

    async def _send(self, request: web.Request) -> web.Response:
        response = await super()._send(request)
        call = self.calls[-1]
        if call.activity_id != "failed":
            self.by_conversation.setdefault(call.conversation_id, []).append(
                {"activity_id": call.activity_id, "body": call.body})
            self.changes.changed(call.conversation_id)
        return response

    def items(self, conversation: str) -> list[dict[str, Any]]:
        return self.by_conversation.get(conversation, [])


def watch_app(fake: WatchedSlack | WatchedConnector) -> web.Application:
    async def watch(request: web.Request) -> web.Response:
        key = request.query.get("channel") or request.query.get("conversation") or ""
        since = int(request.query.get("since", "0"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(request.query.get("timeout", WATCH_TIMEOUT))
        while len(fake.items(key)) <= since and loop.time() < deadline:
            await fake.changes.wait(key, deadline - loop.time())
        items = fake.items(key)
        return web.json_response({"count": len(items), "items": items[since:]})

    async def stats(request: web.Request) -> web.Response:
        methods = Counter(str(getattr(call, "method", "send")) for call in fake.calls)
        return web.json_response({"calls": len(fake.calls), "methods": methods})

    app = web.Application()
    app.router.add_get("/watch", watch)
    app.router.add_get("/stats", stats)
    return app


async def serve(kind: str, people: Path) -> None:
    listed = json.loads(people.read_text())
    fake: WatchedSlack | WatchedConnector
    if kind == "slack":
        fake = WatchedSlack(token=TOKEN, emails=dict(listed))
        api_url = await fake.start()
    else:
        fake = WatchedConnector()
        for member in listed:
            fake.add_member(member["id"], member["aad"], member["name"], email=member["email"])
        await fake.start()
        api_url = fake.url
    watcher = TestServer(watch_app(fake), host="127.0.0.1", port=0)
    await watcher.start_server()
    print(json.dumps({"api": api_url, "watch": str(watcher.make_url("/"))}), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("slack", "teams"))
    parser.add_argument("--people", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.kind, args.people))


if __name__ == "__main__":
    main()
