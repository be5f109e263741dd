"""Two real ``policybot serve`` processes on one PostgreSQL schema, and a client for them.

The replicas share nothing but the database: as behind a load balancer, any request may
reach either. Readiness is polled on ``GET /healthz``; nothing sleeps for a fixed time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from storage.base import Record
from storage.postgres_store import PostgresStorage
from testing.server.serve_process import ServerProcess
from testing.staff import TEACHER

# School business on a personal account, shown in the words: the line manager approves it.
DRAFT = "Oakfield's Christmas fair is this Saturday: well done to Year 4 for the stalls!"
# Where it goes: the one question the bot asks about this draft.
ANSWERS = (["personal"],)
TIMEOUT = 30.0


async def poll(condition: Callable[[], Awaitable[bool]], timeout: float = TIMEOUT) -> None:
    """Wait until ``condition()`` holds, for at most ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@dataclass
class Replica:
    process: ServerProcess
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return self.process.url

    async def healthy(self) -> bool:
        try:
            async with self.session.get(self.url + "healthz") as response:
                return response.status == 200
        except aiohttp.ClientError:
            return False

    async def turn(self, **payload: Any) -> dict[str, Any]:
        """One playground turn; the reply must be a 200 with JSON."""
        async with self.session.post(self.url + "playground/api/turn", json=payload) as response:
            body = await response.text()
            assert response.status == 200, (response.status, body)
            result: dict[str, Any] = await response.json()
            return result

    async def create_request(self) -> str:
        """The teacher asks for approval of a post; returns the new request's id."""
        await self.turn(**{"as": TEACHER, "text": "can I post this?"})
        result = await self.turn(**{"as": TEACHER, "text": DRAFT})
        for values in ANSWERS:
            question = next(m for m in reversed(result["replies"]) if m["type"] == "question")
            result = await self.turn(**{"as": TEACHER,
                                        "choice": {"token": question["token"], "values": values}})
        card = next(m for m in reversed(result["replies"])
                    if m["type"] == "card" and m.get("request_id"))
        return str(card["request_id"])

    def log_count(self, text: str) -> int:
        return sum(text in line for line in self.process.stderr)


@contextlib.asynccontextmanager
async def two_replicas(tmp_path: Path, database_url: str, *args: str,
                       **env: str) -> AsyncIterator[tuple[Replica, Replica]]:
    """Start two servers at the same moment (so they also race to migrate the schema)."""
    settings = {"DATABASE_URL": database_url, "LOG_LEVEL": "INFO", **env}
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
    started = await asyncio.gather(
        *(asyncio.to_thread(ServerProcess, folder, list(args), settings) for folder in folders),
        return_exceptions=True)
    processes = [p for p in started if isinstance(p, ServerProcess)]
    try:
        for failure in started:
            if isinstance(failure, BaseException):
                raise failure
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
            a, b = (Replica(p, session) for p in processes)
            await poll(a.healthy)
            await poll(b.healthy)
            yield a, b
    finally:
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
            process.kill()


async def audit_for(store: PostgresStorage, request_id: str, event: str) -> list[Record]:
    return [r for _, r in await store.scan("audit/")
            if r.value.get("request") == request_id and r.value.get("event") == event]


async def inbox_about(store: PostgresStorage, email: str, request_id: str) -> list[Record]:
    return [r for _, r in await store.scan(f"inbox/{email}/")
            if r.value["message"].get("request_id") == request_id]
