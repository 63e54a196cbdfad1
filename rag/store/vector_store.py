"""The vector store seam, and its FAISS implementation.

The index type is configuration, not code: any ``faiss.index_factory`` string ("Flat",
"HNSW32", "IVF1024,PQ32", …) wrapped in an id map keyed by chunk id. A Qdrant-backed store
would implement the same protocol.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import faiss
import numpy as np


class VectorStore(Protocol):
    dim: int

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` ``(chunk_id, cosine)`` for one unit query vector, optionally only among ``allowed_ids``."""
        ...


class FaissVectorStore:
    """Inner product over unit vectors (= cosine), ids are SQLite chunk ids."""

    def __init__(self, index: faiss.Index, factory: str = "Flat"):
        self.index = index
        self.dim = index.d
        self.factory = factory

    # --- construction ---------------------------------------------------------------
    @classmethod
    def empty(cls, dim: int, factory: str = "Flat") -> FaissVectorStore:
        index = faiss.index_factory(dim, f"IDMap2,{factory}", faiss.METRIC_INNER_PRODUCT)
        return cls(index, factory)

    @classmethod
    def build(cls, dim: int, factory: str, ids: np.ndarray, vectors: np.ndarray) -> FaissVectorStore:
        store = cls.empty(dim, factory)
        if len(ids):
            if not store.index.is_trained:
                store.index.train(vectors)
            store.index.add_with_ids(vectors, ids.astype(np.int64))
        return store

    @classmethod
    def load(cls, path: Path, factory: str = "Flat") -> FaissVectorStore:
        return cls(faiss.read_index(str(path)), factory)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    # --- mutation ---------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: np.ndarray) -> None:
        """Remove ids; raises RuntimeError for index types that cannot (HNSW): the caller rebuilds."""
        if len(ids):
            self.index.remove_ids(faiss.IDSelectorBatch(ids.astype(np.int64)))

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    # --- query --------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> list[tuple[int, float]]:
        if self.ntotal == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if allowed_ids is not None:
            if len(allowed_ids) == 0:
                return []
            # Filtering inside the search (not after it) so a narrow filter never loses results.
            sel = faiss.IDSelectorBatch(allowed_ids.astype(np.int64))
            params = faiss.SearchParameters(sel=sel)
            scores, ids = self.index.search(q, min(k, len(allowed_ids)), params=params)
        else:
            scores, ids = self.index.search(q, min(k, self.ntotal))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
