"""Rebuilds conversations/packs/first_names.txt, the first names the draft reader knows.

Sources, each with its licence (the file's header repeats them):
- the 1990 United States Census first names, public domain, as shipped in the PyPI package
  ``names`` 0.3.0 (``names/dist.female.first``, ``names/dist.male.first``);
- the English names and nicknames of the PyPI package ``nicknames`` 1.0.1 (Apache-2.0);
- names common among pupils in UK schools that the census list lacks, listed in
  ``scripts/first_names_uk.txt`` (this project's own list).

Rare census names that are everyday English words ("life", "bat", "love") are left out: a
name below the census's 300 most common whose word frequency (the PyPI package ``wordfreq``,
Zipf 3.5 or more) says it is mostly a word. Run with both packages unpacked somewhere
(``pip download --no-deps names nicknames``) and ``wordfreq`` installed:

    python scripts/build_first_names.py NAMES_DIR NICKNAMES_DIR
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "conversations" / "packs" / "first_names.txt"
UK = ROOT / "scripts" / "first_names_uk.txt"

HEADER = """\
# First names the draft reader knows, one a line, lower case.
# Sources: the 1990 United States Census first names (public domain), from the PyPI package
# `names` 0.3.0; the English names and nicknames of the PyPI package `nicknames` 1.0.1
# (Apache License 2.0, https://github.com/carltonnorthern/nicknames); names common among
# pupils in UK schools, this project's own list (scripts/first_names_uk.txt).
# Rebuilt by scripts/build_first_names.py. Names that are also everyday words ("will", "may")
# are listed in reader.yaml's `word_names` and count only when typed with a capital.
"""


def main(names_dir: str, nicknames_dir: str) -> None:
    from wordfreq import zipf_frequency

    found: set[str] = set()
    for file in ("dist.female.first", "dist.male.first"):
        for line in (Path(names_dir) / "names" / file).read_text().splitlines():
            if not line.strip():
                continue
            name, rank = line.split()[0].lower(), int(line.split()[3])
            if rank > 300 and zipf_frequency(name, "en") >= 3.5:
                continue  # mostly a word
            found.add(name)
    # A nickname that is mostly a word ("bat", "life") is left out unless a census name.
    common = set(found)
    with (Path(nicknames_dir) / "nicknames" / "names.csv").open() as handle:
        for row in csv.DictReader(handle):
            for name in (row["name1"].lower(), row["name2"].lower()):
                if name in common or zipf_frequency(name, "en") < 3.5:
                    found.add(name)
    for line in UK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            found.update(w.lower() for w in line.split())
    names = sorted(n for n in found if n.isalpha() and len(n) >= 2)
    OUT.write_text(HEADER + "\n".join(names) + "\n", encoding="utf-8")
    print(f"{len(names)} names written to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
