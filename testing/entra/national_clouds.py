"""The fake Entra ID and Graph by the real names of Microsoft's clouds.

Each cloud has its own sign-in service and Graph host, and a token from one is for its own
Graph only. The fake answers as the cloud it is reached by: asked at
``login.microsoftonline.us`` it issues tokens for the US Government Graph hosts only and
refuses any other scope as the real service does (AADSTS500011), and
``graph.microsoft.us`` accepts only tokens for itself. Reached at 127.0.0.1 it plays the
global service.

``cloud_hosts_on_loopback`` sends those names to the fake's port for the duration of a
test, for aiohttp and for MSAL's ``requests`` alike (both ask ``socket.getaddrinfo``), so
the bot under test is configured with the real addresses, ``https://graph.microsoft.us``,
and nothing else about it changes.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

GLOBAL_GRAPH = "graph.microsoft.com"
# Sign-in host -> the Graph hosts of its cloud (Microsoft's "national cloud deployments").
GRAPH_OF_LOGIN = {
    "login.microsoftonline.com": (GLOBAL_GRAPH,),
    "login.microsoftonline.us": ("graph.microsoft.us", "dod-graph.microsoft.us"),
    "login.chinacloudapi.cn": ("microsoftgraph.chinacloudapi.cn",),
}
GRAPH_HOSTS = frozenset(h for hosts in GRAPH_OF_LOGIN.values() for h in hosts)
CLOUD_HOSTS = frozenset(GRAPH_OF_LOGIN) | GRAPH_HOSTS


def bare_host(host_header: str) -> str:
    """``graph.microsoft.us`` from a Host header (``127.0.0.1:4433`` -> ``127.0.0.1``)."""
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def graph_hosts_for(login_host: str) -> tuple[str, ...]:
    """Whose tokens a sign-in host issues; any host not Microsoft's plays the global one."""
    return GRAPH_OF_LOGIN.get(bare_host(login_host), (GLOBAL_GRAPH,))


def audience_of(graph_host: str) -> str:
    """The Graph host a token must be for to be accepted at ``graph_host``."""
    host = bare_host(graph_host)
    return host if host in GRAPH_HOSTS else GLOBAL_GRAPH


@contextmanager
def cloud_hosts_on_loopback(port: int) -> Iterator[None]:
    """Every cloud host, on its HTTPS port, resolves to the fake on 127.0.0.1:``port``."""
    real = socket.getaddrinfo

    def resolve(host: Any, service: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.lower() in CLOUD_HOSTS and str(service) in ("443", "https"):
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                     ("127.0.0.1", port))]
        return real(host, service, *args, **kwargs)

    socket.getaddrinfo = resolve  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.getaddrinfo = real
