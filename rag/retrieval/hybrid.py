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

A question that names a day ("on 16 July 2015") or an outlet as its source ("according to SANA")
also searches inside that day (and the two after it: a report follows its event) and that
outlet's reports: top-k over the whole archive can miss the one report asked for behind many
alike from other days. Those hits join the same candidate pool (ranks and scores as if the search
had gone deeper), and the day's and the outlet's reports gain a bonus.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..embedding import Embedder
from ..models import Passage
from ..priority import set_thread_niceness, thread_niceness
from ..store import IndexSnapshot
from ..store.segments import source_matches
from ..text_terms import fts_query
from .asked import asked_within, carried_phrase, mark_asked, mark_period, moved_within, period_range
from .excluded import passes_filters
from .outlets import named_outlets
from .query import parse_query
from .query_dates import DateWindow, is_named_period, is_report_day, question_window
from .ranker import LearnedRanker, load_model, weights_for
from .rerank import Reranker, SentenceReranker, idf_weights, question_weights

_EMBED_POOL: ThreadPoolExecutor | None = None
_EMBED_POOL_LOCK = threading.Lock()


def embed_in_background(embedder: Embedder, text: str) -> Future:
    """The question's vector, computed on a shared pool thread at the calling thread's nice value
    (``rag/priority.py`` lowers query threads: their embedding must not outrank an ingest)."""
    global _EMBED_POOL
    with _EMBED_POOL_LOCK:
        if _EMBED_POOL is None:
            _EMBED_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="query-embed")
    niceness = thread_niceness()

    def run() -> np.ndarray:
        if niceness is not None and thread_niceness() != niceness:
            set_thread_niceness(niceness)
        return embedder.embed([text])[0]

    return _EMBED_POOL.submit(run)


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
    outlet_boost: float = 0.15  # report from an outlet the question names as its source
    day_boost: float = 0.25  # report of the one day the question names ("on 16 July 2015"): more than a month's
    cited_articles: int = 6  # a follow-up searches the chunks of at most this many cited reports…
    cited_chunks: int = 60  # …and at most this many of their chunks
    focus_days: int = 3  # a date window this narrow (a day) is also searched on its own…
    focus_after_days: int = 2  # … with this many days after it
    focus_candidates: int = 20  # hits each search adds from inside the day / the outlets
    recency_boost: float = 0.5  # with as_of: newest reports up to it ("newer preferred")
    recency_days: float = 14.0  # … decaying over about two weeks
    rerank: bool = True  # the re-ranking stage below (off: the fused order)
    reranker: str = "learned"  # "learned" (ranker.py, weights fitted on the tune part) | "sentence" (rerank.py)
    ranker_weights: Path | None = None  # the learned ranker's weights (default: ranker.json beside ranker.py)
    rerank_depth: int = 40  # fused candidates the learned ranker re-scores
    parse_queries: bool = True  # keyword query from query.py (question words out) rather than every content word


@dataclass(slots=True)
class RetrievalResult:
    passages: list[Passage]
    window: DateWindow | None
    timings_ms: dict[str, float] = field(default_factory=dict)


def _until(date_to: str | None, as_of: str | None) -> str | None:
    """The last report date a search may return: ``date_to``, or ``as_of`` when earlier."""
    return as_of if as_of and (date_to is None or as_of < date_to) else date_to


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
        self._custom_reranker = reranker
        self._rerankers: dict[str, Reranker] = {}
        self._outlets: list[str] | None = None
        if self.config.rerank:
            self._reranker(self.config.reranker)  # a bad name or weights file fails here, not mid-query

    # --- statistics used by rescoring --------------------------------------------------------
    def doc_freq(self, terms: Sequence[str]) -> tuple[dict[str, int], int]:
        """Chunks holding each term (the store counts them: FTS5 or Qdrant's sparse index), cached per
        snapshot, and the snapshot's chunk count."""
        todo = [t for t in terms if t not in self._doc_freq_cache]
        if todo:
            self._doc_freq_cache.update(self.snapshot.store.doc_freqs(todo)[0])
        return {t: self._doc_freq_cache[t] for t in terms}, self.snapshot.manifest.chunks

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """BM25's IDF of each word in this index (counted by the keyword index, cached)."""
        return idf_weights(terms, self.doc_freq)

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
        reranker: str | None = None,
        articles: Sequence[str] = (),
    ) -> RetrievalResult:
        """Candidates from both searches (filters inside them), fused, dated, then re-ranked.

        ``reranker`` picks the re-ranking stage for this call ("learned" | "sentence"; default
        from the config), ``rerank=False`` leaves the fused order. ``articles`` (a conversation's
        cited reports) join the candidates whatever the searches found, ranked like the rest."""
        cfg = self.config
        do_rerank = cfg.rerank if rerank is None else rerank
        stage = self._reranker(reranker or cfg.reranker) if do_rerank else None
        if isinstance(stage, LearnedRanker):  # the same head whatever top_k: what the ranker learned on
            depth = max(cfg.rerank_depth, top_k)
        else:
            depth = max(top_k * 2, 16)
        out, window, timings = self.candidates(question, top_k, filters, as_of, mode, query_vector, depth, articles)
        if stage is not None and out:
            t = time.perf_counter()
            head = stage.rerank(question, out[:depth])
            out = head + out[depth:]
            timings["rerank"] = (time.perf_counter() - t) * 1000
        if articles:
            out = _lead_kept(out, top_k, articles[0])
        for p in out:
            p.score = round(float(p.score), 4)
        return RetrievalResult(out[:top_k], window, timings)

    def candidates(
        self,
        question: str,
        top_k: int = 8,
        filters: Filters | None = None,
        as_of: str | None = None,
        mode: str | None = None,
        query_vector: np.ndarray | None = None,
        depth: int = 16,
        articles: Sequence[str] = (),
    ) -> tuple[list[Passage], DateWindow | None, dict[str, float]]:
        """Every candidate in fused + date order, before re-ranking; the first ``depth`` carry their
        sentences' cosines. (What a re-ranker sees: ``eval/train_ranker.py`` learns from it.)"""
        timings: dict[str, float] = {}
        window = question_window(question, as_of)
        outlets = self.named_outlets(question)
        mode = mode or self.config.mode
        filters = filters or Filters()
        day = is_report_day(window, as_of is not None, self.config.focus_days)
        focus = self._focus(filters, window if day else None, outlets)
        out, qvec = self._search(question, top_k, filters, as_of, mode, query_vector, timings, focus, articles)
        t = time.perf_counter()
        day = day and focus is not None
        self._date_bonuses(out, window, as_of, self.config.day_boost if day else self.config.window_boost)
        self._outlet_bonuses(out, outlets)
        if focus is not None:
            typed = window if day and window is not None and not carried_phrase(question, window.phrase) else None
            mark_asked(out, day=day, window=typed)
        named_period = window if window is not None and not day and as_of is None and is_named_period(window) else None
        if named_period and self._covers(question, named_period, qvec):  # "in January 2017": not another month's
            mark_period(out, named_period)
        out.sort(key=lambda p: -p.score)
        if focus is not None:
            out = asked_within(out, depth)
        if articles:
            out = _cited_within(out, depth)
        timings["fuse"] = (time.perf_counter() - t) * 1000
        if qvec is not None and out:
            t = time.perf_counter()
            self._sentence_scores(out[:depth], qvec)
            timings["sentences"] = (time.perf_counter() - t) * 1000
        return out, window, timings

    def _covers(self, question: str, window: DateWindow, qvec: np.ndarray | None) -> bool:
        """Does the archive hold reports of the period the question names? (Then a report of another
        month is not the one asked about; with none, the month names an event, not its reports.)"""
        start, end = period_range(window)
        if qvec is not None:  # one filtered nearest-neighbour probe: any chunk of the period at all
            return bool(self.snapshot.vectors.search(qvec, 1, self.snapshot.allowed(start, end, None)))
        match = parse_query(question).fts_query() if self.config.parse_queries else fts_query(question)
        return bool(self.snapshot.store.keyword_search(match, 1, start, end))

    def _reranker(self, name: str) -> Reranker:
        if self._custom_reranker is not None:
            return self._custom_reranker
        if name not in self._rerankers:
            if name == "learned":
                model = load_model(self.config.ranker_weights or weights_for(self.snapshot.manifest.embedding_model))
                self._rerankers[name] = LearnedRanker(model, idf_of=self.idf, depth=self.config.candidates)
            elif name == "sentence":
                self._rerankers[name] = SentenceReranker(doc_freq=self.doc_freq)
            else:
                raise ValueError(f"unknown reranker {name!r}; known: learned, sentence")
        return self._rerankers[name]

    def _search(
        self,
        question: str,
        top_k: int,
        filters: Filters,
        as_of: str | None,
        mode: str,
        query_vector: np.ndarray | None,
        timings: dict[str, float],
        focus: Filters | None = None,
        articles: Sequence[str] = (),
    ) -> tuple[list[Passage], np.ndarray | None]:
        """Both searches under the filters (``as_of`` is an upper date bound), every candidate
        scored by both (a keyword-only hit gets its cosine from its stored vector), fused. With
        ``focus``, both searches run again inside it and their hits join the pool."""
        t0 = time.perf_counter()
        date_to = _until(filters.date_to, as_of)
        allowed = self.snapshot.allowed(filters.date_from, date_to, filters.sources)
        timings["filters"] = (time.perf_counter() - t0) * 1000
        n = max(self.config.candidates, top_k)  # the same pool whatever top_k: what the ranker learned on
        # The model call and the keyword search both leave the GIL (onnxruntime, SQLite): one question
        # alone gets both cores for them (the embedding runs at this thread's CPU priority).
        pending = embed_in_background(self.embedder, question) if mode == "hybrid" and query_vector is None else None
        keyword: dict[int, float] = {}
        match = parse_query(question).fts_query() if self.config.parse_queries else fts_query(question)
        if mode in ("hybrid", "keyword"):
            t = time.perf_counter()
            keyword = dict(self.snapshot.store.keyword_search(match, n, filters.date_from, date_to, filters.sources))
            timings["keyword"] = (time.perf_counter() - t) * 1000
        # While the model still runs: the keyword hits' rows and stored vectors (needed whatever dense finds).
        early = self._rows(list(keyword)) if pending is not None else None
        dense: dict[int, float] = {}
        qvec = None
        if mode in ("hybrid", "dense"):
            t = time.perf_counter()
            if query_vector is not None:
                qvec = query_vector
            else:
                qvec = pending.result() if pending is not None else self.embedder.embed([question])[0]
            timings["embed"] = (time.perf_counter() - t) * 1000  # with the keyword search: the wait left
            t = time.perf_counter()
            dense = dict(self.snapshot.vectors.search(qvec, n, allowed))
            timings["dense"] = (time.perf_counter() - t) * 1000
        if focus is not None:
            t = time.perf_counter()
            dense, keyword = self._focused(match, focus, as_of, mode, qvec, dense, keyword)
            timings["focus"] = (time.perf_counter() - t) * 1000
        cited: set[int] = set()
        if articles and qvec is not None:
            dense, cited = self._with_articles(articles, filters, as_of, qvec, dense)
        t = time.perf_counter()
        out = self._scored(dense, keyword, qvec, mode, early)
        for p in out:
            if p.chunk_id in cited:
                p.scores[CITED] = 1.0
        timings["candidates"] = (time.perf_counter() - t) * 1000
        return out, qvec

    def _with_articles(
        self, articles: Sequence[str], filters: Filters, as_of: str | None, qvec: np.ndarray, dense: dict[int, float]
    ) -> tuple[dict[int, float], set[int]]:
        """The dense hits with every chunk of ``articles`` (inside the filters) added by its stored
        vector's cosine, re-sorted; and those chunks' ids."""
        store = self.snapshot.store
        ids = store.article_chunk_ids(list(articles)[: self.config.cited_articles], self.config.cited_chunks)
        date_to = _until(filters.date_to, as_of)
        if ids and (filters.date_from or date_to or filters.sources):  # the filters hold for them too
            rows = store.passages(ids)
            ids = [
                i
                for i, p in rows.items()
                if passes_filters(p.date, p.source, filters.date_from, date_to, filters.sources)
            ]
        vectors = store.chunk_vectors(ids, self.snapshot.manifest.dim)
        more = {cid: float(v @ qvec) for cid, v in vectors.items()}
        return dict(sorted({**dense, **more}.items(), key=lambda kv: -kv[1])), set(more)

    def outlets(self) -> list[str]:
        """The outlets this index holds (as credited), read once per snapshot."""
        if self._outlets is None:
            self._outlets = [s["source"] for s in self.snapshot.store.sources_and_span()["sources"]]
        return self._outlets

    def named_outlets(self, question: str) -> list[str]:
        """The index's outlets the question names as its source (``outlets.py``)."""
        return named_outlets(question, self.outlets())

    def _focus(self, filters: Filters, day: DateWindow | None, outlets: list[str]) -> Filters | None:
        """The narrower filters to search again within: the question's ``day`` (and the days after
        it), its named outlets, both inside the caller's filters; None when it names neither."""
        if not (day or outlets):
            return None
        date_from, date_to = filters.date_from, filters.date_to
        if day is not None:
            end = (dt.date.fromisoformat(day.end) + dt.timedelta(days=self.config.focus_after_days)).isoformat()
            date_from = max(d for d in (day.start, date_from) if d)
            date_to = min(d for d in (end, date_to) if d)
            if date_from > date_to:
                return None
        sources = filters.sources or outlets or None
        return Filters(date_from, date_to, sources)

    def _focused(
        self,
        match: str,
        focus: Filters,
        as_of: str | None,
        mode: str,
        qvec: np.ndarray | None,
        dense: dict[int, float],
        keyword: dict[int, float],
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Both hit lists with the best hits inside ``focus`` merged in, each re-sorted by score
        (cosines and BM25 do not depend on the filter, so the ranks read as one deeper search's)."""
        n = self.config.focus_candidates
        date_to = _until(focus.date_to, as_of)
        more_kw: dict[int, float] = {}
        if mode in ("hybrid", "keyword"):
            more_kw = dict(self.snapshot.store.keyword_search(match, n, focus.date_from, date_to, focus.sources))
        more_dense: dict[int, float] = {}
        if qvec is not None and mode in ("hybrid", "dense"):
            allowed = self.snapshot.allowed(focus.date_from, date_to, focus.sources)
            more_dense = dict(self.snapshot.vectors.search(qvec, n, allowed))
        dense = dict(sorted({**dense, **more_dense}.items(), key=lambda kv: -kv[1]))
        keyword = dict(sorted({**keyword, **more_kw}.items(), key=lambda kv: -kv[1]))
        return dense, keyword

    def _rows(self, ids: list[int]) -> tuple[dict[int, Passage], dict[int, np.ndarray]]:
        store = self.snapshot.store
        return store.passages(ids), store.chunk_vectors(ids, self.snapshot.manifest.dim)

    def _scored(
        self,
        dense: dict[int, float],
        keyword: dict[int, float],
        qvec: np.ndarray | None,
        mode: str,
        early: tuple[dict[int, Passage], dict[int, np.ndarray]] | None,
    ) -> list[Passage]:
        """Every candidate with both scores (a keyword-only hit's cosine from its stored vector), fused."""
        store = self.snapshot.store
        ranks = {
            "dense_rank": {c: r for r, c in enumerate(dense)},
            "keyword_rank": {c: r for r, c in enumerate(keyword)},
        }
        ids = list(dict.fromkeys([*dense, *keyword]))
        passages, kw_vectors = early if early is not None else ({}, None)
        passages.update(store.passages([i for i in ids if i not in passages]))
        if qvec is not None and keyword:
            missing = [i for i in ids if i not in dense]
            if kw_vectors is None:
                kw_vectors = store.chunk_vectors(missing, self.snapshot.manifest.dim)
            dense.update({cid: float(kw_vectors[cid] @ qvec) for cid in missing if cid in kw_vectors})
        out: list[Passage] = []
        for cid, s in self._fuse(ids, dense, keyword, mode):
            p = passages.get(cid)
            if p is None:
                continue
            p.scores = {"dense": dense.get(cid, 0.0), "keyword": keyword.get(cid, 0.0), "fused": s}
            p.scores.update({k: float(r[cid]) for k, r in ranks.items() if cid in r})
            p.score = s
            out.append(p)
        return out

    def _date_bonuses(
        self, passages: list[Passage], window: DateWindow | None, as_of: str | None, boost: float
    ) -> None:
        """A report inside the question's date window (``boost``), and (with ``as_of``) a recent one, gains."""
        cfg = self.config
        as_of_date = dt.date.fromisoformat(as_of) if as_of else None
        for p in passages:
            if window and p.date and window.start <= p.date <= window.end:
                p.score += boost
                p.scores["window"] = boost
            if as_of_date and p.date:
                age = (as_of_date - dt.date.fromisoformat(p.date)).days
                bonus = cfg.recency_boost * math.exp(-max(age, 0) / cfg.recency_days)
                p.score += bonus
                p.scores["recency"] = bonus

    def _outlet_bonuses(self, passages: list[Passage], outlets: list[str]) -> None:
        """A report from an outlet the question names as its source gains."""
        if not outlets:
            return
        for p in passages:
            if source_matches(p.source, outlets):
                p.score += self.config.outlet_boost
                p.scores["outlet"] = self.config.outlet_boost

    def _sentence_scores(self, passages: list[Passage], qvec: np.ndarray) -> None:
        """Annotate passages with each sentence's cosine to the question (from stored sentence
        vectors: no model call), for the reranker and for choosing answer sentences."""
        keys = [(p.article_id, p.start, p.end) for p in passages]
        found = self.snapshot.store.sentence_vectors(keys)
        rows = [found.get(key) or [] for key in keys]
        flat = [r for rs in rows for r in rs]
        if not flat:
            return
        cos = (np.stack([r[2] for r in flat]).astype(np.float32) @ qvec).tolist()  # one product for all
        i = 0
        for p, rs in zip(passages, rows):
            if rs:
                p.sentences = [(r[0], r[1], c) for r, c in zip(rs, cos[i : i + len(rs)])]
                p.scores["sentence_dense"] = max(cos[i : i + len(rs)])
                i += len(rs)

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


CITED = "cited"  # scores key: a chunk of a report the conversation cited


def _lead_kept(out: list[Passage], top_k: int, lead: str, chunks: int = 2) -> list[Passage]:
    """The best ``chunks`` chunks of the report the last answer led with, kept in the top k: "How
    many people were killed?" after "Which restaurant was hit …?" is most likely about that report,
    even when the short follow-up matches other reports' words better (the answerer still weighs
    it). Its other chunk, where the fact asked may be told, comes right after the one in the top k;
    with none there, they close the top k."""
    mine = [k for k, p in enumerate(out) if p.article_id == lead and CITED in p.scores][:chunks]
    missing = [k for k in mine if k >= top_k]
    if top_k < 2 or not missing:
        return out
    gone = set(missing)
    rest = [p for k, p in enumerate(out) if k not in gone]
    inside = [k for k, p in enumerate(rest[:top_k]) if p.article_id == lead]
    at = inside[-1] + 1 if inside else max(0, top_k - len(missing))
    return [*rest[:at], *(out[k] for k in missing), *rest[at:]]


def _cited_within(out: list[Passage], depth: int) -> list[Passage]:
    """The conversation's cited reports' best chunks moved into what the re-ranker sees: a
    follow-up is most likely about them."""
    return moved_within(out, depth, lambda p: CITED in p.scores)
