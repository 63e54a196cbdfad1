"""Rerankers: one-method protocol, and the default sentence-level rescoring.

No cross-encoder can be installed offline here, so the default looks inside each candidate
for its single best sentence: a passage that answers the question usually does so in one
sentence, while a passage that merely shares the topic spreads it thin. Two signals:
the best sentence's cosine to the question (from sentence vectors stored at ingest, put on
``Passage.scores["sentence_dense"]`` by retrieval: no model call here), and the IDF-weighted
share of the question's content words that one sentence covers. A real cross-encoder plugs
in behind the same protocol.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Protocol

from ..models import Passage
from ..sentences import sentence_spans
from ..text_terms import content_terms, question_terms, stem


class Reranker(Protocol):
    def rerank(self, question: str, passages: Sequence[Passage]) -> list[Passage]:
        """Return the passages re-ordered (and ``score`` updated), best first."""
        ...


DocFreq = Callable[[Sequence[str]], tuple[dict[str, int], int]]


def idf_weights(terms: Sequence[str], doc_freq: DocFreq | None) -> dict[str, float]:
    if doc_freq is None:
        return {t: 1.0 for t in terms}
    df, n = doc_freq(terms)
    return {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in terms}


def question_weights(question: str, doc_freq: DocFreq | None) -> dict[str, float]:
    """Stemmed content words of the question → IDF weight (rare words matter more)."""
    terms = list(dict.fromkeys(question_terms(question)))
    idf = idf_weights(terms, doc_freq)
    out: dict[str, float] = {}
    for t in terms:
        s = stem(t)
        out[s] = max(out.get(s, 0.0), idf[t])
    return out


def sentence_coverage(question_stems: dict[str, float], text: str) -> tuple[float, tuple[int, int] | None]:
    """Best IDF-weighted coverage of the question by one sentence (or two adjacent), in [0, 1]."""
    total = sum(question_stems.values()) or 1.0
    spans = sentence_spans(text)
    sets = [{stem(t) for t in content_terms(text[s:e])} for s, e in spans]
    best, best_span = 0.0, None
    for i, words in enumerate(sets):
        cov = sum(w for t, w in question_stems.items() if t in words) / total
        if cov > best:
            best, best_span = cov, spans[i]
        if i + 1 < len(sets):  # a pair of sentences, discounted so one full sentence wins ties
            pair = words | sets[i + 1]
            cov2 = 0.85 * sum(w for t, w in question_stems.items() if t in pair) / total
            if cov2 > best:
                best, best_span = cov2, (spans[i][0], spans[i + 1][1])
    return best, best_span


class SentenceReranker:
    """score ← score + dense_weight × (best sentence cosine, min-max scaled over the candidates)
    + lexical_weight × best-sentence coverage."""

    def __init__(self, doc_freq: DocFreq | None = None, dense_weight: float = 0.4, lexical_weight: float = 0.0):
        self.doc_freq = doc_freq
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight

    def question_weights(self, question: str) -> dict[str, float]:
        return question_weights(question, self.doc_freq)

    def rerank(self, question: str, passages: Sequence[Passage]) -> list[Passage]:
        sims = [p.scores.get("sentence_dense") for p in passages]
        known = [s for s in sims if s is not None]
        lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
        q = self.question_weights(question) if self.lexical_weight else {}
        for p, sim in zip(passages, sims):
            if sim is not None:
                p.score += self.dense_weight * (sim - lo) / ((hi - lo) or 1.0)
            if q:
                cov, _ = sentence_coverage(q, p.text)
                p.scores["sentence_lexical"] = cov
                p.score += self.lexical_weight * cov
        return sorted(passages, key=lambda p: -p.score)
