"""Answers a question about the policy asked in a person's own words.

Two collections are ranked for every question: the pack's common questions (each asked in
many ways, with a verdict-first answer) and the clauses (title, plain words and the words
staff use). A common question wins when one of its phrasings covers the question well: its
answer gives the verdict. Otherwise the closest clauses are shown, said to be the closest
and not an answer; when nothing fits at all, the bot says so.

Both rankings are BM25 (word overlap weighted by rarity, damped for long documents). Words
are lower-cased, a few ways of saying things are read for what they mean ("I'd like to post"
is not about likes), and words are stemmed and mapped through the pack's synonyms ("fb" is
"facebook", "mum" is "parent").
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
FAQ_MIN = 5.5  # a common question answers only when it fits at least this well (BM25)
K1, B = 1.4, 0.6
K1_FAQ, B_FAQ = 2.5, 0.75
# Someone else did something ("a colleague has posted…", "a parent keeps sharing…"): the
# person wants to know whom to tell, so answers that say so rank higher.
_OTHERS_POSTED = re.compile(
    r"\b(?:a|my|our|one of (?:the|my|our)|another|someone|somebody|colleague|parent|mum|dad|"
    r"pupils?|students?|girls|boys|kids|he|she|they|staff)\b[^.?!]{0,60}?\b(?:has|have|had|"
    r"keeps?|is|are|been|was)? ?(?:post(?:ed|ing)|put|shared|sharing|sent|sending|uploaded|"
    r"made|calling|saying|leaked|being (?:horrible|nasty))\b")
REPORT_BOOST = 1.5
# A common question's key words are those at least this share of its phrasings use; a
# question with none of them ranks this much lower.
ESSENTIAL, MISSING_ESSENTIAL = 0.8, 0.8
# A short question in everyday words ("can I like or share the school's posts?") scores low
# only because its words are common to many answers. When the common question knows nearly
# all of its words (weighted by rarity; a word no common question uses counts as the
# rarest), it fits at a lower score: its score is lifted by this much.
COVERED, COVERED_LIFT = 0.75, 1.3
# Ways of saying a thing that the words alone would mislead about. "I'd like to post…"
# wants to post; it is not about liking a post.
_WOULD_LIKE = re.compile(r"\b(would|i'?d|we'?d|you'?d|should) like\b")
# "the school's post", "the Trust's page": the school's own, official, account.
_SCHOOLS_OWN = re.compile(r"\b(school|trust|academy)'s\b")
# "a report card", "the Ofsted report": a document, not reporting a concern.
_REPORT_DOCUMENT = re.compile(
    r"\b(?:(ofsted|inspection|school|annual|written|pupils?'?s?|child'?s|children'?s|end of "
    r"(?:year|term))\s+reports?|reports?\s+cards?)\b")
# "do I have to", "is it compulsory", "must I": a question of what is required.
_OBLIGED = re.compile(r"\b(?:(?:have|has|need|needs|got) to|compulsory|mandatory|required?|"
                      r"requirement|obliged|obligatory|must)\b")
# "not naming the school", "I don't mention where I work": what a post leaves out is not
# what the question is about.
_NOT_NAMING = re.compile(
    r"\b(?:not|without|never|no|don'?t|doesn'?t|wouldn'?t|won'?t|isn'?t)\s+(?:(?:even|ever|"
    r"be)\s+)?(?:nam\w*|mention\w*|identify\w*|tag\w*)(?:\s+(?:the|my|our|any|which|where|"
    r"who))?(?:\s+(?:school|trust|employer|anyone|names?|them|her|him|i work|work|i teach))?"
    r"(?:\s+(?:anywhere|at all|or anything|by name))?")


def _stem(word: str) -> str:
    """One form for a word's endings: "like", "likes", "liked" and "liking" are "lik";
    "tagged" and "tags" are "tag"; "parties" and "party" are "party"."""
    for suffix in ("ing", "ies", "ied", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix in ("ies", "ied"):
                return word[: -len(suffix)] + "y"
            word = word[: -len(suffix)]
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "tagg" (tagged) is "tag"
            break
    if word.endswith("e") and len(word) >= 4:
        word = word[:-1]
    return word


def tokens(text: str, synonyms: Mapping[str, str] | None = None) -> list[str]:
    text = _NOT_NAMING.sub(" ", text.lower().replace("’", "'"))
    text = _WOULD_LIKE.sub(r"\1 want", text)
    text = _SCHOOLS_OWN.sub(r"\1 official", text)
    text = _OBLIGED.sub(" require ", text)
    text = _REPORT_DOCUMENT.sub(lambda m: f" {m.group(1) or ''} schoolreport ", text)
    words = re.findall(r"[a-z0-9]+", text.replace("'", ""))
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
        # The words nearly every phrasing of a common question uses ("parent" in "befriend a
        # parent"): a question with none of them is about something else.
        self.essential: dict[str, frozenset[str]] = {}
        for entry in pack.faq:
            bag: dict[str, float] = {}
            for ask in entry.asks:
                for t in set(tokens(ask, self.synonyms)):
                    bag[t] = bag.get(t, 0.0) + 1.0
            self.essential[entry.id] = frozenset(
                t for t, n in bag.items() if n >= ESSENTIAL * len(entry.asks))
            for t in tokens(entry.answer, self.synonyms):
                bag[t] = bag.get(t, 0.0) + 0.5
            self.entries.append((entry, bag))
        entry_df: Counter[str] = Counter(t for _, bag in self.entries for t in bag)
        count = max(len(self.entries), 1)
        # Rarity is damped (its square root): a common question gathers many phrasings, and a
        # rare word that one of them happens to use ("lost", "without") must not outweigh the
        # words the question is about ("message", "parent").
        self.entry_idf = {t: math.sqrt(math.log(1 + (count - f + 0.5) / (f + 0.5)))
                          for t, f in entry_df.items()}
        self.entry_avg = sum(sum(b.values()) for _, b in self.entries) / count
        self.unknown_idf = max(self.entry_idf.values(), default=1.0)

    def answer(self, question: str) -> PolicyAnswer:
        """The best common question for ``question`` if one fits, else the closest clauses."""
        entry, score = self.best_entry(question)
        if entry is not None and score >= FAQ_MIN:
            cited = tuple(self.pack.clauses[c] for c in entry.clauses if c in self.pack.clauses)
            return PolicyAnswer(entry, cited, score)
        hits = self.search(question)
        return PolicyAnswer(None, tuple(h.clause for h in hits), hits[0].score if hits else 0.0)

    def best_entry(self, question: str) -> tuple[FaqEntry | None, float]:
        """The common question that fits best, and how well (compared with FAQ_MIN)."""
        query = set(tokens(question, self.synonyms))
        about_others = _OTHERS_POSTED.search(question.lower()) is not None
        best: tuple[float, FaqEntry | None, Mapping[str, float]] = (0.0, None, {})
        for entry, bag in self.entries:
            score = bm25(query, bag, self.entry_idf, self.entry_avg, B_FAQ, K1_FAQ)
            if about_others and entry.verdict == "report":
                score *= REPORT_BOOST
            if self.essential[entry.id] and not query & self.essential[entry.id]:
                score *= MISSING_ESSENTIAL
            if score > best[0]:
                best = (score, entry, bag)
        fit, found, words = best
        if len(query) >= 2 and self._coverage(query, words) >= COVERED:
            fit *= COVERED_LIFT
        return found, round(fit, 3)

    def _coverage(self, query: set[str], bag: Mapping[str, float]) -> float:
        """The share of the query's words (weighted by rarity) that ``bag`` knows."""
        weights = {t: self.entry_idf.get(t, self.unknown_idf) for t in query}
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in bag) / total if total else 0.0

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
         b: float, k1: float = K1) -> float:
    """How well ``doc`` (word -> count) answers the query's words (Okapi BM25)."""
    length = sum(doc.values())
    score = 0.0
    for term in query:
        tf = doc.get(term, 0)
        if tf:
            score += idf[term] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average))
    return score
