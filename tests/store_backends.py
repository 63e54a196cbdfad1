"""Backends the store contract suite runs against: FAISS, Qdrant local mode, and a real Qdrant
server when RAG_QDRANT_URL is set (skipped with a message otherwise)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from rag.settings import Settings

BACKENDS = ["faiss", "qdrant-local", "qdrant-server"]
SERVER_URL = os.environ.get("RAG_QDRANT_URL")


def backend_settings(backend: str, root: Path, **kw) -> Settings:
    """Settings of a fresh, empty index of ``backend`` under ``root``."""
    index = root / "index"
    if backend == "faiss":
        return Settings(index=index, store="faiss", **kw)
    if backend == "qdrant-local":
        return Settings(index=index, store="qdrant", qdrant_path=root / "qdrant", **kw)
    if backend == "qdrant-server":
        if not SERVER_URL:
            pytest.skip("no Qdrant server: set RAG_QDRANT_URL (and RAG_QDRANT_API_KEY) to run these against one")
        name = f"test-{uuid.uuid4().hex[:10]}"
        return Settings(
            index=index,
            store="qdrant",
            qdrant_url=SERVER_URL,
            qdrant_api_key=os.environ.get("RAG_QDRANT_API_KEY"),
            qdrant_collection=name,
            **kw,
        )
    raise ValueError(backend)


def drop(settings: Settings) -> None:
    """Remove a server test's collections (local and FAISS indexes live in tmp folders)."""
    if settings.store != "qdrant" or not settings.qdrant_url:
        return
    from rag.store.backends import qdrant_target
    from rag.store.qdrant import client_for

    target = qdrant_target(settings)
    client = client_for(target)
    for kind in ("chunks", "articles", "meta"):
        name = target.collection(kind)
        if client.collection_exists(name):
            client.delete_collection(name)
