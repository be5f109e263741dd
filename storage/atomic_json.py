"""Crash-safe JSON files, and the TinyDB pieces the TinyDB backend builds on.

TinyDB's own ``JSONStorage`` rewrites its file in place (seek 0, write, truncate): a crash
half-way leaves a truncated or mixed file that no longer parses. Here every write goes to a
temporary file in the same directory, which is flushed and fsynced, then ``os.replace``d
over the target (atomic on POSIX), and finally the directory is fsynced so the rename
itself survives a power cut. A reader therefore always finds either the old or the new
file, never a mixture.

Every version of a file is a new inode, and its modification time is made strictly later
than the version it replaces, so a :data:`Signature` (inode, mtime in ns, size) taken
with ``os.stat`` tells whether a copy loaded earlier is still what is on disk; another
process may have replaced the file since. Comparing inode and size alone would not do:
the filesystem reuses a freed inode, and the next version often has the same size.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage as TinyStorage
from tinydb.table import Table

from storage.base import StorageUnavailable

TMP_SUFFIX = ".tmp"
# Set (in the writing thread's context) while renames wait for one folder sync.
_folder_sync_deferred: ContextVar[bool] = ContextVar("folder_sync_deferred", default=False)

Signature = tuple[int, int, int]  # (st_ino, st_mtime_ns, st_size)


def signature_of(stat: os.stat_result) -> Signature:
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def file_signature(path: Path) -> Signature | None:
    """The signature of the file now at ``path``; None if there is none."""
    try:
        return signature_of(os.stat(path))
    except FileNotFoundError:
        return None


def dumps(data: Any) -> str:
    """Strict JSON (no NaN/Infinity, which other JSON readers reject). ASCII-escaped so
    any Python string, even a lone surrogate, survives the round trip."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


class EncodedDoc(dict[str, Any]):
    """A stored document, ``{"value": ..., "etag": ...}``, that keeps the JSON text of its
    value as it was encoded when the batch was taken in: the commit, and every later rewrite
    of its file, writes that text without encoding the value again."""

    __slots__ = ("value_text",)

    def __init__(self, value: Any, value_text: str, etag: str) -> None:
        super().__init__(value=value, etag=etag)
        self.value_text = value_text


def doc_text(doc: dict[str, Any]) -> str:
    """``dumps(doc)``, from the value's text when the document kept it."""
    if isinstance(doc, EncodedDoc):
        return f'{{"value":{doc.value_text},"etag":{dumps(doc["etag"])}}}'
    return dumps(doc)


def member_text(ident: str, doc: dict[str, Any] | None) -> str:
    """One ``"id":doc`` member of a JSON object, as :func:`dumps` would write it."""
    return f"{dumps(ident)}:{'null' if doc is None else doc_text(doc)}"


def object_text(members: Iterable[str]) -> str:
    return "{" + ",".join(members) + "}"


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (no-op where unsupported)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except OSError:  # e.g. Windows cannot open directories
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_json(path: Path, data: Any) -> Signature:
    """Replace ``path`` with ``data`` as JSON, all or nothing (see :func:`atomic_write_text`)."""
    return atomic_write_text(path, dumps(data))  # a TypeError leaves no temp file behind


@contextlib.contextmanager
def one_folder_sync(directory: Path) -> Iterator[None]:
    """Files replaced inside this block leave their renames to one :func:`fsync_dir` of
    ``directory`` when it ends (without an error), not one each: for several files replaced
    together whose batch something else (a journal) keeps whole until then."""
    token = _folder_sync_deferred.set(True)
    try:
        yield
    finally:
        _folder_sync_deferred.reset(token)
    fsync_dir(directory)


def atomic_write_text(path: Path, text: str) -> Signature:
    """Replace ``path`` with ``text`` (ASCII JSON), all or nothing (see module docstring).
    Returns the new file's signature. Writers of one path must hold the store's exclusive
    lock: the mtime ordering below assumes nobody replaces the file meanwhile."""
    previous = file_signature(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{TMP_SUFFIX}")
    data = text.encode("ascii")
    try:
        # Private to the bot's user: stores hold drafts and concern reports.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            # os.write, not a file object: a buffered text wrapper per rewrite costs more
            # than the write itself for the small files most commits touch.
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            stat = os.fstat(fd)
            if previous is not None and stat.st_mtime_ns <= previous[1]:
                # Written within the clock tick of the previous version: set a later time
                # so the two versions' signatures differ even if the inode is reused.
                later = previous[1] + 1
                os.utime(fd, ns=(stat.st_atime_ns, later))
                stat = os.fstat(fd)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if not _folder_sync_deferred.get():
        fsync_dir(path.parent)
    return signature_of(stat)


def remove_durably(path: Path) -> None:
    """Unlink ``path`` and fsync its directory, so a later crash cannot resurrect it."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    fsync_dir(path.parent)


def read_json(path: Path) -> Any | None:
    """The parsed content of ``path``; None if it does not exist.

    Raises :class:`StorageUnavailable` naming the file when it cannot be read or parsed,
    so an operator sees which file to restore rather than a JSONDecodeError traceback.
    """
    return read_json_signed(path)[0]


def read_json_signed(path: Path) -> tuple[Any | None, Signature | None]:
    """:func:`read_json` plus the signature of the very file that was read (None, None
    if it does not exist)."""
    try:
        with open(path, encoding="utf-8") as handle:
            signature = signature_of(os.fstat(handle.fileno()))
            text = handle.read()
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageUnavailable(f"cannot read storage file {path}: {exc}") from exc
    if not text.strip():
        # Atomic replaces never leave an empty file: this one was damaged (or is not ours).
        raise StorageUnavailable(f"storage file {path} is empty; restore it from a backup")
    try:
        return json.loads(text), signature
    except json.JSONDecodeError as exc:
        raise StorageUnavailable(
            f"storage file {path} is not valid JSON ({exc}); restore it from a backup"
        ) from exc


def remove_stale_temp_files(directory: Path, stem: str) -> None:
    """Delete temp files a crashed writer left behind. Call it only while holding the
    store's exclusive lock: every writer holds that lock while its temp file exists, so
    none of these files is still being written."""
    for name in os.listdir(directory):
        if name.startswith(f".{stem}.") and name.endswith(TMP_SUFFIX):
            with contextlib.suppress(OSError):
                os.unlink(directory / name)


class AtomicJSONStorage(TinyStorage):
    """A TinyDB storage that writes atomically and keeps the parsed file in memory.

    The in-memory copy is that of the file version whose :attr:`signature` it records
    (None: no file yet); :meth:`is_current` tells whether another process has replaced
    the file since. :meth:`read` hands TinyDB a shallow copy of the top-level dict: TinyDB
    assigns the updated table into it *before* calling :meth:`write`, and we only adopt it
    once the file is safely replaced, so the copy never holds a change that is not on disk.

    Beside the parsed copy it keeps each document's text as written in the file (made the
    first time the file is rewritten): :meth:`apply` encodes only the documents it changes
    and joins the rest, so rewriting a file of 500 requests does not encode 500 requests.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._data: dict[str, dict[str, Any]] | None = None
        # table -> id -> '"id":{doc}', in the order of the table; a table appears here only
        # complete, and only while ``_data`` holds the same documents.
        self._members: dict[str, dict[str, str]] = {}
        self.signature: Signature | None = None

    def load(self) -> None:
        """Parse the file (blocking; call off the event loop)."""
        if self._data is not None:
            return
        raw, signature = read_json_signed(self.path)
        if raw is None:
            raw = {}
        if not isinstance(raw, dict) or not all(isinstance(t, dict) for t in raw.values()):
            raise StorageUnavailable(f"storage file {self.path} does not hold TinyDB tables")
        self._data, self.signature = raw, signature

    def is_current(self) -> bool:
        """Whether the file on disk is still the version loaded (one ``os.stat``)."""
        try:
            return self._data is not None and file_signature(self.path) == self.signature
        except OSError:
            return False  # unreadable now: reloading will report it

    @property
    def loaded(self) -> bool:
        return self._data is not None

    def read(self) -> dict[str, dict[str, Any]] | None:
        self.load()
        assert self._data is not None
        return dict(self._data)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        signature = atomic_write_json(self.path, data)
        self._data, self._members, self.signature = data, {}, signature

    def apply(self, table: str, puts: Mapping[str, dict[str, Any]], deletes: Iterable[str]
              ) -> None:
        """Put and delete documents of ``table`` with one rewrite of the file. Document
        objects are replaced, never mutated: readers may hold the old ones."""
        self.load()
        assert self._data is not None
        data = dict(self._data)
        before = data.get(table, {})
        rows = dict(before)
        rows.update(puts)
        members = dict(self._members_of(table, before))
        members.update((ident, member_text(ident, doc)) for ident, doc in puts.items())
        for ident in deletes:
            rows.pop(ident, None)
            members.pop(ident, None)
        data[table] = rows
        written = {name: members if name == table else self._members_of(name, docs)
                   for name, docs in data.items()}
        text = object_text(f"{dumps(name)}:{object_text(m.values())}"
                           for name, m in written.items())
        signature = atomic_write_text(self.path, text)
        self._data, self._members, self.signature = data, written, signature

    def _members_of(self, table: str, docs: Mapping[str, Any]) -> dict[str, str]:
        members = self._members.get(table)
        if members is None:
            members = {ident: member_text(ident, doc) for ident, doc in docs.items()}
        return members

    def close(self) -> None:
        self._data = self.signature = None
        self._members = {}


class KeyedTable(Table):
    """A TinyDB table whose document ids are our key ids (strings), giving O(1) lookup.
    Each document is ``{"value": <JSON>, "etag": <str>}``."""

    document_id_class = str  # type: ignore[assignment]

    def docs(self) -> Mapping[str, Any]:
        """The raw documents by id. Callers must not mutate them."""
        return self._read_table()

    def apply(self, puts: Mapping[str, dict[str, Any]], deletes: Iterable[str]) -> None:
        """Apply many puts and deletes with one file rewrite (TinyDB's upsert/remove
        would rewrite the file once per call, upsert even twice for a new document)."""
        storage = self._storage
        assert isinstance(storage, AtomicJSONStorage)
        storage.apply(self.name, puts, deletes)
        self.clear_cache()


class ShardDB(TinyDB):
    """One shard file: a TinyDB database on :class:`AtomicJSONStorage`."""

    table_class = KeyedTable

    def __init__(self, path: Path) -> None:
        super().__init__(path, storage=AtomicJSONStorage)
        storage = self.storage
        assert isinstance(storage, AtomicJSONStorage)
        self.atomic: AtomicJSONStorage = storage

    def keyed(self, name: str) -> KeyedTable:
        table = self.table(name)
        assert isinstance(table, KeyedTable)
        return table
