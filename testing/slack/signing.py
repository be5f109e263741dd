"""Requests signed as Slack signs them, with the credentials the test app is set up with.

The adapter's endpoint checks every request's signature, so the harness, the hostile tests,
the replica tests and the load generator all sign with :func:`sign` and :data:`SECRET`.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-1111-2222-testtoken"


def sign(body: bytes, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with ``body``: a timestamp and the HMAC of both."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def slack_escaped(text: str) -> str:
    """Text as Slack sends it in events: &, < and > as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
