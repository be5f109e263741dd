"""National clouds: the token is asked of the cloud's own sign-in service, for its own Graph.

The fake is reached by the clouds' real names (``cloud_hosts_on_loopback``), so the sync is
configured exactly as a Trust in that cloud configures it: only ``POLICYBOT_GRAPH_URL``.
"""

from __future__ import annotations

import pytest

from bot.app import Application
from bot.config import ConfigError, load_config
from bot.directory_sync.auth import MsalTokenSource
from bot.directory_sync.clouds import CLOUDS, authority_for, cloud_of, graph_base
from bot.directory_sync.graph import GraphError
from bot.directory_sync.run import Network, Outcome
from testing.entra.fake_graph import CLIENT_ID, CLIENT_SECRET, TENANT
from testing.entra.national_clouds import cloud_hosts_on_loopback
from testing.entra.tenant import STAFF_GROUP, Tenant, sample_people, sync

# (POLICYBOT_GRAPH_URL as a Trust would set it, the sign-in host, the token scope)
CLOUD_CASES = [
    ("https://graph.microsoft.com/v1.0", "login.microsoftonline.com",
     "https://graph.microsoft.com/.default"),
    ("https://graph.microsoft.us", "login.microsoftonline.us",
     "https://graph.microsoft.us/.default"),
    ("https://dod-graph.microsoft.us/v1.0", "login.microsoftonline.us",
     "https://dod-graph.microsoft.us/.default"),
    ("https://microsoftgraph.chinacloudapi.cn/", "login.chinacloudapi.cn",
     "https://microsoftgraph.chinacloudapi.cn/.default"),
]


@pytest.mark.parametrize(("graph_url", "login_host", "scope"), CLOUD_CASES,
                         ids=[c[1].split(".")[-1] + ":" + c[0].split("/")[2] for c in CLOUD_CASES])
async def test_the_token_scope_and_sign_in_follow_the_graph_address(
        app: Application, tenant: Tenant, network: Network, graph_url: str, login_host: str,
        scope: str) -> None:
    with cloud_hosts_on_loopback(tenant.graph.port):
        result = await sync(app, tenant, network, POLICYBOT_GRAPH_URL=graph_url,
                            POLICYBOT_ENTRA_AUTHORITY_URL="")  # unset: follows the Graph

    assert result.outcome is Outcome.APPLIED, result.error or result.problems
    graph_host = graph_url.split("/")[2]
    assert set(tenant.graph.login_hosts) == {login_host}
    assert tenant.graph.token_scopes == [scope]
    assert set(tenant.graph.graph_hosts) == {graph_host}
    assert f"/v1.0/groups/{STAFF_GROUP}/transitiveMembers/microsoft.graph.user" in (
        tenant.graph.requests)
    people = await app.directory.snapshot()
    assert len(list(people.people())) == len(sample_people()) + 1


async def test_a_national_cloud_refuses_the_global_scope_and_its_ids_reach_the_admin(
        tenant: Tenant, network: Network) -> None:
    """The fake refuses as the US Government sign-in service does, and the message keeps the
    AADSTS code, its sentence, the trace id and the correlation id whole."""
    tokens = MsalTokenSource(tenant_id=TENANT, client_id=CLIENT_ID, credential=CLIENT_SECRET,
                             authority_url="https://login.microsoftonline.us",
                             scope="https://graph.microsoft.com/.default",
                             verify=network.ca_file)
    with cloud_hosts_on_loopback(tenant.graph.port), pytest.raises(GraphError) as refused:
        await tokens.token()

    body = tenant.graph.refusals[-1]
    message = str(refused.value)
    assert message.startswith(
        "the Microsoft identity platform refused a token: invalid_resource: AADSTS500011: The "
        "resource principal named https://graph.microsoft.com was not found in the tenant "
        f"named {TENANT}. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant. You might have "
        "sent your authentication request to the wrong tenant. (trace id ")
    assert (f"(trace id {body['trace_id']}, correlation id {body['correlation_id']}, at "
            f"{body['timestamp']})") in message
    assert "\n" not in message and tenant.graph.token_requests == 0


def test_each_cloud_has_its_scope_and_sign_in_address() -> None:
    assert [(c.graph_host, c.scope, c.login_url) for c in CLOUDS] == [
        ("graph.microsoft.com", "https://graph.microsoft.com/.default",
         "https://login.microsoftonline.com"),
        ("graph.microsoft.us", "https://graph.microsoft.us/.default",
         "https://login.microsoftonline.us"),
        ("dod-graph.microsoft.us", "https://dod-graph.microsoft.us/.default",
         "https://login.microsoftonline.us"),
        ("microsoftgraph.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn/.default",
         "https://login.chinacloudapi.cn")]
    # An address that is not Microsoft's (a proxy) stands for the global service.
    assert cloud_of("https://graph-proxy.trust.example/v1.0").scope == (
        "https://graph.microsoft.com/.default")
    assert graph_base("https://graph.microsoft.us/") == "https://graph.microsoft.us/v1.0"
    assert graph_base("https://graph.microsoft.us/beta") == "https://graph.microsoft.us/beta"
    assert authority_for("https://microsoftgraph.chinacloudapi.cn", "") == (
        "https://login.chinacloudapi.cn")
    assert authority_for("https://graph.microsoft.us", "https://login.usgovcloudapi.net/") == (
        "https://login.usgovcloudapi.net")


@pytest.mark.parametrize(("values", "message"), [
    ({"POLICYBOT_GRAPH_URL": "https://graph.microsoft.us",
      "POLICYBOT_ENTRA_AUTHORITY_URL": "https://login.microsoftonline.com"},
     "POLICYBOT_ENTRA_AUTHORITY_URL (https://login.microsoftonline.com) signs in to the global "
     "service, but POLICYBOT_GRAPH_URL is the Graph of US Government L4 (GCC High): set it to "
     "https://login.microsoftonline.us, or leave it unset to follow POLICYBOT_GRAPH_URL"),
    ({"POLICYBOT_GRAPH_URL": "https://microsoftgraph.chinacloudapi.cn",
      "POLICYBOT_ENTRA_AUTHORITY_URL": "https://login.microsoftonline.us"},
     "POLICYBOT_ENTRA_AUTHORITY_URL (https://login.microsoftonline.us) signs in to US "
     "Government L4 (GCC High), but POLICYBOT_GRAPH_URL is the Graph of China, operated by "
     "21Vianet: set it to https://login.chinacloudapi.cn"),
    ({"POLICYBOT_GRAPH_URL": "http://graph.microsoft.us"},
     "POLICYBOT_GRAPH_URL must be an https:// address"),
])
def test_a_sign_in_address_of_another_cloud_stops_start_up(
        values: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(values)
    assert str(raised.value).startswith(message), str(raised.value)
