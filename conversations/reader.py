"""Reads a draft the way a careful communications officer would: what does it show?

The reader finds the facts the policy turns on (a pupil named with personal details, an
insult aimed at parents, a notice to parents, pictures of sports day...), each with the words
that show it, so the bot can say what it saw and act on it instead of trusting a tick box.

How: every word list of the pack's reader file is compiled once into one regular expression
and run once over the draft; a detector fires where all of its terms match inside one
sentence (or anywhere, for draft-wide detectors) and none of its vetoes do. Tone needs a
target: "useless" fires only in a sentence that also names pupils, parents, colleagues, the
school or an inspectorate, so a rant about a referee is not a finding.

Phone numbers are read by the ``phonenumbers`` library (it knows every UK numbering range,
which a home-made pattern would not). Names of staff and schools come from the directory at
run time. Nothing here leaves the process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import phonenumbers

from conversations.reader_spec import Detector, ReaderSpec

Span = tuple[int, int]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|(?<=[\U0001F300-\U0001FAFF])\s+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:['-][A-Za-z][a-z]+)?\b")
_LEAD_IN = frozenset({"her", "his", "their", "our", "my", "the", "this", "that", "these",
                      "those", "a", "an", "your"})
_GENERIC_SCHOOL_WORDS = frozenset({"primary", "academy", "school", "infant", "infants",
                                   "junior", "juniors", "high", "college", "c", "of", "e", "ce",
                                   "church", "england", "community", "secondary", "trust"})
MAX_QUOTE = 110


@dataclass(frozen=True)
class Finding:
    """One fact the draft shows, with the words that show it."""

    fact: str
    quote: str
    about: str
    says: str
    clauses: tuple[str, ...]
    detector: str
    channels: tuple[str, ...] = ()

    def applies_to(self, channel: str | None) -> bool:
        """Whether the finding matters where the post goes (unknown: not yet)."""
        if not self.channels:
            return True
        return channel is not None and channel in self.channels

    def sentence(self) -> str:
        return f"I noticed “{self.quote}” about {self.about}: {self.says} " \
               f"({', '.join(self.clauses)})."

    def to_json(self) -> dict[str, Any]:
        return {"fact": self.fact, "quote": self.quote, "about": self.about,
                "says": self.says, "clauses": list(self.clauses), "detector": self.detector,
                "channels": list(self.channels)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(fact=str(data["fact"]), quote=str(data["quote"]), about=str(data["about"]),
                   says=str(data["says"]), clauses=tuple(data.get("clauses") or ()),
                   detector=str(data.get("detector", "")),
                   channels=tuple(data.get("channels") or ()))


@dataclass(frozen=True)
class KnownNames:
    """Names from the staff directory: people and schools."""

    staff: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()


NO_NAMES = KnownNames()


class DraftReader(Protocol):
    def read(self, text: str, names: KnownNames = ...) -> tuple[Finding, ...]: ...


class Reader:
    def __init__(self, spec: ReaderSpec) -> None:
        self.spec = spec
        self._inline = {t: re.compile(_bounded(t))
                        for t in spec.terms() if t[0] not in "@$"}

    def read(self, text: str, names: KnownNames = NO_NAMES) -> tuple[Finding, ...]:
        """Every finding in ``text``, in the order of the pack's detectors, without repeats."""
        if not text.strip():
            return ()
        compiled = _compile_lexicons(self.spec, names)
        # Word lists run over the lower-cased text (cheaper than case-blind matching); the
        # offsets are the same unless lower-casing changed the length (a few rare letters).
        lowered = text.lower()
        if len(lowered) != len(text):
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        sentences = _sentences(text)
        starts = [s for s, _ in sentences]
        spans: dict[str, list[Span]] = {}

        def spans_of(term: str) -> list[Span]:
            if term not in spans:
                spans[term] = self._find(term, text, lowered, compiled, names)
            return spans[term]

        # One finding per fact (and the destinations it matters for): the shortest quote,
        # which is the one that shows the fact most plainly.
        best: dict[tuple[str, tuple[str, ...]], Finding] = {}
        for detector in self.spec.detectors:
            quote = next(iter(_fire(detector, text, sentences, starts, spans_of)), None)
            if quote is None:
                continue
            key = (detector.fact, detector.channels)
            if key not in best or len(quote) < len(best[key].quote):
                best[key] = Finding(detector.fact, quote, detector.about, detector.says,
                                    detector.clauses, detector.id, detector.channels)
        return tuple(best.values())

    def _find(self, term: str, text: str, lowered: str,
              compiled: dict[str, tuple[re.Pattern[str], ...]], names: KnownNames) -> list[Span]:
        if term.startswith("@"):
            return sorted(m.span() for p in compiled[term[1:]] for m in p.finditer(lowered))
        if term == "$phone":
            return _phones(text)
        if term == "$email":
            return [m.span() for m in _EMAIL.finditer(text)]
        if term == "$fullname":
            return _full_names(text, self.spec.not_names, names)
        if term in ("$staff", "$school"):
            return sorted(m.span() for p in compiled[term] for m in p.finditer(lowered))
        return [m.span() for m in self._inline[term].finditer(lowered)]


def _fire(detector: Detector, text: str, sentences: Sequence[Span], starts: Sequence[int],
          spans_of: Any) -> Iterable[str]:
    """The quotes of every place ``detector`` fires, first place first."""
    term_spans = []
    for term in detector.all:  # stop at the first term that is absent: most drafts end here
        found = spans_of(term)
        if not found:
            return
        term_spans.append(found)
    scopes = [(0, len(text))] if detector.scope == "draft" else sentences
    veto_spans = [spans_of(t) for t in detector.none]
    for lo, hi in scopes:
        picked = []
        for spans in term_spans:
            inside = [s for s in spans if lo <= s[0] < hi]
            if not inside:
                break
            picked.append(inside)
        else:
            if any(lo <= s[0] < hi for spans in veto_spans for s in spans):
                continue
            yield _quote(text, _closest(picked))


def _closest(options: list[list[Span]]) -> list[Span]:
    """One span per term, near the first term's first match, no two the same."""
    anchor = options[0][0]
    chosen = [anchor]
    for spans in options[1:]:
        fresh = [s for s in spans if s not in chosen] or spans
        chosen.append(min(fresh, key=lambda s: abs(s[0] - anchor[0])))
    return chosen


def _quote(text: str, spans: list[Span]) -> str:
    spans = sorted(set(spans))
    lo, hi = spans[0][0], max(e for _, e in spans)
    before = text[:lo].rstrip()
    lead = re.search(r"(\w+)$", before)
    if lead and lead.group(1).lower() in _LEAD_IN and lo - len(before) <= 1:
        lo = lead.start(1)
    if hi - lo <= MAX_QUOTE:
        return " ".join(text[lo:hi].split())
    return " … ".join(" ".join(text[s:e].split()) for s, e in spans)


def _sentences(text: str) -> list[Span]:
    out = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _bounded(pattern: str) -> str:
    return rf"\b(?:{pattern})(?!\w)" if _starts_with_word(pattern) else rf"(?:{pattern})(?!\w)"


def _starts_with_word(pattern: str) -> bool:
    """Whether a pattern begins with a letter or digit (most do) rather than "£", "[", "#"."""
    head = pattern[:2]
    if head.startswith("\\"):
        return head[1:] in ("d", "w")
    return head[:1].isalnum() or head[:1] == "("


def _patterns(alternatives: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """One compiled pattern for the alternatives that start with a word, one for the rest.

    Kept apart because a leading \\b lets the regex engine jump to word starts (a
    lookbehind or a mixed alternation there makes it try every position).
    """
    words = [a for a in alternatives if _starts_with_word(a)]
    others = [a for a in alternatives if not _starts_with_word(a)]
    out = []
    if words:
        out.append(re.compile(rf"\b(?:{'|'.join(words)})(?!\w)"))
    if others:
        out.append(re.compile(rf"(?:{'|'.join(others)})(?!\w)"))
    return tuple(out)


def _phones(text: str) -> list[Span]:
    # POSSIBLE, not VALID: the reserved drama ranges (07700 900xxx) are still someone's
    # number as far as a reader of the post is concerned.
    matcher = phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE)
    return [(m.start, m.end) for m in matcher if len(re.sub(r"\D", "", m.raw_string)) >= 10]


def _full_names(text: str, not_names: frozenset[str], names: KnownNames) -> list[Span]:
    """Two capitalised words in a row that are not a school, a staff member or a stop word."""
    known = {n.lower() for n in (*names.staff, *names.schools)}
    words = list(_CAPITALISED.finditer(text))
    out = []
    for first, second in zip(words, words[1:], strict=False):
        gap = text[first.end():second.start()]
        if gap != " ":
            continue
        a, b = first.group().lower(), second.group().lower()
        if a in not_names or b in not_names or f"{a} {b}" in known:
            continue
        out.append((first.start(), second.end()))
    return out


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
    escaped = [re.escape(n).replace(r"\ ", r"\s+") for n in names if n]
    return "|".join(escaped) if escaped else r"(?!x)x"


@lru_cache(maxsize=8)
def _compile_cached(spec: ReaderSpec, staff: tuple[str, ...],
                    schools: tuple[str, ...]) -> dict[str, tuple[re.Pattern[str], ...]]:
    school_names = _school_names(schools, spec.organisation)
    school_alt = _alternation(school_names)
    org_alt = _alternation(spec.organisation)
    out: dict[str, tuple[re.Pattern[str], ...]] = {}
    for name, entries in spec.lexicons.items():
        out[name] = _patterns(
            e.replace("$school", f"(?:{school_alt})").replace("$organisation", f"(?:{org_alt})")
            .lower() for e in entries)
    staff_forms: list[str] = []
    for full in staff:
        parts = full.split()
        staff_forms.append(full)
        if len(parts) >= 2:
            staff_forms += [f"{title} {parts[-1]}" for title in ("Mr", "Mrs", "Ms", "Miss", "Dr")]
    out["$staff"] = _patterns([_alternation(
        sorted({f.lower() for f in staff_forms}, key=len, reverse=True))])
    out["$school"] = _patterns([school_alt.lower()])
    return out


def _compile_lexicons(spec: ReaderSpec,
                      names: KnownNames) -> dict[str, tuple[re.Pattern[str], ...]]:
    return _compile_cached(spec, tuple(sorted(names.staff)), tuple(sorted(names.schools)))
