"""The floor for Slack: a bare Bolt app on aiohttp that acknowledges and posts one message.

No storage, no engine: Bolt's own request verification, its dispatch, an ``ack()`` and one
``chat.postMessage`` per event or button press, as Bolt's documentation writes a listener.
What policybot adds on top of Bolt is measured against this.

Run: ``SLACK_BOT_TOKEN=... SLACK_SIGNING_SECRET=... SLACK_API_URL=... python -m
benchmarks.bare_bolt``; prints the URL it listens on (a free loopback port), then serves.
"""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any

from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient


def bare_app() -> AsyncApp:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"],
                            base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.event("message")
    async def on_message(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.chat_postMessage(channel=event["channel"], text="Thanks!")

    @app.action(re.compile(".*"))
    async def on_action(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel=body["channel"]["id"], text="Pressed!")

    return app


async def serve() -> None:
    runner = web.AppRunner(bare_app().web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"bare Bolt app at http://127.0.0.1:{port}/slack/events", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve())
