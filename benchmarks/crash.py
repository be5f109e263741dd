"""Crash test: SIGKILL ``policybot serve`` at random moments under load, restart it, and check
that nothing acknowledged was lost and nothing was done twice.

A few teachers work through the Slack journey without pause (their line managers approving)
against the real server, its Web API calls going to the tests' fake Slack (a process of its
own, which outlives the server). At random moments the server is killed with SIGKILL (no
cleanup, as a power cut or the OOM killer would) and started again on the same store. Every
request Slack would consider delivered (answered 200) is remembered. At the end the store is
opened afresh and checked:

* every acknowledged message or button press was applied: the turn's event marker, committed
  in the same batch as the conversation's new state, is in the store;
* every acknowledged Approve left its request approved;
* nothing is duplicated: no step has two "decided" audit entries, no request id was created
  twice, and no teacher has more requests than the final answers they sent;
* the store loads, and the server started on it after every kill.

Run:
    .venv/bin/python -m benchmarks.crash [--rounds 20] [--teachers 6]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]

TinyDB always; PostgreSQL too when a URL is given (in a schema of its own, dropped after).
Exits 1 and prints what was lost or duplicated, 0 when nothing was.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import random
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

import aiohttp

from benchmarks import load_slack
from benchmarks.client import Inboxes, NoReply, Recorder
from benchmarks.load import fake
from benchmarks.postgres_schema import private_schema
from benchmarks.processes import Child, start_policybot
from benchmarks.staff import Member, prepare, teachers
from storage import Storage, open_storage
from storage.base import Record
from testing.slack.signing import SECRET, TOKEN

REPLY_TIMEOUT = 5.0  # after a kill, an answer may never come: start again instead
KILL_AFTER = (0.0, 1.0)  # seconds before each kill, once the restarted server is busy
GIVE_UP = (aiohttp.ClientError, NoReply, load_slack.Refused, TimeoutError)


@dataclass
class Ledger(Recorder):
    """Every request body the server acknowledged with 200, in order."""

    acked: list[bytes] = field(default_factory=list)
    final_answers: Counter[str] = field(default_factory=Counter)  # by Slack user id

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        if is_last_answer(_payload(body)):
            self.final_answers[sender(body)] += 1  # counted even if it is never answered
        status, text = await super().post(url, body, headers)
        if status == 200:
            self.acked.append(body)
        return status, text


def _payload(body: bytes) -> dict:
    if body.startswith(b"{"):
        return dict(json.loads(body))
    return dict(json.loads(dict(parse_qsl(body.decode()))["payload"]))


def turn_key(body: bytes) -> str:
    """The event id the Slack adapter gives the turn for this request (see its listeners)."""
    data = _payload(body)
    if data.get("type") == "event_callback":
        return f"slack-event:{data['event_id']}"
    action = data["actions"][0]
    return (f"slack-action:{action['action_ts']}:{data['user']['id']}:"
            f"{data['container']['message_ts']}")


def marker(body: bytes) -> str:
    return f"seen/{hashlib.sha256(turn_key(body).encode()).hexdigest()[:32]}"


def sender(body: bytes) -> str:
    data = _payload(body)
    return str(data["event"]["user"] if "event" in data else data["user"]["id"])


def is_last_answer(data: dict) -> bool:
    """The answer that creates the request: "My own personal account" pressed (the draft
    shows the rest, so it is the one question asked)."""
    actions = data.get("actions") or []
    return bool(actions) and str(actions[0].get("value", "")).endswith("|personal")


def describe(body: bytes) -> str:
    """What a request was, without its text (a draft may name pupils)."""
    data = _payload(body)
    if "event" in data:
        return f"message from {data['event']['user']} ({data['event_id']})"
    action = data["actions"][0]
    label = action.get("text", {}).get("text", action["action_id"])
    return f"press [{label}] by {data['user']['id']} ({action['action_ts']})"


def approved_request(body: bytes) -> str:
    """The request id of an Approve press, "" for anything else."""
    data = _payload(body)
    if "actions" not in data:
        return ""
    value = data["actions"][0].get("value", "")
    with contextlib.suppress(ValueError):
        pressed = json.loads(value)
        if isinstance(pressed, dict) and pressed.get("a") == "approve":
            return str(pressed.get("r", ""))
    return ""


# -- the run ------------------------------------------------------------------------------


@dataclass
class Target:
    server: Child
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    restarts: int = 0
    failed_starts: list[str] = field(default_factory=list)


async def keep_working(driver: load_slack.SlackDriver, teacher: Member, target: Target,
                       stop: asyncio.Event) -> int:
    """Journeys one after another until ``stop``; returns how many were cut short."""
    cut = 0
    while not stop.is_set():
        await target.ready.wait()
        try:
            box = driver.inboxes(teacher.dm)
            mark = box.mark()
            await driver.say(teacher, "cancel")  # whatever a kill left half done
            await box.until(load_slack.says("(?i)cancel"), mark)
            await load_slack.journey(driver, teacher)
        except GIVE_UP:
            cut += 1  # a kill (which cleared ready first) or an answer lost with it
    return cut


async def under_load(ledger: Ledger, count: int, timeout: float = 30.0) -> None:
    """Wait until ``count`` more requests have been acknowledged (the server is busy)."""
    loop = asyncio.get_running_loop()
    goal, deadline = len(ledger.acked) + count, loop.time() + timeout
    while len(ledger.acked) < goal and loop.time() < deadline:
        await asyncio.sleep(0.01)


async def kill_and_restart(target: Target, driver: load_slack.SlackDriver, folder: Path,
                           settings: dict[str, str], rounds: int, count: int) -> None:
    rng = random.Random()
    assert isinstance(driver.recorder, Ledger)
    for n in range(rounds):
        await under_load(driver.recorder, count)
        await asyncio.sleep(rng.uniform(*KILL_AFTER))  # the random moment is the point
        target.ready.clear()
        target.server.kill()
        await target.server.proc.wait()
        try:
            target.server = await start_policybot(folder, settings)
        except RuntimeError as exc:
            target.failed_starts.append(f"round {n + 1}: {exc}")
            raise
        target.restarts += 1
        driver.url = target.server.url + load_slack.EVENTS_PATH
        target.ready.set()


async def run(settings: dict[str, str], folder: Path, rounds: int, count: int
              ) -> tuple[Ledger, Target, int]:
    async with fake("slack", folder / "fake", count) as urls:
        settings = {**settings, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": urls["api"]}
        target = Target(await start_policybot(folder, settings))
        target.ready.set()
        timeout = aiohttp.ClientTimeout(total=REPLY_TIMEOUT * 2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            ledger = Ledger(session)
            driver = load_slack.SlackDriver(ledger, target.server.url, Inboxes(
                session, urls["watch"], "channel", timeout=REPLY_TIMEOUT))
            stop = asyncio.Event()
            workers = [asyncio.create_task(keep_working(driver, t, target, stop))
                       for t in teachers(count)]
            try:
                await kill_and_restart(target, driver, folder, settings, rounds, count)
            finally:
                stop.set()
                target.ready.set()
                cut = sum(c for c in await asyncio.gather(*workers, return_exceptions=True)
                          if isinstance(c, int))
        code = await target.server.stop()
        if code != 0:
            target.failed_starts.append(f"the last server stopped with exit code {code}")
    return ledger, target, cut


def check(ledger: Ledger, stored: dict[str, Record], count: int) -> list[str]:
    """Everything wrong with the store, one line each."""
    problems = []
    for body in ledger.acked:
        if marker(body) not in stored:
            problems.append(f"LOST: acknowledged {describe(body)} is not in the store")
        request_id = approved_request(body)
        record = stored.get(f"request/{request_id}") if request_id else None
        if request_id and (record is None or record.value["status"] != "approved"):
            status = record.value["status"] if record else "missing"
            problems.append(f"LOST: acknowledged Approve of {request_id}, which is {status}")
    audit = [r.value for k, r in stored.items() if k.startswith("audit/")]
    decided = Counter((a["request"], a.get("step")) for a in audit if a["event"] == "decided")
    problems += [f"DUPLICATE: step {step} of {rid} decided {n} times"
                 for (rid, step), n in decided.items() if n > 1]
    created = Counter(a["request"] for a in audit if a["event"] == "created")
    problems += [f"DUPLICATE: request id {rid} created {n} times"
                 for rid, n in created.items() if n > 1]
    requests = [r.value for k, r in stored.items() if k.startswith("request/")]
    mine = Counter(r["requester"] for r in requests)
    for teacher in teachers(count):
        if mine[teacher.email] > ledger.final_answers[teacher.slack_id]:
            problems.append(f"DUPLICATE: {teacher.email} has {mine[teacher.email]} requests "
                            f"from {ledger.final_answers[teacher.slack_id]} final answers")
    return problems


async def load_store(open_it: Storage) -> dict[str, Record]:
    try:
        return dict(await open_it.scan(""))
    finally:
        await open_it.close()


async def crash_test(backend: str, target_store: str, folder: Path, rounds: int,
                     count: int) -> bool:
    store = open_storage(target_store)
    await prepare(store, count)
    await store.close()
    setting = "DATABASE_URL" if "://" in target_store else "POLICYBOT_DB"
    ledger, target, cut = await run({setting: target_store}, folder, rounds, count)
    problems = list(target.failed_starts)
    try:
        stored = await load_store(open_storage(target_store))
    except Exception as exc:  # the point: a store that no longer opens is a failure
        problems.append(f"the store does not load: {type(exc).__name__}: {exc}")
        stored = {}
    if stored:
        problems += check(ledger, stored, count)
    approvals = sum(1 for b in ledger.acked if approved_request(b))
    requests = sum(1 for k in stored if k.startswith("request/"))
    print(f"{backend}: {target.restarts} kills and restarts, {len(ledger.acked)} acknowledged "
          f"requests ({approvals} approvals) checked, {requests} requests in the store, "
          f"{cut} journeys cut short by a kill")
    for problem in problems[:50]:
        print(f"  {problem}")
    if len(problems) > 50:
        print(f"  ... and {len(problems) - 50} more")
    print(f"{backend}: {'FAILED: ' + str(len(problems)) + ' problem(s)' if problems else 'ok'}")
    return not problems


@contextlib.asynccontextmanager
async def workspace(keep: Path | None) -> AsyncIterator[Path]:
    with tempfile.TemporaryDirectory(prefix="policybot-crash-") as tmp:
        yield keep or Path(tmp)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--teachers", type=int, default=6)
    parser.add_argument("--database-url", help="also run on this PostgreSQL database")
    parser.add_argument("--keep", type=Path, help="work in this new folder and keep it (logs)")
    args = parser.parse_args()
    ok = True
    async with workspace(args.keep) as folder:
        tiny = folder / "tinydb"
        db = tiny / "db" / "policybot.json"
        db.parent.mkdir(parents=True)
        ok = await crash_test("TinyDB", str(db), tiny, args.rounds, args.teachers)
        if args.database_url:
            with private_schema(args.database_url) as url:
                (folder / "postgres").mkdir()
                ok = await crash_test("PostgreSQL", url, folder / "postgres", args.rounds,
                                      args.teachers) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
