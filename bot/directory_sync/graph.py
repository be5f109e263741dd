"""A small Microsoft Graph client for reading staff: paging, throttling, token renewal.

Only what the directory sync needs: GET requests that return JSON, followed across
``@odata.nextLink`` pages. Graph as it really behaves:

- **Throttling**: 429 (and 503/504) come with ``Retry-After`` in seconds; we wait that long
  and try again, a bounded number of times. The wait goes through an injected ``sleep`` so
  tests never wait on the wall clock.
- **A token that expires mid-sync**: an app-only token lives about an hour and a large
  Trust's sync can outlast it. A 401 asks the token source for a *fresh* token (not the
  cached one) and retries once.
- **Errors**: anything else becomes a :class:`GraphError` whose message names the request
  path and Graph's error code, never a token and never a person.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import aiohttp

DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
# Graph asks for a few seconds usually; a much longer answer is still honoured, up to this.
MAX_WAIT_SECONDS = 300.0
MAX_ATTEMPTS = 6
_RETRIED = frozenset({429, 503, 504})
_USER_ID = re.compile(r"/users/[^/]+")
_REQUEST_ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")

Sleep = Callable[[float], Awaitable[None]]


class GraphError(Exception):
    """Graph refused or failed a request; the message is safe to show and to log."""


class TokenSource(Protocol):
    async def token(self, *, fresh: bool = False) -> str:
        """An access token for Graph; ``fresh`` bypasses any cached one."""
        ...


class GraphClient:
    def __init__(self, tokens: TokenSource, *, base_url: str = DEFAULT_GRAPH_URL,
                 sleep: Sleep = asyncio.sleep, ssl_context: ssl.SSLContext | None = None,
                 timeout_seconds: float = 60.0) -> None:
        self._tokens = tokens
        self._base = base_url.rstrip("/")
        self._sleep = sleep
        self._ssl = ssl_context
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._token_lock = asyncio.Lock()
        self.waits: list[float] = []  # every Retry-After honoured, for the sync's report

    async def __aenter__(self) -> GraphClient:
        connector = aiohttp.TCPConnector(ssl=self._ssl) if self._ssl else None
        self._session = aiohttp.ClientSession(timeout=self._timeout, connector=connector)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def url(self, path: str, query: Mapping[str, str] | None = None) -> str:
        return f"{self._base}{path}" + (f"?{urlencode(query, safe='$,()=')}" if query else "")

    async def get(self, url: str, headers: Mapping[str, str] | None = None
                  ) -> dict[str, Any] | None:
        """One GET; the JSON body, or None for 404 (a user with no manager, say)."""
        assert self._session is not None, "use GraphClient as an async context manager"
        token = await self._current_token()
        renewed = False
        for _attempt in range(MAX_ATTEMPTS):
            try:
                async with self._session.get(url, headers={
                    **(headers or {}), "Authorization": f"Bearer {token}",
                    "Accept": "application/json",
                }) as response:
                    if response.status == 401 and not renewed:
                        token, renewed = await self._renew(token), True
                        continue
                    if response.status in _RETRIED:
                        await self._wait(response.headers.get("Retry-After"))
                        continue
                    if response.status == 404:
                        return None
                    body = await _json(response)
                    if response.status >= 400:
                        raise GraphError(_describe(url, response.status, body))
                    return body
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise GraphError(f"Microsoft Graph could not be reached ({_path(url)}): "
                                 f"{type(exc).__name__}") from None
        raise GraphError(f"Microsoft Graph kept refusing {_path(url)} after {MAX_ATTEMPTS} "
                         "attempts (throttled or unavailable); try again later")

    async def _current_token(self) -> str:
        async with self._token_lock:
            if self._token is None:
                self._token = await self._tokens.token()
            return self._token

    async def _renew(self, refused: str) -> str:
        """A fresh token, asked for once however many requests were refused at once."""
        async with self._token_lock:
            if self._token is None or self._token == refused:
                self._token = await self._tokens.token(fresh=True)
            return self._token

    async def pages(self, url: str, headers: Mapping[str, str] | None = None
                    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink`` to the last page (each
        page asked with the same ``headers``)."""
        next_url: str | None = url
        while next_url:
            body = await self.get(next_url, headers)
            if body is None:
                raise GraphError(f"{_path(next_url)} was not found (check the group id)")
            for item in body.get("value") or []:
                if isinstance(item, dict):
                    yield item
            link = body.get("@odata.nextLink")
            next_url = str(link) if link else None

    async def _wait(self, retry_after: str | None) -> None:
        try:
            seconds = float(retry_after) if retry_after else 5.0
        except ValueError:
            seconds = 5.0  # an HTTP date instead of seconds: Graph sends seconds, be safe
        seconds = min(max(seconds, 0.0), MAX_WAIT_SECONDS)
        self.waits.append(seconds)
        await self._sleep(seconds)


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
    return body if isinstance(body, dict) else {}


def _path(url: str) -> str:
    """The request's path without the query, a user's id left out (it identifies a person);
    a group's id stays, to say which setting is wrong."""
    return _USER_ID.sub("/users/{id}", urlsplit(url).path)


def _describe(url: str, status: int, body: Mapping[str, Any]) -> str:
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = str(error.get("code") or "") if isinstance(error, dict) else ""
    hint = ""
    if status == 403:
        hint = (" (grant the app registration the application permissions User.Read.All and "
                "GroupMember.Read.All, with admin consent)")
    elif status == 401:
        hint = " (the app registration's credentials were not accepted)"
    # Graph's own id for the request, whole: what Microsoft support asks for.
    inner = error.get("innerError") if isinstance(error, dict) else None
    request_id = str(inner.get("request-id") or "") if isinstance(inner, dict) else ""
    if _REQUEST_ID.match(request_id):
        hint += f"; Graph request id {request_id}"
    return f"Microsoft Graph answered {status} {code} for {_path(url)}{hint}".replace("  ", " ")
