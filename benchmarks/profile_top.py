"""The top of a py-spy profile (``--format raw``, collapsed stacks): where the time goes.

    .venv/bin/python -m benchmarks.profile_top FILE [--top 25] [--own]

Prints each function's share of all samples: inclusive (it or anything it called was running)
by default, or its own time only with ``--own``. The project's functions are what to read;
library ones show where a call of ours spends its time.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^():]*)(?::\d+)?\)$")


def frames(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rstrip().rpartition(" ")
    names = []
    for frame in stack.split(";"):
        match = _FRAME.match(frame)
        if match:
            where = match.group("file")
            short = "/".join(Path(where).parts[-2:]) if where else ""
            names.append(f"{match.group('name')} ({short})")
        else:
            names.append(frame)
    return names, int(count)


def summarise(path: Path, own: bool) -> tuple[Counter[str], int]:
    totals: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        names, count = frames(line)
        samples += count
        if own:
            totals[names[-1]] += count
        else:
            for name in set(names):
                totals[name] += count
    return totals, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--own", action="store_true", help="own time, not inclusive")
    args = parser.parse_args()
    totals, samples = summarise(args.file, args.own)
    print(f"{samples} samples ({'own' if args.own else 'inclusive'} time)")
    for name, count in totals.most_common(args.top):
        print(f"{100 * count / max(samples, 1):5.1f}%  {name}")


if __name__ == "__main__":
    main()
