"""The Qdrant backend (RAG_STORE=qdrant): the index in a Qdrant server, cluster or local folder.

Chosen by ``rag.store.backends`` from the settings; see docs/qdrant.md.
"""

from .client import POINTER_NAME, QdrantTarget, QdrantUnavailable, client_for, close_clients, resolve_prefix
from .reader import QdrantSnapshot, QdrantStore, QdrantVectors, build_filter
from .writer import QdrantIndexWriter, QdrantMetadataWriter

__all__ = [
    "POINTER_NAME",
    "QdrantIndexWriter",
    "QdrantMetadataWriter",
    "QdrantSnapshot",
    "QdrantStore",
    "QdrantTarget",
    "QdrantUnavailable",
    "QdrantVectors",
    "build_filter",
    "client_for",
    "close_clients",
    "resolve_prefix",
]
