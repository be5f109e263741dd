"""The weekly digest for headteachers and the CEO, and the policy review notices.

Both are due work recorded in storage (``meta/job-digest``, ``meta/job-review``) and claimed
with a conditional write before anything is sent, so a restart or a second replica sends
each one once, and downtime is caught up once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from bot import keys, request_store
from bot.app import Application
from bot.request_store import is_about, knows_of, open_ids
from bot.tx import Tx
from conversations.messages import Card, Outbound
from conversations.people import CENTRAL, PeopleIndex
from conversations.render import STATUS_WORDS
from conversations.requests import RequestRecord
from conversations.timefmt import month_of, to_the_second, when
from storage.base import Conflict

DIGEST_HOUR = time(7, 0)  # Monday morning, before school
REVIEW_NOTICES = (60, 0)  # days before the next review date


def digest_due(now: datetime) -> str:
    """The ISO week whose digest is due at ``now`` (Monday 07:00 UTC onwards)."""
    monday = (now - timedelta(days=now.weekday())).date()
    start = datetime.combine(monday, DIGEST_HOUR, UTC)
    if now < start:
        monday -= timedelta(days=7)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


async def _week_of_requests(application: Application, now: datetime) -> list[RequestRecord]:
    since = now - timedelta(days=7)
    months = sorted({month_of(since), month_of(now)})
    ids: set[str] = set()
    for month in months:
        for key, rec in await application.storage.scan(keys.audit_month(month)):
            if key.split("/", 1)[1] >= to_the_second(since) and \
                    rec.value.get("event") == "created":
                ids.add(rec.value["request"])
    ids.update(await open_ids(application.storage))
    return await request_store.read_many(application.storage, sorted(ids))


def shown_to(email: str, records: list[RequestRecord]) -> list[RequestRecord]:
    """The records ``email`` may see counted: a concern report only by those it was given
    to, and never by the person it is about."""
    return [r for r in records if not is_about(r, email) and
            (r.get("kind") != "concern" or knows_of(r, email))]


def _digest_card(title: str, records: list[RequestRecord], since: datetime) -> Card:
    recent = [r for r in records if r["created_at"] >= to_the_second(since)]
    counts = Counter(r["status"] for r in recent)
    pending = sorted((r for r in records if r["status"] == "pending"),
                     key=lambda r: r["created_at"])
    fields = [(STATUS_WORDS.get(k, k).capitalize(), str(v)) for k, v in sorted(counts.items())]
    if recent:
        fields.insert(0, ("New requests in the past 7 days", str(len(recent))))
    body = ("No new requests in the past 7 days. " if not recent else "") + (
        "No requests are waiting.")
    if pending:
        oldest = pending[0]
        waiting_on = oldest["steps"][oldest["current"]]["approver_name"]
        body = (f"Oldest waiting: {oldest['id']} from {oldest['requester_name']}, since "
                f"{when(oldest['created_at'])}, with {waiting_on}.")
    return Card(title=title, fields=tuple(fields), body=body)


async def run_digest(application: Application, now: datetime, people: PeopleIndex) -> int:
    week = digest_due(now)
    tx = Tx(application.storage)
    marker = await tx.get(keys.DIGEST_SENT) or {}
    if marker.get("week") == week:
        return 0
    records = await _week_of_requests(application, now)
    since = now - timedelta(days=7)
    outbound = []
    for ceo in people.with_role("ceo"):
        outbound.append(Outbound(ceo.email, _digest_card(
            f"Weekly digest ({week}): the whole Trust", shown_to(ceo.email, records), since)))
    for head in people.with_role("headteacher"):
        if head.school == CENTRAL:
            continue
        # A concern report counts where it was given, whichever school its reporter is at.
        mine = [r for r in shown_to(head.email, records)
                if r["school"] == head.school or r.get("kind") == "concern"]
        outbound.append(Outbound(head.email, _digest_card(
            f"Weekly digest ({week}): {head.school}", mine, since)))
    return await _send_once(application, tx, (keys.DIGEST_SENT, {"week": week}), outbound, now)


async def run_review(application: Application, now: datetime, people: PeopleIndex) -> int:
    review: date = application.pack.next_review
    due = [d for d in REVIEW_NOTICES if now.date() >= review - timedelta(days=d)]
    if not due:
        return 0
    tx = Tx(application.storage)
    marker = await tx.get(keys.REVIEW_SENT) or {"sent": []}
    label = f"{review.isoformat()}:{min(due)}"
    if label in marker["sent"]:
        return 0
    # Catching up after downtime sends only the latest notice that applies.
    sent = marker["sent"] + [f"{review.isoformat()}:{d}" for d in due]
    if min(due):
        text = f"The {application.pack.title} is due for review on {review:%d %B %Y}."
    elif now.date() == review:
        text = f"The {application.pack.title} is due for review today."
    else:
        text = f"The {application.pack.title} was due for review on {review:%d %B %Y}."
    body = text + (" Policy packs are data: once the policy is revised, update the pack "
                   "(POLICYBOT_POLICY) and run `policybot policy check`.")
    outbound = [Outbound(p.email, Card(title="Policy review", body=body))
                for p in people.with_role("ceo")]
    sent_marker = (keys.REVIEW_SENT, {"sent": sorted(set(sent))})
    return await _send_once(application, tx, sent_marker, outbound, now)


async def _send_once(
    application: Application, tx: Tx, marker: tuple[str, dict], outbound: list[Outbound],
    now: datetime,
) -> int:
    """Record that the job ran and stage its messages in one batch: if another replica got
    there first the batch conflicts and nothing is sent twice."""
    tx.put(*marker)
    application.outbox.stage(tx, outbound, now)
    try:
        await tx.commit()
    except Conflict:
        return 0
    return len(outbound)


def next_digest(now: datetime) -> datetime:
    monday = (now - timedelta(days=now.weekday())).date()
    start = datetime.combine(monday, DIGEST_HOUR, UTC)
    return start if now < start else start + timedelta(days=7)
