"""Fixtures for the server tests: the real ``policybot serve`` as a subprocess, and the web app
in-process on an aiohttp test server, both on TinyDB files in tmp_path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import Application
from policybot_app.web_server import build_web_app
from testing.server.application import make_application
from testing.server.playground import browser
from testing.server.serve_process import ServerProcess

__all__ = ["browser"]  # the browser tests' fixture, found by pytest here


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def start(*args: str, **env: str) -> ServerProcess:
        server = ServerProcess(tmp_path, list(args), env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


@pytest.fixture
async def application(tmp_path: Path) -> AsyncIterator[Application]:
    app = await make_application(tmp_path)
    yield app
    await app.close()


@pytest.fixture
async def playground_client(application: Application) -> AsyncIterator[TestClient]:
    web_app = await build_web_app(application, application.config, playground=True,
                                  teams_emulator=False)
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()
