"""The storage contract every backend implements.

A store holds JSON documents under string keys of the form ``collection/id``. It offers
exactly four operations, all async:

* ``read(keys)``: the documents that exist among ``keys``, each with its etag.
* ``write(changes)``: an all-or-nothing batch of puts and deletes. Each change may carry an
  expectation (the etag the document must still have, or that it must not exist yet); if any
  expectation fails, nothing is written and :class:`Conflict` is raised. This is what makes a
  request decided once, a Slack retry applied once and a job claimed once, on one process or
  on several replicas sharing a database.
* ``scan(prefix)``: every document whose key starts with ``prefix``, ordered by key. Used
  by exports, jobs and admin commands, not on the per-message path.
* ``close()``.

Values are plain JSON (dicts of str, int, float, bool, None, lists, dicts): never pickled.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

JSON = dict[str, Any]


class _Absent:
    """Sentinel for an expectation that a key does not exist yet."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


class Conflict(Exception):
    """A write's expectation failed; nothing of the batch was written."""

    def __init__(self, key: str) -> None:
        super().__init__(f"conflicting write to {key}")
        self.key = key


class StorageUnavailable(Exception):
    """The backend cannot be reached or read."""


@dataclass(frozen=True)
class Record:
    value: JSON
    etag: str


@dataclass(frozen=True)
class Put:
    """Store ``value`` under ``key``. ``expect``: an etag, ``ABSENT``, or None for no check."""

    key: str
    value: JSON
    expect: str | _Absent | None = None


@dataclass(frozen=True)
class Delete:
    """Remove ``key`` (no error if missing). ``expect`` as for :class:`Put`."""

    key: str
    expect: str | _Absent | None = None


Change = Put | Delete


def copy_json(value: Any) -> Any:
    """A deep copy of plain JSON (dicts, lists and immutable scalars): several times quicker
    than ``copy.deepcopy``, which keeps a memo and handles any object."""
    if type(value) is dict:
        return {k: copy_json(v) for k, v in value.items()}
    if type(value) is list:
        return [copy_json(v) for v in value]
    if type(value) is tuple:  # a value not yet stored may hold tuples (stored: lists)
        return tuple(copy_json(v) for v in value)
    return value


def split_key(key: str) -> tuple[str, str]:
    """``"request/SM-0042"`` -> ``("request", "SM-0042")``; rejects malformed keys."""
    collection, sep, ident = key.partition("/")
    if not sep or not collection or not ident:
        raise ValueError(f"storage keys look like collection/id, got {key!r}")
    return collection, ident


class Storage(abc.ABC):
    """Async document store with conditional, atomic batches."""

    @abc.abstractmethod
    async def read(self, keys: Iterable[str]) -> dict[str, Record]: ...

    @abc.abstractmethod
    async def write(self, changes: Sequence[Change]) -> dict[str, str]:
        """Apply every change or none; returns the new etag of each key put."""

    @abc.abstractmethod
    async def scan(self, prefix: str) -> list[tuple[str, Record]]: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise :class:`StorageUnavailable` when the store cannot serve requests."""
        await self.read(["meta/ping"])

    async def get(self, key: str) -> Record | None:
        return (await self.read([key])).get(key)
