"""Exports of requests, decisions and the audit trail for HR and governance.

Exports are one of the two places draft texts may appear (storage is the other): they are
written to a file or standard output on an operator's command, never to logs.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from bot import keys
from bot.export_scope import scoped
from conversations.people import Person
from storage.base import Storage

CSV_COLUMNS = (
    "id", "kind", "status", "requester", "requester_name", "school", "created_at",
    "decided_at", "decided_by", "clauses", "steps", "comment", "draft", "answers",
)


async def collect(storage: Storage, since: date | None = None) -> dict[str, list[dict[str, Any]]]:
    floor = since.isoformat() if since else ""
    requests = [r.value for _, r in await storage.scan(keys.REQUEST)
                if r.value.get("created_at", "") >= floor]
    requests.sort(key=lambda r: r["created_at"])
    audit = [r.value | {"at": r.value.get("at") or k.split("/", 1)[1][:27]}
             for k, r in await storage.scan("audit/") if k.split("/", 1)[1] >= floor]
    return {"requests": requests, "audit": audit}


def _steps(record: dict[str, Any]) -> str:
    return "; ".join(
        f"{s['approver']} ({s['role']}): {s['state']}"
        + (f" at {s['decided_at']}" if s.get("decided_at") else "")
        + (f" on behalf of {s['on_behalf_of']}" if s.get("on_behalf_of") else "")
        + (f" - {s['comment']}" if s.get("comment") else "")
        for s in record["steps"]
    )


def spreadsheet_cell(value: Any) -> str:
    """A cell spreadsheets show as text: a draft starting with = + - @ is not a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(requests: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in requests:
        writer.writerow([spreadsheet_cell(v) for v in (
            r["id"], r["kind"], r["status"], r["requester"], r["requester_name"], r["school"],
            r["created_at"], r.get("decided_at") or "", r.get("decided_by") or "",
            " ".join(r["clauses"]), _steps(r), r.get("comment", ""), r.get("draft", ""),
            "; ".join(f"{q}: {a}" for q, a in r.get("answers", [])),
        )])
    return out.getvalue()


AUDIT_COLUMNS = ("at", "event", "actor", "request", "flow", "outcome", "clauses", "rules",
                 "found", "attempted", "reason", "detail", "comment")


def audit_to_csv(audit: list[dict[str, Any]]) -> str:
    """The audit trail as CSV: every check (refused ones too), decision, refused attempt,
    dispute and override, one row each; fields an event does not have are left empty.
    Anything else an event records goes in the last column, as JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*AUDIT_COLUMNS, "other"))
    for event in audit:
        row = []
        for column in AUDIT_COLUMNS:
            value = event.get(column, "")
            row.append(" ".join(map(str, value)) if isinstance(value, list) else value)
        other = {k: v for k, v in event.items() if k not in AUDIT_COLUMNS}
        row.append(json.dumps(other, ensure_ascii=False, sort_keys=True) if other else "")
        writer.writerow([spreadsheet_cell(v) for v in row])
    return out.getvalue()


async def export(storage: Storage, since: date | None, fmt: str, what: str = "requests",
                 reader: Person | None = None) -> str:
    """Everything since ``since``; or, for ``reader``, only what they may see (export_scope)."""
    data = await collect(storage, since)
    if reader is not None:
        data = scoped(reader, data["requests"], data["audit"])
    if fmt == "json":
        chosen = data if what == "all" else {what: data[what]}
        return json.dumps(chosen, indent=2, ensure_ascii=False) + "\n"
    return audit_to_csv(data["audit"]) if what == "audit" else to_csv(data["requests"])
