"""The PostgreSQL schema, created and migrated at start in numbered steps.

Each step runs once per database schema and is recorded in ``policybot_migrations``. Every
replica runs :func:`migrate` when it opens its store; a transaction-scoped advisory lock
makes replicas that start together take turns, so the second finds the steps recorded by the
first and does nothing. Steps only ever add: a replica still running the previous release
keeps working while a newer one migrates.

To change the schema, append a step; never edit one that has shipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg import AsyncConnection

DOCUMENTS = "policybot_documents"
MIGRATIONS = "policybot_migrations"
log = logging.getLogger(__name__)
# One fixed advisory lock id for schema changes (any bigint: it only has to differ from the
# ids documents lock, which are hashes, and a clash would merely make one wait).
MIGRATION_LOCK_ID = 0x706F6C6963796274  # "policybt"


class SchemaError(Exception):
    """The database cannot be migrated."""


@dataclass(frozen=True)
class Step:
    version: int
    description: str
    statements: tuple[str, ...]


STEPS: tuple[Step, ...] = (
    Step(1, "documents: one row per key, ordered byte-wise for prefix scans", (
        # COLLATE "C": keys compare byte-wise (UTF-8 byte order is code point order, which is
        # how Python and the TinyDB backend sort them), and the primary key index serves prefix
        # scans as key ranges. ``value`` is ``json`` rather than ``jsonb`` so a
        # document comes back exactly as written: same key order, any string. ``collection``
        # is for people querying by hand and for counts; nothing on the hot path needs it.
        f"""
        CREATE TABLE {DOCUMENTS} (
            key text COLLATE "C" PRIMARY KEY,
            collection text COLLATE "C" GENERATED ALWAYS AS (split_part(key, '/', 1)) STORED,
            value json NOT NULL,
            etag text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """,
    )),
)

LATEST = STEPS[-1].version


async def migrate(conn: AsyncConnection) -> list[int]:
    """Bring the schema up to date; returns the versions applied now (often none).

    ``conn`` must be in autocommit mode; the whole migration is one transaction.
    """
    async with conn.transaction():
        current = await conn.execute("SELECT current_schema()")
        schema = await current.fetchone()
        if schema is None or schema[0] is None:
            raise SchemaError("no schema on the search_path exists; create it first (for "
                              "example CREATE SCHEMA policybot) or fix the 'options' of the URL")
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_ID,))
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS} ("
            " version integer PRIMARY KEY,"
            " description text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor = await conn.execute(f"SELECT version FROM {MIGRATIONS}")
        done = {row[0] for row in await cursor.fetchall()}
        if done and max(done) > LATEST:
            # Steps only add, so this release can still work; say so once at start.
            log.warning("the database schema is at version %s, newer than this release "
                        "knows (%s)", max(done), LATEST)
        applied = []
        for step in STEPS:
            if step.version in done:
                continue
            for statement in step.statements:
                await conn.execute(statement)
            await conn.execute(
                f"INSERT INTO {MIGRATIONS} (version, description) VALUES (%s, %s)",
                (step.version, step.description),
            )
            applied.append(step.version)
        return applied
