"""The question pipeline as a plain callable: rewrite → retrieve → answer.

``RagService`` holds one open index snapshot and swaps in a newer committed version when an
ingest lands (a watcher thread notices it, off the request path), so readers never see a
half-written index, the service needs no restart, and queries never wait for each other.
The API, the CLI and the eval all go through ``ask``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from .answering.abstain import excluded_note
from .answering.compound import merge_answers, question_parts
from .answering.extractive import AnswerConfig, Answerer, ExtractiveAnswerer
from .answering.router import RoutingAnswerer, wants_period, wants_values
from .conversation import Resolution, avoid_repeat, prefer_articles, resolve
from .embedding import Embedder, SerializedEmbedder, load_embedder, load_query_embedder
from .generation import (
    Final,
    GenerationConfig,
    GenerativeAnswerer,
    Generator,
    GenEvent,
    Sources,
    Verifier,
    VerifyConfig,
    generator_from_settings,
)
from .generation.verify import stored_passage_vectors
from .models import Answer
from .priority import WriteThread, lower_this_thread
from .retrieval.excluded import count_excluded
from .retrieval.hybrid import Filters, RetrievalConfig, RetrievalResult, Retriever
from .retrieval.period import gather_period, retrieve_with_event_pool
from .retrieval.query_dates import question_window
from .settings import Settings
from .store import IndexSnapshot, IndexStoreError, SearchTuning
from .store.backends import open_backend

T = TypeVar("T")


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
    """The question pipeline over the index in use, safe to call from any number of threads at once.

    No query lock: a query takes a reference to the current snapshot (``_query``) and searches it
    while others do the same; a watcher thread notices new committed versions (an ingest here or
    in another process), opens them and swaps them in, and the old snapshot is freed when its last
    query lets go. The watcher also starts segment merges when they are due, off the request path.
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        retrieval: RetrievalConfig | None = None,
        answer_config: AnswerConfig | None = None,
        answerer: Answerer | None = None,
        watch: bool = True,
        generator: Generator | None = None,
    ):
        self.settings = settings
        self._given_embedder = embedder
        self.embedder = embedder or load_query_embedder(
            settings.embedding_model,
            settings.query_encoder,
            settings.query_encoder_threads,
            settings.embed_precision,
            settings.model_cache,
        )
        self.retrieval_config = retrieval or RetrievalConfig(
            candidates=settings.candidates, reranker=settings.reranker, ranker_weights=settings.ranker_weights
        )
        self.answer_config = answer_config or AnswerConfig(abstain_below=settings.abstain_threshold)
        self.tuning = SearchTuning(
            ef_search=settings.hnsw_ef_search, nprobe=settings.ivf_nprobe, exact_max=settings.exact_filter_max
        )
        self._answerer = answerer
        self._swap = threading.Lock()  # guards the (snapshot, retriever, answerer) triple: held for a swap only
        self._reload_lock = threading.Lock()  # one reload at a time: never swap an older version back in
        self._current: tuple[IndexSnapshot, Retriever, Answerer] | None = None
        self._backend = open_backend(settings)  # FAISS folder or Qdrant (RAG_STORE)
        self._ingest_embedder: Embedder | None = None
        self._ingest_lock = threading.Lock()
        self._writes = WriteThread()
        # Queries in flight per process: more only queue on the GIL and starve an ingest's Python work.
        self._slots = threading.BoundedSemaphore(settings.query_slots)
        self._stop = threading.Event()
        self._wake = threading.Event()  # a query saw a newer version: reload now, not at the next poll
        self._swapped = threading.Condition()
        self._gave_up: int | None = None
        self.generator = generator if generator is not None else generator_from_settings(settings)
        self._generative = self._generative_answerer(settings)
        # Each query searches one vector; OpenMP's thread start-up and spinning cost more than they save
        # (they made the p95 of the dense step ~10x its median), and queries run in parallel anyway.
        import faiss

        faiss.omp_set_num_threads(1)
        self.reload(force=True)
        if settings.api_token and embedder is None:  # writes are on: load the ingest model before the first ingest
            threading.Thread(target=lambda: self.ingest_embedder, name="ingest-model", daemon=True).start()
        self._watcher: threading.Thread | None = None
        if watch and settings.reload_poll_s > 0:
            self._watcher = threading.Thread(target=self._watch, name="index-watcher", daemon=True)
            self._watcher.start()

    # --- index lifecycle -----------------------------------------------------------------------
    def reload(self, force: bool = False) -> bool:
        """Open the committed version if it differs from the one in use. Returns True if swapped."""
        with self._reload_lock:
            return self._reload(force)

    def _reload(self, force: bool) -> bool:
        cur = self._current
        if not force and cur is not None and not self._backend.changed(cur[0]):
            return False
        snap = self._backend.open_snapshot(self.embedder.model_id, previous=cur[0] if cur else None, tuning=self.tuning)
        retriever = Retriever(snap, self.embedder, self.retrieval_config)
        answerer = self._answerer or RoutingAnswerer(
            ExtractiveAnswerer(term_weights=retriever.question_weights, config=self.answer_config)
        )
        with self._swap:
            old, self._current = self._current, (snap, retriever, answerer)
        with self._swapped:
            self._swapped.notify_all()
        if old is not None:
            old[0].close()  # freed when the last query holding it lets go
        return True

    def _watch(self) -> None:
        log = logging.getLogger("rag.pipeline")
        while not self._stop.is_set():
            self._wake.wait(self.settings.reload_poll_s)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.reload()
                self._merge_if_due()
            except IndexStoreError as e:  # keep serving the version in use
                log.warning("index reload failed: %s", e)
            except Exception:  # the watcher must not die: the next poll retries
                log.exception("index watcher")

    def _merge_if_due(self) -> None:
        cur = self._current
        version = self._backend.merge_if_due(cur[0]) if cur is not None else None
        if version:
            logging.getLogger("rag.pipeline").info("merged segments into %s", version)
            self.reload()

    def maybe_reload(self, every_s: float = 0.5) -> None:
        """Kept for callers of the old API: the watcher thread reloads; without one, reload now."""
        if self._watcher is None and not self._reload_lock.locked():
            try:
                self.reload()
            except IndexStoreError as e:
                logging.getLogger("rag.pipeline").warning("index reload failed: %s", e)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._watcher is not None:
            self._watcher.join(5)
        with self._swap:
            cur, self._current = self._current, None
        if cur is not None:
            cur[0].close()
        self._backend.close()
        self._writes.close()

    def run_write(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Run an ingest or delete on the write thread, whose CPU priority queries never lower."""
        return self._writes.run(fn, *args, **kwargs)

    @property
    def ingest_embedder(self) -> Embedder:
        """The document embedder for ingests through this service: always the model that built the
        index (never the int8 query encoder), serialized, and separate from the query path."""
        with self._ingest_lock:  # one wrapper (one lock) around the model, whoever asks first
            if self._ingest_embedder is None:
                self._ingest_embedder = self._make_ingest_embedder()
        return self._ingest_embedder

    @property
    def _snapshot(self) -> IndexSnapshot | None:  # read by rag/api/ops.py's metrics
        return self._current[0] if self._current else None

    def _make_ingest_embedder(self) -> Embedder:
        if self._given_embedder is not None:
            return SerializedEmbedder(self._given_embedder)
        if self.settings.ingest_threads > 0:
            import torch  # the service's only torch user is the ingest embedder (queries: onnxruntime)

            torch.set_num_threads(self.settings.ingest_threads)
        s = self.settings
        return SerializedEmbedder(load_embedder(s.embedding_model, s.embed_batch_size, s.embed_precision))

    @property
    def snapshot(self) -> IndexSnapshot:
        assert self._current is not None
        return self._current[0]

    @property
    def retriever(self) -> Retriever:
        assert self._current is not None
        return self._current[1]

    # --- the question ------------------------------------------------------------------------------
    # ``ask`` is four stages, each its own method so each can grow on its own: resolve the question
    # with the conversation, hold a consistent (retriever, answerer) pair, retrieve, answer.
    def ask(self, req: AskRequest) -> Answer:
        if self.generates(req):
            return self._ask_generative(req)
        parts = question_parts(req.question)
        merged = self._ask_parts(req, parts) if parts else None
        return merged if merged is not None else self._ask_one(req)

    def _ask_parts(self, req: AskRequest, parts: list[str]) -> Answer | None:
        """A question that asks two things (``rag/answering/compound.py``): each part is answered, the
        second as a follow-up of the first (so "they" is resolved), and the two answers merged."""
        t0 = time.perf_counter()
        first = self._ask_one(dataclasses.replace(req, question=parts[0]))
        turn: list[dict] = [
            {"role": "user", "content": parts[0]},
            {"role": "assistant", "content": first.answer, "citations": [c.to_dict() for c in first.citations]},
        ]
        follow_up = dataclasses.replace(req, question=parts[1], history=[*(req.history or []), *turn])
        merged = merge_answers(first, self._ask_one(follow_up, repeat_check=False), parts, req.top_k)
        if merged is not None:
            merged.timings_ms = {"total": round((time.perf_counter() - t0) * 1000, 2)}
            merged.note = first.note if req.generate else None  # "No language model is configured …"
        return merged

    def _ask_one(self, req: AskRequest, repeat_check: bool = True) -> Answer:
        t0 = time.perf_counter()
        res = self._resolve(req)
        query = res.query
        with self._query() as (retriever, answerer):
            result = self._retrieve(retriever, res, req)
            t = time.perf_counter()
            answer = self._answer(retriever, answerer, res, result, req, repeat_check)
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

    def _resolve(self, req: AskRequest) -> Resolution:
        """The question to search with: a follow-up is completed from the conversation (its names,
        the noun it asked about, the person its last reply named; ``rag/conversation.py``), with the
        articles the conversation cited (searched and preferred for a follow-up)."""
        return resolve(req.question, req.history, self.retriever.outlets())

    def _catch_up(self, wait_s: float = 5.0) -> None:
        """Read your writes across processes: when the store already holds a newer *content* version (an
        ingest committed by another worker or process), wake the watcher and wait for its swap (one
        indexed SQL read per query; the reload itself stays on the watcher thread)."""
        cur = self._current
        if self._watcher is None or cur is None:
            return
        newer = self._backend.newer_content(cur[0])
        if newer is None or newer == self._gave_up:
            return
        deadline = time.monotonic() + wait_s
        with self._swapped:
            while self._current is cur and time.monotonic() < deadline:
                self._wake.set()
                self._swapped.wait(0.1)
        if self._current is cur:  # the watcher could not open it (it logs why): serve on, stop waiting for it
            self._gave_up = newer

    @contextlib.contextmanager
    def _query(self) -> Iterator[tuple[Retriever, Answerer]]:
        """The retriever and answerer of one index version, held (not locked) for one query."""
        lower_this_thread(self.settings.query_niceness)  # writes first when the CPU is short (rag/priority.py)
        with self._slots:
            self._catch_up()
            while True:
                with self._swap:
                    assert self._current is not None, "service closed"
                    snap, retriever, answerer = self._current
                if snap.acquire():  # fails only if swapped out and freed in between: take the new one
                    break
            try:
                yield retriever, answerer
            finally:
                snap.release()

    def _retrieve(self, retriever: Retriever, res: Resolution, req: AskRequest) -> RetrievalResult:
        query = res.query
        if wants_period(query):  # a timeline: every report of the period (a hard filter), not top-k
            window = question_window(query, req.as_of)
            return gather_period(retriever, query, window, req.filters, req.as_of, top_k=req.top_k)
        cited = res.prefer_articles  # a follow-up also searches the chunks of the reports the conversation cited
        if wants_values(query):  # a count: also the other reports of its event, to show where they differ
            return retrieve_with_event_pool(
                retriever, query, req.top_k, req.filters, req.as_of, req.mode, req.rerank, articles=cited
            )
        return retriever.retrieve(
            query,
            top_k=req.top_k,
            filters=req.filters,
            as_of=req.as_of,
            mode=req.mode,
            rerank=req.rerank,
            articles=cited,
        )

    def _answer(
        self,
        retriever: Retriever,
        answerer: Answerer,
        res: Resolution,
        result: RetrievalResult,
        req: AskRequest,
        repeat_check: bool = True,
    ) -> Answer:
        query = res.query
        # a follow-up prefers the articles the conversation already cited
        passages = prefer_articles(result.passages, res.prefer_articles, question=req.question)
        answer = answerer.answer(query, passages)
        f = req.filters
        if answer.abstained and (req.as_of or f.date_from or f.date_to or f.sources):
            excluded, undated = count_excluded(retriever.snapshot.store, query, f, req.as_of, retriever.doc_freq)
            excluded_note(answer, excluded, undated)
        return avoid_repeat(answer, req.history) if repeat_check else answer

    # --- generative answers (rag/generation) ------------------------------------------------------
    def _generative_answerer(self, settings: Settings) -> GenerativeAnswerer | None:
        if self.generator is None:
            return None
        # the query encoder is safe to call from any thread (load_query_embedder)
        verifier = Verifier(
            self.embedder,
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

        Retrieval and the extractive answer (the fallback) run while the snapshot is held; the model
        is waited for after it is let go, so a slow LLM holds no index version."""
        parts = [] if self.generates(req) else question_parts(req.question)
        merged = self._ask_parts(req, parts) if parts else None
        if merged is not None:  # a question that asks two things: no model, nothing released early
            yield Sources(list(merged.passages))
            yield Final(merged, 0, {})
            return
        t0 = time.perf_counter()
        res = self._resolve(req)
        query = res.query
        with self._query() as (retriever, answerer):
            result = self._retrieve(retriever, res, req)
            t = time.perf_counter()
            fallback = self._answer(retriever, answerer, res, result, req)
            extractive_ms = (time.perf_counter() - t) * 1000
            generate = self._generative is not None and req.generate is not False
            vectors = (
                stored_passage_vectors(retriever.snapshot.store, result.passages, self.embedder.dim)
                if generate
                else None
            )
        yield Sources(list(result.passages))
        if self._generative is None or not generate:
            events: Iterator = iter([Final(fallback, 0)])
        else:
            events = self._generative.events(req.question, result.passages, req.history, fallback, stream, vectors)
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
        with self._query() as (retriever, _):
            return retriever.retrieve(question, top_k=top_k, filters=filters, as_of=as_of)
