"""The bot's HTTP client to Teams' Bot Connector: one session per service URL, no nulls sent.

**No nulls.** The Bot Connector (and Microsoft 365 Agents Playground) answers ``400
BadArgument`` to an activity with a field set to ``null``. The Agents SDK sets
``activity.id = None`` on every activity it sends and serialises some calls (a new message,
an update) without leaving nulls out. Every request body the bot sends to the connector goes
through :func:`dumps`, which leaves out every ``null`` member at any depth: a reply, a
proactive message, a card update and a new chat alike. The invoke response the endpoint
returns is written with it too.

**One session per service URL.** The SDK opens a new HTTP session (and, over HTTPS, a new TLS
handshake) for every turn and every proactive message, and closes it at the end. Here each
service URL gets one :class:`aiohttp.ClientSession`, kept open and shared by every turn and
delivery, and closed with the application (:meth:`ConnectorSessions.close`). Each turn sends
its own token with each request, so nothing about a turn is stored on the shared session.

**No user tokens.** The SDK also makes a client for its user token service on every turn,
fetching a token for it first. policybot signs nobody in, so each turn gets
:class:`NoUserTokens` instead: nothing fetched, nothing opened.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from aiohttp import ClientSession, ClientTimeout
from microsoft_agents.activity import (
    Activity,
    SignInResource,
    TokenExchangeRequest,
    TokenOrSignInResourceResponse,
    TokenResponse,
    TokenStatus,
)
from microsoft_agents.hosting.core import (
    AnonymousTokenProvider,
    ChannelServiceClientFactoryBase,
    ClaimsIdentity,
    Connections,
    TurnContext,
)
from microsoft_agents.hosting.core.connector import ConnectorClientBase, UserTokenClientBase
from microsoft_agents.hosting.core.connector.agent_sign_in_base import AgentSignInBase
from microsoft_agents.hosting.core.connector.client import ConnectorClient as SdkConnectorClient
from microsoft_agents.hosting.core.connector.client.connector_client import (
    AttachmentsOperations,
    ConversationsOperations,
)
from microsoft_agents.hosting.core.connector.user_token_base import UserTokenBase

log = logging.getLogger(__name__)
# Teams gives a bot's call about 15 s; a call still unanswered after this is an outage, and
# the outbox tries again later rather than holding a delivery for the SDK's five minutes.
CALL_TIMEOUT_SECONDS = 30.0
USER_AGENT = "policybot"


def without_nulls(value: Any) -> Any:
    """``value`` with every ``None`` member of every object left out, at any depth."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [without_nulls(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """What ``json`` cannot write itself (a date, an SDK model) as plain JSON."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", by_alias=True, exclude_none=True)
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(value: Any) -> str:
    """JSON for the Bot Connector: compact, UTF-8, and never a ``null``."""
    return json.dumps(without_nulls(value), ensure_ascii=False, separators=(",", ":"),
                      default=lambda v: without_nulls(_plain(v)))


def _base_url(service_url: str) -> str:
    return service_url if service_url.endswith("/") else service_url + "/"


class ConnectorSessions:
    """One open HTTP session per service URL, shared by every turn and delivery."""

    def __init__(self, timeout: float = CALL_TIMEOUT_SECONDS) -> None:
        self._timeout = ClientTimeout(total=timeout)
        self._sessions: dict[str, ClientSession] = {}
        self.opened = 0  # sessions opened so far (the benchmark and tests read it)

    def session(self, service_url: str) -> ClientSession:
        base = _base_url(service_url)
        session = self._sessions.get(base)
        if session is None or session.closed:
            session = ClientSession(
                base_url=base, json_serialize=dumps, timeout=self._timeout,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT})
            self._sessions[base] = session
            self.opened += 1
        return session

    async def close(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()


class TurnSession:
    """A shared session as one turn's connector client sees it: the turn's token goes with
    each request, and closing it (as the SDK does after every turn) leaves it open."""

    def __init__(self, session: ClientSession, token: str) -> None:
        self._session = session
        self._authorization = f"Bearer {token}" if len(token) > 1 else ""

    @property
    def _base_url(self) -> Any:  # the SDK reads it for the client's base URI
        return self._session._base_url

    @property
    def headers(self) -> Any:
        return self._session.headers

    @property
    def closed(self) -> bool:
        return self._session.closed

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", None) or {})
        if self._authorization:
            headers["Authorization"] = self._authorization
        if "json" in kwargs:
            headers["Content-Type"] = "application/json"
        return self._session.request(method, url, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.request("PATCH", url, **kwargs)

    async def close(self) -> None:
        """The session outlives the turn: :meth:`ConnectorSessions.close` closes it."""


class ConnectorClient(SdkConnectorClient):
    """The SDK's connector client on a shared session (see :class:`TurnSession`)."""

    def __init__(self, session: TurnSession) -> None:  # the SDK's own makes a new session
        shared = cast(ClientSession, session)
        self.client = shared
        self._attachments = AttachmentsOperations(shared)
        self._conversations = ConversationsOperations(shared)

    async def close(self) -> None:
        """Nothing to close per turn: the session is shared."""


class ConnectorClientFactory(ChannelServiceClientFactoryBase):
    """The SDK's clients for a turn: connector clients on :class:`ConnectorSessions`, with the
    bot's token from its connection (as the SDK's own factory gets it), and no user tokens."""

    _ANONYMOUS = AnonymousTokenProvider()

    def __init__(self, connection_manager: Connections, sessions: ConnectorSessions) -> None:
        self._connection_manager = connection_manager
        self.sessions = sessions

    async def create_connector_client(
        self, context: TurnContext | None, claims_identity: ClaimsIdentity, service_url: str,
        audience: str, scopes: list[str] | None = None, use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        if not service_url:
            raise TypeError("a connector client needs a service URL")
        if not audience:
            raise TypeError("a connector client needs an audience")
        provider = self._ANONYMOUS if use_anonymous else (
            self._connection_manager.get_token_provider(claims_identity, service_url))
        token = await provider.get_access_token(
            audience, scopes or claims_identity.get_token_scope())
        return ConnectorClient(TurnSession(self.sessions.session(service_url), token or ""))

    async def create_user_token_client(self, context: TurnContext,
                                       claims_identity: ClaimsIdentity,
                                       use_anonymous: bool = False) -> UserTokenClientBase:
        return NO_USER_TOKENS


class NoUserTokens(UserTokenClientBase):
    """The user token service, which policybot never uses: it signs nobody in."""

    @property
    def agent_sign_in(self) -> AgentSignInBase:
        raise NotImplementedError(SIGNS_NOBODY_IN)

    @property
    def user_token(self) -> UserTokenBase:
        raise NotImplementedError(SIGNS_NOBODY_IN)

    async def get_user_token(self, user_id: str, connection_name: str, channel_id: str,
                             magic_code: str | None = None) -> TokenResponse:
        raise NotImplementedError(SIGNS_NOBODY_IN)

    async def get_sign_in_resource(self, connection_name: str, activity: Activity,
                                   final_redirect: str | None = None) -> SignInResource:
        raise NotImplementedError(SIGNS_NOBODY_IN)

    async def sign_out_user(self, user_id: str, connection_name: str, channel_id: str) -> None:
        raise NotImplementedError(SIGNS_NOBODY_IN)

    async def get_token_status(self, user_id: str, channel_id: str,
                               include: str | None = None) -> list[TokenStatus]:
        raise NotImplementedError(SIGNS_NOBODY_IN)

    async def get_aad_tokens(self, user_id: str, connection_name: str, resource_urls: list[str],
                             channel_id: str) -> dict[str, TokenResponse]:
        raise NotImplementedError(SIGNS_NOBODY_IN)

    async def exchange_token(self, user_id: str, connection_name: str, channel_id: str,
                             exchange_request: TokenExchangeRequest) -> TokenResponse:
        raise NotImplementedError(SIGNS_NOBODY_IN)

    async def get_token_or_sign_in_resource(
            self, connection_name: str, activity: Activity, code: str | None = None,
            final_redirect: str | None = None, fwd_url: str | None = None,
    ) -> TokenOrSignInResourceResponse:
        raise NotImplementedError(SIGNS_NOBODY_IN)

    async def close(self) -> None:
        """Nothing was opened."""


SIGNS_NOBODY_IN = "policybot signs nobody in: it has no use for user tokens"
NO_USER_TOKENS = NoUserTokens()
