"""The reader's second signal: a small model that learns each fact from labelled sentences.

Word lists catch the wording they were written for; a draft in other words slips past them.
This model is trained on the pack's example sentences (``examples.yaml``: for every fact,
sentences that show it and look-alikes that do not) and scores each sentence of a draft for
every fact. Features are the sentence's words, word pairs and the letter triples and
quadruples inside words, so "pic" is near "pics", "yr3" near "yr 3" and a typo near its word.
Beside them, the sentence's static word embedding (``embeddings.py``) carries meaning across
wording: "pic of the class" and "photo of the kids" are near each other. One logistic
regression per fact (scikit-learn's liblinear solver: deterministic), trained when the pack
loads, once per process; nothing is fetched. Scoring is a sum of weights per sentence in NumPy
and one matrix product, so a 10,000-character draft is scored in a few milliseconds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from conversations.embeddings import WordVectors

_TOKEN = re.compile(r"[a-z0-9£']+|[^\sa-z0-9£']")
# Negatives of other facts are ordinary sentences for this one, worth less than its own
# look-alikes.
_OTHER_NEGATIVE_WEIGHT = 0.5
_C = 1.0
# How much the embedding counts beside the word features (each part has unit length).
_EMBEDDING_SCALE = 2.0
_BROAD_FACT = "school_life"
_KEEP_WORDS = 50_000  # words whose features are kept between drafts
_MODELS: dict[str, SentenceModel] = {}


@dataclass(frozen=True)
class Examples:
    """Labelled sentences per fact."""

    positive: Mapping[str, tuple[str, ...]]
    negative: Mapping[str, tuple[str, ...]]
    # Everyday sentences that show no fact: a negative for every fact but school life.
    ordinary: tuple[str, ...] = ()

    def digest(self) -> str:
        text = repr(sorted((k, v) for k, v in self.positive.items())) + \
            repr(sorted((k, v) for k, v in self.negative.items())) + repr(self.ordinary)
        return hashlib.sha256(text.encode()).hexdigest()


def tokens(sentence: str) -> list[str]:
    return _TOKEN.findall(sentence.lower().replace("’", "'"))


def word_features(token: str) -> list[str]:
    """A word and the letter 3- and 4-grams inside it."""
    out = [f"w {token}"]
    if len(token) > 2 and token[0].isalnum():
        padded = f"<{token}>"
        out += [padded[i:i + n] for n in (3, 4) for i in range(len(padded) - n + 1)]
    return out


def features(sentence: str) -> list[str]:
    """The sentence's words, word pairs and letter 3- and 4-grams inside words."""
    words = tokens(sentence)
    out = [f for t in words for f in word_features(t)]
    return out + [f"b {a} {b}" for a, b in zip(words, words[1:], strict=False)]


class SentenceModel:
    """Scores sentences for every fact it was trained on (probabilities, 0 to 1)."""

    def __init__(self, facts: Sequence[str], vocabulary: dict[str, int],
                 weights: np.ndarray, bias: np.ndarray, vectors: WordVectors) -> None:
        self.facts = tuple(facts)
        self.vocabulary = vocabulary
        # (word features + embedding dimensions, facts): the embedding's rows come last.
        self.weights = weights[:len(vocabulary)]
        self.embedding_weights = weights[len(vocabulary):] * _EMBEDDING_SCALE
        self.bias = bias  # (facts,)
        self.vectors = vectors
        self._word_ids: dict[str, tuple[int, ...]] = {}

    def scores(self, sentences: Sequence[str]) -> np.ndarray:
        """One row per sentence, one column per fact (in ``facts`` order)."""
        if not sentences:
            return np.zeros((0, len(self.facts)))
        tokenised = [tokens(s) for s in sentences]
        rows: list[int] = []
        counts: list[int] = []
        for words in tokenised:
            before = len(rows)
            self._ids(words, rows)
            counts.append(len(rows) - before)
        return self._probabilities(np.asarray(rows, dtype=np.int64), counts,
                                   self.vectors.sentences(tokenised))

    def _ids(self, words: list[str], into: list[int]) -> None:
        """Appends the sentence's feature ids (a feature found twice counts twice)."""
        vocab = self.vocabulary
        cache = self._word_ids
        for t in words:
            known = cache.get(t)
            if known is None:
                if len(cache) > _KEEP_WORDS:
                    cache.clear()
                known = cache[t] = tuple(vocab[f] for f in word_features(t) if f in vocab)
            into.extend(known)
        for a, b in zip(words, words[1:], strict=False):
            pair = vocab.get(f"b {a} {b}")
            if pair is not None:
                into.append(pair)

    def _probabilities(self, ids: np.ndarray, counts: list[int],
                       embedded: np.ndarray) -> np.ndarray:
        from scipy.sparse import csr_matrix

        out = np.tile(self.bias, (len(counts), 1)) + embedded @ self.embedding_weights
        if len(ids):
            # Each sentence's features (counted), each worth 1/sqrt(how many), times the
            # weights: one sparse product for the whole draft.
            lengths = np.asarray(counts)
            data = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths)
            indptr = np.concatenate([[0], np.cumsum(lengths)])
            words = csr_matrix((data, ids, indptr), shape=(len(counts), len(self.weights)))
            out += words @ self.weights
        return 1.0 / (1.0 + np.exp(-out))


def train(examples: Examples) -> SentenceModel:
    """A model for every fact with examples; the same examples give the same model, and a
    process trains each set of examples once."""
    from threadpoolctl import threadpool_limits

    # A draft's matrices are small: BLAS threads would cost more to wake than they save, and
    # a server has other requests for its other cores.
    threadpool_limits(limits=1, user_api="blas")
    key = examples.digest()
    if key not in _MODELS:
        _MODELS[key] = _train(examples)
    return _MODELS[key]


def _train(examples: Examples, only: Sequence[str] = ()) -> SentenceModel:
    facts = list(only) or sorted(examples.positive)
    sentences = sorted({s for group in (examples.positive, examples.negative)
                        for v in group.values() for s in v} | set(examples.ordinary))
    vocabulary: dict[str, int] = {}
    rows = []
    for s in sentences:
        rows.append([vocabulary.setdefault(f, len(vocabulary)) for f in features(s)])
    vectors = WordVectors()
    matrix = _matrix(rows, len(vocabulary), vectors.sentences([tokens(s) for s in sentences]))
    row_of = {s: i for i, s in enumerate(sentences)}
    weights = np.zeros((matrix.shape[1], len(facts)))
    bias = np.zeros(len(facts))
    for column, fact in enumerate(facts):
        texts, labels, sample_weight = training_set(examples, fact)
        picked = matrix[[row_of[t] for t in texts]]
        weights[:, column], bias[column] = _fit(picked, labels, sample_weight)
    return SentenceModel(facts, vocabulary, weights, bias, vectors)


def training_set(examples: Examples, fact: str,
                 ) -> tuple[list[str], list[int], list[float]]:
    positives = list(examples.positive.get(fact, ()))
    own = set(positives)
    texts = positives + [s for s in examples.negative.get(fact, ()) if s not in own]
    labels = [1] * len(positives) + [0] * (len(texts) - len(positives))
    weight = [1.0] * len(texts)
    if fact != _BROAD_FACT:
        for s in examples.ordinary:
            if s not in own:
                texts.append(s)
                labels.append(0)
                weight.append(1.0)
    for other, sentences in examples.negative.items():
        # Other facts' look-alikes are mostly school life themselves: not negatives for it.
        if other == fact or fact == _BROAD_FACT:
            continue
        for s in sentences:
            if s not in own:
                texts.append(s)
                labels.append(0)
                weight.append(_OTHER_NEGATIVE_WEIGHT)
    return texts, labels, weight


def _matrix(rows: Sequence[Sequence[int]], width: int, embedded: np.ndarray) -> Any:
    from scipy.sparse import csr_matrix, hstack  # imported here: only training needs them

    indptr = np.cumsum([0, *(len(r) for r in rows)])
    indices = np.asarray([i for r in rows for i in r], dtype=np.int64)
    data = np.repeat([1.0 / np.sqrt(max(len(r), 1)) for r in rows], [len(r) for r in rows])
    words = csr_matrix((data, indices, indptr), shape=(len(rows), width))
    return hstack([words, csr_matrix(embedded * _EMBEDDING_SCALE)]).tocsr()


def _fit(matrix: Any, labels: Sequence[int], sample_weight: Sequence[float],
         ) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression  # imported here: only training

    model: Any = LogisticRegression(C=_C, class_weight="balanced", solver="liblinear", dual=True,
                                    random_state=0, max_iter=1000)
    model.fit(matrix, np.asarray(labels), sample_weight=np.asarray(sample_weight))
    return np.asarray(model.coef_[0]), float(model.intercept_[0])


def cross_validated(examples: Examples, threshold: float, folds: int = 5,
                    ) -> dict[str, tuple[float, float, int, int]]:
    """Each fact's precision and recall at ``threshold`` on its own examples, every example
    scored by a model trained without it: {fact: (precision, recall, positives, negatives)}.
    (The features of all sentences are counted once; a feature seen only in a held-out
    sentence gets no weight from training, so nothing of its label leaks.)"""
    sentences = sorted({s for group in (examples.positive, examples.negative)
                        for v in group.values() for s in v} | set(examples.ordinary))
    vocabulary: dict[str, int] = {}
    rows = [[vocabulary.setdefault(f, len(vocabulary)) for f in features(s)]
            for s in sentences]
    matrix = _matrix(rows, len(vocabulary), WordVectors().sentences(
        [tokens(s) for s in sentences]))
    row_of = {s: i for i, s in enumerate(sentences)}
    out = {}
    for fact in sorted(examples.positive):
        positives = list(examples.positive[fact])
        negatives = [s for s in examples.negative.get(fact, ()) if s not in set(positives)]
        texts, labels, weight = training_set(examples, fact)
        tp = fp = fn = 0
        for k in range(folds):
            held_pos, held_neg = positives[k::folds], negatives[k::folds]
            held = set(held_pos) | set(held_neg)
            keep = [i for i, t in enumerate(texts) if t not in held]
            coef, intercept = _fit(matrix[[row_of[texts[i]] for i in keep]],
                                   [labels[i] for i in keep], [weight[i] for i in keep])
            scored = matrix[[row_of[t] for t in (*held_pos, *held_neg)]] @ coef + intercept
            hits = 1.0 / (1.0 + np.exp(-np.asarray(scored).ravel())) >= threshold
            found = int(hits[:len(held_pos)].sum())
            tp, fn = tp + found, fn + len(held_pos) - found
            fp += int(hits[len(held_pos):].sum())
        out[fact] = (tp / max(tp + fp, 1), tp / max(tp + fn, 1), len(positives), len(negatives))
    return out


def learning_report(examples: Examples, threshold: float) -> list[str]:
    """The lines `policybot policy check` prints: each fact's cross-validated figures."""
    lines = [f"learned signal, 5-fold cross-validated on the pack's examples "
             f"(a sentence counts when it scores {threshold:.2f} or more):",
             f"  {'fact':18} {'precision':>9} {'recall':>7}  examples (+/-)"]
    for fact, (precision, recall, pos, neg) in cross_validated(examples, threshold).items():
        lines.append(f"  {fact:18} {precision:9.2f} {recall:7.2f}  {pos}/{neg}")
    return lines
