"""A report file kept for whoever holds its unguessable token, taken once, for a short time.

In Slack the file is uploaded into the person's chat and then dropped; in Teams and the web
playground the card links to ``/reports/<token>`` on the bot's own server, which hands the
file over once (the document is deleted with a conditional write, so two clicks, on one
replica or two, get it once) and answers 410 Gone after that or once the link has expired.
Expired files are removed by the due work.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from bot import keys
from conversations.messages import FileOffer
from conversations.timefmt import iso, parse
from storage.base import ABSENT, Conflict, Delete, Put, Storage

PATH = "/reports/"
LINK_HOURS = 24
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")



def keep(html: str, name: str, title: str, public_url: str, now: datetime,
         hours: int = LINK_HOURS) -> tuple[Put, FileOffer]:
    """The write that keeps ``html`` (to commit with the turn or job that made it) and the
    offer that goes on the card."""
    token = secrets.token_urlsafe(32)
    expires = iso(now + timedelta(hours=hours))
    put = Put(keys.report_file(token), {"name": name, "title": title, "content": html,
                                        "expires_at": expires}, ABSENT)
    return put, FileOffer(token, name, title, f"{public_url}{PATH}{token}", expires)


async def peek(storage: Storage, token: str, now: datetime) -> tuple[str, bytes] | None:
    """(name, content) of a file not yet taken nor expired."""
    if not TOKEN.fullmatch(token):
        return None
    found = await storage.get(keys.report_file(token))
    if found is None or parse(found.value["expires_at"]) <= now:
        return None
    return str(found.value["name"]), str(found.value["content"]).encode("utf-8")


async def take(storage: Storage, token: str, now: datetime) -> tuple[str, bytes] | None:
    """Like :func:`peek`, and the file is gone afterwards: only one taker gets it."""
    if not TOKEN.fullmatch(token):
        return None
    found = await storage.get(keys.report_file(token))
    if found is None:
        return None
    try:
        await storage.write([Delete(keys.report_file(token), found.etag)])
    except Conflict:
        return None  # someone else took it a moment ago
    if parse(found.value["expires_at"]) <= now:
        return None
    return str(found.value["name"]), str(found.value["content"]).encode("utf-8")


async def drop(storage: Storage, token: str) -> None:
    if TOKEN.fullmatch(token):
        await storage.write([Delete(keys.report_file(token))])


async def purge_expired(storage: Storage, now: datetime) -> int:
    stamp = iso(now)
    gone = [key for key, record in await storage.scan(keys.REPORT_FILE)
            if str(record.value.get("expires_at", "")) <= stamp]
    if gone:
        await storage.write([Delete(key) for key in gone])
    return len(gone)
