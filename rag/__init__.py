"""rag-news: cited answers over dated news reports.

The public surface is ``__all__``; everything else is internal. ``import rag`` stays light:
the model and web stacks (torch, sentence-transformers, FastAPI) load only when used.
"""

from __future__ import annotations

from .embedding import Embedder, EmbedderError, load_embedder
from .ingest import IngestReport, ingest  # binds the function over the submodule of the same name
from .models import Answer, Article, Chunk, Citation, Passage, SkippedRecord
from .readers import ReadResult, read_path
from .settings import Settings
from .store.index_dir import IndexCorrupt, IndexMismatch, IndexNotFound, IndexSnapshot, IndexStoreError

__all__ = [
    "Answer",
    "Article",
    "AskRequest",
    "Chunk",
    "Citation",
    "Embedder",
    "EmbedderError",
    "Filters",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotFound",
    "IndexSnapshot",
    "IndexStoreError",
    "IngestReport",
    "Passage",
    "RagService",
    "ReadResult",
    "Settings",
    "SkippedRecord",
    "create_app",
    "ingest",
    "load_embedder",
    "read_path",
]

_LAZY = {
    "AskRequest": "rag.pipeline",
    "RagService": "rag.pipeline",
    "Filters": "rag.retrieval.hybrid",
    "create_app": "rag.api.app",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rag' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
