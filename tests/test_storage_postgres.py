"""The shared storage contract on PostgreSQL, plus what only a database server can get
wrong: schema migration, several processes, dropped connections, outside writers."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage import open_storage
from storage.base import ABSENT, Conflict, Put, Storage, StorageUnavailable
from storage.postgres_schema import LATEST, MIGRATIONS
from storage.postgres_store import PostgresStorage, describe, prefix_bounds
from testing.postgres import (
    count_rows,
    database_url,
    in_schema,
    private_schema,
    with_address,
    with_params,
)
from testing.storage_contract import StorageContract


@pytest.fixture
def pg_url() -> Iterator[str]:
    with private_schema() as url:
        yield url


class TestPostgresStorage(StorageContract):
    @pytest.fixture
    async def store(self, pg_url: str) -> AsyncIterator[Storage]:
        store = PostgresStorage(pg_url)
        yield store
        await store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------------ schema


async def test_schema_is_created_once_and_recorded(pg_url: str) -> None:
    store = PostgresStorage(pg_url)
    await store.ping()
    await store.close()
    await PostgresStorage(pg_url).ping()  # a second start migrates nothing
    assert count_rows(pg_url, f"SELECT count(*) FROM {MIGRATIONS}") == LATEST
    assert count_rows(pg_url, f"SELECT max(version) FROM {MIGRATIONS}") == LATEST


async def test_replicas_starting_together_migrate_once(pg_url: str) -> None:
    stores = [PostgresStorage(pg_url) for _ in range(6)]
    await asyncio.gather(*(s.write([Put(f"job/start-{i}", {"i": i})]) for i, s in
                           enumerate(stores)))
    assert count_rows(pg_url, f"SELECT count(*) FROM {MIGRATIONS}") == LATEST
    assert len(await stores[0].scan("job/")) == 6
    await asyncio.gather(*(s.close() for s in stores))


async def test_a_search_path_without_a_schema_is_explained() -> None:
    url = in_schema(database_url(), "policybot_schema_that_does_not_exist")
    with pytest.raises(StorageUnavailable, match="create it first"):
        await PostgresStorage(url).ping()


# ---------------------------------------------------------------- availability


async def test_unreachable_server_is_unavailable_and_the_password_stays_secret() -> None:
    port = free_port()
    url = f"postgresql://policybot:s3cret-pw@127.0.0.1:{port}/test"
    store = PostgresStorage(url, connect_timeout=5)
    for operation in (store.ping, lambda: store.read(["meta/x"]), lambda: store.scan("x/"),
                      lambda: store.write([Put("meta/x", {"v": 1})])):
        with pytest.raises(StorageUnavailable) as caught:
            await operation()
        assert "s3cret-pw" not in str(caught.value)
        assert f"postgresql://127.0.0.1:{port}/test is unavailable" in str(caught.value)


async def test_unknown_database_is_named() -> None:
    url = with_address(database_url(), database="policybot_no_such_db")
    with pytest.raises(StorageUnavailable, match="policybot_no_such_db"):
        await PostgresStorage(url).ping()


def test_describe_hides_credentials_and_options() -> None:
    assert describe("postgres://u:pw@db.example:5433/prod?sslmode=require") == \
        "postgres://db.example:5433/prod"
    assert describe("postgresql:///local") == "postgresql://localhost/local"


async def test_dropped_connections_are_replaced(pg_url: str) -> None:
    name = "policybot-dropped-test"
    store = PostgresStorage(with_params(pg_url, application_name=name))
    etag = (await store.write([Put("request/SM-0001", {"v": 1})]))["request/SM-0001"]
    with psycopg.connect(database_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE application_name = %s", (name,))
    found = await store.read(["request/SM-0001"])
    assert found["request/SM-0001"].etag == etag

    pool = store._pool
    assert pool is not None
    async with pool.connection() as conn, pool.connection() as other:
        pids = [conn.info.backend_pid, other.info.backend_pid]
    with psycopg.connect(database_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (pids,))
    # Both idle connections are dead: the write fails on the first, and is run again on a
    # new one (it cannot have committed).
    etags = await store.write([Put("request/SM-0001", {"v": 2}, etag)])
    assert (await store.read(["request/SM-0001"]))["request/SM-0001"].etag == \
        etags["request/SM-0001"]
    await store.close()


async def test_waiting_too_long_for_a_connection_is_unavailable(pg_url: str) -> None:
    name = "policybot-busy-test"
    store = PostgresStorage(with_params(pg_url, application_name=name), max_connections=1,
                            wait_timeout=0.2)
    await store.write([Put("job/a", {"v": 0})])
    outside = await psycopg.AsyncConnection.connect(pg_url)
    admin = await psycopg.AsyncConnection.connect(database_url(), autocommit=True)
    try:
        await outside.execute("SELECT 1 FROM policybot_documents WHERE key = 'job/a'"
                              " FOR UPDATE")
        blocked = asyncio.create_task(store.write([Put("job/a", {"v": 1})]))
        await wait_until_blocked(admin, name)  # it holds the only connection
        with pytest.raises(StorageUnavailable, match="all 1 connections stayed busy"):
            await store.read(["job/a"])
    finally:
        await outside.rollback()
        await outside.close()
        await admin.close()
    await blocked
    assert (await store.read(["job/a"]))["job/a"].value == {"v": 1}
    await store.close()


def test_a_store_left_open_does_not_keep_the_process_from_exiting(pg_url: str) -> None:
    script = ("import asyncio, sys\n"
              "from storage.base import Put\n"
              "from storage.postgres_store import PostgresStorage\n"
              "async def main():\n"
              "    store = PostgresStorage(sys.argv[1])\n"
              "    await asyncio.gather(*(store.write([Put(f'job/{i}', {})]) for i in range(9)))\n"
              "asyncio.run(main())\n"
              "print('exited')\n")
    done = subprocess.run([sys.executable, "-c", script, pg_url], capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0 and done.stdout == "exited\n", done.stderr


async def test_server_lost_and_back_through_a_proxy(pg_url: str) -> None:
    """The database vanishes behind a TCP proxy: calls fail as StorageUnavailable, and
    succeed again once it is back, without restarting the store."""
    target = urlsplit(pg_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    port = await proxy.start(0)
    url = with_address(pg_url, port=port)
    store = PostgresStorage(url, connect_timeout=2, wait_timeout=2)
    await store.write([Put("meta/x", {"v": 1})])
    await proxy.stop()
    with pytest.raises(StorageUnavailable):
        await store.ping()
    with pytest.raises(StorageUnavailable):
        await store.write([Put("meta/x", {"v": 2})])
    await proxy.start(port)
    for _ in range(100):  # the pool reconnects in the background: poll, bounded
        try:
            await store.ping()
            break
        except StorageUnavailable:
            await asyncio.sleep(0.05)
    record = await store.get("meta/x")
    assert record is not None and record.value == {"v": 1}
    await store.close()
    await proxy.stop()


class TcpProxy:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()

    async def start(self, port: int) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", port)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.pipes):
            writer.close()
        await self.server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        self.pipes |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.pipes -= {writer, up_writer}


# ------------------------------------------------------------- outside writers


async def wait_until_blocked(admin: psycopg.AsyncConnection[tuple[object, ...]],
                             name: str) -> None:
    for _ in range(400):
        cursor = await admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
            " AND wait_event_type = 'Lock'", (name,))
        row = await cursor.fetchone()
        if row and row[0]:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the write never waited for the lock")


async def test_an_outside_insert_of_the_same_new_key_is_a_conflict(pg_url: str) -> None:
    name = "policybot-race-test"
    store = PostgresStorage(with_params(pg_url, application_name=name))
    await store.ping()
    outside = await psycopg.AsyncConnection.connect(pg_url)
    admin = await psycopg.AsyncConnection.connect(database_url(), autocommit=True)
    try:
        # An uncommitted row the store cannot see yet: its INSERT has to wait for it.
        await outside.execute("INSERT INTO policybot_documents (key, value, etag)"
                              " VALUES ('job/lock', '{\"holder\": \"outside\"}', 'e')")
        writing = asyncio.create_task(store.write([Put("job/lock", {"holder": "us"}, ABSENT)]))
        await wait_until_blocked(admin, name)
        await outside.commit()
        with pytest.raises(Conflict) as caught:
            await writing
    finally:
        await outside.close()
        await admin.close()
    assert caught.value.key == "job/lock"
    record = await store.get("job/lock")
    assert record is not None and record.value == {"holder": "outside"}
    await store.close()


async def test_a_deadlock_with_an_outside_writer_is_retried(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    name = "policybot-deadlock-test"
    # This store notices the deadlock first, so it is the one rolled back and retried.
    store = PostgresStorage(with_params(pg_url, application_name=name,
                                        options="-c deadlock_timeout=50ms"))
    await store.write([Put("job/a", {"v": 0}), Put("job/b", {"v": 0})])
    outside = await psycopg.AsyncConnection.connect(
        with_params(pg_url, options="-c deadlock_timeout=10s"))
    admin = await psycopg.AsyncConnection.connect(database_url(), autocommit=True)
    caplog.set_level(logging.INFO, logger="storage.postgres_store")
    try:
        await outside.execute("SELECT 1 FROM policybot_documents WHERE key = 'job/b'"
                              " FOR UPDATE")
        writing = asyncio.create_task(store.write([Put("job/a", {"v": 1}),
                                                   Put("job/b", {"v": 1})]))
        await wait_until_blocked(admin, name)  # holds job/a, waits for job/b
        await outside.execute("SELECT 1 FROM policybot_documents WHERE key = 'job/a'"
                              " FOR UPDATE")
        await outside.commit()
        await writing
    finally:
        await outside.close()
        await admin.close()
    assert "DeadlockDetected" in caplog.text
    found = await store.read(["job/a", "job/b"])
    assert [r.value for r in found.values()] == [{"v": 1}, {"v": 1}]
    await store.close()


# ------------------------------------------------------------ values and keys


async def test_documents_come_back_exactly_as_written(pg_url: str) -> None:
    store = PostgresStorage(pg_url)
    value = {"zeta": 1, "alpha": {"b": 2, "a": 1}, "nul": "a\x00b", "lone": "\ud800",
             "big": 2**70, "tiny": 5e-324, "dup": [1, 1.0]}
    await store.write([Put("job/x", value)])
    record = await store.get("job/x")
    assert record is not None and record.value == value
    assert list(record.value) == list(value) and list(record.value["alpha"]) == ["b", "a"]
    await store.close()


async def test_keys_every_backend_can_hold(pg_url: str) -> None:
    store = PostgresStorage(pg_url)
    for bad in ("bad.name/x", "a b/x", "job/nul\x00", "job/\udc80"):
        with pytest.raises(ValueError):
            await store.write([Put(bad, {"v": 1})])
        with pytest.raises(ValueError):
            await store.read([bad])
    for bad_value in ({"x": float("nan")}, {"x": object()}, ["a"]):
        with pytest.raises((TypeError, ValueError)):
            await store.write([Put("job/ok", {"v": 1}), Put("job/bad", bad_value)])  # type: ignore[arg-type]
    assert await store.scan("") == []
    assert await store.scan("job/\x00") == [] and await store.scan("job/\udc80") == []
    await store.close()


@given(st.text(max_size=6), st.lists(st.text(max_size=6), max_size=20))
def test_prefix_bounds_select_exactly_the_prefixed_keys(prefix: str, keys: list[str]) -> None:
    keys = [k for k in keys if not any(0xD800 <= ord(c) < 0xE000 for c in k)]
    prefix = "".join(c for c in prefix if not 0xD800 <= ord(c) < 0xE000)
    low, high = prefix_bounds(prefix)
    for key in [*keys, *(prefix + k for k in keys)]:
        inside = key >= low and (high is None or key < high)
        assert inside == key.startswith(prefix), (prefix, key, low, high)


def test_prefix_bounds_at_the_top_of_unicode() -> None:
    assert prefix_bounds("") == ("", None)
    assert prefix_bounds("a\U0010ffff") == ("a\U0010ffff", "b")
    assert prefix_bounds("\U0010ffff") == ("\U0010ffff", None)
    assert prefix_bounds("a\ud7ff") == ("a\ud7ff", "a\ue000")


def test_open_storage_chooses_postgres_for_both_url_spellings() -> None:
    for url in ("postgresql://bot@db/policybot", "postgres://bot:pw@db:5432/policybot"):
        store = open_storage(url)
        assert isinstance(store, PostgresStorage) and store.url == url
