"""Socket Mode, for schools with no public URL: Slack's events arrive over a WebSocket.

The same Bolt app and listeners serve both modes; only the transport differs. Slack signs
nothing in this mode: the connection itself is authenticated with the app-level token
(``SLACK_APP_TOKEN``, ``xapp-...``, scope ``connections:write``).
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.slack.adapter import SlackAdapter
from adapters.slack.settings import SlackSettings, SlackSettingsError

log = logging.getLogger(__name__)


class SocketModeConnection:
    """A running Socket Mode connection; ``close()`` ends it."""

    def __init__(self, handler: AsyncSocketModeHandler) -> None:
        self.handler = handler

    async def close(self) -> None:
        await self.handler.close_async()
        log.info("Slack Socket Mode disconnected")


async def start_socket_mode(adapter: SlackAdapter,
                            settings: SlackSettings) -> SocketModeConnection:
    """Connect to Slack over Socket Mode with the adapter ``setup_slack`` built. Returns at
    once; the connection reconnects by itself until closed."""
    app_token = settings.app_token
    if not app_token:
        raise SlackSettingsError("Socket Mode needs SLACK_APP_TOKEN")
    handler = AsyncSocketModeHandler(adapter.bolt, app_token=app_token,
                                     web_client=adapter.client)
    await handler.connect_async()
    log.info("Slack Socket Mode connected")
    return SocketModeConnection(handler)


async def stop_socket_mode(connection: SocketModeConnection) -> None:
    await connection.close()
