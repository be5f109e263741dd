"""Hostile input to the directory import: broken and random CSV files; and to the sync from
Entra: whatever the identity platform answers when it refuses a token.

Every problem is reported, line by line, with no exception escaping; and when there is any
problem nothing at all is written (people and directory version alike). The command line is
tried too, as an administrator would run it. A refusal is described on one line of bounded
length that keeps the ids Microsoft support asks for whole.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.directory import DirectoryStore
from bot.directory_sync.auth import describe_refusal
from storage.tinydb_store import TinyDBStorage
from testing.hostile import HEADER, VALID_ROWS, Snapshot, broken_directories, snapshot, to_csv

HOSTILE = settings(max_examples=60, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])
POLICYBOT = Path(sys.executable).with_name("policybot")


@pytest.fixture
async def directory(tmp_path: Path) -> AsyncIterator[tuple[DirectoryStore, TinyDBStorage]]:
    storage = TinyDBStorage(str(tmp_path / "policybot.json"))
    store = DirectoryStore(storage)
    assert await store.ensure_sample()  # a Trust already in service
    yield store, storage
    await storage.close()


async def imported_nothing(store: DirectoryStore, storage: TinyDBStorage, text: str,
                           before: Snapshot) -> None:
    report = await store.import_csv(text, source="upload.csv")
    assert not report.ok and report.version is None
    for error in report.errors:
        assert "Traceback" not in str(error) and len(str(error)) < 400
    assert "nothing was imported" in report.summary()
    assert await snapshot(storage) == before


@HOSTILE
@given(text=broken_directories())
async def test_a_broken_directory_is_reported_and_nothing_is_imported(
        directory: tuple[DirectoryStore, TinyDBStorage], text: str) -> None:
    store, storage = directory
    await imported_nothing(store, storage, text, await snapshot(storage))


@HOSTILE
@given(text=st.text(max_size=300) | st.lists(
    st.lists(st.text(max_size=12), max_size=7), max_size=6).map(to_csv))
async def test_random_text_never_raises_and_is_all_or_nothing(
        directory: tuple[DirectoryStore, TinyDBStorage], text: str) -> None:
    store, storage = directory
    before = await snapshot(storage)
    report = await store.import_csv(text, source="upload.csv")
    if not report.ok:
        assert await snapshot(storage) == before


@settings(HOSTILE, max_examples=10)
@given(cell=st.sampled_from(["\x00", "\r", '"', "\u2028", "\ufeff", "x" * 200_000]),
       column=st.integers(min_value=0, max_value=4))
async def test_odd_characters_and_huge_cells_are_handled(
        directory: tuple[DirectoryStore, TinyDBStorage], cell: str, column: int) -> None:
    store, storage = directory
    before = await snapshot(storage)
    rows = [list(r) for r in VALID_ROWS]
    rows[0][column] += cell
    report = await store.import_csv(to_csv([HEADER, *rows]), source="upload.csv")
    if not report.ok:
        assert await snapshot(storage) == before
        assert all(len(str(e)) < 400 for e in report.errors)  # a cell is never echoed whole


def run_import(tmp_path: Path, file: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "POLICYBOT_DB": str(tmp_path / "cli" / "policybot.json")}
    return subprocess.run([str(POLICYBOT), "directory", "import", str(file)], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)


async def cli_snapshot(tmp_path: Path) -> Snapshot:
    storage = TinyDBStorage(str(tmp_path / "cli" / "policybot.json"))
    try:
        return await snapshot(storage)
    finally:
        await storage.close()


async def test_the_import_command_refuses_broken_files_with_a_message(tmp_path: Path) -> None:
    sample = tmp_path / "people.csv"
    sample.write_text(to_csv([HEADER, *VALID_ROWS[:1]]).replace(
        "amir.khan@northbrook.example,", "amir.khan@@northbrook,"))
    legacy = tmp_path / "legacy.csv"  # a spreadsheet saved in Windows-1252, not UTF-8
    legacy.write_bytes(to_csv([HEADER, ["z\xe9@x.example", "Ren\xe9e", "Oak", "", ""]]).encode(
        "cp1252"))
    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    outputs = []
    for file in (sample, legacy, binary):
        before = await cli_snapshot(tmp_path)
        done = run_import(tmp_path, file)
        outputs.append(done.stderr)
        assert done.returncode == 1, (file.name, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout and 'File "' not in done.stderr
        assert "Nothing" in done.stderr or "nothing" in done.stderr
        assert await cli_snapshot(tmp_path) == before
    assert "line 2" in outputs[0] and "UTF-8" in outputs[1]


# -- the identity platform's refusals, as the directory sync from Entra reports them ---------

SPECIAL = st.sampled_from(["\r\n", "\n", "\t", "\x00", "Trace ID:", "AADSTS", "'", " "])
DESCRIPTIONS = st.lists(st.text(max_size=80) | SPECIAL, max_size=30).map("".join)


@settings(HOSTILE, max_examples=200)
@given(description=DESCRIPTIONS, error=st.text(max_size=200), trace=st.uuids(),
       correlation=st.uuids(), codes=st.lists(st.integers(0, 10**8), max_size=3),
       in_fields=st.booleans())
def test_a_token_refusal_is_one_bounded_line_with_its_ids_whole(
        description: str, error: str, trace: uuid.UUID, correlation: uuid.UUID,
        codes: list[int], in_fields: bool) -> None:
    """Whatever the description says, and whether the ids come as fields or only inside the
    description (as older responses have them), the ids reach the admin whole."""
    trailer = (f"\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\n"
               "Timestamp: 2026-03-02 02:00:05Z")
    result: dict[str, object] = {"error": error, "error_description": description + trailer,
                                 "error_codes": codes}
    if in_fields:
        result.update(trace_id=str(trace), correlation_id=str(correlation))
    message = describe_refusal(result)
    assert "\n" not in message and "\r" not in message and "\x00" not in message
    assert f"trace id {trace}, correlation id {correlation}" in message
    assert len(message) < 800


@settings(HOSTILE, max_examples=100)
@given(result=st.dictionaries(st.text(max_size=20), st.none() | st.integers() | st.text(
    max_size=50) | st.lists(st.integers(), max_size=2), max_size=8) | st.none() | st.text())
def test_any_token_answer_is_described_without_an_exception(result: object) -> None:
    message = describe_refusal(result)
    assert message.startswith("the Microsoft identity platform") and "\n" not in message
