"""The Slack adapter put together: Web API client, Bolt app, listeners, endpoint, channel."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.channel import SlackChannel
from adapters.slack.endpoint import SlackEndpoint
from adapters.slack.identity import SlackIdentity
from adapters.slack.listeners import SlackListeners
from adapters.slack.manifest import EVENTS_PATH
from adapters.slack.settings import SlackSettings
from bot.port import ApplicationPort

log = logging.getLogger(__name__)
RATE_LIMIT_RETRIES = 3
# At shutdown the server first gives requests in flight 8 s (policybot_app/server.py); this
# adapter's own work (replies, card updates) then gets DRAIN_SECONDS, and what is still running is
# stopped, its unsent replies handed to the outbox within HANDOVER_SECONDS. In all, within
# Docker's 10 s stop timeout.
DRAIN_SECONDS = 1.5
HANDOVER_SECONDS = 0.5
SHUTDOWN_GRACE = DRAIN_SECONDS + HANDOVER_SECONDS


@dataclass
class SlackAdapter:
    port: ApplicationPort
    client: AsyncWebClient
    bolt: AsyncApp
    identity: SlackIdentity
    channel: SlackChannel
    listeners: SlackListeners

    async def drain(self) -> None:
        """Wait until every acknowledged request has been carried out."""
        await self.listeners.drain()

    async def finish(self, drain: float = DRAIN_SECONDS,
                     handover: float = HANDOVER_SECONDS) -> None:
        """At shutdown: let running work finish for ``drain`` seconds, then stop it; replies
        not posted by then go to the outbox (every turn is committed before Slack's ack)."""
        if await self.listeners.drain(drain):
            return
        stopped = self.listeners.stop()
        log.warning("Slack work still running at shutdown: %d task(s) stopped; unsent "
                    "replies go to the outbox", stopped)
        if not await self.listeners.drain(handover):
            log.warning("Slack work not stopped in time: %d task(s)", self.listeners.busy)


SLACK: web.AppKey[SlackAdapter] = web.AppKey("policybot.slack", SlackAdapter)


def web_client(settings: SlackSettings, session: aiohttp.ClientSession | None = None
               ) -> AsyncWebClient:
    """The Web API client: a 429 is waited out (Retry-After) and the call made again. With
    ``session``, every call reuses its connections (without, each call opens its own)."""
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.base_url,
        session=session,
        retry_handlers=[AsyncConnectionErrorRetryHandler(),
                        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )


async def setup_slack(web_app: web.Application, port: ApplicationPort,
                      settings: SlackSettings) -> SlackAdapter:
    """Mount ``POST /slack/events`` on ``web_app`` and register the Slack channel.

    Call before the web app starts. The caller (the server) keeps the adapter it returns,
    and hands it to :func:`start_socket_mode` when Socket Mode is configured. On shutdown,
    work already acknowledged is given at most :data:`SHUTDOWN_GRACE` seconds to finish
    (see :meth:`SlackAdapter.finish`).
    """
    secret = settings.signing_secret
    # One HTTP session for every Web API call: a connection per call cost as much CPU as
    # the rest of a turn (measured, docs/performance.md).
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    port.on_close(session.close)
    client = web_client(settings, session)
    # process_before_response: Slack's answer goes when the listener returns, and each
    # listener returns once the turn is committed (see listeners), never before.
    bolt = AsyncApp(client=client, signing_secret=secret, process_before_response=True,
                    request_verification_enabled=True)
    identity = SlackIdentity(client, port)
    channel = SlackChannel(client, port, identity)
    listeners = SlackListeners(port, channel, identity)
    listeners.register(bolt)
    adapter = SlackAdapter(port, client, bolt, identity, channel, listeners)
    web_app.router.add_post(EVENTS_PATH, SlackEndpoint(bolt, secret).handle)
    web_app[SLACK] = adapter
    web_app.cleanup_ctx.append(_finish_work(adapter))
    port.register_channel(channel)
    return adapter


def _finish_work(adapter: SlackAdapter) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(_: web.Application) -> AsyncIterator[None]:
        yield
        await adapter.finish()

    return context
