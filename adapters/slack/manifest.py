"""The Slack app manifest: exactly what this adapter uses, for ``policybot slack manifest``.

A Slack admin pastes the printed JSON into "Create New App -> From an app manifest". The
scopes are the ones the adapter's Web API calls and events need, no more:

  chat:write         chat.postMessage, chat.update (questions, cards, card updates)
  im:write           conversations.open (a direct message to an approver)
  im:history         the message.im event (what people type in the bot's DM)
  app_mentions:read  the app_mention event (@mentions of the bot)
  users:read         users.info (who pressed or typed)
  users:read.email   the email in users.info and users.lookupByEmail (directory lookup)
  commands           the /socialmedia slash command
  files:write        files.getUploadURLExternal, files.completeUploadExternal (the governance
                     report, uploaded into the DM of whoever asked for it)
"""

from __future__ import annotations

import json
import sys
from typing import Any
from urllib.parse import urlsplit

APP_NAME = "Social Media Policy"
BOT_NAME = "policybot"
EVENTS_PATH = "/slack/events"
SLASH_COMMAND = "/socialmedia"
BOT_EVENTS = ("app_home_opened", "app_mention", "message.im")
BOT_SCOPES = (
    "app_mentions:read",
    "chat:write",
    "commands",
    "files:write",
    "im:history",
    "im:write",
    "users:read",
    "users:read.email",
)
DESCRIPTION = "Check a social media post against the Trust's policy and get it approved."
LONG_DESCRIPTION = (
    "Before you post, ask the bot in a direct message, mention it, use /socialmedia or open "
    "its Home tab. It asks a few questions about the post, tells you what the Trust's Social "
    "Media Policy says, and when the post needs approval it sends it to the right approver, "
    "who decides with one click. It also takes requests for new official accounts and "
    "reports of concerns, and sends them to the headteacher, the CEO or the Data Protection "
    "Officer as the policy requires."
)


class ManifestError(ValueError):
    """The public address given can't be used by Slack."""


def events_url(base_url: str) -> str:
    """``https://host[/prefix]`` -> the URL Slack must call; ManifestError when unusable."""
    parts = urlsplit(base_url.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise ManifestError("--url must be the server's public https address, "
                            "e.g. https://policybot.example.org (Slack only calls https)")
    if parts.query or parts.fragment:
        raise ManifestError("--url must not have a query string or a fragment")
    return f"https://{parts.netloc}{parts.path.rstrip('/')}{EVENTS_PATH}"


def build_manifest(base_url: str | None) -> dict[str, Any]:
    """The manifest for HTTP mode at ``base_url``, or for Socket Mode when it is None."""
    url = events_url(base_url) if base_url is not None else None
    command: dict[str, Any] = {
        "command": SLASH_COMMAND,
        "description": "Check a post, request an account or report a concern",
        "usage_hint": "[can I post this: your draft]",
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if url is not None:
        command["url"] = url
        events["request_url"] = url
        interactivity["request_url"] = url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": APP_NAME,
            "description": DESCRIPTION,
            "long_description": LONG_DESCRIPTION,
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": BOT_NAME, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": url is None,
            "token_rotation_enabled": False,
        },
    }


def print_manifest(base_url: str | None, socket_mode: bool = False) -> int:
    """``policybot slack manifest``: the manifest on standard output; 2 for a bad --url."""
    try:
        manifest = build_manifest(None if socket_mode else base_url)
    except ManifestError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(manifest, indent=2))
    return 0
