"""Retention: drafts, answers and comments go after the retention period; the skeleton stays.

What stays of a request: its id, kind, requester, school, dates, status, clauses and who
decided each step when. What goes: the draft, the answers, free-text comments, account
details, and any copy of them in audit comments, inboxes and abandoned conversations.

Requests are numbered in the order they were made, and audit entries are filed by month, so
the job walks forward from a stored cursor (``meta/retention``) and reads only what has newly
passed the cutoff, never the whole store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import keys
from bot.approvals import ID_PREFIX
from bot.request_ids import COUNTER
from bot.tx import Tx
from conversations.conversation import holds_draft
from conversations.requests import OPEN_STATES
from conversations.timefmt import iso
from storage.base import Delete, Put, Storage

# "findings" quote the draft's words; "dispute" is the requester's own reason.
PERSONAL_FIELDS = ("draft", "answers", "answer_values", "comment", "account", "warnings",
                   "findings", "dispute")
CURSOR = keys.RETENTION_CURSOR
SEEN_DAYS = 7


@dataclass
class PurgePlan:
    requests: list[str] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    next_request: int = 1
    audit_month: str = ""

    def lines(self) -> list[str]:
        shown = ", ".join(self.requests[:20]) + ("…" if len(self.requests) > 20 else "")
        return [
            f"requests whose draft, answers and comments go: {len(self.requests)}"
            + (f" ({shown})" if self.requests else ""),
            f"audit entries whose comments go: {len(self.audit)}",
            f"inbox messages, abandoned conversations and old event markers removed: "
            f"{len(self.other)}",
        ]


def skeleton(record: dict) -> dict:
    kept = {k: v for k, v in record.items() if k not in PERSONAL_FIELDS}
    kept["steps"] = [{**s, "comment": ""} for s in record["steps"]]
    return kept


def _months(first: str, last: str) -> list[str]:
    out, (year, month) = [], (int(first[:4]), int(first[5:7]))
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


async def plan(storage: Storage, now: datetime, retention_days: int) -> PurgePlan:
    cutoff = iso(now - timedelta(days=retention_days))
    cursor = await storage.get(CURSOR)
    state: dict[str, str | int] = dict(cursor.value) if cursor else {}
    out = PurgePlan(next_request=int(state.get("next_request", 1)))
    number = out.next_request
    first_open = None
    counter = await storage.get(COUNTER)
    end = int(counter.value["next"]) if counter else 1
    while number < end:
        found = await storage.get(keys.request(f"{ID_PREFIX}-{number:04d}"))
        if found is None:  # ids are reserved in blocks: one never used is a gap
            number += 1
            continue
        if found.value["created_at"] >= cutoff:
            break
        if found.value["status"] in OPEN_STATES:
            # Still open (a report not yet acknowledged): skip it, and start from it next
            # time, so one open request never holds back the purge of those after it.
            first_open = number if first_open is None else first_open
        elif not found.value.get("purged_at"):
            out.requests.append(found.value["id"])
        number += 1
    out.next_request = first_open if first_open is not None else number
    first_month = str(state.get("audit_month", ""))
    if not first_month:
        oldest = await storage.get(keys.request(f"{ID_PREFIX}-0001"))
        first_month = (oldest.value["created_at"] if oldest else cutoff)[:7]
    for month in _months(first_month, cutoff[:7]):
        for key, rec in await storage.scan(keys.audit_month(month)):
            if key.split("/", 1)[1] < cutoff and rec.value.get("comment"):
                out.audit.append(key)
    out.audit_month = cutoff[:7]
    for key, rec in await storage.scan(keys.INBOX):
        if rec.value.get("at", "") < cutoff:
            out.other.append(key)
    # The playground's transcripts quote drafts: they go with the rest after retention.
    for key, rec in await storage.scan(keys.PLAYGROUND_HISTORY):
        if rec.value.get("updated_at", "") < cutoff:
            out.other.append(key)
    # Markers of handled platform events only need to outlive the platform's retries.
    recent = iso(now - timedelta(days=SEEN_DAYS))
    out.other += [k for k, rec in await storage.scan(keys.SEEN) if rec.value.get("at", "") < recent]
    for key, rec in await storage.scan(keys.CONVERSATION):
        # A conversation holding a draft (a flow under way, a finished check kept for a
        # dispute, a message held) goes once abandoned.
        if holds_draft(rec.value) and rec.value.get("updated_at", "") < cutoff:
            out.other.append(key)
    return out


async def purge(storage: Storage, now: datetime, retention_days: int) -> PurgePlan:
    """Carry the plan out, one conditional write per item (safe beside a running server)."""
    done = await plan(storage, now, retention_days)
    for request_id in done.requests:
        tx = Tx(storage)
        record = await tx.get(keys.request(request_id))
        if record is None or record["status"] in OPEN_STATES:
            continue
        tx.put(keys.request(request_id), {**skeleton(record), "purged_at": iso(now)})
        tx.append_audit(now, {"event": "purged", "request": request_id, "actor": "policybot"})
        await tx.commit()
    for key in done.audit:
        rec = await storage.get(key)
        if rec is not None:
            await storage.write([Put(key, {**rec.value, "comment": ""}, rec.etag)])
    if done.other:
        await storage.write([Delete(k) for k in done.other])
    await storage.write([Put(CURSOR, {"next_request": done.next_request,
                                      "audit_month": done.audit_month})])
    return done
