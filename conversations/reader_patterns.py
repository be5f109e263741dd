"""The reader's word lists compiled for speed, with names from the directory filled in.

A word list is one regular expression made of many alternatives. Python's backtracking
engine tries every alternative at every word start, which makes a 10,000-character draft
cost tens of milliseconds over forty lists. RE2 (the ``google-re2`` package) runs all
alternatives at once in linear time, and cannot be made to backtrack badly by a pattern a
Trust writes, so it finds the candidates; each candidate is then confirmed by the full
Python pattern at that place (RE2 has no lookbehind, which a few patterns use: "(?<!my )mum"
is a parent, "my mum" is not). Without RE2 the Python patterns do the whole job, slower.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from conversations.reader_spec import ReaderSpec

try:  # optional speed-up; the results are the same without it
    import re2 as _re2
except ImportError:  # pragma: no cover - depends on the installation
    _re2 = None

Span = tuple[int, int]
# Ends a word: not followed by a letter, unless the match itself ended on punctuation
# ("adding Jade (" is followed by her son's name).
_END = r"(?:(?<=\W)|(?!\w))"
_LOOKAROUND = re.compile(r"\(\?<?[=!][^()]*\)\??")
_GENERIC_SCHOOL_WORDS = frozenset({"primary", "academy", "school", "infant", "infants",
                                   "junior", "juniors", "high", "college", "c", "of", "e", "ce",
                                   "church", "england", "community", "secondary", "trust"})


def bounded(pattern: str) -> str:
    """``pattern`` matched as whole words."""
    return rf"\b(?:{pattern}){_END}" if _starts_with_word(pattern) else rf"(?:{pattern}){_END}"


def _starts_with_word(pattern: str) -> bool:
    """Whether a pattern begins with a letter or digit (most do) rather than "£", "[", "#"."""
    head = pattern[:2]
    if head.startswith("\\"):
        return head[1:] in ("d", "w")
    return head[:1].isalnum() or head[:1] == "("


class WordList:
    """One word list: finds the spans of its words in lower-cased text."""

    def __init__(self, alternatives: Sequence[str]) -> None:
        words = [a for a in alternatives if _starts_with_word(a)]
        others = [a for a in alternatives if not _starts_with_word(a)]
        # Kept apart: a leading \b lets the engine jump from word start to word start.
        self.patterns = tuple(
            re.compile(body) for body in (
                rf"\b(?:{'|'.join(words)}){_END}" if words else "",
                rf"(?:{'|'.join(others)}){_END}" if others else "") if body)
        self.prefilter = _prefilter(words, others)

    def find(self, lowered: str) -> list[Span]:
        if self.prefilter is None:
            return sorted(m.span() for p in self.patterns for m in p.finditer(lowered))
        found = []
        for candidate in self.prefilter.finditer(lowered):
            start = candidate.start()
            for pattern in self.patterns:
                match = pattern.match(lowered, start)
                if match:
                    found.append(match.span())
                    break
        return sorted(set(found))


def _prefilter(words: Sequence[str], others: Sequence[str]) -> Any:
    """An RE2 pattern that finds every place a word of the list may start, or None."""
    if _re2 is None:
        return None
    parts = []
    if words:
        parts.append(r"\b(?:" + "|".join(_LOOKAROUND.sub("", w) for w in words) + ")")
    if others:
        parts.append("(?:" + "|".join(_LOOKAROUND.sub("", o) for o in others) + ")")
    options = _re2.Options()
    options.max_mem = 64 << 20
    try:
        return _re2.compile("|".join(parts), options)
    except Exception:  # a construct RE2 lacks: Python alone reads this list
        return None


def _school_names(schools: Iterable[str], organisation: Iterable[str]) -> list[str]:
    """Each school's full name and its distinctive part ("Oakfield Primary" -> "Oakfield")."""
    out: list[str] = []
    for name in (*schools, *organisation):
        out.append(name)
        core = [w for w in name.split() if w.lower().strip(".") not in _GENERIC_SCHOOL_WORDS]
        if core and len(" ".join(core)) >= 4:
            out.append(" ".join(core))
    return sorted(set(out), key=lambda n: (-len(n), n))


def _alternation(names: Iterable[str]) -> str:
    escaped = [re.escape(n.lower()).replace(r"\ ", r"\s+") for n in names if n]
    return "|".join(escaped) if escaped else r"(?!x)x"


def _staff_forms(staff: Iterable[str], not_names: frozenset[str]) -> list[str]:
    """How staff write about each other: full name, title and surname, first name."""
    forms: list[str] = []
    for full in staff:
        parts = full.split()
        forms.append(full)
        if len(parts) >= 2:
            forms += [f"{title} {parts[-1]}" for title in ("Mr", "Mrs", "Ms", "Miss", "Dr")]
            if parts[0].lower() not in not_names and len(parts[0]) > 2:
                forms.append(parts[0])
    return sorted({f.lower() for f in forms}, key=len, reverse=True)


def compile_word_lists(spec: ReaderSpec, staff: Sequence[str],
                       schools: Sequence[str]) -> dict[str, WordList]:
    """Every word list of ``spec``, and $staff and $school, for these directory names."""
    return _compiled(spec, tuple(sorted(staff)), tuple(sorted(schools)))


@lru_cache(maxsize=8)
def _compiled(spec: ReaderSpec, staff: tuple[str, ...],
              schools: tuple[str, ...]) -> dict[str, WordList]:
    school_alt = _alternation(_school_names(schools, spec.organisation))
    org_alt = _alternation(spec.organisation)
    out = {
        name: WordList([e.replace("$school", f"(?:{school_alt})")
                        .replace("$organisation", f"(?:{org_alt})").lower() for e in entries])
        for name, entries in spec.lexicons.items()
    }
    out["$staff"] = WordList([_alternation(_staff_forms(staff, spec.not_names))])
    out["$school"] = WordList([school_alt])
    return out
