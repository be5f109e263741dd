"""The request repository: request records, typed, and the indexes kept in step with them.

Every index is written in the same transaction as the record it indexes, by one function:
:func:`commit` stores a request's new record and works out from the change which indexes
move, so no caller keeps an index by hand:

  request/<id>              the record (:class:`conversations.requests.RequestRecord`)
  mine/<email>              the requester's latest 50 ids, newest first
  waiting/<email>/<id>      a step of <id> waits on <email> (one small document per step, so
                            two approvers' decisions never touch the same document)
  open/<id>                 <id> is still open; read by due work and digests

Older releases kept ``pending/<email>`` and ``index/open`` lists: they are still read, and an
id leaves them when its request moves on, but nothing new is added to them.
"""

from __future__ import annotations

from typing import cast

from bot import keys
from bot.tx import Tx
from conversations.requests import OPEN_STATES, RequestRecord
from storage.base import JSON, Storage

MINE_CAP = 50


async def load(tx: Tx, request_id: str) -> RequestRecord | None:
    """The record of ``request_id`` as this transaction sees it."""
    found = await tx.get(keys.request(request_id))
    return cast(RequestRecord, found) if found is not None else None


async def peek(storage: Storage, request_id: str) -> RequestRecord | None:
    """The stored record of ``request_id``, outside any transaction (read only)."""
    found = await storage.get(keys.request(request_id)) if request_id else None
    return cast(RequestRecord, found.value) if found is not None else None


async def commit(tx: Tx, before: RequestRecord | None, after: RequestRecord) -> None:
    """Store ``after`` (the request's new record; ``before`` None for a new request) with
    every index in step: the requester's list, who a step waits on, and the open marker."""
    tx.put(keys.request(after["id"]), cast(JSON, after))
    rid = after["id"]
    if before is None:
        await _index_add(tx, keys.mine(after["requester"]), rid, cap=MINE_CAP)
        if after["status"] in OPEN_STATES:
            tx.put(keys.open_marker(rid), {})
    was, now = _waiting_on(before), _waiting_on(after)
    for email in sorted(was - now):
        await _waiting_remove(tx, email, rid)
    for email in sorted(now - was):
        tx.put(keys.waiting(email, rid), {})
    if before is not None and before["status"] in OPEN_STATES \
            and after["status"] not in OPEN_STATES:
        await _close_open(tx, rid)


def _waiting_on(record: RequestRecord | None) -> set[str]:
    """Who a step of ``record`` waits on now."""
    if record is None:
        return set()
    return {s["approver"] for s in record["steps"] if s["state"] == "pending"}


async def read_many(storage: Storage, ids: list[str]) -> list[RequestRecord]:
    """The records of ``ids`` that exist, in the order given."""
    found = await storage.read([keys.request(i) for i in ids])
    return [cast(RequestRecord, found[keys.request(i)].value) for i in ids
            if keys.request(i) in found]


async def scan_all(storage: Storage) -> list[RequestRecord]:
    return [cast(RequestRecord, r.value) for _, r in await storage.scan(keys.REQUEST)]


def is_about(record: RequestRecord, email: str) -> bool:
    """Whether ``record`` is a concern report about ``email``: one they must never see
    counted, listed or mentioned."""
    subject = record.get("subject") or ""
    return record.get("kind") == "concern" and bool(subject) and \
        subject.lower() == email.lower()


def knows_of(record: RequestRecord, email: str) -> bool:
    """Whether ``email`` already knows ``record`` exists: its requester, or someone a step
    was ever given to. A concern report is shown to no one else."""
    who = {record["requester"]}
    for step in record["steps"]:
        who.add(step["approver"])
        who.add(step.get("on_behalf_of", ""))
        who.update(h.get("from", "") for h in step.get("history", []))
        who.update(h.get("to", "") for h in step.get("history", []))
    return email.lower() in {w.lower() for w in who if w}


# -- the requester's list ----------------------------------------------------------------

async def mine(tx: Tx, email: str) -> list[RequestRecord]:
    """The requester's latest requests, newest first."""
    doc = await tx.get(keys.mine(email))
    return await read_many(tx.storage, list(doc["ids"]) if doc else [])


# -- who a step waits on -------------------------------------------------------------------

async def _waiting_remove(tx: Tx, email: str, request_id: str) -> None:
    """Also from the list an older store kept (``pending/<email>``), read only otherwise."""
    if await tx.get(keys.waiting(email, request_id)) is not None:
        tx.delete(keys.waiting(email, request_id))
    await _index_remove(tx, keys.legacy_pending(email), request_id)


async def waiting_for(tx: Tx, email: str) -> list[RequestRecord]:
    """The requests waiting on ``email`` now, newest first."""
    prefix = keys.waiting(email)
    ids = {key[len(prefix):] for key, _ in await tx.storage.scan(prefix)}
    legacy = await tx.get(keys.legacy_pending(email))
    ids.update(legacy["ids"] if legacy else [])
    ordered = sorted(ids, key=lambda i: (len(i), i), reverse=True)
    return await read_many(tx.storage, ordered)


# -- open requests -----------------------------------------------------------------------------

async def _close_open(tx: Tx, request_id: str) -> None:
    """The request is no longer open: its marker goes (and it leaves an older store's list)."""
    if await tx.get(keys.open_marker(request_id)) is not None:
        tx.delete(keys.open_marker(request_id))
    await _index_remove(tx, keys.LEGACY_OPEN, request_id)


async def open_ids(storage: Storage) -> list[str]:
    """Every request still open, oldest first."""
    ids = {key[len(keys.OPEN):] for key, _ in await storage.scan(keys.OPEN)}
    legacy = await storage.get(keys.LEGACY_OPEN)
    ids.update(legacy.value["ids"] if legacy else [])
    return sorted(ids, key=lambda i: (len(i), i))


async def _index_add(tx: Tx, key: str, request_id: str, cap: int | None = None) -> None:
    doc = await tx.get(key) or {"ids": []}
    ids = [request_id] + [i for i in doc["ids"] if i != request_id]
    tx.put(key, {"ids": ids[:cap] if cap else ids})


async def _index_remove(tx: Tx, key: str, request_id: str) -> None:
    doc = await tx.get(key)
    if doc and request_id in doc["ids"]:
        doc["ids"] = [i for i in doc["ids"] if i != request_id]
        if doc["ids"]:
            tx.put(key, doc)
        else:
            tx.delete(key)
