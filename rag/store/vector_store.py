"""The vector store seam, and its FAISS implementations.

``SegmentedVectors`` is what an index snapshot searches: immutable segments (``segments.py``)
minus the snapshot's tombstones, each searched with the allowed rows of the query's filter and
the results merged. ``FaissVectorStore`` is a single in-memory FAISS index keyed by id (for
small uses and tests). A Qdrant-backed store would implement ``VectorStore`` (see
``protocols.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

from .protocols import VectorStore
from .segments import SearchTuning, Segment, search_params

__all__ = ["FaissVectorStore", "FilterMask", "SegmentedVectors", "VectorStore"]


class FilterMask:
    """The rows a filter allows, per segment of one snapshot (tombstoned rows already excluded)."""

    def __init__(self, masks: list[np.ndarray]):
        self.masks = masks
        self.count = int(sum(int(np.count_nonzero(m)) for m in masks))

    def __len__(self) -> int:
        return self.count


class SegmentedVectors:
    """Live vectors of one snapshot: segments minus tombstones. Read-only and thread-safe."""

    def __init__(self, dim: int, segments: Sequence[Segment], tombstones: np.ndarray, tuning: SearchTuning):
        self.dim = dim
        self.segments = list(segments)
        self.tuning = tuning
        self.tombstones = np.sort(np.asarray(tombstones, dtype=np.int64))
        # live[i] is None when segment i has no tombstoned rows
        self.live: list[np.ndarray | None] = []
        for seg in self.segments:
            dead = seg.id_mask(self.tombstones) if len(self.tombstones) else None
            self.live.append(~dead if dead is not None and dead.any() else None)
        self.ntotal = sum(len(s) if m is None else int(m.sum()) for s, m in zip(self.segments, self.live))

    # --- filters ---------------------------------------------------------------------------------
    def filter_mask(self, date_from: str | None, date_to: str | None, sources: Sequence[str] | None) -> FilterMask:
        masks = []
        for seg, live in zip(self.segments, self.live):
            m = seg.attrs.mask(date_from, date_to, sources)
            masks.append(m & live if live is not None else m)
        return FilterMask(masks)

    def _masks_for(self, allowed: FilterMask | np.ndarray | None) -> Sequence[np.ndarray | None]:
        if allowed is None:
            return list(self.live)
        if isinstance(allowed, FilterMask):
            return allowed.masks
        ids = np.unique(np.asarray(allowed, dtype=np.int64))
        out = []
        for seg, live in zip(self.segments, self.live):
            m = seg.id_mask(ids)
            out.append(m & live if live is not None else m)
        return out

    # --- queries ---------------------------------------------------------------------------------
    def search(
        self, query: np.ndarray, k: int, allowed_ids: FilterMask | np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` ``(chunk_id, cosine)``, only among ``allowed_ids`` (a ``FilterMask`` or an id array)
        when given. Never fewer than ``min(k, allowed live chunks)``."""
        if k <= 0 or self.ntotal == 0:
            return []
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        scores, ids = [], []
        for seg, mask in zip(self.segments, self._masks_for(allowed_ids)):
            s, i = seg.search(q, k, mask, self.tuning)
            scores.append(s)
            ids.append(i)
        if not scores:
            return []
        s, i = np.concatenate(scores), np.concatenate(ids)
        order = np.argsort(-s, kind="stable")[:k]
        return [(int(i[j]), float(s[j])) for j in order]

    def ids(self) -> np.ndarray:
        """All live chunk ids, sorted."""
        parts = [seg.ids if live is None else seg.ids[live] for seg, live in zip(self.segments, self.live)]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def reconstruct(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored vectors of live ids (missing ids are left out)."""
        want = np.unique(np.asarray(list(ids), dtype=np.int64))
        out: dict[int, np.ndarray] = {}
        for seg, live in zip(self.segments, self.live):
            m = seg.id_mask(want)
            if live is not None:
                m &= live
            rows = np.flatnonzero(m)
            for cid, v in zip(seg.ids[rows].tolist(), seg.vectors(rows)):
                out[cid] = v
        return out


class FaissVectorStore:
    """One in-memory FAISS index keyed by chunk id: inner product over unit vectors (= cosine)."""

    def __init__(self, index: faiss.Index, factory: str = "Flat"):
        self.index = index
        self.dim = index.d
        self.factory = factory

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

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: np.ndarray) -> None:
        """Remove ids; raises RuntimeError for index types that cannot (HNSW)."""
        if len(ids):
            self.index.remove_ids(faiss.IDSelectorBatch(ids.astype(np.int64)))

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> list[tuple[int, float]]:
        if self.ntotal == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if allowed_ids is not None:
            if len(allowed_ids) == 0:
                return []
            # Filtering inside the search (not after it); exact for Flat. For ANN types use SegmentedVectors,
            # which raises the search width until k allowed results are found.
            sel = faiss.IDSelectorBatch(np.asarray(allowed_ids, dtype=np.int64))
            params = search_params("SearchParameters", sel=sel)
            if "HNSW" in self.factory:
                params = search_params("SearchParametersHNSW", sel=sel, efSearch=max(16, 4 * k))
            scores, ids = self.index.search(q, min(k, len(allowed_ids)), params=params)
        else:
            scores, ids = self.index.search(q, min(k, self.ntotal))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
