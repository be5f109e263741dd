"""Answers a question about the policy asked in a person's own words.

A small BM25 ranking over each clause's title, plain-words text and the pack's keywords (the
words staff actually use: "friend request", "mum", "sports day"). Keywords and phrases count
more than body text because they were written for this purpose. Clauses scoring under a floor
are left out, so an unrelated question gets "nothing fits" rather than noise.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from conversations.policy import Clause, PolicyPack

STOPWORDS = frozenset((  # noqa: SIM905 (a word list reads better as one string)
    "a an and are as at be but by can could do does for from has have how i if in is it its "
    "me my of on or our should so that the their them then there they this to was we what "
    "when where which who why will with would you your am may must not no ok okay"
).split())
MIN_SCORE = 2.0
K1, B = 1.4, 0.6


def _stem(word: str) -> str:
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def tokens(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS]


@dataclass(frozen=True)
class Hit:
    clause: Clause
    score: float


class PolicyIndex:
    def __init__(self, pack: PolicyPack) -> None:
        # Section headings ("6") are titles, not guidance: only numbered clauses answer.
        self.clauses = [c for c in pack.clauses.values() if "." in c.number]
        self.docs: list[Counter[str]] = []
        for c in self.clauses:
            counts = Counter(tokens(f"{c.title} {c.plain}"))
            for keyword in c.keywords:
                for t in tokens(keyword):
                    counts[t] += 2
            self.docs.append(counts)
        self.phrases = [{k for k in c.keywords if " " in k} for c in self.clauses]
        self.avg_len = sum(sum(d.values()) for d in self.docs) / max(len(self.docs), 1)
        df: Counter[str] = Counter(t for d in self.docs for t in d)
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        query = tokens(question)
        lowered = " ".join(question.lower().split())
        hits = []
        for clause, doc, phrases in zip(self.clauses, self.docs, self.phrases, strict=True):
            length = sum(doc.values())
            score = 0.0
            for term in set(query):
                tf = doc.get(term, 0)
                if tf:
                    norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / self.avg_len))
                    score += self.idf[term] * norm
            score += sum(1.5 for p in phrases if p in lowered)
            if score >= MIN_SCORE:
                hits.append(Hit(clause, round(score, 3)))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]
