"""``policybot migrate``: copy every record from one store into another, and prove it.

Typically from the TinyDB files of a single server into PostgreSQL, when a Trust moves to
several replicas or to a host without a lasting disk::

    policybot migrate --from tinydb:./data/policybot.json --to postgresql://host/db

Stop the bot first: what it writes during the copy would be missed. The copy refuses to
write into a store that already holds documents unless ``--force`` is given (documents with
the same key are then overwritten and others are kept). Afterwards every copied document is
read back and compared, and the counts per collection are printed side by side (into an
empty store they must be equal); any difference fails the command.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from storage import Storage, open_storage
from storage.base import ABSENT, Conflict, Put, Record, StorageUnavailable

BATCH = 500


class MigrationError(Exception):
    """The copy was refused or did not check out; the message says why."""


@dataclass
class MigrationReport:
    source: dict[str, int]
    target_before: dict[str, int]
    target_after: dict[str, int]
    mismatched: list[str] = field(default_factory=list)

    @property
    def copied(self) -> int:
        return sum(self.source.values())


def describe_target(target: str) -> str:
    """A store's name fit to print: no password."""
    if target.startswith(("postgresql://", "postgres://")):
        from storage.postgres_store import describe

        return describe(target)
    return target


def open_source(source: str) -> Storage:
    """The TinyDB store to copy from; it must exist (opening would create an empty one)."""
    if not source.startswith("tinydb:"):
        raise MigrationError(f"--from takes tinydb:PATH (the main file of a TinyDB store), "
                             f"not {source!r}")
    path = Path(source.removeprefix("tinydb:"))
    if not path.is_file():
        raise MigrationError(f"no TinyDB store at {path} (its main file does not exist)")
    return open_storage(source)


async def collection_counts(store: Storage) -> dict[str, int]:
    """Documents per collection; one query on PostgreSQL, a full scan elsewhere."""
    counts = getattr(store, "counts", None)
    if counts is not None:
        found: dict[str, int] = await counts()
        return found
    return dict(sorted(Counter(k.partition("/")[0] for k, _ in await store.scan("")).items()))


async def copy_store(source: Storage, target: Storage, *, force: bool = False,
                     progress: TextIO | None = None) -> MigrationReport:
    """Copy every document of ``source`` into ``target``; raises MigrationError when the
    target is not empty (without ``force``) or the copy does not match."""
    before = await collection_counts(target)
    if before and not force:
        held = ", ".join(f"{n} {name}" for name, n in before.items())
        raise MigrationError(f"the target already holds documents ({held}); nothing was "
                             f"written. Use --force to copy into it anyway (documents with "
                             f"the same key are overwritten, others kept)")
    records = await source.scan("")
    counts = dict(sorted(Counter(key.partition("/")[0] for key, _ in records).items()))
    # Into an empty store each key must still be new: a replica writing meanwhile would
    # make the copy stop with a Conflict instead of being silently overwritten.
    expect = None if before else ABSENT
    for start in range(0, len(records), BATCH):
        chunk = records[start : start + BATCH]
        await target.write([Put(key, record.value, expect) for key, record in chunk])
        if progress is not None:
            progress.write(f"\r  copied {start + len(chunk):,} of {len(records):,}")
            progress.flush()
    if progress is not None and records:
        progress.write("\n")
    report = MigrationReport(counts, before, await collection_counts(target))
    report.mismatched = await _compare(records, target)
    if not before:
        report.mismatched += [f"{name}: {n} copied but the target holds "
                              f"{report.target_after.get(name, 0)}"
                              for name, n in counts.items() if report.target_after.get(name) != n]
    if report.mismatched:
        shown = "; ".join(report.mismatched[:5])
        raise MigrationError(f"the copy does not match the source: {shown}")
    return report


async def _compare(records: list[tuple[str, Record]], target: Storage) -> list[str]:
    """Every source document read back from the target, value for value."""
    wrong: list[str] = []
    for start in range(0, len(records), BATCH):
        chunk = records[start : start + BATCH]
        found = await target.read([key for key, _ in chunk])
        for key, record in chunk:
            if key not in found:
                wrong.append(f"{key} is missing")
            elif found[key].value != record.value:
                wrong.append(f"{key} differs")
    return wrong


def format_report(report: MigrationReport) -> str:
    names = sorted(set(report.source) | set(report.target_after))
    width = max([len("collection"), *(len(n) for n in names)])
    lines = [f"{'collection':<{width}}  {'source':>9}  {'target':>9}"]
    for name in names:
        lines.append(f"{name:<{width}}  {report.source.get(name, 0):>9,}  "
                     f"{report.target_after.get(name, 0):>9,}")
    lines.append(f"{'total':<{width}}  {report.copied:>9,}  "
                 f"{sum(report.target_after.values()):>9,}")
    return "\n".join(lines)


async def run_migrate(source: str, target: str, *, force: bool = False) -> int:
    """The command: 0 when copied and checked, 1 when refused or not matching."""
    try:
        src = open_source(source)
        dst = open_storage(target)
    except (MigrationError, ValueError) as exc:
        print(f"policybot migrate: {exc}", file=sys.stderr)
        return 2
    print(f"Copying {source} into {describe_target(target)}", file=sys.stderr)
    try:
        report = await copy_store(src, dst, force=force, progress=sys.stderr)
    except (MigrationError, StorageUnavailable) as exc:
        print(f"policybot migrate: {exc}", file=sys.stderr)
        return 1
    except Conflict as exc:
        print(f"policybot migrate: {exc.key} appeared in the target during the copy; is a "
              f"bot running on it? Stop it, then run again with --force", file=sys.stderr)
        return 1
    finally:
        await src.close()
        await dst.close()
    print(format_report(report))
    print(f"Copied {report.copied:,} documents; every one was read back and matches.")
    return 0
