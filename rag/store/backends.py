"""Which store backs an index, from the settings: the one seam the service, the CLI and the API
go through to open snapshots and writers.

``RAG_STORE=faiss`` (default): SQLite + FAISS segments in the ``RAG_INDEX`` folder.
``RAG_STORE=qdrant``: everything in Qdrant (``RAG_QDRANT_URL`` or ``RAG_QDRANT_PATH``); the
index folder holds at most a pointer naming the collections (docs/qdrant.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..settings import Settings
from .index_dir import IndexSnapshot, IndexStoreError, IndexWriter, current_version, open_reader_store
from .merge import MergePolicy, compact, merge_due
from .segments import SearchTuning
from .sqlite_store import SqliteStore

BACKENDS = ("faiss", "qdrant")


def backend_name(settings: Settings) -> str:
    name = (settings.store or "faiss").lower()
    if name not in BACKENDS:
        raise IndexStoreError(f"unsupported RAG_STORE {settings.store!r}: use faiss or qdrant")
    return name


def qdrant_target(settings: Settings):
    from .qdrant import QdrantTarget, resolve_prefix

    return QdrantTarget(
        url=settings.qdrant_url,
        api_key=settings.qdrant_api_key,
        path=str(settings.qdrant_path) if settings.qdrant_path else None,
        prefix=resolve_prefix(Path(settings.index), settings.qdrant_collection),
        timeout_s=settings.qdrant_timeout_s,
        shards=settings.qdrant_shards,
        replicas=settings.qdrant_replicas,
        hnsw_m=settings.qdrant_hnsw_m,
        ef_construct=settings.qdrant_ef_construct,
        quantization=settings.qdrant_quantization,
    )


# --- writers --------------------------------------------------------------------------------------------
WriterFactory = Callable[[Path | str, str, int, str, int], Any]


def writer_factory(settings: Settings) -> WriterFactory:
    """``(index_dir, model_id, dim, faiss_factory, keep_versions) → IndexWriterLike``, for ``rag.ingest``."""
    if backend_name(settings) == "faiss":
        return IndexWriter
    target = qdrant_target(settings)

    def open_qdrant_writer(index_dir, model_id, dim, _factory, _keep):
        from .qdrant import QdrantIndexWriter

        return QdrantIndexWriter(index_dir, target, model_id, dim)

    return open_qdrant_writer


def has_index(settings: Settings) -> bool:
    """Whether a committed index exists (``rag serve`` builds one on first run otherwise)."""
    if backend_name(settings) == "faiss":
        return current_version(settings.index) is not None
    from .qdrant import client_for
    from .qdrant.meta import read_record

    try:
        return read_record(client_for(qdrant_target(settings)), qdrant_target(settings)) is not None
    except IndexStoreError:
        raise
    except Exception as e:
        raise IndexStoreError(f"Qdrant cannot be read: {e}") from e


# --- readers ---------------------------------------------------------------------------------------------
class FaissBackend:
    """Snapshots of a FAISS index folder sharing one SQLite reader; merges segments when due."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._store: SqliteStore | None = None

    def open_snapshot(self, expected_model: str | None, previous=None, tuning: SearchTuning | None = None):
        if self._store is None:  # one SQLite reader (a connection per thread) for every snapshot
            self._store = open_reader_store(self.settings.index)
        return IndexSnapshot.open(
            self.settings.index, expected_model=expected_model, store=self._store, previous=previous, tuning=tuning
        )

    def changed(self, snapshot) -> bool:
        """A newer commit than ``snapshot``'s (one indexed SQL read)."""
        if self._store is None:
            return True
        latest = self._store.latest_manifest()
        return (latest[0] if latest else None) != snapshot.manifest.generation

    def newer_content(self, snapshot) -> int | None:
        """The generation of a committed version newer than ``snapshot`` whose *content* differs (an
        ingest, not a merge), else None: one indexed SQL read."""
        if self._store is None:
            return None
        latest = self._store.latest_manifest()
        if latest is None or latest[0] == snapshot.manifest.generation:
            return None
        return None if json.loads(latest[1]).get("version") == snapshot.version else latest[0]

    def merge_if_due(self, snapshot) -> str | None:
        s = self.settings
        policy = MergePolicy(max_segments=s.max_segments, dead_ratio=s.merge_dead_ratio)
        if not s.merge_in_background or not merge_due(snapshot, policy):
            return None
        return compact(s.index, s.faiss_factory, policy, s.keep_versions, previous=snapshot)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class QdrantBackend:
    """Snapshots of a Qdrant index: a view of the live collections, reopened when a commit lands."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.target = qdrant_target(settings)

    def open_snapshot(self, expected_model: str | None, previous=None, tuning: SearchTuning | None = None):
        from .qdrant import QdrantSnapshot

        ef = tuning.ef_search if tuning else self.settings.hnsw_ef_search
        return QdrantSnapshot.open(Path(self.settings.index), self.target, expected_model, ef, previous)

    def changed(self, snapshot) -> bool:
        from .qdrant import client_for
        from .qdrant.meta import read_record

        rec = read_record(client_for(self.target), self.target)
        return rec is None or (rec.generation, rec.commit) != snapshot.token()

    def newer_content(self, snapshot) -> int | None:
        """Replicas share one cluster and read it live: there is nothing to catch up with."""
        return None

    def merge_if_due(self, snapshot) -> str | None:
        return None  # Qdrant's optimizer merges its own segments

    def close(self) -> None:
        """Clients are shared per location and closed with the process."""


def open_backend(settings: Settings) -> FaissBackend | QdrantBackend:
    return FaissBackend(settings) if backend_name(settings) == "faiss" else QdrantBackend(settings)


def open_snapshot(settings: Settings, expected_model: str | None = None):
    """One snapshot of the configured index (for `rag stats` and scripts); close it when done."""
    backend = open_backend(settings)
    if isinstance(backend, FaissBackend):
        return IndexSnapshot.open(settings.index, expected_model=expected_model, verify=False)
    return backend.open_snapshot(expected_model)


def describe(snapshot) -> dict:
    """The backend's state for `rag stats` and /health: the Qdrant collection's, or the FAISS segments'."""
    info = getattr(snapshot.store, "collection_info", None)
    if info is not None:
        return info()
    m = snapshot.manifest
    return {"backend": "faiss", "segments": len(m.segments), "tombstones": m.tombstone_count}


def worker_share(article_id: str, n: int) -> int:
    """Which of ``n`` ingest workers owns an article: a stable hash, the same on every machine."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=8).digest(), "big") % n
