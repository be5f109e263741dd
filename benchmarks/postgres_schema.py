"""A PostgreSQL schema of its own for one benchmark run, dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg


@contextlib.contextmanager
def private_schema(url: str, prefix: str = "policybot_crash") -> Iterator[str]:
    """A URL whose connections work in a new, empty schema, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]  # generated name
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["options"] = f"{query.get('options', '')} -c search_path={schema}".strip()
    try:
        yield urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")  # type: ignore[arg-type]
