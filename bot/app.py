"""Builds the running application from configuration: storage, pack, directory, bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Config
from bot.delivery import LocalInbox, Outbox
from bot.directory import DirectoryStore
from bot.report.chat import ReportChat
from bot.report.options import options_from
from bot.service import PolicyBot
from conversations.pack_loader import load_pack
from conversations.policy import PolicyPack
from storage import Storage, open_storage

log = logging.getLogger(__name__)


@dataclass
class Application:
    config: Config
    storage: Storage
    pack: PolicyPack
    directory: DirectoryStore
    outbox: Outbox
    inbox: LocalInbox
    bot: PolicyBot

    def __post_init__(self) -> None:
        self._wake = asyncio.Event()
        # What adapters opened that closing the application must close (HTTP sessions).
        self.closers: list[Callable[[], Awaitable[None]]] = []

    async def flush(self) -> int:
        """Deliver what is waiting in the outbox."""
        return await self.outbox.flush(await self.directory.snapshot())

    def kick(self) -> None:
        """Ask the outbox pump to deliver now (called after each handled turn)."""
        self._wake.set()

    async def pump(self, interval: float = 5.0) -> None:
        """Deliver outbound messages as turns produce them, and retry failures every
        ``interval`` seconds. Runs until cancelled."""
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that lands as the wake-up does, and the pump would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # a failing platform must not stop the pump
                log.exception("outbox flush failed; will retry")

    async def close(self) -> None:
        for close in self.closers:
            with contextlib.suppress(Exception):
                await close()
        self.closers.clear()
        await self.storage.close()


def utc_now() -> datetime:
    return datetime.now(UTC)


async def build_application(
    config: Config,
    *,
    storage: Storage | None = None,
    clock: Callable[[], datetime] = utc_now,
    load_sample: bool = True,
) -> Application:
    store = storage or open_storage(config.storage_target)
    pack = load_pack(config.get("POLICYBOT_POLICY") or None)
    if config.get("POLICYBOT_CONTACT"):
        from dataclasses import replace

        pack = replace(pack, contact=config.get("POLICYBOT_CONTACT"))
    directory = DirectoryStore(store, clock=clock)
    if load_sample:
        await directory.ensure_sample()
    outbox = Outbox(store, clock)
    inbox = LocalInbox(store, clock)
    outbox.register(inbox)
    reports = ReportChat(store, pack, options_from(config))
    bot = PolicyBot(store, pack, directory, outbox, clock, reports)
    return Application(config, store, pack, directory, outbox, inbox, bot)
