"""Group commit: batches that arrive while a write is in progress are written together.

Each batch of a group is checked, in the order it arrived, against the state that the
batches before it leave (not only against what is on disk), so the outcome is exactly that
of writing them one after another; the ones that pass are then made durable as one atomic
change. Used by the TinyDB store, where each write rewrites and fsyncs whole files: a group
pays that once instead of once per batch.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from storage.base import ABSENT, Change, Conflict, Put

# Batches written together at most: a bound on one group's journal and file rewrites.
MAX_GROUP = 64
Doc = dict[str, Any]
Outcomes = list[dict[str, str] | Conflict]  # per batch: its new etags, or why it was refused


@dataclass
class Waiting:
    """A batch waiting for its group to be written, and the future its caller awaits."""

    located: list[tuple[Change, Any, str]]
    values: list[Any]
    result: asyncio.Future[dict[str, str]]


def fails(change: Change, current: Doc | None) -> bool:
    """Whether ``change``'s expectation does not hold for the document as it stands."""
    if change.expect is ABSENT:
        return current is not None
    if isinstance(change.expect, str):
        return current is None or current["etag"] != change.expect
    return False


def plain_document(value: Any, etag: str) -> Doc:
    return {"value": value, "etag": etag}


def check_group(
    group: list[Waiting], stored: Callable[[str], Doc | None],
    document: Callable[[Any, str], Doc] = plain_document,
) -> tuple[Outcomes, dict[str, Doc | None]]:
    """Each batch's outcome (its new etags, or the conflict that refused it) and the final
    document of every key the passing batches wrote (None: deleted). ``stored`` reads a
    key's document as it is on disk; ``document`` makes a stored document of a batch's
    value (as the store took it in) and its new etag."""
    overlay: dict[str, Doc | None] = {}

    def current(key: str) -> Doc | None:
        return overlay[key] if key in overlay else stored(key)

    outcomes: Outcomes = []
    for waiting in group:
        conflict = next((Conflict(change.key) for change, _, _ in waiting.located
                         if fails(change, current(change.key))), None)
        if conflict is not None:
            outcomes.append(conflict)
            continue
        etags: dict[str, str] = {}
        for (change, _, _), value in zip(waiting.located, waiting.values, strict=True):
            if isinstance(change, Put):
                etags[change.key] = uuid.uuid4().hex[:16]
                overlay[change.key] = document(value, etags[change.key])
            else:
                overlay[change.key] = None
        outcomes.append(etags)
    return outcomes, overlay


class GroupQueue:
    """Batches waiting to be written, written a group at a time by ``write_group`` (under
    ``lock``, which a store's close also takes). Each caller awaits its own batch's outcome."""

    def __init__(self, write_group: Callable[[list[Waiting]], Awaitable[Outcomes]],
                 lock: asyncio.Lock) -> None:
        self._write_group = write_group
        self._lock = lock
        self._waiting: list[Waiting] = []
        self._draining = False

    async def submit(self, located: list[tuple[Change, Any, str]],
                     values: list[Any]) -> dict[str, str]:
        waiting = Waiting(located, values, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        if not self._draining:
            self._draining = True
            asyncio.ensure_future(self._drain())
        # The batch may land even if the caller is cancelled; its result is then unread.
        return await asyncio.shield(waiting.result)

    async def _drain(self) -> None:
        """Write every waiting batch, a group at a time, until none is left. No await
        between finding the queue empty and clearing ``_draining``: a batch that arrives
        is always either taken by this loop or starts a new one."""
        try:
            async with self._lock:
                while self._waiting:
                    group = self._waiting[:MAX_GROUP]
                    self._waiting = self._waiting[MAX_GROUP:]
                    await self._write(group)
        finally:
            self._draining = False

    async def _write(self, group: list[Waiting]) -> None:
        try:
            outcomes = await self._write_group(group)
        except BaseException as exc:  # the whole group failed (I/O): all are told
            for waiting in group:
                if not waiting.result.done():
                    waiting.result.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        for waiting, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, Conflict):
                waiting.result.set_exception(outcome)
            else:
                waiting.result.set_result(outcome)
