"""The question pipeline as a plain callable: rewrite → retrieve → answer.

``RagService`` owns one open index snapshot and swaps in a newer committed version when an
ingest lands (checked cheaply per request), so readers never see a half-written index and
the service needs no restart. The API, the CLI and the eval all go through ``ask``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from .answering.abstain import excluded_note
from .answering.extractive import AnswerConfig, Answerer, ExtractiveAnswerer
from .answering.router import RoutingAnswerer, wants_period, wants_values
from .conversation import avoid_repeat, prefer_articles, resolve
from .embedding import Embedder, load_embedder
from .generation import (
    Final,
    GenerationConfig,
    GenerativeAnswerer,
    Generator,
    GenEvent,
    LockedEmbedder,
    Sources,
    Verifier,
    VerifyConfig,
    generator_from_settings,
)
from .generation.verify import stored_units
from .models import Answer
from .retrieval.excluded import count_excluded
from .retrieval.hybrid import Filters, RetrievalConfig, RetrievalResult, Retriever
from .retrieval.period import gather_period, retrieve_with_event_pool
from .retrieval.query_dates import question_window
from .settings import Settings
from .store import IndexSnapshot, IndexStoreError
from .store.index_dir import version_token


@dataclass
class AskRequest:
    question: str
    top_k: int = 8
    filters: Filters = field(default_factory=Filters)
    as_of: str | None = None
    history: list[dict] | None = None
    mode: str | None = None  # retrieval ablation: hybrid | dense | keyword
    rerank: bool | None = None
    generate: bool | None = None  # None: generative when an LLM is configured; False: extractive


class RagService:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        retrieval: RetrievalConfig | None = None,
        answer_config: AnswerConfig | None = None,
        answerer: Answerer | None = None,
        generator: Generator | None = None,
    ):
        self.settings = settings
        self.embedder = embedder or load_embedder(settings.embedding_model, settings.embed_batch_size)
        self.retrieval_config = retrieval or RetrievalConfig(candidates=settings.candidates)
        self.answer_config = answer_config or AnswerConfig(abstain_below=settings.abstain_threshold)
        self._answerer = answerer
        self._lock = threading.RLock()
        self._reload_lock = threading.Lock()  # one reload at a time: never swap an older version back in
        self._snapshot: IndexSnapshot | None = None
        self._retriever: Retriever | None = None
        self._answerer_live: Answerer | None = None
        self._checked = 0.0
        self.generator = generator if generator is not None else generator_from_settings(settings)
        self._generative = self._generative_answerer(settings)
        # One query at a time searches a few thousand vectors: OpenMP's thread start-up and spinning
        # cost more than they save, and made the p95 of the dense step ~10x its median.
        import faiss

        faiss.omp_set_num_threads(1)
        self.reload(force=True)

    # --- index lifecycle -----------------------------------------------------------------------
    def reload(self, force: bool = False) -> bool:
        """Open the committed version if it differs from the one in use. Returns True if swapped."""
        with self._reload_lock:
            return self._reload(force)

    def _reload(self, force: bool) -> bool:
        token = version_token(self.settings.index)
        if not force and self._snapshot is not None and token == self._snapshot.version:
            return False
        snap = IndexSnapshot.open(self.settings.index, expected_model=self.embedder.model_id)
        retriever = Retriever(snap, self.embedder, self.retrieval_config)
        answerer = self._answerer or RoutingAnswerer(
            ExtractiveAnswerer(term_weights=retriever.question_weights, config=self.answer_config)
        )
        with self._lock:
            old = self._snapshot
            self._snapshot, self._retriever, self._answerer_live = snap, retriever, answerer
        if old is not None:
            # queries in flight hold their own reference; the old connection closes when they finish
            threading.Timer(5.0, old.close).start()
        return True

    def maybe_reload(self, every_s: float = 0.5) -> None:
        now = time.monotonic()
        if now - self._checked >= every_s and not self._reload_lock.locked():  # a reload under way: serve on
            self._checked = now
            try:
                self.reload()
            except IndexStoreError as e:  # keep serving the version in use rather than failing requests
                logging.getLogger("rag.pipeline").warning("index reload failed: %s", e)

    @property
    def lock(self) -> threading.RLock:
        """Held while a query runs; an ingest sharing ``embedder`` takes it per batch (the API's)."""
        return self._lock

    @property
    def snapshot(self) -> IndexSnapshot:
        assert self._snapshot is not None
        return self._snapshot

    @property
    def retriever(self) -> Retriever:
        assert self._retriever is not None
        return self._retriever

    # --- the question ------------------------------------------------------------------------------
    # ``ask`` is four stages, each its own method so each can grow on its own: resolve the question
    # with the conversation, hold a consistent (retriever, answerer) pair, retrieve, answer.
    def ask(self, req: AskRequest) -> Answer:
        if self.generates(req):
            return self._ask_generative(req)
        self.maybe_reload()
        t0 = time.perf_counter()
        query = self._resolve(req)
        with self._query() as (retriever, answerer):
            result = self._retrieve(retriever, query, req)
            t = time.perf_counter()
            answer = self._answer(answerer, query, result, req)
            answer_ms = (time.perf_counter() - t) * 1000
        answer.timings_ms = {
            **{k: round(v, 2) for k, v in result.timings_ms.items()},
            "answer": round(answer_ms, 2),
            "total": round((time.perf_counter() - t0) * 1000, 2),
        }
        answer.rewritten_question = query if query != req.question else None
        if req.generate and self.generator is None:
            answer.note = "No language model is configured (RAG_LLM_BASE_URL): this is the extractive answer."
        return answer

    def _resolve(self, req: AskRequest) -> str:
        """The question to search with: a follow-up is completed from the conversation (its names,
        the noun it asked about, the person its last reply named; ``rag/conversation.py``)."""
        return resolve(req.question, req.history).query

    @contextlib.contextmanager
    def _query(self) -> Iterator[tuple[Retriever, Answerer]]:
        """The retriever and answerer of one index version, held for one query."""
        with self._lock:  # one query at a time per process: SQLite handle and torch are shared
            assert self._retriever is not None and self._answerer_live is not None
            yield self._retriever, self._answerer_live

    def _retrieve(self, retriever: Retriever, query: str, req: AskRequest) -> RetrievalResult:
        if wants_period(query):  # a timeline: every report of the period (a hard filter), not top-k
            window = question_window(query, req.as_of)
            return gather_period(retriever, query, window, req.filters, req.as_of, top_k=req.top_k)
        if wants_values(query):  # a count: also the other reports of its event, to show where they differ
            return retrieve_with_event_pool(retriever, query, req.top_k, req.filters, req.as_of, req.mode, req.rerank)
        return retriever.retrieve(
            query, top_k=req.top_k, filters=req.filters, as_of=req.as_of, mode=req.mode, rerank=req.rerank
        )

    def _answer(self, answerer: Answerer, query: str, result: RetrievalResult, req: AskRequest) -> Answer:
        passages = result.passages
        if req.history:  # a follow-up prefers the articles the conversation already cited
            passages = prefer_articles(passages, resolve(req.question, req.history).prefer_articles)
        answer = answerer.answer(query, passages)
        if answer.abstained and (req.as_of or req.filters.date_from or req.filters.date_to or req.filters.sources):
            excluded, undated = count_excluded(
                self.snapshot.store, query, req.filters, req.as_of, self.retriever.doc_freq
            )
            excluded_note(answer, excluded, undated)
        return avoid_repeat(answer, req.history)

    # --- generative answers (rag/generation) ------------------------------------------------------
    def _generative_answerer(self, settings: Settings) -> GenerativeAnswerer | None:
        if self.generator is None:
            return None
        # verification embeds with the retrieval model, outside the query lock: share its lock
        verifier = Verifier(
            LockedEmbedder(self.embedder, self._lock),
            VerifyConfig(min_support=settings.llm_min_support, lexical_weight=settings.llm_lexical_weight),
        )
        config = GenerationConfig(passage_tokens=settings.llm_passage_tokens)
        return GenerativeAnswerer(self.generator, verifier, config)

    def generates(self, req: AskRequest) -> bool:
        """Whether ``req`` gets a generated answer: an LLM is configured and the request did not say no."""
        return self._generative is not None and req.generate is not False

    def _ask_generative(self, req: AskRequest) -> Answer:
        final = None
        for event in self.ask_stream(req, stream=False):
            if isinstance(event, Final):
                final = event
        assert final is not None
        return final.answer

    def ask_stream(self, req: AskRequest, stream: bool = True) -> Iterator[GenEvent]:
        """The answer as events: ``Sources``, each verified statement (``Released``), then ``Final``.

        Retrieval and the extractive answer (the fallback) run under the query lock; the model is
        waited for outside it, so a slow LLM does not hold up other questions."""
        self.maybe_reload()
        t0 = time.perf_counter()
        query = self._resolve(req)
        with self._query() as (retriever, answerer):
            result = self._retrieve(retriever, query, req)
            t = time.perf_counter()
            fallback = self._answer(answerer, query, result, req)
            extractive_ms = (time.perf_counter() - t) * 1000
            generate = self._generative is not None and req.generate is not False
            units = stored_units(retriever.snapshot.store, result.passages, self.embedder.dim) if generate else None
        yield Sources(list(result.passages))
        if self._generative is None or not generate:
            events: Iterator = iter([Final(fallback, 0)])
        else:
            events = self._generative.events(req.question, result.passages, req.history, fallback, stream, units)
        for event in events:
            if isinstance(event, Final):
                answer = event.answer
                answering = extractive_ms + sum(event.timings_ms.values())
                answer.timings_ms = {
                    **{k: round(v, 2) for k, v in result.timings_ms.items()},
                    "answer": round(answering, 2),
                    **event.timings_ms,
                    "total": round((time.perf_counter() - t0) * 1000, 2),
                }
                answer.rewritten_question = query if query != req.question else None
            yield event

    def search(self, question: str, top_k: int = 8, filters: Filters | None = None, as_of: str | None = None):
        self.maybe_reload()
        with self._lock:
            return self._retriever.retrieve(question, top_k=top_k, filters=filters, as_of=as_of)
