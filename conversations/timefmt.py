"""Timestamps: stored as ISO-8601 UTC strings, shown to people in words."""

from __future__ import annotations

from datetime import datetime


def when(stamp: str | None) -> str:
    """"2026-11-24T13:05:01.123456Z" -> "24 Nov 2026, 13:05 UTC"."""
    if not stamp:
        return ""
    try:
        moment = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return stamp
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"
