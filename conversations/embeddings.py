"""Static word embeddings for the reader's learned signal: sentences that mean the same in
other words ("pic of the class", "photo of the kids") land near each other.

The weights (256 dimensions, 16 MB) ship inside the ``wordllama`` wheel from the package
registry; they are loaded from the installed package with downloads disabled, once per
process. Nothing is fetched at run time.

A sentence's vector is the mean of its words' vectors, made unit length. Each word is embedded
once and kept (up to a bound, so memory stays flat), so a long draft costs a few look-ups and
one sum per sentence rather than a tokenizer pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

DIMENSIONS = 256
_KEEP_WORDS = 50_000


@cache
def _model() -> Any:
    import wordllama
    from wordllama import WordLlama

    # The wheel keeps its tokenizer where load() does not look unless told the package's own
    # folder is the cache; with downloads disabled it never reaches for the network.
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


class WordVectors:
    """Each word's vector, embedded on first sight and kept."""

    def __init__(self) -> None:
        self._row: dict[str, int] = {}
        self._vectors = np.zeros((1024, DIMENSIONS))

    def rows(self, words: Sequence[str]) -> list[int]:
        new = [w for w in dict.fromkeys(words) if w not in self._row]
        if new:
            if len(self._row) + len(new) > _KEEP_WORDS:
                self._row.clear()
                new = list(dict.fromkeys(words))
            start = len(self._row)
            while start + len(new) > len(self._vectors):
                self._vectors = np.vstack([self._vectors, np.zeros_like(self._vectors)])
            vectors = np.asarray(_model().embed(new, norm=False), dtype=np.float64)
            self._vectors[start:start + len(new)] = vectors
            for i, w in enumerate(new):
                self._row[w] = start + i
        return [self._row[w] for w in words]

    def sentences(self, tokenised: Sequence[Sequence[str]]) -> np.ndarray:
        """One unit-length row per sentence (its words' mean); zeros for one with no words.
        Each distinct word's vector is taken once; a sparse count of words per sentence
        times those vectors gives every sentence's sum in one product."""
        from scipy.sparse import csr_matrix

        counts = [len(t) for t in tokenised]
        flat = [w for t in tokenised for w in t]
        if not flat:
            return np.zeros((len(tokenised), DIMENSIONS))
        distinct = list(dict.fromkeys(flat))
        rows = self.rows(distinct)  # first: it may grow the table
        column = {w: i for i, w in enumerate(distinct)}
        indptr = np.concatenate([[0], np.cumsum(counts)])
        words = csr_matrix((np.ones(len(flat)), [column[w] for w in flat], indptr),
                           shape=(len(tokenised), len(distinct)))
        sums = np.asarray(words @ self._vectors[rows])
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return sums / np.maximum(norms, 1e-9)
