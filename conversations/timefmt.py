"""Timestamps: the one format they are stored in (ISO-8601 UTC, microseconds, "Z"), read back,
and shown to people in words. Every module that writes or reads a stored time uses these."""

from __future__ import annotations

from datetime import UTC, datetime

STORED = "%Y-%m-%dT%H:%M:%S.%fZ"
# Stored times sort as text; this prefix of one compares with them to the second.
TO_THE_SECOND = "%Y-%m-%dT%H:%M:%S"
MONTH = "%Y-%m"


def iso(moment: datetime) -> str:
    """A moment as stored: "2026-11-24T13:05:01.123456Z"."""
    return moment.strftime(STORED)


def parse(stamp: str) -> datetime:
    """A stored stamp back as an aware UTC datetime; ValueError when it is not one."""
    return datetime.strptime(stamp, STORED).replace(tzinfo=UTC)


def to_the_second(moment: datetime) -> str:
    return moment.strftime(TO_THE_SECOND)


def month_of(moment: datetime) -> str:
    """"2026-11": the shard of the audit log a moment's entries live in."""
    return moment.strftime(MONTH)


def when(stamp: str | None) -> str:
    """"2026-11-24T13:05:01.123456Z" -> "24 Nov 2026, 13:05 UTC"."""
    if not stamp:
        return ""
    try:
        moment = datetime.strptime(stamp[:19], TO_THE_SECOND)
    except ValueError:
        return stamp
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"
