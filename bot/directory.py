"""The staff directory: stored people, CSV import, and a readable view of one person.

People live under ``person/<email>``; ``meta/directory`` holds ``{"version", "count",
"updated_at", "source"}``. Every import rewrites its people *and* bumps the version in one
batch that expects the previous etag of ``meta/directory``, so two imports never interleave
and every process sharing the database can tell, with one read, that its snapshot is stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources

from bot import keys
from bot.directory_csv import RowError, normalise_email, parse_directory_csv
from conversations.people import PeopleIndex, Person
from storage.base import ABSENT, Change, Conflict, Put, Record, Storage

__all__ = [
    "LEFT_AT",
    "META_KEY",
    "PERSON_PREFIX",
    "DirectoryStore",
    "ImportReport",
    "RowError",
    "describe_person",
    "parse_directory_csv",
    "person_key",
    "sample_csv",
]

META_KEY = keys.DIRECTORY_META
PERSON_PREFIX = keys.PERSON
# Set on the record of someone the Entra sync no longer finds (bot.directory_sync).
LEFT_AT = "left_at"
SAMPLE_SOURCE = "sample"
# Imports are rare and small; a handful of retries covers two admins importing at once.
_MAX_ATTEMPTS = 5


def person_key(email: str) -> str:
    return PERSON_PREFIX + normalise_email(email)


def sample_csv() -> str:
    """The bundled fictional trust (Northbrook Learning Trust), shipped as package data."""
    return resources.files("bot").joinpath("sample/directory.csv").read_text(encoding="utf-8")


@dataclass(frozen=True)
class ImportReport:
    source: str
    errors: tuple[RowError, ...] = ()
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    version: int | None = None  # the directory version after the import; None if not applied
    added_emails: tuple[str, ...] = field(default=(), repr=False)
    updated_emails: tuple[str, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"{len(self.errors)} problem(s) found; nothing was imported"
        return (
            f"imported from {self.source}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged (directory version {self.version})"
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DirectoryStore:
    """The directory over a :class:`Storage`, with an in-memory snapshot per process."""

    def __init__(self, storage: Storage, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._storage = storage
        self._clock = clock
        self._index: PeopleIndex | None = None
        self._version: int | None = None

    async def _load(self) -> tuple[Record | None, list[Person]]:
        # Meta first, people second: if an import lands in between, the people are newer
        # than the version we label them with, and the next call just reloads once more.
        meta = await self._storage.get(META_KEY)
        rows = await self._storage.scan(PERSON_PREFIX)
        # People who have left keep their record (``left_at``), outside the directory.
        return meta, [Person.from_json(record.value) for _, record in rows
                      if not record.value.get(LEFT_AT)]

    async def snapshot(self) -> PeopleIndex:
        """The current directory; costs one read when nothing changed since the last call."""
        meta = await self._storage.get(META_KEY)
        version = _version_of(meta)
        if self._index is not None and self._version == version:
            return self._index
        meta, people = await self._load()
        self._index, self._version = PeopleIndex(people), _version_of(meta)
        return self._index

    async def is_empty(self) -> bool:
        meta = await self._storage.get(META_KEY)
        if meta is not None:
            return int(meta.value.get("count", 0)) == 0
        # No meta yet: only this class writes people, so this is normally empty too.
        return not await self._storage.scan(PERSON_PREFIX)

    async def import_csv(self, text: str, *, source: str) -> ImportReport:
        """Validate ``text`` against the current directory and, if clean, upsert it atomically.

        On any error nothing is written and the report carries every problem found.
        """
        report = await self._import(text, source=source, only_if_empty=False)
        assert report is not None
        return report

    async def ensure_sample(self) -> bool:
        """Load the bundled sample when the directory is empty; True if this call loaded it."""
        if not await self.is_empty():
            return False
        report = await self._import(sample_csv(), source=SAMPLE_SOURCE, only_if_empty=True)
        if report is None:
            return False  # another process filled the directory first
        if report.errors:
            # The sample ships with the code and is tested: failing here is a packaging bug.
            raise RuntimeError(
                "bundled sample directory is invalid: " + "; ".join(map(str, report.errors))
            )
        return True

    async def _import(self, text: str, *, source: str, only_if_empty: bool) -> ImportReport | None:
        for _ in range(_MAX_ATTEMPTS):
            meta, current = await self._load()
            if only_if_empty and (current or _version_of(meta)):
                return None
            people, errors = parse_directory_csv(text, current)
            if errors:
                return ImportReport(source=source, errors=tuple(errors))
            before = {p.email: p for p in current}
            added = [p for p in people if p.email not in before]
            updated = [p for p in people if p.email in before and before[p.email] != p]
            merged = {**before, **{p.email: p for p in people}}
            version = _version_of(meta) + 1
            changes: list[Change] = [
                Put(person_key(p.email), p.to_json()) for p in [*added, *updated]
            ]
            changes.append(
                Put(
                    META_KEY,
                    {
                        "version": version,
                        "count": len(merged),
                        "updated_at": self._clock().isoformat(timespec="seconds"),
                        "source": source,
                    },
                    # The guard for the whole batch: no other import happened since our read.
                    expect=meta.etag if meta is not None else ABSENT,
                )
            )
            try:
                await self._storage.write(changes)
            except Conflict:
                continue  # someone else imported meanwhile: re-read and re-validate
            self._index, self._version = PeopleIndex(merged.values()), version
            return ImportReport(
                source=source,
                added=len(added),
                updated=len(updated),
                unchanged=len(people) - len(added) - len(updated),
                version=version,
                added_emails=tuple(p.email for p in added),
                updated_emails=tuple(p.email for p in updated),
            )
        raise Conflict(META_KEY)


def _version_of(meta: Record | None) -> int:
    return int(meta.value.get("version", 0)) if meta is not None else 0


def _label(p: Person) -> str:
    return f"{p.name} <{p.email}>"


def _detail(p: Person) -> str:
    roles = ", ".join(sorted(p.roles))
    return f"{_label(p)} ({p.school}{'; ' + roles if roles else ''})"


def describe_person(index: PeopleIndex, email: str) -> str:
    """Readable text for ``policybot directory show EMAIL``; LookupError if unknown."""
    person = index.get(normalise_email(email))
    if person is None:
        raise LookupError(f"no one with email {email.strip()!r} in the directory")
    lines = [
        _label(person),
        f"School: {'Central (the central team)' if person.is_central else person.school}",
        f"Roles: {', '.join(sorted(person.roles)) or 'none'}",
    ]
    manager = index.manager_of(person)
    if manager is not None:
        lines.append(f"Line manager: {_label(manager)}")
    elif person.line_manager:
        lines.append(f"Line manager: {person.line_manager} (not in the directory)")
    else:
        lines.append("Line manager: none")
    for platform, ident in person.platform_ids:
        lines.append(f"{platform.capitalize()} user: {ident}")

    chain = index.chain(person)
    lines.append("Approval chain (line manager first, up to the top):")
    lines.extend(f"  {n}. {_detail(p)}" for n, p in enumerate(chain, start=1))
    if not chain:
        lines.append("  (no one above them)")
    # Say why the chain stops where it does when it is not simply the top of the trust.
    last = chain[-1] if chain else person
    if last.line_manager and index.get(last.line_manager) is None:
        lines.append(f"  (stops: {last.line_manager} is not in the directory)")
    elif last.line_manager and chain:
        lines.append(f"  (stops: the chain loops back to {last.line_manager})")

    if person.is_central:
        ceos = index.with_role("ceo")
        who = ", ".join(_label(p) + (" (themselves)" if p == person else "") for p in ceos)
        lines.append(f"CEO (stands in for the headteacher for the central team): {who or 'none'}")
    else:
        heads = index.with_role("headteacher", person.school)
        who = ", ".join(_label(p) + (" (themselves)" if p == person else "") for p in heads)
        lines.append(f"Headteacher of {person.school}: {who or 'none'}")
    fallback = index.with_role("fallback_approver")
    lines.append(
        "Fallback approver(s), when no one above can approve: "
        + (", ".join(_label(p) for p in fallback) or "none configured")
    )
    return "\n".join(lines)
