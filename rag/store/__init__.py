"""Storage: SQLite (articles, chunks, FTS5) + a FAISS vector store, in versioned index directories."""

from .index_dir import (
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    IndexSnapshot,
    IndexStoreError,
    IndexWriter,
    Manifest,
    verify_version,
)
from .sqlite_store import SqliteStore
from .vector_store import FaissVectorStore, VectorStore

__all__ = [
    "FaissVectorStore",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotFound",
    "IndexSnapshot",
    "IndexStoreError",
    "IndexWriter",
    "Manifest",
    "SqliteStore",
    "VectorStore",
    "verify_version",
]
