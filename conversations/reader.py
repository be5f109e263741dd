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

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import phonenumbers

from conversations.finding import Finding
from conversations.learned import learned_findings, unreadable_finding
from conversations.names import first_names, pupil_names, titled_names
from conversations.reader_patterns import WordList, bounded, compile_word_lists
from conversations.reader_spec import Detector, ReaderSpec
from conversations.sentence_model import train

Span = tuple[int, int]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|(?<=[\U0001F300-\U0001FAFF])\s+")
_DIGIT_RUN = re.compile(r"\+?\(?\d[\d ()./-]{8,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:['-][A-Za-z][a-z]+)?\b")
# A child's name as staff write it: "Kacey in my Y2 class", "little Amelia", "Ryan Doherty 9C",
# "the Ahmed twins", "Tyler (8R)".
_PUPIL_NAME = re.compile(
    r"\b([A-Z][a-z]+(?: [A-Z][a-z'-]+)?)(?= (?i:(?:in|from) (?:my|our|year|yr|y\d|reception|"
    r"class|form|the (?:year|class))\b)| \(?(?:Y|Yr|Year ?)\d| \(?\d{1,2}[A-Z]{1,2}\b| \(\d{1,2}\b)"
    r"|(?<=[Ll]ittle )([A-Z][a-z]+)"
    r"|(?<=[Tt]he )([A-Z][a-z]+)(?= (?:twins|girl|boy|lad|kids|children|brothers|sisters)\b)")
_LEAD_IN = frozenset({"her", "his", "their", "our", "my", "the", "this", "that", "these",
                      "those", "a", "an", "your"})
MAX_QUOTE = 110


@dataclass(frozen=True)
class KnownNames:
    """Names from the staff directory: people and schools, and who is who (email, name,
    school) for the questions that ask about a person."""

    staff: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()
    people: tuple[tuple[str, str, str], ...] = ()


NO_NAMES = KnownNames()


class DraftReader(Protocol):
    def read(self, text: str, names: KnownNames = ...) -> tuple[Finding, ...]: ...


class Reader:
    def __init__(self, spec: ReaderSpec) -> None:
        self.spec = spec
        self._inline = {t: re.compile(bounded(t))
                        for t in spec.terms() if t[0] not in "@$"}
        self.model = train(spec.examples) if spec.examples else None

    def read(self, text: str, names: KnownNames = NO_NAMES) -> tuple[Finding, ...]:
        """Every finding in ``text``, in the order of the pack's detectors, without repeats."""
        if not text.strip():
            return ()
        unreadable = unreadable_finding(text)
        if unreadable:
            return (unreadable,)
        compiled = compile_word_lists(self.spec, names.staff, names.schools)
        # Word lists run over the lower-cased text (cheaper than case-blind matching); the
        # offsets are the same unless lower-casing changed the length (a few rare letters).
        lowered = text.lower()
        if len(lowered) != len(text):
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        # Attachment names and hashtags join words with "_" ("sports_day.jpg"): read them
        # as words. Same length, so every offset still points into the draft as typed.
        lowered = lowered.replace("_", " ")
        sentences = _sentences(text)
        spans: dict[str, list[Span]] = {}

        def spans_of(term: str) -> list[Span]:
            if term not in spans:
                spans[term] = self._find(term, text, lowered, compiled, names, sentences,
                                         spans_of)
            return spans[term]

        hits = {d.id: list(_fire(d, text, sentences, spans_of)) for d in self.spec.detectors}
        _settle_groups(self.spec.detectors, hits)
        # One finding per fact (and the destinations it matters for): the first detector's,
        # as the pack lists the most telling ones first.
        best: dict[tuple[str, tuple[str, ...]], Finding] = {}
        for detector in self.spec.detectors:
            if not hits[detector.id]:
                continue
            quote = _quote(text, min(hits[detector.id], key=lambda h: h[1])[2])
            key = (detector.fact, detector.channels)
            if key not in best:
                best[key] = Finding(detector.fact, quote, detector.about, detector.says,
                                    detector.clauses, detector.id, detector.channels)
        found = tuple(best.values())
        if self.model is None:
            return found
        return found + learned_findings(self.model, self.spec, text, sentences, found)

    def _find(self, term: str, text: str, lowered: str, compiled: dict[str, WordList],
              names: KnownNames, sentences: Sequence[Span], spans_of: Any) -> list[Span]:
        if term.startswith("@"):
            return compiled[term[1:]].find(lowered)
        if term == "$phone":
            return _phones(text)
        if term == "$email":
            return [m.span() for m in _EMAIL.finditer(text)]
        if term == "$fullname":
            return _full_names(text, self.spec.not_names, names, self.spec.names.names)
        if term == "$first_name":
            taken = [*spans_of("$staff"), *spans_of("$school")]
            return first_names(text, sentences, self.spec.names, taken)
        if term == "$titled":
            return [s for s in titled_names(text) if not _overlaps(s, spans_of("$staff"))]
        if term == "$pupil_name":
            places = [*spans_of("$school"), *spans_of("$staff")]
            typed = [m.span(m.lastindex or 0) for m in _PUPIL_NAME.finditer(text)
                     if (m.group(m.lastindex or 0) or "").split()[0].lower()
                     not in self.spec.not_names and not _overlaps(m.span(), places)]
            listed = pupil_names(text, sentences, spans_of("$first_name"))
            return sorted(set(typed) | {s for s in listed if not _overlaps(s, typed)})
        if term in ("$staff", "$school"):
            return compiled[term].find(lowered)
        return [m.span() for m in self._inline[term].finditer(lowered)]


Hit = tuple[int, int, list[Span]]  # (scope number, width of the words matched, their spans)


def _fire(detector: Detector, text: str, sentences: Sequence[Span],
          spans_of: Any) -> Iterable[Hit]:
    """Every place ``detector`` fires: its scope's number, how wide, and the quote."""
    term_spans = []
    for term in detector.all:  # stop at the first term that is absent: most drafts end here
        found = spans_of(term)
        if not found:
            return
        term_spans.append(found)
    veto_spans = [spans_of(t) for t in detector.none]
    scopes = _scopes(detector.scope, text, sentences)
    # Only the scopes where the first term occurs can hold every term.
    firsts = [s for s, _ in sentences] if detector.scope != "draft" else [0]
    numbers = sorted({n for b, _ in term_spans[0]
                      for n in _scope_numbers(detector.scope, bisect.bisect_right(firsts, b) - 1,
                                              len(scopes))})
    for number in numbers:
        lo, hi = scopes[number]
        picked = []
        for spans in term_spans:
            inside = _within(spans, lo, hi)
            if not inside:
                break
            picked.append(inside)
        else:
            if any(_within(spans, lo, hi) for spans in veto_spans):
                continue
            chosen = _closest(picked)
            width = max(e for _, e in chosen) - min(b for b, _ in chosen)
            yield number, width, chosen


def _scope_numbers(scope: str, sentence: int, count: int) -> tuple[int, ...]:
    """The scopes that hold a word of sentence number ``sentence``."""
    if scope == "draft":
        return (0,)
    if scope == "near":  # scope i is sentence i with the one before it
        return tuple(n for n in (sentence, sentence + 1) if 0 <= n < count)
    return (max(sentence, 0),)


def _within(spans: list[Span], lo: int, hi: int) -> list[Span]:
    """The spans (sorted by start) that start in [lo, hi)."""
    return spans[bisect.bisect_left(spans, (lo, -1)):bisect.bisect_left(spans, (hi, -1))]


def _scopes(scope: str, text: str, sentences: Sequence[Span]) -> list[Span]:
    if scope == "draft":
        return [(0, len(text))]
    if scope == "near":
        # A sentence with the one before it: "The Year 6 boys left the toilets in a state.
        # Animals, the lot of them." aims the insult at the boys.
        return [(sentences[max(i - 1, 0)][0], end) for i, (_, end) in enumerate(sentences)]
    return list(sentences)


def _settle_groups(detectors: Sequence[Detector], hits: dict[str, list[Hit]]) -> None:
    """Within a group (tone: at pupils, parents, the school, Ofsted...), where several fire in
    one scope, the one whose words sit closest together is what the words are aimed at."""
    groups: dict[str, list[Detector]] = {}
    for d in detectors:
        if d.group:
            groups.setdefault(d.group, []).append(d)
    for members in groups.values():
        narrowest: dict[int, int] = {}
        for d in members:
            for number, width, _ in hits[d.id]:
                narrowest[number] = min(width, narrowest.get(number, width))
        for d in members:
            hits[d.id] = [h for h in hits[d.id] if h[1] <= narrowest[h[0]]]


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
    # Whole words: "sports_day.jpg", not "day.jpg".
    while lo > 0 and (text[lo - 1].isalnum() or text[lo - 1] in "_-."):
        lo -= 1
    while hi < len(text) and (text[hi].isalnum() or text[hi] in "_-") or (
            hi + 1 < len(text) and text[hi] == "." and text[hi + 1].isalnum()):
        hi += 1
    before = text[max(lo - 12, 0):lo]
    lead = re.search(r"(\w+) $", before)
    if lead and lead.group(1).lower() in _LEAD_IN:
        lo -= len(before) - lead.start(1)
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


def _overlaps(span: Span, others: Sequence[Span]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in others)


def _phones(text: str) -> list[Span]:
    # POSSIBLE, not VALID: the reserved drama ranges (07700 900xxx) are still someone's
    # number as far as a reader of the post is concerned. The library reads only the places
    # where ten digits or more stand together: it is slow over a long draft.
    out = []
    for run in _DIGIT_RUN.finditer(text):
        lo, hi = max(run.start() - 4, 0), min(run.end() + 4, len(text))
        matcher = phonenumbers.PhoneNumberMatcher(text[lo:hi], "GB",
                                                  leniency=phonenumbers.Leniency.POSSIBLE)
        out += [(lo + m.start, lo + m.end) for m in matcher
                if len(re.sub(r"\D", "", m.raw_string)) >= 10]
    return sorted(set(out))


def _full_names(text: str, not_names: frozenset[str], names: KnownNames,
                given: frozenset[str] = frozenset()) -> list[Span]:
    """Two capitalised words in a row that are not a school, a staff member or a stop word;
    with a list of first names, the first word must be one ("Cattle Farm" is a place)."""
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
        if a.endswith(("ing", "ed", "ly")):  # "Adding Jade": a verb, then a name
            continue
        if given and a not in given:
            continue
        out.append((first.start(), second.end()))
    return out
