"""Logging for the server: one line per event, tagged with the HTTP request it belongs to.

* ``LOG_LEVEL`` sets the level of the product's own loggers. Libraries that would log request
  or message bodies at DEBUG (the Slack SDK, the Agents SDK, aiohttp's client) stay at INFO or
  above whatever the level, because those bodies hold drafts.
* ``LOG_FORMAT=json`` writes one JSON object per line; ``text`` writes one readable line.
  Tracebacks are folded into the same line so that one event is always one line.
* Everything written passes through :class:`Redactor`: token-shaped strings (``xoxb-``,
  ``xapp-``, ``xoxp-``, ``Bearer ...``, JWTs) and the configured secret values are replaced
  with ``[redacted]`` before they reach the stream.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.config import Config
from bot.settings import SETTINGS

REDACTED = "[redacted]"
NO_REQUEST = "-"
request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)
"""The id of the HTTP request being handled (set by the server's middleware)."""

# Loggers of our own code follow LOG_LEVEL; everything else is held at INFO or above.
OWN_LOGGERS = ("bot", "adapters", "conversations", "storage", "policybot", "policybot_app")
_TOKEN_PATTERNS = (
    r"\bxox[a-z]-[A-Za-z0-9-]+",  # Slack bot/user/app-config tokens
    r"\bxapp-[A-Za-z0-9-]+",  # Slack app-level tokens
    r"\bBearer\s+[A-Za-z0-9._~+/=-]+",  # Authorization headers
    r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",  # JSON web tokens
    r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)",  # user:password in URLs
)
LIBRARY_LOGGERS = ("slack_sdk", "slack_bolt", "microsoft_agents", "msal", "aiohttp", "asyncio",
                   "urllib3", "tinydb")
SDK_USER_TOKEN_LOGGER = "microsoft_agents.hosting.core.connector.client.user_token_client"
# Secrets shorter than this are not matched as text: masking every "x" would hide the log.
MIN_SECRET_LENGTH = 6
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id",
}


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


class Redactor:
    """Replaces tokens and known secret values in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        literal = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len,
                         reverse=True)
        parts = [re.escape(s) for s in literal] + list(_TOKEN_PATTERNS)
        self._pattern = re.compile("|".join(parts))

    def __call__(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text)


def secrets_of(config: Config) -> list[str]:
    """The values of every setting marked secret."""
    return [config.get(s.name) for s in SETTINGS if s.secret and config.get(s.name)]


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class RedactingFilter(logging.Filter):
    """Redacts the message and arguments of records as they are logged.

    The formatters redact their whole output as well; this filter is for handlers that other
    code attaches (e.g. a test's capture handler) so they also never see a secret.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template only
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        return True


def _one_line(text: str) -> str:
    return text.replace("\r", "").replace("\n", " | ")


class TextFormatter(logging.Formatter):
    """``2026-11-24T13:05:00.123Z INFO [rid] logger: message key=value``."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        parts = [_stamp(record), record.levelname, f"[{getattr(record, 'request_id', '-')}]",
                 f"{record.name}:", record.getMessage()]
        parts += [f"{k}={v}" for k, v in _extras(record).items()]
        if record.exc_info:
            parts.append(self.formatException(record.exc_info))
        return self.redact(_one_line(" ".join(str(p) for p in parts)))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, request_id, message, extras, exc."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": _stamp(record), "level": record.levelname, "logger": record.name,
            "request_id": getattr(record, "request_id", NO_REQUEST),
            "message": self.redact(record.getMessage()),
        }
        for key, value in _extras(record).items():
            data[key] = value if isinstance(value, int | float | bool) or value is None \
                else self.redact(str(value))
        if record.exc_info:
            data["exc"] = self.redact(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


def _stamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items()
            if k not in _STANDARD_ATTRS and not k.startswith("_")}


_installed: list[logging.Handler] = []


def configure_logging(config: Config, stream: TextIO | None = None) -> Redactor:
    """Send every log record to ``stream`` (standard error) as configured; idempotent."""
    level = getattr(logging, config.get("LOG_LEVEL").upper())
    redactor = Redactor(secrets_of(config))
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter(redactor))
    formatter_class = JsonFormatter if config.get("LOG_FORMAT") == "json" else TextFormatter
    handler.setFormatter(formatter_class(redactor))
    root = logging.getLogger()
    for old in _installed:
        root.removeHandler(old)
    _installed[:] = [handler]
    root.addHandler(handler)
    library_level = max(level, logging.INFO)
    root.setLevel(library_level)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    # Libraries that log bodies or headers at DEBUG are named explicitly: a library that
    # configured its own logger's level would otherwise override the root's.
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    # The scheduler reports every tick at INFO; the jobs log what they did themselves.
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    # The Agents SDK (Teams) reports every message it sends at INFO, and warns on every turn
    # that its user-token client (for user sign-in, which the bot never uses) has no app id;
    # the Teams adapter logs what went wrong itself.
    logging.getLogger("microsoft_agents").setLevel(max(level, logging.WARNING))
    logging.getLogger(SDK_USER_TOKEN_LOGGER).setLevel(logging.ERROR)
    return redactor


def reset_logging() -> None:
    """Remove what :func:`configure_logging` installed (for tests and embedding)."""
    root = logging.getLogger()
    for old in _installed:
        root.removeHandler(old)
    _installed.clear()
    root.setLevel(logging.WARNING)
    for name in (*OWN_LOGGERS, *LIBRARY_LOGGERS, "apscheduler", SDK_USER_TOKEN_LOGGER):
        logging.getLogger(name).setLevel(logging.NOTSET)
