"""The store's seams: what retrieval and the API need from an index, whatever backs it.

An index snapshot (``IndexSnapshot``) is a ``MetadataStore`` (articles, chunk text, keyword
search) plus a ``VectorStore`` (dense search with filters) plus its ``version`` and manifest;
an ingest writes through an ``IndexWriterLike``. The SQLite + FAISS-segments implementation is
in ``index_dir.py``; a second backend (e.g. Qdrant for the vectors) implements these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np

from ..models import Article, Chunk, Passage


class VectorStore(Protocol):
    dim: int
    ntotal: int

    def search(self, query: np.ndarray, k: int, allowed_ids: Any = None) -> list[tuple[int, float]]:
        """Top ``k`` ``(chunk_id, cosine)`` for one unit query vector, only among ``allowed_ids`` when
        given (an id array, or what the snapshot's ``allowed()`` returned). Never returns fewer than
        ``min(k, number of allowed chunks)``."""
        ...


class MetadataStore(Protocol):
    """Articles and chunks: reads are safe from any thread."""

    def counts(self) -> tuple[int, int]: ...
    def get_article(self, article_id: str) -> Article | None: ...
    def list_articles(self, limit: int = 100, offset: int = 0) -> list[dict]: ...
    def passages(self, chunk_ids: Sequence[int]) -> dict[int, Passage]: ...
    def chunk_vectors(self, chunk_ids: Sequence[int], dim: int) -> dict[int, np.ndarray]: ...
    def article_chunk_ids(self, article_ids: Sequence[str], limit: int = 200) -> list[int]: ...
    def sentence_vectors(self, spans: Sequence[tuple[str, int, int]]) -> dict: ...
    def keyword_search(
        self,
        match: str,
        k: int,
        date_from: str | None = None,
        date_to: str | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[tuple[int, float]]: ...
    def doc_freqs(self, terms: Sequence[str]) -> tuple[dict[str, int], int]: ...
    def sources_and_span(self) -> dict: ...


class MetadataWriter(Protocol):
    """The write half used by an ingest, inside one writer transaction."""

    def article_hashes(self) -> dict[str, str]: ...
    def vectors_by_emb_hash(self, hashes: Iterable[str], table: str = "chunks") -> dict[str, np.ndarray]: ...
    def delete_article(self, article_id: str) -> list[int]: ...
    def insert_article(
        self, article: Article, chunks: Sequence[Chunk], emb_hashes: Sequence[str], vectors: np.ndarray
    ) -> list[int]: ...
    def insert_sentences(
        self, article_id: str, spans: Sequence[tuple[int, int]], hashes: Sequence[str], vectors: np.ndarray
    ) -> None: ...


class IndexWriterLike(Protocol):
    """A context manager: changes are committed atomically on a clean exit, discarded otherwise."""

    store: MetadataWriter
    committed_version: str | None

    def add_chunks(self, ids: list[int], vectors: np.ndarray) -> None: ...
    def remove_chunks(self, ids: list[int]) -> None: ...
    def discard(self) -> None: ...
    @property
    def needs_rebuild(self) -> bool: ...
