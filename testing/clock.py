"""The one clock tests hand the application instead of the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MONDAY_MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """Starts on a Monday morning and moves one second at every reading.

    Each reading being later than the last keeps stored events in the order they happened; a
    test jumps to the moment it needs (a working day later, past a back-off) with
    :meth:`advance` or by setting :attr:`now`.
    """

    def __init__(self, start: datetime = MONDAY_MORNING) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by
