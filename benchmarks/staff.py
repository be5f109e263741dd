"""The staff the load generator and the crash test play, and the store they start from.

The bundled sample Trust plus ``count`` teachers of Oakfield Primary, each line-managed by one
of :data:`MANAGERS` middle leaders (who approve their posts). Managers carry their Slack id in
the directory, as the tests' approvers do; teachers are found by email (users.info on Slack,
the member lookup on Teams), as most staff would be.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.directory import DirectoryStore
from storage.base import Put, Storage
from testing.staff import DOMAIN, HEAD

SCHOOL = "Oakfield Primary"
MANAGERS = 10
# A post on a personal account with an opinion that could be taken as the school's: the bot
# reads it, asks only where it goes, and the line manager approves it (rule
# attributable-opinion, 4.2).
DRAFT = ("Speaking as head of year, well done to Year 4 for a brilliant assembly about "
         "kindness today!")
WHERE = "My own personal account"
# Requests in one journey: "can I post this?", the draft, where it goes, the manager's Approve.
REQUESTS_PER_JOURNEY = 4


@dataclass(frozen=True)
class Member:
    """One person on both platforms."""

    email: str
    name: str
    slack_id: str
    number: int
    manager: bool = False

    @property
    def dm(self) -> str:
        """The Slack DM channel the fake opens for this person."""
        return "D" + self.slack_id

    @property
    def aad(self) -> str:
        return f"aad-{self.slack_id.lower()}"

    @property
    def teams_id(self) -> str:
        return f"29:{self.slack_id.lower()}"

    @property
    def conversation(self) -> str:
        return f"a:personal-{self.slack_id.lower()}"


def managers() -> list[Member]:
    return [Member(f"leader{k:02d}{DOMAIN}", f"Leader {k:02d}", f"UMGR{k:02d}", k, manager=True)
            for k in range(MANAGERS)]


def teachers(count: int) -> list[Member]:
    return [Member(f"teacher{n:04d}{DOMAIN}", f"Teacher {n:04d}", f"UT{n:04d}", n)
            for n in range(count)]


def manager_of(teacher: Member) -> Member:
    return managers()[teacher.number % MANAGERS]


def directory_csv(count: int) -> str:
    rows = ["email,name,school,line_manager_email,roles,slack_user_id"]
    rows += [f"{m.email},{m.name},{SCHOOL},{HEAD},,{m.slack_id}" for m in managers()]
    rows += [f"{t.email},{t.name},{SCHOOL},{manager_of(t).email},," for t in teachers(count)]
    return "\n".join(rows) + "\n"


def slack_emails(count: int) -> dict[str, str]:
    """What the fake Slack's users.info answers: user id -> email."""
    return {m.slack_id: m.email for m in managers() + teachers(count)}


def teams_members(count: int) -> list[dict[str, str]]:
    return [{"id": m.teams_id, "aad": m.aad, "name": m.name, "email": m.email}
            for m in managers() + teachers(count)]


async def prepare(storage: Storage, count: int) -> None:
    """The directory (sample Trust + our staff) and the day's retention run marked done.

    Retention runs once a day and walks forward from a cursor, so a store that has been in
    service for years has nothing to catch up at 8:55 on a Monday; a freshly seeded one would
    purge tens of thousands of old drafts in its first minute, which is not what is measured.
    """
    directory = DirectoryStore(storage)
    await directory.ensure_sample()
    report = await directory.import_csv(directory_csv(count), source="benchmark")
    if not report.ok:
        raise RuntimeError("; ".join(map(str, report.errors)))
    today = datetime.now(UTC).date().isoformat()
    await storage.write([Put("meta/job-retention", {"date": today})])


def copy_store(seeded: Path, folder: Path) -> Path:
    """A private copy of a seeded TinyDB store (every file beside its main file)."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in seeded.iterdir():
        shutil.copy2(file, folder / file.name)
    return folder / "policybot.json"
