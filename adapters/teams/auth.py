"""Tokens: who may call ``/api/messages``, and how the bot proves who it is to Teams.

**Settings.** policybot reads ``MICROSOFT_APP_ID``, ``MICROSOFT_APP_PASSWORD``,
``MICROSOFT_APP_TENANT_ID`` and ``MICROSOFT_APP_TYPE``, as it always has, and maps them to the
Agents SDK's one service connection (its ``CLIENTID``, ``CLIENTSECRET``, ``TENANTID`` and
``AUTHTYPE``). The SDK's own environment names (``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*``)
are never read: the ``MICROSOFT_APP_*`` settings always win, and any SDK variable found is
named in a warning, so nobody runs on settings that ``policybot config`` does not show.

**Checking a request's token.** The SDK's ``JwtTokenValidator`` checks the signature (RS256
only, against the issuer's published keys), the audience (our app id), the expiry and
not-before times (with the SDK's five minutes of clock leeway), and, because we turn on its
``VALIDATE_ISSUER``, the issuer (Bot Framework, our tenant, Microsoft's own tenants).

**Off the server's event loop.** The SDK fetches signing keys with PyJWT's blocking client in
``asyncio.to_thread`` (the default thread pool, which TinyDB's file work also uses), and MSAL
builds its client with a blocking discovery request on the calling loop. A slow Microsoft
endpoint would then hold the pool or the loop itself, and Slack would wait with Teams. So all
token work runs on a loop of its own, in a thread of its own (:class:`TokenThread`); the
server's loop only awaits the answer.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from azure.core.credentials_async import AsyncTokenCredential
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    AuthTypes,
    ClaimsIdentity,
    ConnectionManager,
    JwtTokenValidator,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
SERVICE_CONNECTION = "SERVICE_CONNECTION"  # the SDK's name for the bot's own connection
SDK_SETTINGS_PREFIX = "CONNECTIONS__"
# Multi-tenant bots get their tokens from the Bot Framework's own tenant.
MULTI_TENANT_AUTHORITY_TENANT = "botframework.com"
# Teams gives up on a request after 15 s; a key fetch that takes longer than this is an outage.
TOKEN_CHECK_SECONDS = 10.0
# Getting the bot's own token (MSAL against Microsoft Entra) may take a discovery and a request.
TOKEN_FETCH_SECONDS = 30.0
TokenServiceFactory = Callable[[AgentAuthConfiguration], AccessTokenProviderBase]
# What the emulator mode sends as its "token": the SDK opens a new chat only with a non-empty
# one, and the Bot Framework Emulator, like any connector without an app id, ignores it.
EMULATOR_TOKEN = "emulator-mode-no-credentials"


class TokenCheckUnavailable(Exception):
    """The token could not be checked in time (the key endpoint is slow or down)."""


def service_connection(app_id: str, password: str, tenant: str, app_type: str,
                       ) -> AgentAuthConfiguration:
    """The SDK's service connection from the ``MICROSOFT_APP_*`` settings' values."""
    if app_type == "UserAssignedMSI":
        return AgentAuthConfiguration(
            auth_type=AuthTypes.user_managed_identity, client_id=app_id, tenant_id=tenant,
            connection_name=SERVICE_CONNECTION, validate_issuer=True)
    if app_type == "MultiTenant":
        tenant = tenant or MULTI_TENANT_AUTHORITY_TENANT
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret, client_id=app_id, tenant_id=tenant,
        client_secret=password,
        connection_name=SERVICE_CONNECTION, validate_issuer=True)


def warn_about_sdk_settings(environment: Mapping[str, str]) -> list[str]:
    """Name (in a warning) the SDK's own settings found in ``environment``: never read."""
    ignored = sorted(name for name in environment if name.startswith(SDK_SETTINGS_PREFIX))
    if ignored:
        log.warning("ignoring %s: policybot reads the Teams settings from MICROSOFT_APP_ID, "
                    "MICROSOFT_APP_PASSWORD, MICROSOFT_APP_TENANT_ID and MICROSOFT_APP_TYPE",
                    ", ".join(ignored))
    return ignored


class TokenThread:
    """An event loop of its own, in a thread of its own, for the SDK's token work."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="teams-tokens", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()
        self._loop.close()

    async def run(self, work: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run ``work`` on the token loop; the caller's loop stays free meanwhile.

        Raises TimeoutError (and cancels ``work``) after ``timeout`` seconds.
        """
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()


class EmulatorTokenProvider(AnonymousTokenProvider):
    """No credentials at all: the emulator mode."""

    async def get_access_token(self, resource_url: str, scopes: list[str],
                               force_refresh: bool = False) -> str:
        return EMULATOR_TOKEN


class OffLoopTokenProvider(AccessTokenProviderBase):
    """The bot's own tokens (MSAL by default), fetched on the token thread."""

    def __init__(self, inner: AccessTokenProviderBase, thread: TokenThread) -> None:
        self.inner = inner
        self.thread = thread

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self.inner.configuration

    async def get_access_token(self, resource_url: str, scopes: list[str],
                               force_refresh: bool = False) -> str:
        return await self.thread.run(
            self.inner.get_access_token(resource_url, scopes, force_refresh),
            TOKEN_FETCH_SECONDS)

    def get_token_credential(self) -> AsyncTokenCredential:
        return self.inner.get_token_credential()

    # The bot signs nobody in and has no agentic identity: these are never asked for.
    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        raise NotImplementedError("policybot signs no user in")

    async def get_agentic_application_token(self, tenant_id: str,
                                            agent_app_instance_id: str) -> str | None:
        raise NotImplementedError("policybot has no agentic identity")

    async def get_agentic_instance_token(self, tenant_id: str,
                                         agent_app_instance_id: str) -> tuple[str, str]:
        raise NotImplementedError("policybot has no agentic identity")

    async def get_agentic_user_token(self, tenant_id: str, agent_app_instance_id: str,
                                     agentic_user_id: str, scopes: list[str]) -> str | None:
        raise NotImplementedError("policybot has no agentic identity")


def connections(connection: AgentAuthConfiguration | None, thread: TokenThread | None,
                token_service: TokenServiceFactory | None) -> ConnectionManager:
    """Where the bot gets its own tokens for calls to Teams.

    With no connection (the emulator mode) it sends none. Otherwise ``token_service`` (MSAL
    against Microsoft Entra unless a test gives a fake token service) runs on ``thread``.
    """
    if connection is None or thread is None:
        return ConnectionManager(
            provider_factory=lambda _: EmulatorTokenProvider(),
            connections_configurations={SERVICE_CONNECTION: AgentAuthConfiguration(
                anonymous_allowed=True)})
    if token_service is None:
        from microsoft_agents.authentication.msal import MsalAuth
        token_service = MsalAuth
    factory, running = token_service, thread
    return ConnectionManager(
        provider_factory=lambda settings: OffLoopTokenProvider(factory(settings), running),
        connections_configurations={SERVICE_CONNECTION: connection})


class TokenCheck:
    """Checks a request's Bot Framework token with the SDK, on the token thread."""

    def __init__(self, connection: AgentAuthConfiguration, thread: TokenThread, *,
                 timeout: float | None = None) -> None:
        self.validator = JwtTokenValidator(connection)
        self.thread = thread
        self.timeout = TOKEN_CHECK_SECONDS if timeout is None else timeout

    async def claims(self, token: str) -> ClaimsIdentity | None:
        """The token's claims, or None when it is not a valid token for this bot.

        Raises :class:`TokenCheckUnavailable` when the check could not finish in time.
        """
        try:
            return await self.thread.run(self.validator.validate_token(token), self.timeout)
        except TimeoutError:
            log.warning("Teams request not checked: the signing keys did not arrive in time")
            raise TokenCheckUnavailable from None
        except Exception as exc:  # forged, expired, for another bot, unreadable, no such key
            log.warning("Teams request refused: invalid token (%s)", type(exc).__name__)
            return None
