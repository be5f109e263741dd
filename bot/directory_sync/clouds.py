"""Which Microsoft cloud a Graph address belongs to: its token scope and its sign-in address.

The national clouds are separate instances of Microsoft 365, each with its own Graph host and
its own identity platform (Microsoft's "national cloud deployments" page). A token is asked
for one Graph host: ``https://<graph host>/.default``. The global scope asked of the US
Government sign-in service is refused (AADSTS500011: no such resource in the tenant), and a
global token is refused by a national Graph, so the scope follows ``POLICYBOT_GRAPH_URL``,
and the sign-in address follows it too unless set.

GCC (not High) tenants use the global service: only GCC High and DoD have their own hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Cloud:
    name: str
    graph_host: str
    login_url: str  # the sign-in address to use when none is set
    login_hosts: frozenset[str]  # every sign-in host of this cloud, aliases included

    @property
    def scope(self) -> str:
        return f"https://{self.graph_host}/.default"


_US_LOGIN = frozenset({"login.microsoftonline.us", "login.usgovcloudapi.net"})
GLOBAL = Cloud("the global service", "graph.microsoft.com", "https://login.microsoftonline.com",
               frozenset({"login.microsoftonline.com", "login.microsoft.com",
                          "login.windows.net"}))
US_GOVERNMENT = Cloud("US Government L4 (GCC High)", "graph.microsoft.us",
                      "https://login.microsoftonline.us", _US_LOGIN)
US_DOD = Cloud("US Government L5 (DoD)", "dod-graph.microsoft.us",
               "https://login.microsoftonline.us", _US_LOGIN)
CHINA = Cloud("China, operated by 21Vianet", "microsoftgraph.chinacloudapi.cn",
              "https://login.chinacloudapi.cn",
              frozenset({"login.chinacloudapi.cn", "login.partner.microsoftonline.cn"}))
CLOUDS = (GLOBAL, US_GOVERNMENT, US_DOD, CHINA)
GRAPH_VERSION = "/v1.0"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def cloud_of(graph_url: str) -> Cloud:
    """The cloud whose Graph this is. Any other address (a proxy, a test double) stands
    for the global service."""
    host = _host(graph_url)
    return next((c for c in CLOUDS if c.graph_host == host), GLOBAL)


def graph_base(graph_url: str) -> str:
    """The address requests are made under: Microsoft lists each cloud's Graph by its root
    (``https://graph.microsoft.us``), and the sync reads version 1.0 beneath it."""
    url = graph_url.strip().rstrip("/")
    return url + GRAPH_VERSION if urlsplit(url).path in ("", "/") else url


def authority_for(graph_url: str, authority_url: str) -> str:
    """The sign-in address: the one set, else the one of the Graph address's cloud."""
    return authority_url.strip().rstrip("/") or cloud_of(graph_url).login_url


def mismatch(graph_url: str, authority_url: str) -> str:
    """Why these two addresses cannot work together ("" when they can): a sign-in address of
    one Microsoft cloud with the Graph of another gives tokens that Graph refuses."""
    graph = cloud_of(graph_url)
    login = _host(authority_url)
    other = next((c for c in CLOUDS if login in c.login_hosts), None)
    if not authority_url.strip() or other is None or login in graph.login_hosts:
        return ""
    return (f"POLICYBOT_ENTRA_AUTHORITY_URL ({authority_url.strip()}) signs in to "
            f"{other.name}, but POLICYBOT_GRAPH_URL is the Graph of {graph.name}: set it to "
            f"{graph.login_url}, or leave it unset to follow POLICYBOT_GRAPH_URL")
