from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Application, build_application
from bot.directory_sync.run import Network
from storage.tinydb_store import TinyDBStorage
from testing.clock import Clock
from testing.entra.certificates import make_certificate
from testing.entra.fake_graph import FakeGraph
from testing.entra.tenant import Tenant, Waits, build_tenant


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
async def tenant(tmp_path: Path) -> AsyncIterator[Tenant]:
    graph = FakeGraph(make_certificate(tmp_path))
    await graph.start()
    (tmp_path / "db").mkdir()
    yield build_tenant(graph, tmp_path)
    await graph.close()


@pytest.fixture
def network(tenant: Tenant, waits: Waits) -> Network:
    return Network(ca_file=str(tenant.graph.cert), sleep=waits)


@pytest.fixture
async def app(tenant: Tenant) -> AsyncIterator[Application]:
    config = tenant.config()
    application = await build_application(
        config, storage=TinyDBStorage(config.get("POLICYBOT_DB")), clock=Clock(),
        load_sample=False)
    yield application
    await application.close()
