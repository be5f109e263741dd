"""People's names in a draft, however they are typed.

Staff write "amelia in yr3", "Jayden H in 4B", "little Kacey", "Mrs Kaur", "mr p" and "Tyler
especially" after "Year 6 smashed their SATs". Capitalisation and full names cannot be relied
on, so a name is a word in a list of first names (public birth-name data shipped with the pack,
see ``packs/first_names.txt``), typed in any case. Names that are also everyday words ("will",
"may", "grace") count only when typed with a capital letter, not at the start of a sentence.
A pupil's name is a name with a class, a year group or pupils nearby (in its sentence or the
one before). A title and a surname ("Mrs Kaur", "Mr P") is an adult: a colleague or a parent.
Names inside the directory's people, schools and the Trust's own name are never read as a
pupil's: they are the directory's business.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

Span = tuple[int, int]

_WORD = re.compile(r"[A-Za-z][a-z]*(?:['’-][A-Za-z][a-z]*)*")
# A class, a year group or pupils: what makes a first name nearby a pupil's.
_PUPIL_CONTEXT = re.compile(
    r"\b(?:year|yr|y) ?\d{1,2}s?\b|\b(?:reception|nursery|pupils?|students?|classmates?|"
    r"class|form|tutor group|kids?|child|children|boys?|girls?|lads?|sats|ks\d|playground|"
    r"register|homework|assembly|lesson|school|teacher|my lot|set \d)\b", re.IGNORECASE)
# "4B", "10C", "(5J)": a form name, typed with its capital.
_FORM = re.compile(r"\b\d{1,2}[A-Z]{1,2}\d?\b")
_INITIAL = re.compile(r" [A-Z]\b\.?")
_TITLE = re.compile(r"\b(?:mr|mrs|miss|ms|mx|dr|sir)\b\.? ?", re.IGNORECASE)
# Words that may follow a title without being a surname ("miss you", "Mr Men").
_NOT_SURNAMES = frozenset({
    "you", "u", "ya", "the", "a", "an", "it", "this", "that", "them", "him", "her", "me", "my",
    "our", "your", "out", "on", "all", "everyone", "men", "and", "or", "so", "to", "too",
    "being", "having", "going", "seeing", "school", "work", "class", "it's", "its", "is",
    "was", "has", "had", "will", "would", "can", "could", "did", "does", "not", "no", "yes",
    "lots", "loads", "much", "anything", "nothing", "something", "home", "summer", "ya'll"})


# Everyday words the name lists hold that are never read as names, however typed.
_EVERYDAY = frozenset("""
one two three four five ten an and the a i in is it me my no on or so to up us we be by do
go he if of ok oh art an ha la le ma pa see son sun man may will can did had has may must
not now our out own say she too who why yes yet you all any are but for get got her him his
how its let new old put ran saw set sit try use was way zip
""".split())  # noqa: SIM905


@dataclass(frozen=True)
class NameList:
    """First names (lower case), and those that are also everyday words."""

    names: frozenset[str]
    word_names: frozenset[str]

    def is_name(self, word: str, capitalised: bool, starts_sentence: bool) -> bool:
        low = word.lower()
        if low not in self.names or low in _EVERYDAY:
            return False
        if low in self.word_names:
            return capitalised and not starts_sentence
        return True


def load_name_list(file: Path, word_names: Sequence[str] = ()) -> NameList:
    names = {line.strip().lower() for line in file.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")}
    return NameList(frozenset(names), frozenset(w.lower() for w in word_names))


def first_names(text: str, sentences: Sequence[Span], names: NameList,
                taken: Sequence[Span] = ()) -> list[Span]:
    """Every word of ``text`` that reads as someone's first name (with an initial after it,
    "Jayden H", the initial is part of the name), outside the ``taken`` spans (staff and
    schools already named) and not straight after a title."""
    starts = {s for s, _ in sentences}
    taken_sorted = sorted(taken)
    out: list[Span] = []
    for m in _WORD.finditer(text):
        word = m.group()
        if word.lower() not in names.names:  # most words: one set look-up, nothing more
            continue
        begin = m.start()
        starts_sentence = begin in starts or _after_opening(text, begin)
        if not names.is_name(word, word[0].isupper(), starts_sentence):
            continue
        if _inside(begin, taken_sorted) or _title_start(text, begin) != begin:
            continue
        end = m.end()
        initial = _INITIAL.match(text, end)
        if initial:
            end = initial.end()
        out.append((begin, end))
    return out


def pupil_names(text: str, sentences: Sequence[Span], found: Sequence[Span]) -> list[Span]:
    """The names among ``found`` with a class, a year group or pupils in their sentence or
    the one before it ("Year 6 smashed their SATs. Tyler especially")."""
    context = [bool(_PUPIL_CONTEXT.search(text[s:e]) or _FORM.search(text[s:e]))
               for s, e in sentences]
    out = []
    for span in found:
        i = _sentence_of(span[0], sentences)
        if i is None:
            continue
        if context[i] or (i > 0 and context[i - 1]):
            out.append(span)
    return out


def titled_names(text: str) -> list[Span]:
    """A title and a surname or an initial: "Mrs Kaur", "mr p", "Miss J."."""
    out = []
    for m in _TITLE.finditer(text):
        rest = re.match(r"[A-Za-z][\w'’-]*", text[m.end():])
        if not rest:
            continue
        surname = rest.group()
        if surname.lower() in _NOT_SURNAMES:
            continue
        out.append((m.start(), m.end() + len(surname)))
    return out


def _after_opening(text: str, begin: int) -> bool:
    """At the start of the text or after an opening quote, bracket or emoji only."""
    before = text[:begin].rstrip()
    return not before or not any(c.isalnum() for c in before[-3:])


def _title_start(text: str, begin: int) -> int:
    m = re.search(r"(?:mr|mrs|miss|ms|mx|dr|sir)\.? ?$", text[max(begin - 6, 0):begin],
                  re.IGNORECASE)
    return begin - len(m.group()) if m else begin


def _inside(at: int, spans: Sequence[Span]) -> bool:
    """Whether ``at`` falls in one of ``spans`` (sorted by start)."""
    i = bisect.bisect_right(spans, (at, _END)) - 1
    return i >= 0 and spans[i][0] <= at < spans[i][1]


_END = 1 << 62


def _sentence_of(at: int, sentences: Sequence[Span]) -> int | None:
    i = bisect.bisect_right(sentences, (at, _END)) - 1
    return i if i >= 0 and sentences[i][0] <= at < sentences[i][1] else None
