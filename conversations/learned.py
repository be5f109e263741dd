"""What the learned signal adds to the word lists, and drafts the reader cannot read.

A fact the word lists missed but the model scores above ``sure_above`` in some sentence is a
finding like theirs, quoting that sentence. Between ``ask_above`` and ``sure_above`` it is a
suspicion (``sure=False``): the bot quotes the sentence and asks whether it is right, so a
doubt never becomes "fine to post" unseen. A draft in another language, or only emoji, a link
or an attachment, is one finding, ``unreadable``, that makes the bot ask everything instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from conversations.finding import Finding
from conversations.reader_spec import ReaderSpec
from conversations.sentence_model import SentenceModel

Span = tuple[int, int]
SCHOOL_LIFE = "school_life"
UNREADABLE = "unreadable"
_QUOTE = 110
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_FILE = re.compile(r"\S+\.(?:jpe?g|png|heic|gif|mp4|mov|webp|pdf|docx?|pptx?|xlsx?)\b",
                   re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]+")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
# Everyday English words: a draft of six words or more with almost none of them is not English.
_ENGLISH = frozenset("""
a about after again all also am an and any are as at back be because been before being best
but by can can't come could day did do does don't done down even ever every first for from
get go going good got great had has have he her here him his how i i'm if in into is it it's
its just know last let like little look lot love made make many me more most much my new
next night no not now of off oh on one only or our out over people proud really right said
say see she so some still such than thank thanks that the their them then there these they
thing think this those time to today too two up us very want was way we week well went were
what when where which while who why will with work would year yes yet you your amazing
lovely happy congratulations congrats everyone all school class kids children morning lol
omg tonight tomorrow yesterday weekend friday monday
""".split())  # noqa: SIM905


def unreadable_finding(text: str) -> Finding | None:
    """A finding that says why the draft cannot be read, or None when it can."""
    rest = _FILE.sub(" ", _LINK.sub(" ", text))
    words = _WORDS.findall(rest)
    if not words:
        if _FILE.search(text) and not _LINK.search(text):
            why = "I can't see attachments, so I'll ask instead."
        elif _LINK.search(text):
            why = "I can't open links, so I'll ask instead."
        else:
            why = "I can only read words, not emoji alone, so I'll ask instead."
        return _unreadable(text, why)
    letters = "".join(words)
    foreign = len(_NOT_ASCII.findall(letters))
    if foreign > len(letters) / 2:
        return _unreadable(text, "I can only read English, so I'll ask instead.")
    # The distinct word-like words of its opening tell the language; repeats and runs of
    # letters ("xxxx", handles) say nothing.
    sample = {w.lower() for w in words[:200] if 2 <= len(w) <= 15}
    common = sum(1 for w in sample if w in _ENGLISH)
    if len(sample) >= 6 and common < len(sample) / 10:
        return _unreadable(text, "I can only read English, so I'll ask instead.")
    return None


def _unreadable(text: str, why: str) -> Finding:
    quote = " ".join(text.split())
    if len(quote) > 60:
        quote = quote[:59] + "…"
    return Finding(UNREADABLE, quote, "", why, (), "unreadable")


def learned_findings(model: SentenceModel, spec: ReaderSpec, text: str,
                     sentences: Sequence[Span], found: Sequence[Finding]) -> tuple[Finding, ...]:
    """The model's findings for facts the word lists did not find, sure or suspected."""
    if not sentences:
        return ()
    # A fragment of a few words ("3 hours.", "[2 photos of Biscuit]") says too little for the
    # model: it is read by the word lists only.
    scored = [i for i, (s, e) in enumerate(sentences) if len(_WORDS.findall(text[s:e])) >= 5]
    if not scored:
        return ()
    sentences = [sentences[i] for i in scored]
    scores = model.scores([text[s:e] for s, e in sentences])
    have = {f.fact for f in found}
    # Pictures, news or views are the school's only where the draft shows school life.
    school_life = SCHOOL_LIFE in have or (
        SCHOOL_LIFE in model.facts and
        float(scores[:, model.facts.index(SCHOOL_LIFE)].max()) >= spec.ask_above)
    out = []
    for column, fact in enumerate(model.facts):
        if fact in have:
            continue
        row = int(scores[:, column].argmax())
        score = float(scores[row, column])
        if score < spec.ask_above:
            continue
        quote = _sentence_quote(text, sentences[row])
        if fact == SCHOOL_LIFE:
            out.append(Finding(SCHOOL_LIFE, quote, "school life", "", (), "learned",
                               ("personal", "group")))
            continue
        if fact in spec.needs_school_life and not school_life:
            continue
        template = next((d for d in spec.detectors if d.fact == fact), None)
        if template is None:
            continue
        out.append(Finding(fact, quote, template.about, template.says, template.clauses,
                           "learned", template.channels, sure=score >= spec.sure_above))
    return tuple(out)


def _sentence_quote(text: str, span: Span) -> str:
    quote = " ".join(text[span[0]:span[1]].split())
    return quote if len(quote) <= _QUOTE else quote[:_QUOTE - 1] + "…"
