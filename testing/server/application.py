"""The application the in-process server tests build: the sample Trust on a TinyDB file."""

from __future__ import annotations

from pathlib import Path

from bot.app import Application, build_application
from bot.config import Config
from storage.tinydb_store import TinyDBStorage


async def make_application(tmp_path: Path, **settings: str) -> Application:
    config = Config(settings)
    storage = TinyDBStorage(tmp_path / "db" / "policybot.json")
    return await build_application(config, storage=storage)
