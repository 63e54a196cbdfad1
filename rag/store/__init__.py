"""Storage: SQLite (articles, chunks, FTS5, manifests) + immutable FAISS segments with tombstones.

The seams are in ``protocols.py`` (``MetadataStore``, ``VectorStore``, ``IndexWriterLike``).
"""

from .index_dir import (
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    IndexSnapshot,
    IndexStoreError,
    IndexWriter,
    Manifest,
    check_index,
    verify_version,
)
from .merge import MergePolicy, compact
from .protocols import IndexWriterLike, MetadataStore, VectorStore
from .segments import SearchTuning
from .sqlite_store import SqliteStore
from .vector_store import FaissVectorStore, FilterMask, SegmentedVectors

__all__ = [
    "FaissVectorStore",
    "FilterMask",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotFound",
    "IndexSnapshot",
    "IndexStoreError",
    "IndexWriter",
    "IndexWriterLike",
    "Manifest",
    "MergePolicy",
    "MetadataStore",
    "SearchTuning",
    "SegmentedVectors",
    "SqliteStore",
    "VectorStore",
    "check_index",
    "compact",
    "verify_version",
]
