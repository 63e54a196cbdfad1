"""Rerankers: one-method protocol, and the default sentence-level lexical rescoring.

No cross-encoder can be installed offline here, so the default looks inside each candidate
for its single best sentence: the IDF-weighted share of the question's content words that
one sentence covers. A passage that answers the question usually does so in one sentence,
while a passage that merely shares the topic spreads the words thin. A real cross-encoder
plugs in behind the same protocol.
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


class SentenceLexicalReranker:
    """score ← score + weight × best-sentence coverage."""

    def __init__(self, doc_freq: DocFreq | None = None, weight: float = 0.3):
        self.doc_freq = doc_freq
        self.weight = weight

    def question_weights(self, question: str) -> dict[str, float]:
        terms = list(dict.fromkeys(question_terms(question)))
        idf = idf_weights(terms, self.doc_freq)
        out: dict[str, float] = {}
        for t in terms:
            s = stem(t)
            out[s] = max(out.get(s, 0.0), idf[t])
        return out

    def rerank(self, question: str, passages: Sequence[Passage]) -> list[Passage]:
        q = self.question_weights(question)
        for p in passages:
            cov, _ = sentence_coverage(q, f"{p.title}. {p.text}" if p.title else p.text)
            p.scores["sentence"] = cov
            p.score += self.weight * cov
        return sorted(passages, key=lambda p: -p.score)
