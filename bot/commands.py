"""What each ``policybot`` subcommand does (argument parsing lives in bot.cli)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from bot import records
from bot.app import build_application
from bot.config import Config, load_config
from bot.directory import DirectoryStore, describe_person
from bot.settings import SETTINGS
from conversations.policy import PackError, default_pack_path, load_pack
from storage import open_storage


def show_config(markdown: bool) -> int:
    if markdown:
        print("| Variable | Required | Default | Description |")
        print("|---|---|---|---|")
        for s in SETTINGS:
            required = "yes" if s.required else "no"
            print(f"| `{s.name}` | {required} | {f'`{s.default}`' if s.default else ''} | "
                  f"{s.description} |")
        return 0
    config = load_config()
    for name, value in config.masked():
        print(f"{name}={value}")
    return 0


def check_policy(file: str | None) -> int:
    import os

    path = file or os.environ.get("POLICYBOT_POLICY") or str(default_pack_path())
    try:
        pack = load_pack(path)
    except PackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    questions = sum(len(f.questions) for f in pack.flows.values())
    rules = sum(len(f.rules) for f in pack.flows.values())
    print(f"{path}: OK ({len(pack.clauses)} clauses, {len(pack.flows)} flows, "
          f"{questions} questions, {rules} rules)")
    return 0


async def chat(config: Config, email: str) -> int:
    from adapters.terminal import run_chat

    app = await build_application(config)
    try:
        return await run_chat(app, email)
    finally:
        await app.close()


async def import_directory(config: Config, file: Path) -> int:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        print(f"policybot: cannot read {file}: {exc.strerror}", file=sys.stderr)
        return 1
    storage = open_storage(config.storage_target)
    try:
        report = await DirectoryStore(storage).import_csv(text, source=str(file))
    finally:
        await storage.close()
    if not report.ok:
        for error in report.errors:
            print(f"{file}:{error}", file=sys.stderr)
        print(f"Nothing imported: {len(report.errors)} problem(s).", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


async def show_person(config: Config, email: str) -> int:
    app = await build_application(config)
    try:
        print(describe_person(await app.directory.snapshot(), email))
        return 0
    except LookupError as exc:
        print(f"policybot: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    finally:
        await app.close()


async def export(config: Config, since: date | None, fmt: str, out: str) -> int:
    storage = open_storage(config.storage_target)
    try:
        text = await records.export(storage, since, fmt)
    finally:
        await storage.close()
    if out == "-":
        sys.stdout.write(text)
    else:
        Path(out).write_text(text, encoding="utf-8")
        print(f"Wrote {out}")
    return 0
