"""Builds the running application from configuration: storage, pack, directory, bot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Config
from bot.delivery import LocalInbox, Outbox
from bot.directory import DirectoryStore
from bot.service import PolicyBot
from conversations.policy import PolicyPack, load_pack
from storage import Storage, open_storage


@dataclass
class Application:
    config: Config
    storage: Storage
    pack: PolicyPack
    directory: DirectoryStore
    outbox: Outbox
    inbox: LocalInbox
    bot: PolicyBot

    async def flush(self) -> int:
        """Deliver what is waiting in the outbox."""
        return await self.outbox.flush(await self.directory.snapshot())

    async def close(self) -> None:
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
    bot = PolicyBot(store, pack, directory, outbox, clock)
    return Application(config, store, pack, directory, outbox, inbox, bot)
