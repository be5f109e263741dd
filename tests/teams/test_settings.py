"""The MICROSOFT_APP_* settings are the SDK's service connection; the SDK's own names are not."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from microsoft_agents.hosting.core import AuthTypes

from adapters.teams.auth import service_connection
from testing.staff import DEPUTY
from testing.teams.fake_connector import FakeConnector
from testing.teams.fake_token_issuer import FakeTokenIssuer
from testing.teams.world import APP_ID, AUTH_SETTINGS, make_application, serving

SDK_CLIENT_ID = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
ANOTHER_APP = "00000000-0000-4000-8000-000000000002"
TENANT = "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize(("app_type", "auth_type", "tenant", "secret"), [
    ("SingleTenant", AuthTypes.client_secret, TENANT, "s3cret"),
    ("MultiTenant", AuthTypes.client_secret, "botframework.com", "s3cret"),
    ("UserAssignedMSI", AuthTypes.user_managed_identity, TENANT, None),
])
def test_each_app_type_maps_to_the_sdk_s_connection(
    app_type: str, auth_type: str, tenant: str, secret: str | None
) -> None:
    given_tenant = "" if app_type == "MultiTenant" else TENANT
    connection = service_connection(APP_ID, secret or "", given_tenant, app_type)
    # The SDK's settings are upper-case attributes: read into names that say what they hold.
    client_id, kind, tenant_id = connection.CLIENT_ID, connection.AUTH_TYPE, connection.TENANT_ID
    assert (client_id, kind, tenant_id) == (APP_ID, auth_type, tenant)
    client_secret = connection.CLIENT_SECRET or None
    assert client_secret == secret
    assert connection.VALIDATE_ISSUER  # off by default in the SDK; on for policybot


async def test_the_sdk_s_own_names_are_ignored_and_named_in_a_warning(
    tmp_path: Path, connector: FakeConnector, token_issuer: FakeTokenIssuer,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(SDK_CLIENT_ID, ANOTHER_APP)
    app = await make_application(tmp_path, AUTH_SETTINGS)
    with caplog.at_level(logging.WARNING, logger="adapters.teams.auth"):
        async with serving(app, connector, emulator=False) as world:
            daniel = world.user(DEPUTY, "Daniel Osei")
            statuses = []
            for audience in (ANOTHER_APP, APP_ID):
                status, _ = await world.post(
                    daniel.activity("message", text="hello"),
                    headers=token_issuer.header(audience, connector.url))
                statuses.append(status)
    assert statuses == [401, 201]  # MICROSOFT_APP_ID won
    assert SDK_CLIENT_ID in caplog.text and ANOTHER_APP not in caplog.text
