"""A private PostgreSQL schema per test, from ``POLICYBOT_TEST_DATABASE_URL``.

Tests that need PostgreSQL fail (never skip) when the variable is unset or the database
cannot be reached. Each test gets its own schema, put on the connection's ``search_path``
through the URL's ``options``, and dropped afterwards, so tests can run repeatedly and in
parallel against one database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
import pytest

from storage.postgres_store import describe

ENV = "POLICYBOT_TEST_DATABASE_URL"
EXAMPLE = "postgresql://postgres@127.0.0.1:5432/test"


def database_url() -> str:
    """The test database's URL, or a test failure that says how to provide one."""
    import os

    url = os.environ.get(ENV, "").strip()
    if not url:
        pytest.fail(f"{ENV} is not set. The PostgreSQL tests need a database: set "
                    f"{ENV}={EXAMPLE} (./scripts/test sets it).", pytrace=False)
    return url


def with_params(url: str, **params: str) -> str:
    """``url`` with query parameters set; ``options`` are appended to any already there."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for name, value in params.items():
        if name == "options" and query.get("options"):
            value = f"{query['options']} {value}"
        query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def with_address(url: str, *, port: int | None = None, database: str | None = None) -> str:
    """``url`` pointing at another port of the same host (e.g. a proxy), or another
    database."""
    parts = urlsplit(url)
    if port is not None:
        user = parts.netloc.rpartition("@")[0]
        parts = parts._replace(netloc=f"{user}@{parts.hostname}:{port}" if user
                               else f"{parts.hostname}:{port}")
    if database is not None:
        parts = parts._replace(path=f"/{database}")
    return urlunsplit(parts)


def in_schema(url: str, schema: str) -> str:
    return with_params(url, options=f"-c search_path={schema}")


def connect(url: str) -> psycopg.Connection[tuple[Any, ...]]:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        reason = (str(exc).strip().splitlines() or ["unreachable"])[0]
        pytest.fail(f"cannot reach the test database {describe(url)} (from {ENV}): {reason}",
                    pytrace=False)


@contextmanager
def private_schema() -> Iterator[str]:
    """Yields a URL whose connections work in a fresh, empty schema (dropped afterwards)."""
    base = database_url()
    schema = f"policybot_test_{uuid.uuid4().hex[:12]}"
    with connect(base) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield in_schema(base, schema)
    finally:
        # Bounded: a connection a failed test left inside a transaction fails the teardown
        # instead of hanging it.
        with connect(with_params(base, options="-c lock_timeout=20s")) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def count_rows(url: str, sql: str) -> int:
    with connect(url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])
