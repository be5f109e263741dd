"""What the load generator and the crash test share: timed requests, and waiting for replies.

:class:`Recorder` posts a request and keeps its time to acknowledge (request sent to response
read) and status. :class:`Inboxes` follow what the bot posted to a channel (Slack) or
conversation (Teams) through the fake's watch endpoint, so a simulated person waits for the
bot's question before answering it, as a person would.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

REPLY_TIMEOUT = 60.0
Item = dict[str, Any]


class NoReply(Exception):
    """The bot did not post what was expected in time."""


@dataclass
class Recorder:
    session: aiohttp.ClientSession
    acks: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    recording: bool = True
    think: float = 0.0  # mean pause before each measured request, as a person reading

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        if self.think and self.recording:
            await asyncio.sleep(random.uniform(0, 2 * self.think))
        began = time.perf_counter()
        async with self.session.post(url, data=body, headers=headers) as response:
            text = await response.text()
        took = time.perf_counter() - began
        if self.recording:
            self.acks.append(took)
            self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        return response.status, text


class Inbox:
    """What the bot has posted to one channel or conversation, fetched as it comes."""

    def __init__(self, inboxes: Inboxes, key: str) -> None:
        self.inboxes = inboxes
        self.key = key
        self.items: list[Item] = []
        self._fetching = asyncio.Lock()

    def mark(self) -> int:
        return len(self.items)

    async def until(self, found: Callable[[Item], bool], start: int = 0,
                    timeout: float | None = None) -> Item:
        """The first item from index ``start`` on for which ``found`` holds (waiting for it)."""
        timeout = self.inboxes.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        checked = start
        while True:
            for item in self.items[checked:]:
                if found(item):
                    return item
            checked = max(checked, len(self.items))
            left = deadline - loop.time()
            if left <= 0:
                raise NoReply(f"nothing expected arrived in {self.key} within {timeout:.0f} s")
            async with self._fetching:
                if len(self.items) == checked:  # nobody fetched meanwhile
                    self.items += await self.inboxes.fetch(self.key, checked, left)

    async def next(self, start: int, timeout: float | None = None) -> Item:
        return await self.until(lambda _: True, start, timeout)


class Inboxes:
    def __init__(self, session: aiohttp.ClientSession, watch_url: str, param: str,
                 timeout: float = REPLY_TIMEOUT) -> None:
        self.session = session
        self.watch_url = watch_url
        self.param = param  # "channel" (Slack) or "conversation" (Teams)
        self.timeout = timeout  # how long a person waits for the bot's answer
        self._boxes: dict[str, Inbox] = {}

    def __call__(self, key: str) -> Inbox:
        return self._boxes.setdefault(key, Inbox(self, key))

    async def fetch(self, key: str, since: int, timeout: float) -> list[Item]:
        query = {self.param: key, "since": str(since), "timeout": f"{min(timeout, 30):.1f}"}
        async with self.session.get(self.watch_url + "watch", params=query) as response:
            body = await response.json()
        items: list[Item] = body["items"]
        return items


@dataclass
class Figures:
    """One measured run."""

    name: str
    acks: list[float]
    statuses: dict[int, int]
    elapsed: float
    peak_mb: float
    failures: list[str]
    calls: Counter[str] = field(default_factory=Counter)  # the fake platform's, by method
    cpu: float = 0.0  # the server's CPU seconds during the measured part
    system: float = 0.0  # of which in the kernel (system calls: sockets, files, fsync)

    @property
    def count(self) -> int:
        return len(self.acks)

    @property
    def per_second(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.acks)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    @property
    def p50(self) -> float:
        return statistics.median(self.acks) if self.acks else float("nan")

    @property
    def p99(self) -> float:
        return self.quantile(0.99)

    @property
    def worst(self) -> float:
        return max(self.acks, default=float("nan"))

    @property
    def cpu_ms(self) -> float:
        """The server's CPU milliseconds per request acknowledged."""
        return self.cpu * 1000 / self.count if self.count else 0.0

    def calls_line(self) -> str:
        """The platform calls per request acknowledged, by method."""
        each = ", ".join(f"{method} {n / max(self.count, 1):.2f}"
                         for method, n in self.calls.most_common())
        return f"  {self.name}: platform calls per request: {each}"

    @property
    def system_ms(self) -> float:
        """Of :attr:`cpu_ms`, the milliseconds spent in the kernel."""
        return self.system * 1000 / self.count if self.count else 0.0

    def line(self) -> str:
        codes = ",".join(f"{k}x{v}" for k, v in sorted(self.statuses.items()))
        failed = f"  FAILED {len(self.failures)}" if self.failures else ""
        calls = self.calls.total() / self.count if self.count else 0.0
        return (f"{self.name:<31} {self.per_second:6.1f} events/s  p50 {self.p50 * 1000:6.1f} ms"
                f"  p99 {self.p99 * 1000:7.1f} ms  max {self.worst * 1000:7.1f} ms  peak "
                f"{self.peak_mb:4.0f} MB  CPU {self.cpu / self.elapsed:4.0%}, "
                f"{self.cpu_ms:.2f} ms an event ({self.system_ms:.2f} system)  ({self.count} "
                f"requests, HTTP {codes}, "
                f"{calls:.1f} platform calls each){failed}")


async def run_all(people: list[Callable[[], Any]]) -> tuple[float, list[str]]:
    """Start every person's coroutine at once; (wall time, failures)."""
    began = time.perf_counter()
    results = await asyncio.gather(*(p() for p in people), return_exceptions=True)
    elapsed = time.perf_counter() - began
    failures = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
    return elapsed, failures
