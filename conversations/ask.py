"""Answers a question about the policy asked in a person's own words.

Two collections are ranked for every question: the pack's common questions (each asked in
many ways, with a verdict-first answer) and the clauses (title, plain words and the words
staff use). A common question wins when one of its phrasings covers the question well: its
answer gives the verdict. Otherwise the closest clauses are shown, said to be the closest
and not an answer; when nothing fits at all, the bot says so.

Both rankings are BM25 (word overlap weighted by rarity, damped for long documents). Words
are lower-cased, stemmed and mapped through the pack's synonyms ("fb" is "facebook", "mum" is
"parent").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from conversations.faq import FaqEntry
from conversations.policy import Clause, PolicyPack

STOPWORDS = frozenset((  # noqa: SIM905 (a word list reads better as one string)
    "a an and are as at be but by can could do does for from has have how i if in is it its "
    "me my of on or our should so that the their them then there they this to was we what "
    "when where which who why will with would you your am may must not no ok okay im i'm "
    "just really about any some get got its it's that's is it allowed"
).split())
MIN_SCORE = 2.0  # clause ranking (BM25) floor
FAQ_MIN = 5.2  # a common question answers only when it fits at least this well (BM25)
K1, B = 1.4, 0.6
B_FAQ = 0.75
# Someone else did something ("a colleague has posted…", "a parent keeps sharing…"): the
# person wants to know whom to tell, so answers that say so rank higher.
_OTHERS_POSTED = re.compile(
    r"\b(?:a|my|our|one of (?:the|my|our)|another|someone|somebody|colleague|parent|mum|dad|"
    r"pupils?|students?|girls|boys|kids|he|she|they|staff)\b[^.?!]{0,60}?\b(?:has|have|had|"
    r"keeps?|is|are|been|was)? ?(?:post(?:ed|ing)|put|shared|sharing|sent|sending|uploaded|"
    r"made|calling|saying|leaked|being (?:horrible|nasty))\b")
REPORT_BOOST = 1.5


def _stem(word: str) -> str:
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def tokens(text: str, synonyms: Mapping[str, str] | None = None) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))
    out = []
    for w in words:
        if w in STOPWORDS:
            continue
        w = (synonyms or {}).get(w, w)
        out.append(_stem(w))
    return out


@dataclass(frozen=True)
class Hit:
    clause: Clause
    score: float


@dataclass(frozen=True)
class PolicyAnswer:
    """What the bot says to a question: a common question's answer, or the closest clauses."""

    entry: FaqEntry | None
    clauses: tuple[Clause, ...]
    score: float


class PolicyIndex:
    def __init__(self, pack: PolicyPack) -> None:
        self.pack = pack
        self.synonyms = dict(pack.faq_synonyms)
        # Section headings ("6") are titles, not guidance: only numbered clauses answer.
        self.clauses = [c for c in pack.clauses.values() if "." in c.number]
        self.docs: list[Counter[str]] = []
        for c in self.clauses:
            counts = Counter(tokens(f"{c.title} {c.plain}", self.synonyms))
            for keyword in c.keywords:
                for t in tokens(keyword, self.synonyms):
                    counts[t] += 2
            self.docs.append(counts)
        self.phrases = [{k for k in c.keywords if " " in k} for c in self.clauses]
        self.avg_len = sum(sum(d.values()) for d in self.docs) / max(len(self.docs), 1)
        df: Counter[str] = Counter(t for d in self.docs for t in d)
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        # Each common question is one document: the words of all its phrasings (once per
        # phrasing, so a word most phrasings use weighs more) and, lightly, its answer.
        self.entries: list[tuple[FaqEntry, dict[str, float]]] = []
        for entry in pack.faq:
            bag: dict[str, float] = {}
            for ask in entry.asks:
                for t in set(tokens(ask, self.synonyms)):
                    bag[t] = bag.get(t, 0.0) + 1.0
            for t in tokens(entry.answer, self.synonyms):
                bag[t] = bag.get(t, 0.0) + 0.5
            self.entries.append((entry, bag))
        entry_df: Counter[str] = Counter(t for _, bag in self.entries for t in bag)
        count = max(len(self.entries), 1)
        self.entry_idf = {t: math.log(1 + (count - f + 0.5) / (f + 0.5))
                          for t, f in entry_df.items()}
        self.entry_avg = sum(sum(b.values()) for _, b in self.entries) / count

    def answer(self, question: str) -> PolicyAnswer:
        """The best common question for ``question`` if one fits, else the closest clauses."""
        entry, score = self.best_entry(question)
        if entry is not None and score >= FAQ_MIN:
            cited = tuple(self.pack.clauses[c] for c in entry.clauses if c in self.pack.clauses)
            return PolicyAnswer(entry, cited, score)
        hits = self.search(question)
        return PolicyAnswer(None, tuple(h.clause for h in hits), hits[0].score if hits else 0.0)

    def best_entry(self, question: str) -> tuple[FaqEntry | None, float]:
        query = set(tokens(question, self.synonyms))
        about_others = _OTHERS_POSTED.search(question.lower()) is not None
        best: tuple[float, FaqEntry | None] = (0.0, None)
        for entry, bag in self.entries:
            score = bm25(query, bag, self.entry_idf, self.entry_avg, B_FAQ)
            if about_others and entry.verdict == "report":
                score *= REPORT_BOOST
            if score > best[0]:
                best = (score, entry)
        return best[1], round(best[0], 3)

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        query = set(tokens(question, self.synonyms))
        lowered = " ".join(question.lower().split())
        hits = []
        for clause, doc, phrases in zip(self.clauses, self.docs, self.phrases, strict=True):
            score = bm25(query, doc, self.idf, self.avg_len, B)
            score += sum(1.5 for p in phrases if p in lowered)
            if score >= MIN_SCORE:
                hits.append(Hit(clause, round(score, 3)))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]


def bm25(query: set[str], doc: Mapping[str, float], idf: Mapping[str, float], average: float,
         b: float) -> float:
    """How well ``doc`` (word -> count) answers the query's words (Okapi BM25)."""
    length = sum(doc.values())
    score = 0.0
    for term in query:
        tf = doc.get(term, 0)
        if tf:
            score += idf[term] * tf * (K1 + 1) / (tf + K1 * (1 - b + b * length / average))
    return score
