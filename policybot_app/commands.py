"""What each ``policybot`` subcommand does (argument parsing lives in policybot_app.cli)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot import delivery_failures, keys, records
from bot.app import Application, build_application
from bot.config import Config, load_config
from bot.directory import DirectoryStore, describe_person
from bot.due_work.pending_steps import DueWorkReport
from bot.settings import SETTINGS
from conversations.pack_loader import default_pack_path, load_pack
from conversations.policy import PackError
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
    if pack.reader is not None and pack.reader.examples is not None:
        from conversations.sentence_model import learning_report

        print("\n".join(learning_report(pack.reader.examples, pack.reader.ask_above)))
    return 0


async def chat(config: Config, email: str) -> int:
    from adapters.terminal import run_chat
    from bot.application_port import PortToApplication

    application = await build_application(config)
    try:
        return await run_chat(PortToApplication(application), email)
    finally:
        await application.close()


async def import_directory(config: Config, file: Path) -> int:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        print(f"policybot: cannot read {file}: {exc.strerror}", file=sys.stderr)
        return 1
    except UnicodeDecodeError as exc:
        # Often a spreadsheet saved as "CSV" in a legacy encoding rather than "CSV UTF-8".
        print(f"policybot: {file} is not UTF-8 text (byte {exc.start + 1} cannot be read); "
              f"save it as \"CSV UTF-8\" and import it again. Nothing was imported.",
              file=sys.stderr)
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
    application = await build_application(config)
    try:
        print(describe_person(await application.directory.snapshot(), email))
        return 0
    except LookupError as exc:
        print(f"policybot: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    finally:
        await application.close()


async def export(config: Config, since: date | None, fmt: str, out: str,
                 what: str = "requests", reader: str | None = None) -> int:
    storage = open_storage(config.storage_target)
    try:
        person = None
        if reader is not None:
            person = (await DirectoryStore(storage).snapshot()).get(reader)
            if person is None:
                print(f"policybot: {reader} is not in the staff directory; nothing was "
                      "exported", file=sys.stderr)
                return 1
        text = await records.export(storage, since, fmt, what, person)
    finally:
        await storage.close()
    if out == "-":
        sys.stdout.write(text)
    else:
        # Exports hold drafts that may name pupils: readable by the operator only.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"Wrote {out}")
    return 0


async def jobs(config: Config, what: str, at: datetime | None, dry_run: bool = False) -> int:
    from bot.due_work.runner import DueWork

    if what == "run" and dry_run:
        return await _jobs_dry_run(config, at)
    application = await build_application(config)
    try:
        runner = DueWork(application)
        now = at or application.bot.clock()
        if what == "run":
            report, delivered, waiting = await run_due_work(application, config, now)
            for line in report.lines():
                print(line)
            print(f"messages delivered: {delivered}")
            if waiting:
                print(f"messages left for the server to deliver: {waiting}")
        else:
            for moment, label in await runner.upcoming(now):
                print(f"{moment:%Y-%m-%d %H:%M} UTC  {label}")
        return 0
    finally:
        await application.close()


async def run_due_work(application: Application, config: Config, now: datetime, *,
                       teams_emulator: bool = False) -> tuple[DueWorkReport, int, int]:
    """Due work as of ``now``, delivered through the same channels as the server's (Slack,
    Teams, the local inbox): (what was done, messages delivered, messages still queued).
    What this process cannot deliver stays queued for the server."""
    from bot.due_work.runner import DueWork
    from policybot_app.web_server import build_web_app

    await build_web_app(application, config, playground=False, teams_emulator=teams_emulator)
    report = await DueWork(application).run_all(now)
    delivered = await application.flush()
    return report, delivered, await delivery_failures.waiting(application.storage)


async def _jobs_dry_run(config: Config, at: datetime | None) -> int:
    """What ``jobs run`` would do, worked out on a copy of the store: nothing changes and
    nothing is sent."""
    from bot.due_work.runner import DueWork
    from storage.base import Put
    from storage.memory import MemoryStorage

    source = open_storage(config.storage_target)
    try:
        copy = MemoryStorage()
        await copy.write([Put(key, record.value) for key, record in await source.scan("")])
    finally:
        await source.close()
    before = {key for key, _ in await copy.scan(keys.OUTBOX)}
    application = await build_application(config, storage=copy, load_sample=False)
    now = at or application.bot.clock()
    report = await DueWork(application).run_all(now)
    print(f"Dry run as of {now:%Y-%m-%d %H:%M} UTC: nothing was changed or sent.")
    for line in report.lines() or ["nothing is due"]:
        print(line)
    for key, record in await copy.scan(keys.OUTBOX):
        if key not in before:
            message = record.value["message"]
            what = message.get("title") or message.get("text") or message.get("prompt", "")
            print(f"would send to {record.value['to']}: {str(what).splitlines()[0][:80]}")
    return 0


async def purge(config: Config, dry_run: bool, at: datetime | None) -> int:
    from bot.due_work import retention

    storage = open_storage(config.storage_target)
    days = config.number("POLICYBOT_RETENTION_DAYS")
    now = at or datetime.now(UTC)
    try:
        done = await (retention.plan if dry_run else retention.purge)(storage, now, days)
    finally:
        await storage.close()
    print(("Would remove (dry run):" if dry_run else "Removed:") + f" older than {days} days")
    for line in done.lines():
        print(f"  {line}")
    return 0


async def delegate(config: Config, approver: str, to: str, start: date | None,
                   until: date) -> int:
    from bot.delegation import set_delegation
    from bot.tx import Tx
    from conversations.away import DelegationError

    application = await build_application(config)
    try:
        people = await application.directory.snapshot()
        away, deputy = people.get(approver), people.get(to)
        if away is None or deputy is None:
            print(f"policybot: {approver if away is None else to} is not in the directory",
                  file=sys.stderr)
            return 1
        today = application.bot.clock().date()
        tx = Tx(application.storage)
        try:
            await set_delegation(tx, away, deputy, start or today, until, today)
        except DelegationError as exc:
            print(f"policybot: {exc}", file=sys.stderr)
            return 1
        tx.append_audit(application.bot.clock(), {
            "event": "delegation_set", "actor": "policybot delegate", "approver": away.email,
            "delegate": deputy.email, "start": (start or today).isoformat(),
            "until": until.isoformat()})
        await tx.commit()
        print(f"{away.name}'s approvals go to {deputy.name} from {start or today} to {until}.")
        return 0
    finally:
        await application.close()
