"""The storage contract as one shared test suite.

Every backend's test module subclasses :class:`StorageContract` and provides a ``store``
fixture; the same tests then run against each backend (in the manner of botbuilder's
shared storage tests), so the backends cannot drift apart. Keys span several
collections, sequence shards and months on purpose: backends that shard must still be
atomic and ordered across shards.
"""

from __future__ import annotations

import asyncio
import copy
import random
from collections.abc import AsyncIterator

import pytest

from storage.base import ABSENT, Change, Conflict, Delete, Put, Record, Storage

# Keys chosen to land in different shards/files in sharding backends.
SPREAD_KEYS = [
    "meta/settings",
    "request/SM-0007",
    "request/SM-0612",
    "audit/2026-11-24T13:05:01.123456Z-ab12cd",
    "audit/2027-01-02T00:00:00.000001Z-ffff00",
    "job/nightly-export",
]


class StorageContract:
    """Behaviour every :class:`Storage` must show. Subclasses override ``store``."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[Storage]:
        raise NotImplementedError("backend test modules provide a store fixture")
        yield  # pragma: no cover

    # ----------------------------------------------------------------- read & put

    async def test_reading_missing_keys_finds_nothing(self, store: Storage) -> None:
        assert await store.read(SPREAD_KEYS) == {}
        assert await store.get("request/SM-0001") is None

    async def test_put_then_read_returns_value_and_etag(self, store: Storage) -> None:
        etags = await store.write(
            [Put(key, {"key": key, "n": i}) for i, key in enumerate(SPREAD_KEYS)]
        )
        assert set(etags) == set(SPREAD_KEYS)
        found = await store.read([*SPREAD_KEYS, "request/SM-9999"])
        assert found == {
            key: Record({"key": key, "n": i}, etags[key]) for i, key in enumerate(SPREAD_KEYS)
        }

    async def test_write_returns_etags_only_for_puts(self, store: Storage) -> None:
        await store.write([Put("job/a", {"v": 1})])
        etags = await store.write([Put("job/b", {"v": 2}), Delete("job/a")])
        assert list(etags) == ["job/b"]
        assert isinstance(etags["job/b"], str) and etags["job/b"]

    async def test_etag_changes_on_every_put(self, store: Storage) -> None:
        seen = set()
        for _ in range(5):
            etags = await store.write([Put("request/SM-0001", {"same": "value"})])
            record = await store.get("request/SM-0001")
            assert record is not None and record.etag == etags["request/SM-0001"]
            seen.add(record.etag)
        assert len(seen) == 5

    async def test_changes_in_a_batch_apply_in_order(self, store: Storage) -> None:
        await store.write([Put("job/x", {"v": 1}), Delete("job/x")])
        assert await store.get("job/x") is None
        await store.write([Delete("job/y"), Put("job/y", {"v": 1}), Put("job/y", {"v": 2})])
        record = await store.get("job/y")
        assert record is not None and record.value == {"v": 2}

    # -------------------------------------------------------------- expectations

    async def test_expect_absent_succeeds_only_when_absent(self, store: Storage) -> None:
        await store.write([Put("request/SM-0001", {"v": 1}, expect=ABSENT)])
        with pytest.raises(Conflict) as caught:
            await store.write([Put("request/SM-0001", {"v": 2}, expect=ABSENT)])
        assert caught.value.key == "request/SM-0001"
        record = await store.get("request/SM-0001")
        assert record is not None and record.value == {"v": 1}

    async def test_expect_etag_conflicts_when_stale_or_missing(self, store: Storage) -> None:
        first = (await store.write([Put("request/SM-0001", {"v": 1})]))["request/SM-0001"]
        second = (await store.write([Put("request/SM-0001", {"v": 2}, expect=first)]))[
            "request/SM-0001"
        ]
        with pytest.raises(Conflict):
            await store.write([Put("request/SM-0001", {"v": 3}, expect=first)])
        with pytest.raises(Conflict):
            await store.write([Put("request/SM-0002", {"v": 3}, expect=first)])
        assert await store.read(["request/SM-0001", "request/SM-0002"]) == {
            "request/SM-0001": Record({"v": 2}, second)
        }

    async def test_failed_batch_writes_nothing(self, store: Storage) -> None:
        before = await store.write([Put(key, {"original": key}) for key in SPREAD_KEYS[:4]])
        batch: list[Change] = [
            Put(SPREAD_KEYS[0], {"changed": True}, expect=before[SPREAD_KEYS[0]]),
            Delete(SPREAD_KEYS[1]),
            Put(SPREAD_KEYS[4], {"new": True}, expect=ABSENT),
            Put(SPREAD_KEYS[5], {"new": True}),
            Delete(SPREAD_KEYS[2], expect=before[SPREAD_KEYS[2]]),
            Put(SPREAD_KEYS[3], {"changed": True}, expect="0123456789abcdef"),  # stale
        ]
        with pytest.raises(Conflict) as caught:
            await store.write(batch)
        assert caught.value.key == SPREAD_KEYS[3]
        assert await store.read(SPREAD_KEYS) == {
            key: Record({"original": key}, before[key]) for key in SPREAD_KEYS[:4]
        }

    async def test_malformed_keys_raise_and_write_nothing(self, store: Storage) -> None:
        for bad in ["no-slash", "/id-only", "collection-only/", ""]:
            with pytest.raises(ValueError):
                await store.write([Put("job/good", {"v": 1}), Put(bad, {"v": 1})])
            with pytest.raises(ValueError):
                await store.write([Delete(bad)])
        assert await store.get("job/good") is None

    # -------------------------------------------------------------------- delete

    async def test_delete_without_expectation(self, store: Storage) -> None:
        etags = await store.write([Put("job/a", {"v": 1}), Put("request/SM-0003", {"v": 1})])
        assert await store.write([Delete("job/a"), Delete("job/never-existed")]) == {}
        assert await store.read(["job/a", "job/never-existed", "request/SM-0003"]) == {
            "request/SM-0003": Record({"v": 1}, etags["request/SM-0003"])
        }

    async def test_delete_with_expectation(self, store: Storage) -> None:
        etag = (await store.write([Put("job/a", {"v": 1})]))["job/a"]
        await store.write([Put("job/a", {"v": 2})])
        with pytest.raises(Conflict):
            await store.write([Delete("job/a", expect=etag)])
        with pytest.raises(Conflict):
            await store.write([Delete("job/a", expect=ABSENT)])
        current = await store.get("job/a")
        assert current is not None and current.value == {"v": 2}
        await store.write([Delete("job/a", expect=current.etag)])
        assert await store.get("job/a") is None
        with pytest.raises(Conflict):
            await store.write([Delete("job/a", expect=current.etag)])
        await store.write([Delete("job/a", expect=ABSENT)])  # absent, as expected: no-op

    # ---------------------------------------------------------------------- scan

    async def test_scan_orders_and_filters_across_many_shards(self, store: Storage) -> None:
        rng = random.Random(1200)
        requests = [f"request/SM-{n:04d}" for n in range(1200)]
        audits = [
            f"audit/2026-{month:02d}-{day:02d}T10:00:00.000000Z-{n:06x}"
            for month in (1, 2, 9, 10, 11, 12)
            for day in (1, 15, 28)
            for n in range(3)
        ]
        others = ["requests/x", "job/a", "job/b", "meta/flag", "req/odd"]
        everything = requests + audits + others
        shuffled = everything[:]
        rng.shuffle(shuffled)
        for start in range(0, len(shuffled), 150):
            await store.write([Put(key, {"k": key}) for key in shuffled[start : start + 150]])

        scanned = await store.scan("request/")
        assert [key for key, _ in scanned] == requests
        assert all(record.value == {"k": key} for key, record in scanned)
        assert [k for k, _ in await store.scan("request/SM-00")] == requests[:100]
        assert [k for k, _ in await store.scan("request/SM-11")] == requests[1100:]
        assert [k for k, _ in await store.scan("request/SM-0599")] == ["request/SM-0599"]
        assert await store.scan("request/SM-9") == []
        assert [k for k, _ in await store.scan("audit/")] == sorted(audits)
        assert [k for k, _ in await store.scan("audit/2026-1")] == sorted(
            a for a in audits if a.startswith("audit/2026-1")
        )
        assert [k for k, _ in await store.scan("requests/")] == ["requests/x"]
        assert [k for k, _ in await store.scan("job/")] == ["job/a", "job/b"]
        assert await store.scan("nothing/") == []
        assert [k for k, _ in await store.scan("")] == sorted(everything)

    async def test_scan_sees_deletes_and_etags(self, store: Storage) -> None:
        etags = await store.write([Put(f"request/SM-{n:04d}", {"n": n}) for n in (1, 501, 1001)])
        await store.write([Delete("request/SM-0501")])
        assert await store.scan("request/") == [
            ("request/SM-0001", Record({"n": 1}, etags["request/SM-0001"])),
            ("request/SM-1001", Record({"n": 1001}, etags["request/SM-1001"])),
        ]

    # ---------------------------------------------------------------- isolation

    async def test_values_are_copied_in_and_out(self, store: Storage) -> None:
        value = {"list": [1, {"deep": "a"}], "map": {"x": 1}}
        await store.write([Put("job/a", value)])
        value["list"][1]["deep"] = "mutated by writer"  # type: ignore[index]
        read = (await store.read(["job/a"]))["job/a"]
        read.value["map"]["x"] = 99
        scanned = (await store.scan("job/"))[0][1]
        scanned.value["list"].append("mutated by scanner")
        got = await store.get("job/a")
        assert got is not None
        assert got.value == {"list": [1, {"deep": "a"}], "map": {"x": 1}}

    async def test_racing_writers_with_same_etag_exactly_one_wins(self, store: Storage) -> None:
        etag = (await store.write([Put("request/SM-0042", {"owner": None})]))["request/SM-0042"]

        async def claim(n: int) -> dict[str, str]:
            await asyncio.sleep(0)
            return await store.write(
                [
                    Put("request/SM-0042", {"owner": n}, expect=etag),
                    Put(f"audit/2026-11-24T13:05:01.{n:06d}Z-claim", {"by": n}),
                ]
            )

        results = await asyncio.gather(*(claim(n) for n in range(12)), return_exceptions=True)
        winners = [n for n, r in enumerate(results) if isinstance(r, dict)]
        assert len(winners) == 1
        assert all(isinstance(r, Conflict) for r in results if not isinstance(r, dict))
        (winner,) = winners
        record = await store.get("request/SM-0042")
        assert record is not None and record.value == {"owner": winner}
        won = results[winner]
        assert isinstance(won, dict) and record.etag == won["request/SM-0042"]
        assert [k for k, _ in await store.scan("audit/")] == [
            f"audit/2026-11-24T13:05:01.{winner:06d}Z-claim"
        ]

    async def test_racing_creators_exactly_one_wins(self, store: Storage) -> None:
        async def create(n: int) -> dict[str, str]:
            return await store.write([Put("job/lock", {"holder": n}, expect=ABSENT)])

        results = await asyncio.gather(*(create(n) for n in range(8)), return_exceptions=True)
        assert sum(isinstance(r, dict) for r in results) == 1
        assert sum(isinstance(r, Conflict) for r in results) == 7

    # -------------------------------------------------------------------- values

    async def test_unicode_round_trips(self, store: Storage) -> None:
        value = {
            "text": "Café ☕ — «quotes» ‘single’ naïve",
            "emoji": "👩🏽‍🏫📣✅",
            "cjk": "学校の方針",
            "rtl": "مدرسة",
            "combining": "e\u0301",
            "keys": {"ключ": "значение", "🔑": ["ü", "ß"]},
            "escapes": 'line\nbreak\ttab "quote" \\ back',
            "numbers": [0, -1, 2**53, 1.5, -0.25, 1e-7],
            "flags": [True, False, None],
            "empty": {"list": [], "map": {}, "str": ""},
        }
        keys = ["job/café-☕", "request/SM-0100", "meta/ünï"]
        await store.write([Put(key, value) for key in keys])
        found = await store.read(keys)
        assert {key: record.value for key, record in found.items()} == dict.fromkeys(keys, value)
        assert [k for k, _ in await store.scan("job/caf")] == ["job/café-☕"]

    async def test_large_values_round_trip(self, store: Storage) -> None:
        big = {
            "body": "".join(chr(0x41 + i % 26) for i in range(100_000)),
            "rows": [{"i": i, "s": "é" * 10} for i in range(2000)],
        }
        copy_of_big = copy.deepcopy(big)
        await store.write([Put("request/SM-0001", big), Put("audit/2026-11-01T00:00:00Z-a", big)])
        found = await store.read(["request/SM-0001", "audit/2026-11-01T00:00:00Z-a"])
        assert [r.value for r in found.values()] == [copy_of_big, copy_of_big]

    async def test_ping_on_a_healthy_store(self, store: Storage) -> None:
        await store.ping()
        await store.write([Put("meta/x", {"v": 1})])
        await store.ping()
