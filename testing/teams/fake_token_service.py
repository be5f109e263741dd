"""A fake of Microsoft Entra's token service, as the SDK's token providers see it.

With an app id, the bot asks Entra (through MSAL) for a token before each call to Teams.
MSAL only talks to HTTPS authorities, so the tests give the adapter this provider instead:
it hands out a fixed token, counts the requests, and the fake connector records the token
each call carried.
"""

from __future__ import annotations

from azure.core.credentials_async import AsyncTokenCredential
from microsoft_agents.hosting.core import AccessTokenProviderBase, AgentAuthConfiguration

BOT_TOKEN = "fake-entra-token-for-the-bot"


class FakeTokenService(AccessTokenProviderBase):
    def __init__(self, settings: AgentAuthConfiguration) -> None:
        self.settings = settings
        self.requests: list[str] = []  # the resource of each token asked for

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self.settings

    async def get_access_token(self, resource_url: str, scopes: list[str],
                               force_refresh: bool = False) -> str:
        self.requests.append(resource_url)
        return BOT_TOKEN

    def get_token_credential(self) -> AsyncTokenCredential:
        raise NotImplementedError("the Teams adapter never asks for a credential object")


class UnreachableTokenService(FakeTokenService):
    """Entra down: no token for the bot."""

    async def get_access_token(self, resource_url: str, scopes: list[str],
                               force_refresh: bool = False) -> str:
        self.requests.append(resource_url)
        raise ValueError("Failed to acquire token: the token service did not answer")
