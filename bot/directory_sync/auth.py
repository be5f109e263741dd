"""App-only tokens for Microsoft Graph through MSAL (client credentials).

MSAL handles what is easy to get subtly wrong by hand: the token endpoint from the tenant's
OpenID configuration, signing a client assertion for certificate credentials, caching a
token until shortly before it expires, and backing off when the identity platform throttles.
It is synchronous (it uses ``requests``), so every call runs in a worker thread: the
server's event loop never waits on the identity platform. Building the application is
network I/O too (tenant discovery), so it happens in that thread, on first use.
"""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path
from typing import Any

import msal
import requests

from bot.directory_sync.clouds import GLOBAL
from bot.directory_sync.graph import GraphError

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.S)
# The identity platform ends its description with "Trace ID: ... Correlation ID: ...
# Timestamp: ..." (on one line, or on lines of their own); the same ids come as fields too.
_GUID = r"([0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})"
_TRAILER = re.compile(r"\s*\b(Trace ID|Correlation ID):\s*" + _GUID, re.I)
_IN_TEXT = {"trace_id": re.compile(r"Trace ID:\s*" + _GUID, re.I),
            "correlation_id": re.compile(r"Correlation ID:\s*" + _GUID, re.I),
            "timestamp": re.compile(r"Timestamp:\s*([0-9: TZ.-]+?)\s*$", re.I | re.M)}
_ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")
_TIMESTAMP = re.compile(r"^[0-9: TZ.-]{1,40}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# Long enough for the platform's longest sentences (AADSTS7000215 runs to about 230
# characters with the app id); a longer text is cut at a word, never inside the code.
MAX_REASON = 400


def certificate_credential(path: Path) -> dict[str, str]:
    """MSAL's certificate credential from one PEM file holding the private key and the
    certificate (what ``openssl req -x509 -newkey ... -nodes`` writes, concatenated)."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise GraphError(f"cannot read the certificate file {path}: "
                         f"{getattr(exc, 'strerror', None) or type(exc).__name__}") from None
    blocks = {m.group(1): m.group(0) for m in _PEM_BLOCK.finditer(text)}
    key = next((v for k, v in blocks.items() if k.endswith("PRIVATE KEY")), "")
    cert = blocks.get("CERTIFICATE", "")
    if not key or not cert:
        raise GraphError(f"{path} must hold a PEM private key and a PEM certificate")
    return {"private_key": key, "public_certificate": cert}


class MsalTokenSource:
    """Tokens for the app registration ``client_id`` in ``tenant_id``."""

    def __init__(self, *, tenant_id: str, client_id: str, credential: str | dict[str, str],
                 authority_url: str = GLOBAL.login_url, scope: str = GLOBAL.scope,
                 verify: bool | str = True) -> None:
        self._authority = f"{authority_url.rstrip('/')}/{tenant_id}"
        self._scope = scope  # the Graph host's, which differs in each national cloud
        self._client_id = client_id
        self._credential = credential
        # A CA bundle path only in tests (a loopback identity platform with its own
        # certificate); True everywhere else.
        self._verify = verify
        self._app: Any = None
        self._lock = threading.Lock()

    async def token(self, *, fresh: bool = False) -> str:
        return await asyncio.to_thread(self._token, fresh)

    def _token(self, fresh: bool) -> str:
        with self._lock:  # one MSAL application, built once, used by one thread at a time
            msal_app = self._application()
            if fresh:
                # The token was refused (expired or revoked early): drop the cached one so
                # MSAL asks the identity platform again instead of answering from cache.
                msal_app.remove_tokens_for_client()
            try:
                result = msal_app.acquire_token_for_client(scopes=[self._scope])
            except Exception as exc:  # requests' connection errors and the like
                raise GraphError("could not reach the Microsoft identity platform for a "
                                 f"token: {type(exc).__name__}") from None
        if not isinstance(result, dict) or "access_token" not in result:
            raise GraphError(describe_refusal(result))
        return str(result["access_token"])

    def _application(self) -> Any:
        if self._app is None:
            extra: dict[str, Any] = {}
            if isinstance(self._verify, str):
                # requests lets REQUESTS_CA_BUNDLE from the environment override a session's
                # own CA file; a loopback test server's CA must win, so no environment.
                session = requests.Session()
                session.verify, session.trust_env = self._verify, False
                extra["http_client"] = session
            try:
                self._app = msal.ConfidentialClientApplication(
                    self._client_id, client_credential=self._credential,
                    authority=self._authority, **extra,
                    # The authority is named in settings; asking Microsoft's discovery
                    # endpoint about it adds a round trip and fails for a private cloud.
                    instance_discovery=False, timeout=30)
            except ValueError as exc:
                raise GraphError(f"the tenant or authority was not accepted: {exc}") from None
            except Exception as exc:
                raise GraphError("could not reach the Microsoft identity platform: "
                                 f"{type(exc).__name__}") from None
        return self._app


def describe_refusal(result: object) -> str:
    """The identity platform's reason with its ids whole: the AADSTS code and sentence, then
    the trace id, correlation id and time that Microsoft support asks for. One line."""
    if not isinstance(result, dict):
        return "the Microsoft identity platform gave no token"
    error = _one_line(str(result.get("error") or "no token"))[:80]
    text = str(result.get("error_description") or "")
    found = _TRAILER.search(text)
    reason = _one_line(text[:found.start()] if found else text)
    codes = result.get("error_codes")
    if "AADSTS" not in reason and isinstance(codes, list) and codes:
        reason = f"AADSTS{codes[0]}: {reason}".rstrip(": ")
    if len(reason) > MAX_REASON:
        reason = reason[:MAX_REASON].rsplit(" ", 1)[0] + " ..."
    ids = []
    for field, label in (("trace_id", "trace id"), ("correlation_id", "correlation id"),
                         ("timestamp", "at")):
        value = _field(result, field, text)
        if value:
            ids.append(f"{label} {value}")
    said = f": {reason}" if reason else ""
    where = f" ({', '.join(ids)})" if ids else ""
    return f"the Microsoft identity platform refused a token: {error}{said}{where}"


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def _field(result: dict[Any, Any], field: str, text: str) -> str:
    """An id from its own field, else from the description; only if it looks like one."""
    value = str(result.get(field) or "").strip()
    if not value:  # the last one: the trailer follows whatever the sentence quoted
        found = list(_IN_TEXT[field].finditer(text))
        value = found[-1].group(1).strip() if found else ""
    shape = _TIMESTAMP if field == "timestamp" else _ID
    return value if shape.match(value) else ""
