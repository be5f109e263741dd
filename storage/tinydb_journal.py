"""The TinyDB backend's journal: a multi-file batch written whole before its shards.

``policybot.journal.json`` holds ``{"version": 1, "changes": {key: document or null}}``, the
final document of every key the batch writes (null: deleted). Once it is on disk the batch
is committed; replaying it (applying those final documents) finishes a batch a crash cut
short, and doing so twice changes nothing. See :mod:`storage.tinydb_store`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from storage.atomic_json import member_text, object_text, read_json
from storage.base import StorageUnavailable
from storage.tinydb_shards import Doc, ShardId, locate

Groups = dict[ShardId, tuple[dict[str, Doc], list[str]]]  # shard -> (puts by id, deleted ids)


def journal_text(changes: Mapping[str, Doc | None]) -> str:
    """The journal as ``atomic_write_json(path, {"version": 1, "changes": changes})`` would
    write it, from the documents' texts where they kept them (not encoding them again)."""
    entries = object_text(member_text(key, doc) for key, doc in changes.items())
    return f'{{"version":1,"changes":{entries}}}'


def read_journal(path: Path) -> dict[str, Doc | None] | None:
    """The changes of the journal at ``path``; None if there is none. Raises
    :class:`StorageUnavailable` naming the file when it is not a journal we wrote."""
    journal = read_json(path)
    if journal is None:
        return None
    changes = journal.get("changes") if isinstance(journal, dict) else None
    try:
        if not isinstance(changes, dict):
            raise ValueError("no changes")
        for key, doc in changes.items():
            locate(key)
            if doc is not None and not (
                isinstance(doc, dict) and isinstance(doc.get("etag"), str) and "value" in doc
            ):
                raise ValueError(f"bad entry for {key}")
    except ValueError as exc:
        raise StorageUnavailable(f"journal {path} is malformed: {exc}") from exc
    return changes


def group_changes(changes: Mapping[str, Doc | None]) -> Groups:
    """The changes by shard: each shard's puts (by id) and deleted ids."""
    groups: Groups = {}
    for key, doc in changes.items():
        shard, ident = locate(key)
        puts, deletes = groups.setdefault(shard, ({}, []))
        if doc is None:
            deletes.append(ident)
        else:
            puts[ident] = doc
    return groups
