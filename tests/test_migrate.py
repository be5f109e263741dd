"""``policybot migrate``: a TinyDB store copied into PostgreSQL, counted and read back."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.migrate import run_migrate
from storage.base import Put, Storage
from storage.postgres_store import PostgresStorage
from storage.tinydb_store import TinyDBStorage
from testing.postgres import private_schema

REQUESTS = 10_000
AUDITS_PER_REQUEST = 3
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pg_url() -> Iterator[str]:
    with private_schema() as url:
        yield url


def request_doc(n: int) -> dict[str, object]:
    return {"id": f"SM-{n:05d}", "requester": "sophie.bennett@northbrook.example",
            "status": "approved" if n % 3 else "rejected", "draft": f"Sports day post {n} ☀️",
            "answers": [["Where", "School account"]], "steps": [{"state": "approved"}]}


def audit_key(n: int, i: int) -> str:
    month = 1 + n % 12
    return f"audit/2025-{month:02d}-{1 + n % 28:02d}T09:00:00.{i:06d}Z-{n:08x}"


async def seed(store: Storage) -> dict[str, int]:
    """A Trust's worth of history, written straight through the storage API."""
    for start in range(1, REQUESTS + 1, 500):
        batch = []
        for n in range(start, min(start + 500, REQUESTS + 1)):
            batch.append(Put(f"request/SM-{n:05d}", request_doc(n)))
            batch += [Put(audit_key(n, i), {"event": "decided", "request": f"SM-{n:05d}"})
                      for i in range(AUDITS_PER_REQUEST)]
        await store.write(batch)
    await store.write([
        Put("meta/counter-request", {"next": REQUESTS + 1}),
        Put("conversation/sophie.bennett@northbrook.example", {"flow": None}),
        Put("presence/daniel.osei@northbrook.example", {"platform": "slack"}),
        Put("inbox/daniel.osei@northbrook.example/x", {"message": {"type": "text"}}),
        Put("outbox/2026-01-01T00:00:00.000000Z-000-abcd", {"to": "x", "attempts": 0}),
        Put("seen/0123456789abcdef", {"at": "2026-01-01"}),
    ])
    return {"audit": REQUESTS * AUDITS_PER_REQUEST, "conversation": 1, "inbox": 1, "meta": 1,
            "outbox": 1, "presence": 1, "request": REQUESTS, "seen": 1}


async def test_ten_thousand_requests_are_copied_and_the_counts_match(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policybot.json"
    source = TinyDBStorage(path)
    expected = await seed(source)
    await source.close()

    assert await run_migrate(f"tinydb:{path}", pg_url) == 0

    out = capsys.readouterr().out
    assert re.search(r"^request +10,000 +10,000$", out, re.M)
    assert re.search(r"^audit +30,000 +30,000$", out, re.M)
    assert "every one was read back and matches" in out
    target = PostgresStorage(pg_url)
    assert await target.counts() == expected
    for n in (1, 4321, REQUESTS):
        record = await target.get(f"request/SM-{n:05d}")
        assert record is not None and record.value == request_doc(n)
    tiny = await TinyDBStorage(path).scan("audit/2025-07")
    assert [k for k, _ in await target.scan("audit/2025-07")] == [k for k, _ in tiny]
    await target.close()


def policybot(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command line, in a child process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "policybot_app.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


async def small_store(path: Path, tag: str) -> None:
    store = TinyDBStorage(path)
    await store.write([Put(f"request/SM-{n:04d}", {"tag": tag, "n": n}) for n in range(5)]
                      + [Put("meta/counter-request", {"next": 5})])
    await store.close()


async def test_a_non_empty_target_is_refused_without_force(tmp_path: Path, pg_url: str) -> None:
    await small_store(tmp_path / "one.json", "one")
    await small_store(tmp_path / "two.json", "two")
    first = policybot("migrate", "--from", f"tinydb:{tmp_path / 'one.json'}", "--to", pg_url)
    assert first.returncode == 0, first.stderr

    again = policybot("migrate", "--from", f"tinydb:{tmp_path / 'two.json'}", "--to", pg_url)
    assert again.returncode == 1
    assert "already holds documents (1 meta, 5 request)" in again.stderr
    assert "--force" in again.stderr
    target = PostgresStorage(pg_url)
    assert {r.value["tag"] for _, r in await target.scan("request/")} == {"one"}

    await target.write([Put("job/kept", {"v": 1})])
    forced = policybot("migrate", "--from", f"tinydb:{tmp_path / 'two.json'}", "--to", pg_url,
                       "--force")
    assert forced.returncode == 0, forced.stderr
    assert {r.value["tag"] for _, r in await target.scan("request/")} == {"two"}
    assert await target.counts() == {"job": 1, "meta": 1, "request": 5}
    await target.close()


def test_a_missing_source_is_refused_before_anything_is_touched(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "policybot.json"
    result = policybot("migrate", "--from", f"tinydb:{missing}", "--to",
                       "postgresql://postgres@127.0.0.1:1/test")
    assert result.returncode == 2
    assert f"no TinyDB store at {missing}" in result.stderr
    assert not missing.parent.exists()
    wrong = policybot("migrate", "--from", str(missing), "--to", "postgresql://x@h/db")
    assert wrong.returncode == 2 and "--from takes tinydb:PATH" in wrong.stderr
    assert "Traceback" not in result.stderr + wrong.stderr


async def test_an_unreachable_target_is_reported_without_the_password(tmp_path: Path) -> None:
    await small_store(tmp_path / "one.json", "one")
    result = policybot("migrate", "--from", f"tinydb:{tmp_path / 'one.json'}", "--to",
                       "postgresql://bot:hunter2-secret@127.0.0.1:1/test")
    assert result.returncode == 1
    assert "postgresql://127.0.0.1:1/test is unavailable" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
