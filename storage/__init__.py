"""Storage backends behind one async contract (see :mod:`storage.base`)."""

from __future__ import annotations

from storage.base import (
    ABSENT,
    Change,
    Conflict,
    Delete,
    Put,
    Record,
    Storage,
    StorageUnavailable,
)

__all__ = [
    "ABSENT",
    "Change",
    "Conflict",
    "Delete",
    "Put",
    "Record",
    "Storage",
    "StorageUnavailable",
    "open_storage",
]


def open_storage(url_or_path: str | None) -> Storage:
    """The store named by configuration.

    * None or ``""``: TinyDB files at ``./data/policybot.json``.
    * ``tinydb:PATH`` or a plain path: TinyDB files with ``PATH`` as the main file.
    * ``postgresql://...`` / ``postgres://...`` (as Heroku writes it): PostgreSQL, shared by
      any number of replicas. Nothing connects until first use.
    """
    target = (url_or_path or "").strip()
    if target.startswith(("postgresql://", "postgres://")):
        from storage.postgres_store import PostgresStorage  # psycopg only when used

        return PostgresStorage(target)
    if target.startswith("tinydb:"):
        target = target.removeprefix("tinydb:")
    elif "://" in target:
        raise ValueError(f"unknown storage URL scheme in {url_or_path!r}")

    from storage.tinydb_store import TinyDBStorage  # imported here: tinydb only when used

    return TinyDBStorage(target) if target else TinyDBStorage()
