"""Ranking features of one candidate passage for one question: cheap, and all known at query time.

Retrieval puts the raw signals on each ``Passage`` (``scores``: dense cosine, BM25, their ranks;
``sentences``: each sentence's cosine to the question from the stored sentence vectors). This
module turns them, with the parsed question, into one fixed-length vector per passage. Signals
relative to the other candidates (gaps to the best) matter as much as absolute ones: a cosine of
0.5 is strong for one question and weak for another.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ..models import Passage
from ..text_terms import stem, text_stems
from .query import ParsedQuery

FEATURES: tuple[str, ...] = (
    "dense",  # cosine of question and chunk
    "dense_gap",  # … minus the best candidate's
    "sentence_best",  # cosine of the chunk's best sentence (late interaction over stored sentence vectors)
    "sentence_gap",  # … minus the best candidate's
    "sentence_top2",  # mean of the two best sentences: a passage that answers usually does so in one or two
    "keyword",  # BM25 / the best candidate's BM25 (0 when the keyword search missed it)
    "keyword_hit",  # 1 when the keyword search found it
    "coverage",  # IDF- and name/number-weighted share of the question's terms in the passage
    "name_coverage",  # share of the question's names in the passage (0 when it has none)
    "has_names",
    "number_coverage",  # share of the question's numbers in the passage (0 when it has none)
    "has_numbers",
    "dense_rank",  # log(1 + rank) in the dense search (rank = depth when absent)
    "keyword_rank",  # log(1 + rank) in the keyword search
    "length",  # log of the passage's length in characters
)

IdfOf = Callable[[Sequence[str]], dict[str, float]]  # raw words -> IDF
StemsOf = Callable[[Passage], frozenset[str]]


def passage_stems(p: Passage) -> frozenset[str]:
    """The stems of a passage's content words (what coverage features match against)."""
    return text_stems(p.text)


def _sentence_stats(p: Passage) -> tuple[float, float]:
    sims = sorted((c for _, _, c in p.sentences), reverse=True)
    if not sims:
        d = p.scores.get("dense", 0.0)
        return d, d
    return sims[0], (sims[0] + sims[1]) / 2 if len(sims) > 1 else sims[0]


def _term_weights(query: ParsedQuery, idf_of: IdfOf | None) -> dict[str, float]:
    """Stemmed term -> query weight × IDF in this index."""
    idf = idf_of(list(query.keywords)) if idf_of else {}
    out: dict[str, float] = {}
    for w in query.keywords:
        s = stem(w)
        if s in query.weights:
            out[s] = max(out.get(s, 0.0), query.weights[s] * idf.get(w, 1.0))
    return out


def passage_features(
    query: ParsedQuery,
    passages: Sequence[Passage],
    idf_of: IdfOf | None = None,
    depth: int = 50,
    stems_of: StemsOf = passage_stems,
) -> np.ndarray:
    """An ``(n, len(FEATURES))`` float32 matrix, one row per passage, columns as ``FEATURES``."""
    if not passages:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    weights = _term_weights(query, idf_of)
    total = sum(weights.values()) or 1.0
    dense = np.array([p.scores.get("dense", 0.0) for p in passages], dtype=np.float32)
    sent = np.array([_sentence_stats(p) for p in passages], dtype=np.float32)
    bm25 = np.array([p.scores.get("keyword", 0.0) for p in passages], dtype=np.float32)
    rows = []
    for p in passages:
        stems = stems_of(p)
        text = p.text.replace(",", "")
        names = sum(1 for n in query.names if n in stems) / len(query.names) if query.names else 0.0
        numbers = sum(1 for n in query.numbers if n in text) / len(query.numbers) if query.numbers else 0.0
        rows.append(
            (
                sum(w for t, w in weights.items() if t in stems) / total,
                names,
                float(bool(query.names)),
                numbers,
                float(bool(query.numbers)),
                math.log1p(p.scores.get("dense_rank", depth)),
                math.log1p(p.scores.get("keyword_rank", depth)),
                math.log1p(len(p.text)),
            )
        )
    lex = np.array(rows, dtype=np.float32)
    top = float(bm25.max()) or 1.0
    return np.column_stack(
        [
            dense,
            dense - dense.max(),
            sent[:, 0],
            sent[:, 0] - sent[:, 0].max(),
            sent[:, 1],
            bm25 / top,
            (bm25 > 0).astype(np.float32),
            lex,
        ]
    ).astype(np.float32)
