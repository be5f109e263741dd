"""The floor for Teams: a bare botbuilder bot on aiohttp that replies once per activity.

botbuilder's ``CloudAdapter`` (no app id, so no authentication, as in ``policybot serve
--teams-emulator``) and an ``ActivityHandler`` that sends one message back for each message,
and answers each ``Action.Execute`` invoke with a small card after sending one message. No
storage and no engine.

Run: ``python -m benchmarks.bare_botbuilder``; prints the URL it listens on (a free loopback
port), then serves ``POST /api/messages``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import AdaptiveCardInvokeResponse, InvokeResponse

DONE_CARD = {"type": "AdaptiveCard", "version": "1.5",
             "body": [{"type": "TextBlock", "text": "Done."}]}


@dataclass(frozen=True)
class _Settings:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TENANTID: str = ""
    APP_TYPE: str = "MultiTenant"


class ReplyOnce(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity("Thanks!")

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity("Hello!")

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # Not on_adaptive_card_invoke: with CloudAdapter, 4.17.1 serialises that answer twice
        # and fails; the body must reach the adapter as a model.
        await turn_context.send_activity("Pressed!")
        return InvokeResponse(status=200, body=AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=DONE_CARD))


async def serve() -> None:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_Settings()))
    bot = ReplyOnce()

    async def messages(request: web.Request) -> web.Response:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"bare botbuilder bot at http://127.0.0.1:{port}/api/messages", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve())
