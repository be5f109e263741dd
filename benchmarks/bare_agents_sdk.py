"""The floor for Teams: a bare Microsoft 365 Agents SDK bot on aiohttp that replies once.

The SDK's ``CloudAdapter`` with no credentials (anonymous, as in ``policybot serve
--teams-emulator``) and an ``ActivityHandler`` that sends one message back for each message,
and answers each ``Action.Execute`` invoke with a small card after sending one message. No
storage and no engine.

Run: ``python -m benchmarks.bare_agents_sdk``; prints the URL it listens on (a free loopback
port), then serves ``POST /api/messages``.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from microsoft_agents.activity import InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    ActivityHandler,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ConnectionManager,
    TurnContext,
)

DONE_CARD = {"type": "AdaptiveCard", "version": "1.5",
             "body": [{"type": "TextBlock", "text": "Done."}]}


class ReplyOnce(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        await turn_context.send_activity("Thanks!")

    async def on_installation_update(  # type: ignore[override]
            self, turn_context: TurnContext) -> None:
        await turn_context.send_activity("Hello!")

    async def on_invoke_activity(  # type: ignore[override]
            self, turn_context: TurnContext) -> InvokeResponse:
        await turn_context.send_activity("Pressed!")
        return InvokeResponse(status=200, body={
            "statusCode": 200, "type": "application/vnd.microsoft.card.adaptive",
            "value": DONE_CARD})


def bare_adapter() -> CloudAdapter:
    """The SDK's adapter with no credentials: requests arrive anonymous, replies carry none."""
    return CloudAdapter(connection_manager=ConnectionManager(
        provider_factory=lambda _: AnonymousTokenProvider(),
        connections_configurations={"SERVICE_CONNECTION": AgentAuthConfiguration(
            anonymous_allowed=True)}))


async def serve() -> None:
    adapter = bare_adapter()
    bot = ReplyOnce()

    async def messages(request: web.Request) -> web.Response:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=202)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"bare Agents SDK bot at http://127.0.0.1:{port}/api/messages", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve())
