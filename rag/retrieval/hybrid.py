"""Hybrid, date-aware retrieval over one index snapshot.

Dense (FAISS) and keyword (FTS5 BM25) candidates are fused by a convex combination of
normalised scores rather than reciprocal rank: RRF throws away how *much* better the top
hit is, which on short news passages made it worse than dense search alone. Scores are
normalised per query (dense: cosine rescaled between the candidates' minimum and maximum;
BM25: divided by its maximum) and every candidate gets both scores — a keyword-only hit
gets its exact cosine from its stored vector.

Filters (date range, outlets, and ``as_of`` as an upper bound: reports after it cannot be
known) are applied inside both searches, so a narrow filter never loses results. A date
phrase in the question boosts reports inside that window; ``as_of`` boosts recent reports.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..embedding import Embedder
from ..models import Passage
from ..store import IndexSnapshot
from ..text_terms import fts_query
from .query_dates import DateWindow, question_window
from .rerank import Reranker, SentenceReranker, question_weights


@dataclass(slots=True)
class Filters:
    date_from: str | None = None
    date_to: str | None = None
    sources: list[str] | None = None


@dataclass(slots=True)
class RetrievalConfig:
    mode: str = "hybrid"  # "hybrid" | "dense" | "keyword"
    candidates: int = 50
    # Weights measured on 1,000 RealTime QA dev questions and checked on 1,000 others (eval/README.md):
    dense_weight: float = 0.8  # α in α·dense + (1-α)·bm25
    window_boost: float = 0.15  # report inside the question's date window
    recency_boost: float = 0.5  # with as_of: newest reports up to it ("newer preferred")
    recency_days: float = 14.0  # … decaying over about two weeks
    rerank: bool = True  # sentence-level rescoring (see rerank.py)


@dataclass(slots=True)
class RetrievalResult:
    passages: list[Passage]
    window: DateWindow | None
    timings_ms: dict[str, float] = field(default_factory=dict)


class Retriever:
    def __init__(
        self,
        snapshot: IndexSnapshot,
        embedder: Embedder,
        config: RetrievalConfig | None = None,
        reranker: Reranker | None = None,
    ):
        self.snapshot = snapshot
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self._doc_freq_cache: dict[str, int] = {}
        self.reranker = reranker or SentenceReranker(doc_freq=self.doc_freq)

    # --- statistics used by rescoring --------------------------------------------------------
    def doc_freq(self, terms: Sequence[str]) -> tuple[dict[str, int], int]:
        store = self.snapshot.store
        counter = getattr(store, "doc_freqs", None)  # a store without FTS5 (Qdrant) counts its own way
        if counter is not None:
            todo = [t for t in terms if t not in self._doc_freq_cache]
            if todo:
                self._doc_freq_cache.update(counter(todo)[0])
            return {t: self._doc_freq_cache[t] for t in terms}, self.snapshot.manifest.chunks
        out = {}
        for t in terms:
            if t not in self._doc_freq_cache:
                try:
                    self._doc_freq_cache[t] = store.conn.execute(
                        "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (f'"{t}"',)
                    ).fetchone()[0]
                except Exception:
                    self._doc_freq_cache[t] = 0
            out[t] = self._doc_freq_cache[t]
        return out, self.snapshot.manifest.chunks

    def question_weights(self, question: str) -> dict[str, float]:
        """IDF weights of the question's words in this index (used to check answer support)."""
        return question_weights(question, self.doc_freq)

    # --- the query -------------------------------------------------------------------------------
    def retrieve(
        self,
        question: str,
        top_k: int = 8,
        filters: Filters | None = None,
        as_of: str | None = None,
        mode: str | None = None,
        rerank: bool | None = None,
        query_vector: np.ndarray | None = None,
    ) -> RetrievalResult:
        cfg = self.config
        mode = mode or cfg.mode
        do_rerank = cfg.rerank if rerank is None else rerank
        filters = filters or Filters()
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        store = self.snapshot.store

        date_to = filters.date_to
        if as_of and (date_to is None or as_of < date_to):
            date_to = as_of
        allowed = self.snapshot.allowed(filters.date_from, date_to, filters.sources)
        window = question_window(question, as_of)
        timings["filters"] = (time.perf_counter() - t0) * 1000

        n = max(cfg.candidates, top_k * 3)
        dense: dict[int, float] = {}
        qvec = None
        if mode in ("hybrid", "dense"):
            t = time.perf_counter()
            qvec = query_vector if query_vector is not None else self.embedder.embed([question])[0]
            timings["embed"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            dense = dict(self.snapshot.vectors.search(qvec, n, allowed))
            timings["dense"] = (time.perf_counter() - t) * 1000
        keyword: dict[int, float] = {}
        if mode in ("hybrid", "keyword"):
            t = time.perf_counter()
            keyword = dict(store.keyword_search(fts_query(question), n, filters.date_from, date_to, filters.sources))
            timings["keyword"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        ids = list(dict.fromkeys([*dense, *keyword]))
        passages = store.passages(ids)
        if qvec is not None and keyword:
            missing = [i for i in ids if i not in dense]
            for cid, vec in store.chunk_vectors(missing, self.snapshot.manifest.dim).items():
                dense[cid] = float(vec @ qvec)
        scored = self._fuse(ids, dense, keyword, mode)
        out: list[Passage] = []
        as_of_date = dt.date.fromisoformat(as_of) if as_of else None
        for cid, s in scored:
            p = passages.get(cid)
            if p is None:
                continue
            p.scores = {"dense": dense.get(cid, 0.0), "keyword": keyword.get(cid, 0.0), "fused": s}
            if window and p.date and window.start <= p.date <= window.end:
                s += cfg.window_boost
                p.scores["window"] = cfg.window_boost
            if as_of_date and p.date:
                age = (as_of_date - dt.date.fromisoformat(p.date)).days
                bonus = cfg.recency_boost * math.exp(-max(age, 0) / cfg.recency_days)
                s += bonus
                p.scores["recency"] = bonus
            p.score = s
            out.append(p)
        out.sort(key=lambda p: -p.score)
        timings["fuse"] = (time.perf_counter() - t) * 1000
        head_n = max(top_k * 2, 16)
        if qvec is not None and out:
            t = time.perf_counter()
            self._sentence_scores(out[:head_n], qvec)
            timings["sentences"] = (time.perf_counter() - t) * 1000
        if do_rerank and out:
            t = time.perf_counter()
            head = self.reranker.rerank(question, out[:head_n])
            out = head + out[head_n:]
            timings["rerank"] = (time.perf_counter() - t) * 1000
        for p in out:
            p.score = round(float(p.score), 4)
        return RetrievalResult(out[:top_k], window, timings)

    def _sentence_scores(self, passages: list[Passage], qvec: np.ndarray) -> None:
        """Annotate passages with each sentence's cosine to the question (from stored sentence
        vectors: no model call), for the reranker and for choosing answer sentences."""
        keys = [(p.article_id, p.start, p.end) for p in passages]
        found = self.snapshot.store.sentence_vectors(keys)
        for p, key in zip(passages, keys):
            rows = found.get(key) or []
            if not rows:
                continue
            mat = np.stack([r[2] for r in rows]).astype(np.float32)
            cos = mat @ qvec
            p.sentences = [(r[0], r[1], float(c)) for r, c in zip(rows, cos)]
            p.scores["sentence_dense"] = float(cos.max())

    def _fuse(
        self, ids: list[int], dense: dict[int, float], keyword: dict[int, float], mode: str
    ) -> list[tuple[int, float]]:
        if mode == "dense":
            return sorted(((i, dense[i]) for i in ids if i in dense), key=lambda x: -x[1])
        if mode == "keyword":
            top = max(keyword.values(), default=1.0) or 1.0
            return sorted(((i, keyword[i] / top) for i in ids), key=lambda x: -x[1])
        a = self.config.dense_weight
        dvals = [dense[i] for i in ids if i in dense]
        lo, hi = (min(dvals), max(dvals)) if dvals else (0.0, 1.0)
        span = (hi - lo) or 1.0
        ktop = max(keyword.values(), default=1.0) or 1.0
        out = []
        for i in ids:
            d = (dense.get(i, lo) - lo) / span
            k = keyword.get(i, 0.0) / ktop
            out.append((i, a * d + (1 - a) * k))
        return sorted(out, key=lambda x: -x[1])
