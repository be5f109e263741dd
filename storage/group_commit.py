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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage.base import ABSENT, Change, Conflict, Put

# Batches written together at most: a bound on one group's journal and file rewrites.
MAX_GROUP = 64
Doc = dict[str, Any]


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


def check_group(
    group: list[Waiting], stored: Callable[[str], Doc | None],
) -> tuple[list[dict[str, str] | Conflict], dict[str, Doc | None]]:
    """Each batch's outcome (its new etags, or the conflict that refused it) and the final
    document of every key the passing batches wrote (None: deleted). ``stored`` reads a
    key's document as it is on disk."""
    overlay: dict[str, Doc | None] = {}

    def current(key: str) -> Doc | None:
        return overlay[key] if key in overlay else stored(key)

    outcomes: list[dict[str, str] | Conflict] = []
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
                overlay[change.key] = {"value": value, "etag": etags[change.key]}
            else:
                overlay[change.key] = None
        outcomes.append(etags)
    return outcomes, overlay
