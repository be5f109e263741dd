"""The TinyDB store's files: stores in the earlier layout are moved to the current one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from storage.tinydb_store import TinyDBStorage


@pytest.fixture
def main_path(tmp_path: Path) -> Path:
    return tmp_path / "policybot.json"


async def test_files_of_the_earlier_layout_are_moved_once(main_path: Path) -> None:
    """Stores written before requests were filed 50 a file and entries by day still open:
    their documents are moved to the new files at the first open, and nothing is lost."""
    old = {"request": {f"SM-{n:04d}": {"value": {"n": n}, "etag": f"e{n:015d}"}
                       for n in range(1, 120)}}
    (main_path.parent / "policybot.request.n0.json").write_text(json.dumps(old))
    audit = {"audit": {"2026-11-03T09:00:00.000000Z-a1": {"value": {"e": 1}, "etag": "a" * 16},
                       "2026-11-24T13:05:01.123456Z-b2": {"value": {"e": 2}, "etag": "b" * 16}}}
    (main_path.parent / "policybot.audit.2026-11.json").write_text(json.dumps(audit))
    store = TinyDBStorage(main_path)
    found = await store.read([f"request/SM-{n:04d}" for n in range(1, 120)])
    assert [found[f"request/SM-{n:04d}"].value["n"] for n in range(1, 120)] == list(range(1, 120))
    assert found["request/SM-0007"].etag == f"e{7:015d}"
    assert [r.value["e"] for _, r in await store.scan("audit/2026-11")] == [1, 2]
    names = set(os.listdir(main_path.parent))
    assert "policybot.request.n0.json" not in names and "policybot.audit.2026-11.json" not in names
    assert {"policybot.request.s0.json", "policybot.request.s2.json",
            "policybot.audit.2026-11-03.json", "policybot.audit.2026-11-24.json"} <= names
    await store.close()
