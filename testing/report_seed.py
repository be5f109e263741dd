"""A store full of a Trust's history, made up and reproducible: post checks, requests and their
decisions, reminders, escalations, disputes, concerns and new accounts, written as the bot
writes them (request records, "created"/"checked"/"decided"... audit entries, the account
register and the request counter).

For the governance report's tests (figures checked against ``policybot export``), its
benchmark (a hundred thousand requests) and the README's sample screenshot. The people are the
sample trust's (bot/sample/directory.csv).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import keys
from bot.request_ids import COUNTER
from conversations.requests import OPEN_STATES
from conversations.timefmt import iso
from conversations.worktime import add_working_hours
from storage.base import Change, Put, Storage

DOMAIN = "@northbrook.example"
STAFF = {  # requester -> (school, line manager, headteacher)
    "sophie.bennett": ("Oakfield Primary", "daniel.osei", "joanne.clarke"),
    "imran.hussain": ("Oakfield Primary", "daniel.osei", "joanne.clarke"),
    "margaret.doyle": ("Oakfield Primary", "daniel.osei", "joanne.clarke"),
    "james.oconnor": ("Riverside Academy", "fatima.begum", "andrew.macleod"),
    "hannah.kowalski": ("Riverside Academy", "fatima.begum", "andrew.macleod"),
    "brenda.taylor": ("Riverside Academy", "fatima.begum", "andrew.macleod"),
    "chloe.adeyemi": ("Central", "gareth.llewellyn", "helen.whitfield"),
}
REFUSALS = ((("4.3", "8.1", "8.3", "8.4"), ("derogatory",)), (("6.4",), ("pupil_contact",)),
            (("4.2", "8.1"), ("pupil_info",)), (("7.3",), ("conflict",)))
APPROVALS = ((("4.1",), ("school_pictures",)), (("6.6",), ("business",)),
             (("4.1", "6.6"), ("school_pictures", "business")), (("7.2",), ()))
CATEGORIES = ("misuse", "breach", "bullying_staff", "bullying_pupils")
PLATFORMS = ("slack", "teams", "local", "")  # "": an entry from before platforms were noted
ACCOUNT_PLATFORMS = ("Facebook", "Instagram", "X (Twitter)", "YouTube")


@dataclass
class Seeded:
    requests: int = 0
    checks: int = 0
    documents: int = 0


class History:
    """Makes the documents; ``start`` is the first moment, ``days`` how long it spans."""

    def __init__(self, start: datetime, days: int, seed: int = 7,
                 holidays: frozenset[Any] = frozenset(), account_share: float = 0.05) -> None:
        self.rng = random.Random(seed)
        self.start = start
        self.days = days
        self.holidays = holidays
        self.number = 0
        self.made = 0
        self.account_share = account_share
        self.expected = 1

    def _moment(self) -> datetime:
        """The next check's moment: checks come in time order, as a store fills, so a large
        history is written a month of audit at a time rather than all months at once."""
        self.made += 1
        spread = self.days * 86400 / max(1, self.expected)
        return self.start + timedelta(seconds=spread * self.made + self.rng.uniform(0, spread))

    def _later(self, moment: datetime, low: float, high: float) -> datetime:
        return add_working_hours(moment, self.rng.uniform(low, high), self.holidays)

    def _audit(self, moment: datetime, entry: dict[str, Any]) -> Put:
        return Put(f"{keys.AUDIT}{iso(moment)}-{uuid.UUID(int=self.rng.getrandbits(128)).hex[:8]}",
                   entry)

    def documents(self, checks: int) -> Iterator[Put]:
        """About ``checks`` post checks with everything that follows from them."""
        self.expected = checks
        for _ in range(checks):
            for put in self._one():
                yield put
                # The index of open requests the bot keeps beside each record.
                if put.key.startswith(keys.REQUEST) and put.value["status"] in OPEN_STATES:
                    yield Put(keys.open_marker(put.value["id"]), {})

    def _one(self) -> Iterator[Put]:
        who = self.rng.choice(sorted(STAFF))
        school, manager, head = STAFF[who]
        email = who + DOMAIN
        at = self._moment()
        platform = self.rng.choice(PLATFORMS)
        roll = self.rng.random()
        if roll < 0.45:
            yield self._audit(at, {"event": "checked", "actor": email, "flow": "check_post",
                                   "outcome": "allow", "clauses": ["6.2"], "rules": [],
                                   "found": [], "school": school, "platform": platform})
        elif roll < 0.65:
            clauses, found = self.rng.choice(REFUSALS)
            yield self._audit(at, {"event": "checked", "actor": email, "flow": "check_post",
                                   "outcome": "refuse", "clauses": list(clauses), "rules": [],
                                   "found": list(found), "school": school,
                                   "platform": platform})
        elif roll < 0.9:
            yield from self._post(email, school, manager, head, at, platform)
        elif roll < 0.9 + self.account_share:  # a Trust has tens of accounts, not thousands
            yield from self._account(email, school, head, at, platform)
        elif roll < 0.95:
            yield from self._post(email, school, manager, head, at, platform)
        else:
            yield from self._concern(email, school, head, at, platform)

    def _request(self, kind: str, email: str, school: str, at: datetime,
                 steps: list[dict[str, Any]], clauses: list[str], **extra: Any) -> dict[str, Any]:
        self.number += 1
        return {"id": f"SM-{self.number:04d}", "kind": kind, "requester": email,
                "requester_name": email.split("@")[0].replace(".", " ").title(),
                "school": school, "created_at": iso(at), "status": "pending",
                "draft": "A made-up draft", "answers": [], "answer_values": {},
                "clauses": clauses, "rules": [], "sequential": kind != "concern", "current": 0,
                "steps": steps, "decided_at": None, "decided_by": None, "comment": "", **extra}

    def _step(self, approver: str, role: str, asked: datetime | None) -> dict[str, Any]:
        return {"approver": approver + DOMAIN, "approver_name": approver, "role": role,
                "clauses": [], "state": "pending" if asked else "waiting",
                "asked_at": iso(asked) if asked else None, "reminded_at": None,
                "decided_at": None, "decided_by": None, "comment": ""}

    def _post(self, email: str, school: str, manager: str, head: str, at: datetime,
              platform: str) -> Iterator[Put]:
        clauses, found = self.rng.choice(APPROVALS)
        two = "6.6" in clauses and school != "Central"
        steps = [self._step(manager, "line_manager", at)]
        if two:
            steps.append(self._step(head, "headteacher", None))
        disputed = self.rng.random() < 0.08
        record = self._request("post", email, school, at, steps, list(clauses),
                               **({"dispute": "It is not what it means"} if disputed else {}))
        events = []
        if disputed:
            events.append(self._audit(at - timedelta(seconds=1), {
                "event": "finding_disputed", "actor": email, "comment": "",
                "found": list(found) or ["business"], "school": school}))
        events.append(self._audit(at, {
            "event": "created", "request": record["id"], "actor": email, "kind": "post",
            "clauses": list(clauses), "approvers": [s["approver"] for s in steps],
            "school": school, "platform": platform, "found": list(found),
            "disputed": disputed}))
        events += self._decide(record, at)
        yield Put(keys.request(record["id"]), record)
        yield from events

    def _decide(self, record: dict[str, Any], at: datetime) -> list[Put]:
        """Each step decided (or left waiting, withdrawn, expired), with its audit."""
        events: list[Put] = []
        moment = at
        for index, step in enumerate(record["steps"]):
            fate = self.rng.random()
            recent = moment > self.start + timedelta(days=self.days - 14)
            if fate < 0.06 and recent:  # still waiting (older ones expire), perhaps reminded
                if self.rng.random() < 0.5:
                    events.append(self._audit(self._later(moment, 24, 25), {
                        "event": "reminded", "request": record["id"], "actor": "policybot",
                        "step": index}))
                return events
            if fate < 0.1:
                end = at + timedelta(days=14)
                record.update({"status": "expired", "decided_at": iso(end),
                               "decided_by": "policybot"})
                step["state"] = "cancelled"
                events.append(self._audit(end, {"event": "expired", "request": record["id"],
                                                "actor": "policybot"}))
                return events
            decided = self._later(moment, 0.2, 90)
            if decided > moment + timedelta(hours=72) and self.rng.random() < 0.5:
                events.append(self._audit(self._later(moment, 72, 72.5), {
                    "event": "escalated", "request": record["id"], "actor": "policybot",
                    "step": index}))
            if self.rng.random() < 0.03:
                events.append(self._audit(self._later(moment, 0.1, 0.2), {
                    "event": "delegated", "request": record["id"], "actor": "policybot",
                    "step": index}))
            rejected = self.rng.random() < 0.15
            step.update({"state": "rejected" if rejected else "approved",
                         "decided_at": iso(decided), "decided_by": step["approver"]})
            events.append(self._audit(decided, {
                "event": "decided", "request": record["id"], "actor": step["approver"],
                "step": index, "decision": "reject" if rejected else "approve"}))
            moment = decided
            if rejected:
                break
            if index + 1 < len(record["steps"]):
                record["current"] = index + 1
                record["steps"][index + 1].update({"state": "pending", "asked_at": iso(moment)})
        last = record["steps"][record["current"]]
        record.update({"status": last["state"], "decided_at": last["decided_at"],
                       "decided_by": last["approver"]})
        return events

    def _account(self, email: str, school: str, head: str, at: datetime,
                 platform: str) -> Iterator[Put]:
        approver = "helen.whitfield" if school == "Central" else head
        name = f"{school} {self.rng.choice(['Sports', 'Music', 'News', 'PTA'])} {self.number}"
        site = self.rng.choice(ACCOUNT_PLATFORMS)
        record = self._request("account", email, school, at,
                               [self._step(approver, "account_headteacher", at)], ["5.1", "5.2"],
                               account={"platform": site, "name": name, "purpose": "news",
                                        "runner": "the office", "school": school})
        events = [self._audit(at, {"event": "created", "request": record["id"], "actor": email,
                                   "kind": "account", "clauses": ["5.1", "5.2"],
                                   "school": school, "platform": platform, "found": [],
                                   "disputed": False})]
        events += self._decide(record, at)
        yield Put(keys.request(record["id"]), record)
        yield from events
        if record["status"] == "approved":
            yield Put(keys.account(f"acct-{record['id']}"), {
                "id": f"acct-{record['id']}", "name": name, "platform": site, "school": school,
                "purpose": "news", "runner": "the office", "request": record["id"],
                "approved_by": record["decided_by"], "approved_at": record["decided_at"]})

    def _concern(self, email: str, school: str, head: str, at: datetime,
                 platform: str) -> Iterator[Put]:
        lead = "rajesh.patel" if school == "Central" else head
        steps = [self._step(lead, "concern_lead", at)]
        category = self.rng.choice(CATEGORIES)
        record = self._request("concern", email, school, at, steps, ["8.2"], subject="",
                               answer_values={"about": [category]})
        record["status"] = "referred"
        events = [self._audit(at, {"event": "created", "request": record["id"], "actor": email,
                                   "kind": "concern", "clauses": ["8.2"], "school": school,
                                   "platform": platform, "found": [], "disputed": False,
                                   "category": category, "about_school": school})]
        if self.rng.random() < 0.85:
            acked = self._later(at, 0.5, 40)
            steps[0].update({"state": "acknowledged", "decided_at": iso(acked),
                             "decided_by": steps[0]["approver"]})
            record.update({"status": "acknowledged", "decided_at": iso(acked),
                           "decided_by": steps[0]["approver"]})
            events.append(self._audit(acked, {"event": "acknowledged",
                                              "request": record["id"],
                                              "actor": steps[0]["approver"], "step": 0}))
        yield Put(keys.request(record["id"]), record)
        yield from events


async def seed(storage: Storage, history: History, checks: int, batch: int = 2000) -> Seeded:
    """Write about ``checks`` post checks' history into ``storage``, ``batch`` documents a
    write; then the request counter."""
    done = Seeded()
    pending: list[Change] = []
    for put in history.documents(checks):
        pending.append(put)
        if len(pending) >= batch:
            await storage.write(pending)
            done.documents += len(pending)
            pending = []
    pending.append(Put(COUNTER, {"next": history.number + 1}))
    await storage.write(pending)
    done.documents += len(pending)
    done.requests = history.number
    done.checks = checks
    return done
