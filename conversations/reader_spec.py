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

from conversations.names import NameList, load_name_list
from conversations.pack_files import problems_of, read_yaml
from conversations.sentence_model import Examples

# Terms filled at run time rather than from the file (see reader.yaml's header).
BUILTIN_TERMS = frozenset({"$staff", "$school", "$phone", "$email", "$fullname",
                           "$pupil_name", "$first_name", "$titled"})
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
    names: NameList = NameList(frozenset(), frozenset())
    # The learned signal: example sentences per fact, and the scores above which a sentence
    # is asked about, and is taken as a finding without asking.
    examples: Examples | None = None
    ask_above: float = 0.6
    sure_above: float = 0.9
    # Facts the model may find only in a draft that shows school life.
    needs_school_life: frozenset[str] = frozenset()

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
    not_names = frozenset(str(w).lower() for w in raw.get("not_names") or [])
    spec = ReaderSpec(
        source=str(file),
        lexicons=lexicons,
        detectors=detectors,
        facts=facts,
        organisation=tuple(str(o) for o in raw.get("organisation") or []),
        not_names=not_names,
        names=_name_list(file, raw, not_names, fail),
        examples=_examples(file, raw, facts, fail),
        ask_above=_share(raw, "ask_above", 0.6, fail),
        sure_above=_share(raw, "sure_above", 0.9, fail),
        needs_school_life=frozenset(str(f) for f in (raw.get("model") or {}).get(
            "needs_school_life") or ()),
    )
    return spec, problems


def _name_list(file: Path, raw: dict[str, Any], not_names: frozenset[str],
               fail: Any) -> NameList:
    """The first names the reader knows (``first_names:``, a file beside the reader file);
    ``word_names`` and ``not_names`` are also everyday words, read as names only when
    capitalised."""
    name = raw.get("first_names")
    if not name:
        return NameList(frozenset(), frozenset())
    path = file.parent / str(name)
    if not path.is_file():
        fail("first_names", f"no file {name} beside the reader file")
        return NameList(frozenset(), frozenset())
    words = [str(w) for w in raw.get("word_names") or []]
    return load_name_list(path, [*words, *not_names])


def _examples(file: Path, raw: dict[str, Any], facts: Mapping[str, FactSpec],
              fail: Any) -> Examples | None:
    """The labelled sentences the learned signal is trained on (``examples:``, a file beside
    the reader file): for each fact, sentences that show it and look-alikes that do not."""
    model = raw.get("model") or {}
    name = model.get("examples") if isinstance(model, dict) else None
    if not name:
        return None
    path = file.parent / str(name)
    problems, fail_there = problems_of(path)
    data = read_yaml(path, fail_there) if path.is_file() else None
    for problem in problems:
        fail("model.examples", problem)
    if not isinstance(data, dict) or not isinstance(data.get("examples"), dict):
        fail("model.examples", f"{name} needs an `examples:` mapping of fact to sentences")
        return None
    positive: dict[str, tuple[str, ...]] = {}
    negative: dict[str, tuple[str, ...]] = {}
    for fact, sets in data["examples"].items():
        if fact not in facts:
            fail(f"model.examples.{fact}", "not a fact in `facts`")
            continue
        pos = [str(x) for x in (sets or {}).get("positive") or []]
        neg = [str(x) for x in (sets or {}).get("negative") or []]
        if len(pos) < 5 or len(neg) < 5:
            fail(f"model.examples.{fact}", "needs at least 5 positive and 5 negative sentences")
            continue
        positive[str(fact)], negative[str(fact)] = tuple(pos), tuple(neg)
    ordinary = tuple(str(x) for x in data.get("ordinary") or [])
    return Examples(positive, negative, ordinary) if positive else None


def _share(raw: dict[str, Any], key: str, default: float, fail: Any) -> float:
    model = raw.get("model") or {}
    value = model.get(key, default) if isinstance(model, dict) else default
    if not isinstance(value, int | float) or not 0 < float(value) < 1:
        fail(f"model.{key}", "must be a number between 0 and 1")
        return default
    return float(value)


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
