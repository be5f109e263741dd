"""Where a turn's CPU goes: a py-spy profile of the measured part, in milliseconds per event.

    .venv/bin/python -m benchmarks.profile_table FILE --events N [--cpu S] [--unsorted]

The profile holds samples of the thread that held the GIL (``py-spy record --gil``): Python
running, not threads waiting for a lock, the disk or the network. Each sample is put in one
part of the work: the frame nearest the running code that a rule below names decides (json's
encoder called by the storage is storage encoding; called by the Slack SDK, the Web API call).
Frames no rule names are passed over; a stack with no named frame is the event loop's own
work. ``--unsorted`` lists those samples by function, to write rules for them.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from benchmarks.profile_top import frames

# (part, frame pattern), nearest the running code first: the first frame (from the leaf up)
# that matches any pattern decides; among patterns, the first listed wins.
RULES: list[tuple[str, str]] = [
    ("logging", r"\((logging/|bot/logging_setup)"),
    ("storage: encoding documents", r"^(dumps|_copy_in|doc_text|member_text|object_text|"
                                    r"_members_of) \(storage/"),
    ("storage: decoding files", r"^(read_json_signed|read_json|parse_shard|decode\w*) "
                                r"\(storage/"),
    ("storage: copying documents", r"\(copy\.py\)|^(_records|Tx\.get|copy_json) "),
    ("storage: file writes and fsync", r"^(atomic_write_json|atomic_write_text|fsync_dir|"
                                       r"remove_durably) \("),
    ("storage: locks and file checks", r"\(storage/store_lock|^(file_signature|signature_of|"
                                       r"AtomicJSONStorage\.is_current|exists) \("),
    ("storage: worker threads", r"^ThreadPoolExecutor\.submit|^to_thread \("),
    ("storage: the rest (group commit, shards, lookups)", r"\((storage/|tinydb/)"),
    ("reading the draft", r"\(conversations/(reader|sentence_model|learned|embeddings|"
                          r"doubt|finding|names)|\((wordllama|sklearn|numpy|re2)/"),
    ("building messages", r"\((conversations/(render|codec)|adapters/slack/(blocks|markup)|"
                          r"slack_sdk/models)"),
    ("the engine", r"\(conversations/"),
    ("Slack Web API calls (replies, outbox)", r"\((web/async_|aiohttp/client|"
                                              r"aiohttp/connector|slack_sdk/web|yarl/)"),
    ("outbox and due work", r"\(bot/(delivery|due_work)"),
    # The server's entry points are where every task of the loop starts, not work of their own.
    ("the event loop and threads", r"^(main|_run) \(bot/cli|^serve \(bot/server"),
    ("the application (bot/, the Slack adapter)", r"\((bot/|adapters/)"),
    ("Bolt and the HTTP server", r"\((slack_bolt/|aiohttp/|multidict/|urllib/|"
                                 r"listener/async|middleware/|request/|oauth/)"),
]
LOOP = "the event loop and threads"  # what a stack with no frame named by a rule is
_COMPILED = [(part, re.compile(pattern)) for part, pattern in RULES]


def part_of(stack: list[str]) -> str:
    for frame in reversed(stack):
        for part, pattern in _COMPILED:
            if pattern.search(frame):
                return part
    return LOOP


def parts(path: Path) -> tuple[Counter[str], Counter[str], int]:
    """Samples by part, samples left to the event loop by function, and all samples."""
    totals: Counter[str] = Counter()
    unsorted: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        stack, count = frames(line)
        samples += count
        part = part_of(stack)
        totals[part] += count
        if part == LOOP:
            unsorted[stack[-1]] += count
    return totals, unsorted, samples


def table(path: Path, events: int, rate: int, cpu_seconds: float | None = None) -> list[str]:
    """A Markdown table: each part's share of the samples, and with ``cpu_seconds`` (the
    process's CPU time over the same events) that share of the CPU time per event. The
    samples alone overstate time on a busy machine, where the thread holding the GIL waits
    for a CPU; their shares still say where the CPU goes."""
    totals, _, samples = parts(path)
    per_event = 1000 / rate / max(events, 1)
    cpu_ms = cpu_seconds * 1000 / max(events, 1) if cpu_seconds is not None else None
    lines = [f"{samples} samples at {rate}/s over {events} events "
             f"({samples * per_event:.2f} ms an event holding the GIL)",
             "| part | share of samples | CPU ms per event |", "|---|---:|---:|"]
    for part, count in totals.most_common():
        share = count / max(samples, 1)
        ms = f"{share * cpu_ms:.2f}" if cpu_ms is not None else ""
        lines.append(f"| {part} | {share:.0%} | {ms} |")
    if cpu_ms is not None:
        lines.append(f"| **process CPU (user + system, from /proc)** | | **{cpu_ms:.2f}** |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--rate", type=int, default=250)
    parser.add_argument("--cpu", type=float, help="the process's CPU seconds over the events")
    parser.add_argument("--unsorted", action="store_true",
                        help="list the functions whose samples no rule names")
    args = parser.parse_args()
    print("\n".join(table(args.file, args.events, args.rate, args.cpu)))
    if args.unsorted:
        _, unsorted, samples = parts(args.file)
        for name, count in unsorted.most_common(30):
            print(f"{100 * count / max(samples, 1):5.1f}%  {name}")


if __name__ == "__main__":
    main()
