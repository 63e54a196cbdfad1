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

from .answering.extractive import AnswerConfig, Answerer, ExtractiveAnswerer
from .conversation import rewrite
from .embedding import Embedder, load_embedder
from .models import Answer
from .retrieval.hybrid import Filters, RetrievalConfig, RetrievalResult, Retriever
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
    ):
        self.settings = settings
        self.embedder = embedder or load_embedder(settings.embedding_model, settings.embed_batch_size)
        self.retrieval_config = retrieval or RetrievalConfig(
            candidates=settings.candidates, reranker=settings.reranker, ranker_weights=settings.ranker_weights
        )
        self.answer_config = answer_config or AnswerConfig(abstain_below=settings.abstain_threshold)
        self._answerer = answerer
        self._lock = threading.RLock()
        self._reload_lock = threading.Lock()  # one reload at a time: never swap an older version back in
        self._snapshot: IndexSnapshot | None = None
        self._retriever: Retriever | None = None
        self._answerer_live: Answerer | None = None
        self._checked = 0.0
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
        answerer = self._answerer or ExtractiveAnswerer(
            term_weights=retriever.question_weights, config=self.answer_config
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
        return answer

    def _resolve(self, req: AskRequest) -> str:
        """The question to search with: a follow-up is completed from the conversation."""
        return rewrite(req.question, req.history)

    @contextlib.contextmanager
    def _query(self) -> Iterator[tuple[Retriever, Answerer]]:
        """The retriever and answerer of one index version, held for one query."""
        with self._lock:  # one query at a time per process: SQLite handle and torch are shared
            assert self._retriever is not None and self._answerer_live is not None
            yield self._retriever, self._answerer_live

    def _retrieve(self, retriever: Retriever, query: str, req: AskRequest) -> RetrievalResult:
        return retriever.retrieve(
            query, top_k=req.top_k, filters=req.filters, as_of=req.as_of, mode=req.mode, rerank=req.rerank
        )

    def _answer(self, answerer: Answerer, query: str, result: RetrievalResult, req: AskRequest) -> Answer:
        return answerer.answer(query, result.passages)

    def search(self, question: str, top_k: int = 8, filters: Filters | None = None, as_of: str | None = None):
        self.maybe_reload()
        with self._lock:
            return self._retriever.retrieve(question, top_k=top_k, filters=filters, as_of=as_of)
