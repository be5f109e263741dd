"""The reader's data: word lists and detectors from the pack's reader file, checked.

The pack names a reader file (``reader: reader.yaml``). This module turns it into typed
objects and reports every problem with its place (``reader.detectors[4] (derogatory-pupils)``):
a pattern that does not compile, a detector naming an unknown word list, fact or clause.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conversations.pack_files import problems_of, read_yaml

# Terms filled at run time rather than from the file (see reader.yaml's header).
BUILTIN_TERMS = frozenset({"$staff", "$school", "$phone", "$email", "$fullname",
                           "$pupil_name"})
# Placeholders that may appear inside a word-list pattern and are replaced by names.
PLACEHOLDERS = ("$school", "$organisation")
SCOPES = frozenset({"sentence", "near", "draft"})
CHANNELS = frozenset({"personal", "group", "official"})


@dataclass(frozen=True)
class Detector:
    id: str
    fact: str
    all: tuple[str, ...]
    none: tuple[str, ...]
    about: str
    says: str
    clauses: tuple[str, ...]
    scope: str = "sentence"
    channels: tuple[str, ...] = ()
    # Detectors of one group compete: where several fire in one place, the closest wins.
    group: str = ""


@dataclass(frozen=True)
class FactSpec:
    title: str
    fix: str


@dataclass(frozen=True, eq=False)  # hashed by identity: compiled patterns are cached per spec
class ReaderSpec:
    source: str
    lexicons: Mapping[str, tuple[str, ...]]
    detectors: tuple[Detector, ...]
    facts: Mapping[str, FactSpec]
    organisation: tuple[str, ...]
    not_names: frozenset[str]

    def terms(self) -> set[str]:
        return {t for d in self.detectors for t in (*d.all, *d.none)}


def load_reader_spec(file: Path, clauses: Mapping[str, object]) -> tuple[ReaderSpec, list[str]]:
    """The reader file's content and every problem found in it (empty when usable)."""
    problems, fail = problems_of(file)
    raw = read_yaml(file, fail)
    if raw is None and problems:
        raw = {}
    if not isinstance(raw, dict):
        fail("top level", "expected a mapping with lexicons, detectors and facts")
        raw = {}
    lexicons = _lexicons(raw.get("lexicons"), fail)
    facts = _facts(raw.get("facts"), fail)
    detectors = _detectors(raw.get("detectors"), lexicons, facts, clauses, fail)
    spec = ReaderSpec(
        source=str(file),
        lexicons=lexicons,
        detectors=detectors,
        facts=facts,
        organisation=tuple(str(o) for o in raw.get("organisation") or []),
        not_names=frozenset(str(w).lower() for w in raw.get("not_names") or []),
    )
    return spec, problems


def _compiles(pattern: str) -> str:
    """Why ``pattern`` is not a usable regular expression, or ""."""
    probe = pattern
    for placeholder in PLACEHOLDERS:
        probe = probe.replace(placeholder, "(?:x)")
    try:
        re.compile(probe, re.IGNORECASE)
    except re.error as exc:
        return str(exc)
    return ""


def _lexicons(raw: Any, fail: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        fail("lexicons", "expected a mapping of name to a list of patterns")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for name, entries in raw.items():
        if not isinstance(entries, list) or not entries:
            fail(f"lexicons.{name}", "expected a non-empty list of patterns")
            continue
        for i, entry in enumerate(entries):
            why = _compiles(str(entry))
            if why:
                fail(f"lexicons.{name}[{i}]", f"pattern {entry!r} does not compile ({why})")
        out[str(name)] = tuple(str(e) for e in entries)
    return out


def _facts(raw: Any, fail: Any) -> dict[str, FactSpec]:
    if not isinstance(raw, dict):
        fail("facts", "expected a mapping of fact to {title, fix}")
        return {}
    out = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or not spec.get("title"):
            fail(f"facts.{name}", "needs a title")
            continue
        out[str(name)] = FactSpec(str(spec["title"]), str(spec.get("fix") or ""))
    return out


def _detectors(
    raw: Any, lexicons: Mapping[str, object], facts: Mapping[str, FactSpec],
    clauses: Mapping[str, object], fail: Any,
) -> tuple[Detector, ...]:
    if not isinstance(raw, list):
        fail("detectors", "expected a list")
        return ()
    out: list[Detector] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        place = f"detectors[{i}]"
        if not isinstance(entry, dict) or "id" not in entry:
            fail(place, "a detector needs an id")
            continue
        place = f"{place} ({entry['id']})"
        if entry["id"] in seen:
            fail(place, "a detector with this id comes earlier")
        seen.add(str(entry["id"]))
        terms = [str(t) for t in entry.get("all") or []]
        vetoes = [str(t) for t in entry.get("none") or []]
        if not terms:
            fail(place, "`all` must list at least one term")
        for term in (*terms, *vetoes):
            _check_term(term, lexicons, place, fail)
        fact = str(entry.get("fact", ""))
        if fact not in facts:
            fail(place, f"finds the fact {fact!r}, which `facts` does not define")
        cited = tuple(str(c) for c in entry.get("clauses") or [])
        if not cited:
            fail(place, "cites no clause")
        for c in cited:
            if c not in clauses:
                fail(place, f"cites clause {c}, which the pack does not define")
        scope = str(entry.get("scope", "sentence"))
        if scope not in SCOPES:
            fail(place, f"scope is sentence or draft, not {scope!r}")
        channels = tuple(str(c) for c in entry.get("channels") or [])
        if not set(channels) <= CHANNELS:
            fail(place, f"channels must be among {sorted(CHANNELS)}")
        if not entry.get("about") or not entry.get("says"):
            fail(place, "needs `about` and `says` (what the person is told)")
        out.append(Detector(
            id=str(entry["id"]), fact=fact, all=tuple(terms), none=tuple(vetoes),
            about=str(entry.get("about", "")), says=" ".join(str(entry.get("says", "")).split()),
            clauses=cited, scope=scope, channels=channels, group=str(entry.get("group") or ""),
        ))
    return tuple(out)


def _check_term(term: str, lexicons: Mapping[str, object], place: str, fail: Any) -> None:
    if term.startswith("@"):
        if term[1:] not in lexicons:
            fail(place, f"uses the word list {term}, which `lexicons` does not define")
    elif term.startswith("$"):
        if term not in BUILTIN_TERMS:
            fail(place, f"unknown built-in term {term}; known: {', '.join(sorted(BUILTIN_TERMS))}")
    else:
        why = _compiles(term)
        if why:
            fail(place, f"pattern {term!r} does not compile ({why})")
