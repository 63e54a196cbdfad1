"""Gather every report of a period that is about a question's topic (for timelines).

Top-k retrieval answers "which passage says X"; a timeline needs "all reports of April 2017
about Idlib". So the period is a hard filter (never a boost), both retrievers fetch far more
than top-k inside it, and an article belongs to the answer when its text covers most of the
question's topic words (IDF-weighted) or, without them, is very close in meaning. One passage per
article comes back (its best chunk), the best ``max_articles`` of them: the answering layer
groups and orders them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..models import Passage
from ..text_terms import is_date_word, question_terms, stem
from .hybrid import Filters, RetrievalResult, Retriever
from .names import Name, capitalised_runs, name_key, present_in, topic_names
from .placed import placed_names
from .query_dates import DateWindow
from .text_dates import dateline, days_apart

# Words that frame a timeline / comparison / list question rather than name its topic:
# "What happened in Idlib in April 2017? Give me a timeline." is about Idlib.
FRAMING_WORDS = frozenset(
    """
give show tell list make provide need want please timeline timelines chronology chronological chronologically
happen happened happening went took place occurred unfold unfolded unfolding develop developed evolve evolved
progress progressed play played escalate escalated events event sequence day walk take trace outline recount
main key agree agreed differ disagree conflict compare reports report sources source outlets outlet accounts
media articles article stories different various several other multiple each way
last past previous this next ago day days week weeks month months year years recent recently since
""".split()
)


POOL = "pool"  # key in Passage.scores: gathered beyond top-k only to compare values across reports


@dataclass(slots=True)
class PeriodConfig:
    max_articles: int = 40  # the cap on reports one timeline considers
    max_chunks: int = 400  # candidates fetched from each retriever inside the period
    min_coverage: float = 0.5  # IDF-weighted share of the topic words an article must contain …
    min_dense: float = 0.55  # … or the cosine of its best chunk to the question, without them
    lead_bonus: float = 0.1  # an article's first chunk holds its lead, which says what happened
    per_article: int = 1  # passages kept per article (its best first)


def topic_terms(question: str) -> list[str]:
    """The question's content words less its framing and its date words."""
    out = []
    for t in question_terms(question):
        if t in FRAMING_WORDS or is_date_word(t) or stem(t) in FRAMING_WORDS:
            continue
        if t not in out:
            out.append(t)
    return out


def _bounds(window: DateWindow | None, filters: Filters, as_of: str | None) -> tuple[str | None, str | None]:
    lows = [d for d in (window.start if window else None, filters.date_from) if d]
    highs = [d for d in (window.end if window else None, filters.date_to, as_of) if d]
    return (max(lows) if lows else None), (min(highs) if highs else None)


def _count(allowed) -> int | None:
    """How many chunks a snapshot's filter lets through, when the backend knows without a query
    (FAISS segments' masks do; a Qdrant filter does not): None means unknown or unfiltered."""
    return len(allowed) if allowed is not None and hasattr(allowed, "__len__") else None


def gather_period(
    retriever: Retriever,
    question: str,
    window: DateWindow | None,
    filters: Filters | None = None,
    as_of: str | None = None,
    config: PeriodConfig | None = None,
    query_vector: np.ndarray | None = None,
    top_k: int | None = None,
) -> RetrievalResult:
    """The reports inside the period (``window`` ∩ filters ∩ ``as_of``) that match the question's
    topic, one best passage per article, best first, at most ``config.max_articles``. With
    ``top_k``, the passages after the first ``top_k`` are marked ``scores[POOL]``: the answer may
    choose among all of them but cites and returns at most ``top_k``."""
    cfg = config or PeriodConfig()
    filters = filters or Filters()
    store = retriever.snapshot.store
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    date_from, date_to = _bounds(window, filters, as_of)
    if date_from and date_to and date_from > date_to:
        return RetrievalResult([], window, {"filters": 0.0})
    allowed = retriever.snapshot.allowed(date_from, date_to, filters.sources)
    timings["filters"] = (time.perf_counter() - t0) * 1000
    n_allowed = _count(allowed)
    if n_allowed == 0:
        return RetrievalResult([], window, timings)

    t = time.perf_counter()
    qvec = query_vector if query_vector is not None else retriever.embedder.embed([question])[0]
    timings["embed"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    k = cfg.max_chunks if n_allowed is None else min(cfg.max_chunks, n_allowed)
    dense = dict(retriever.snapshot.vectors.search(qvec, k, allowed))
    timings["dense"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    terms = topic_terms(question)
    match = " OR ".join(f'"{x}"' for x in terms)
    keyword: dict[int, float] = {}
    if terms and (n_allowed is None or n_allowed > k):  # else the dense search has every chunk already
        keyword = dict(store.keyword_search(match, cfg.max_chunks, date_from, date_to, filters.sources))
    timings["keyword"] = (time.perf_counter() - t) * 1000

    t = time.perf_counter()
    ids = list(dict.fromkeys([*dense, *keyword]))
    passages = store.passages(ids)
    missing = [i for i in ids if i not in dense]
    for cid, vec in store.chunk_vectors(missing, retriever.snapshot.manifest.dim).items():
        dense[cid] = float(vec @ qvec)
    weights = _topic_weights(retriever, terms)
    chosen = _best_per_article(list(passages.values()), dense, weights, cfg, topic_names(question, terms))
    timings["gather"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    sentence_cosines(store, chosen, qvec)
    mark_datelines(store, chosen)
    timings["sentences"] = (time.perf_counter() - t) * 1000
    for p in chosen[top_k:] if top_k is not None else []:
        p.scores[POOL] = 1.0
    return RetrievalResult(chosen, window, timings)


def _topic_weights(retriever: Retriever, terms: Sequence[str]) -> dict[str, float]:
    """IDF weight of each topic word's stem (rare words decide what the question is about)."""
    if not terms:
        return {}
    weights = retriever.question_weights(" ".join(terms))
    return {stem(t): weights.get(stem(t), 1.0) for t in terms}


def _share(weights: dict[str, float], found: set[str], total: float | None = None) -> float:
    """The weight of the topic stems ``found`` over all of them (``total``, when the caller has it)."""
    total = sum(weights.values()) if total is None else total
    return sum(weights.get(s, 0.0) for s in found) / total if total else 1.0


def _best_per_article(
    passages: list[Passage], dense: dict[int, float], weights: dict[str, float], cfg: PeriodConfig, names: list[Name]
) -> list[Passage]:
    """One passage per article whose text covers the topic (or is very close in meaning) and gives
    every name of the question's, scored by coverage and cosine, best first."""
    by_article: dict[str, list[Passage]] = {}
    for p in passages:
        by_article.setdefault(p.article_id, []).append(p)
    stems, total = set(weights), sum(weights.values())
    ranked: list[list[Passage]] = []
    for group in by_article.values():
        article: set[str] = set()
        for p in group:
            found = present_in(f"{p.title} {p.text}", stems, names)
            article |= found
            cos = dense.get(p.chunk_id, 0.0)
            cov = _share(weights, found, total)
            p.score = round(0.5 * cov + 0.5 * cos + (cfg.lead_bonus if p.start == 0 else 0.0), 4)
            p.scores = {"dense": cos, "topic": cov, "period": 1.0}
        group.sort(key=lambda p: (-p.score, p.start))
        if (
            _share(weights, article, total) < cfg.min_coverage
            and max(dense.get(p.chunk_id, 0.0) for p in group) < cfg.min_dense
        ):
            continue
        if names and not any(n.stems <= article for n in names):
            continue  # a name the question gives (a place, a person) is not optional
        ranked.append(group[: cfg.per_article])
    ranked.sort(key=lambda g: (-g[0].score, g[0].article_id))
    return [p for g in ranked[: cfg.max_articles] for p in g]


def sentence_cosines(store, passages: Sequence[Passage], qvec: np.ndarray) -> None:
    """Each passage's sentences with their cosine to the question, from the stored sentence vectors."""
    keys = [(p.article_id, p.start, p.end) for p in passages]
    found = store.sentence_vectors(keys)
    for p, key in zip(passages, keys):
        rows = found.get(key) or []
        if rows:
            cos = np.stack([r[2] for r in rows]).astype(np.float32) @ qvec
            p.sentences = [(r[0], r[1], float(c)) for r, c in zip(rows, cos)]
            p.scores["sentence_dense"] = float(cos.max())


def mark_datelines(store, passages: Sequence[Passage]) -> None:
    """Note on each passage how far its article's own dateline is from its date, when they differ
    (``scores["dateline_gap_days"]``, and the dateline as ``scores["dateline_ordinal"]``)."""
    for p in passages:
        if not p.date:
            continue
        head = p.text if p.start == 0 else None
        if head is None:
            article = store.get_article(p.article_id)
            head = article.body if article is not None else ""
        found = dateline(head)
        if found and found[0] != p.date:
            p.scores["dateline_gap_days"] = float(days_apart(found[0], p.date))
            p.scores["dateline_ordinal"] = float(dt.date.fromisoformat(found[0]).toordinal())


def retrieve_with_event_pool(
    retriever: Retriever,
    question: str,
    top_k: int,
    filters: Filters | None = None,
    as_of: str | None = None,
    mode: str | None = None,
    rerank: bool | None = None,
    articles: Sequence[str] = (),
) -> RetrievalResult:
    """Top-k retrieval, plus the other reports of the event (``add_event_pool``), one embedding for both."""
    t = time.perf_counter()
    qvec = retriever.embedder.embed([question])[0] if (mode or retriever.config.mode) != "keyword" else None
    embed_ms = (time.perf_counter() - t) * 1000
    result = retriever.retrieve(
        question, top_k, filters, as_of, mode=mode, rerank=rerank, query_vector=qvec, articles=articles
    )
    result.timings_ms["embed"] = embed_ms
    add_event_pool(retriever, result, question, filters, as_of, query_vector=qvec)
    return result


def add_event_pool(
    retriever: Retriever,
    result: RetrievalResult,
    question: str,
    filters: Filters | None = None,
    as_of: str | None = None,
    max_articles: int = 12,
    max_days: int = 7,
    query_vector: np.ndarray | None = None,
) -> None:
    """Add to ``result`` the other reports of the event a count question is about, marked
    ``scores[POOL]``: the reports of its day(s) (the question's window of up to ``max_days``, else
    the best passage's date), and the day after, that match its topic. Top-k alone often holds
    one or two reports of an event that ten outlets covered."""
    window = result.window
    if window is not None and days_apart(window.start, window.end) > max_days:
        return
    if window is None:
        first = next((p.date for p in result.passages if p.date), None)
        if first is None:
            return
        window = DateWindow(first, first, "")
    day_after = (dt.date.fromisoformat(window.end) + dt.timedelta(days=1)).isoformat()
    around = DateWindow((dt.date.fromisoformat(window.start) - dt.timedelta(days=1)).isoformat(), day_after, "")
    t = time.perf_counter()
    have = {p.chunk_id for p in result.passages}
    cfg = PeriodConfig(max_articles=max_articles, per_article=3)
    pool = gather_period(retriever, question, around, filters, as_of, cfg, query_vector)
    _add_to_pool(result, pool.passages, have)
    for q in town_questions(question, result.passages):  # the asked question's vector: one embedding a question
        town_cfg = PeriodConfig(max_articles=max_articles // 2, per_article=3)
        _add_to_pool(result, gather_period(retriever, q, around, filters, as_of, town_cfg, query_vector).passages, have)
    result.timings_ms["pool"] = (time.perf_counter() - t) * 1000


def _add_to_pool(result: RetrievalResult, passages: Sequence[Passage], have: set[int]) -> None:
    """Add the passages not there yet, also of reports top-k holds already: top-k may hold a
    report's later paragraph, and its lead (which gives the report's own count) comes from here."""
    for p in passages:
        if p.chunk_id not in have:
            p.scores[POOL] = 1.0
            result.passages.append(p)
    have.update(p.chunk_id for p in passages)


def town_questions(question: str, passages: Sequence[Passage], max_towns: int = 1) -> list[str]:
    """The question asked of the towns that the retrieved reports put in its place ("Qamishli in
    Hasakeh province": "How many … in Hasakeh …?" → "How many … in Qamishli …?"), the most often
    placed first: a report of a town need not name its province, and the pool requires the
    question's names."""
    names = topic_names(question, topic_terms(question))
    runs = {name_key(r): r for r in capitalised_runs(question)}
    text = " ".join(p.text for p in passages)
    out: list[str] = []
    for n in names:
        if n.key not in runs:
            continue
        for town in placed_names(text, {n.key})[:max_towns]:
            out.append(question.replace(runs[n.key], town))
    return out[:max_towns]
