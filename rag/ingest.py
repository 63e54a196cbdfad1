"""The ingest pipeline: articles → chunks → vectors → a new committed index version.

Incremental by content hash: an unchanged article costs nothing; a changed one is replaced,
and its chunks whose embedding text did not change reuse their stored vectors. All of it
happens in one writer transaction plus one new vector segment (``IndexWriter``), so a failure
leaves the previous index serving and nothing is copied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import TokenCounter, chunk_article, embedding_text, whitespace_token_counter
from .embedding import Embedder
from .models import Article, Chunk, SkippedRecord
from .sentences import sentence_spans
from .store import IndexWriter
from .store.protocols import IndexWriterLike, MetadataWriter

ProgressFactory = Callable[[int], "ProgressLike"]


class ProgressLike:  # the subset of tqdm we use
    def update(self, n: int) -> None: ...
    def close(self) -> None: ...


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_reused: int = 0
    sentences_embedded: int = 0
    version: str | None = None

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "skipped": [s.to_dict() for s in self.skipped],
            "chunks_embedded": self.chunks_embedded,
            "chunks_reused": self.chunks_reused,
            "sentences_embedded": self.sentences_embedded,
            "version": self.version,
        }


def _emb_hash(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()


@dataclass
class _Plan:
    """What an ingest writes: each new or changed article with its chunks, their embedding texts and
    hashes; and, when sentence vectors are kept, each such article's sentence spans, texts and hashes."""

    articles: list[tuple[Article, list[Chunk], list[str], list[str]]] = field(default_factory=list)
    sentences: dict[str, tuple[list[tuple[int, int]], list[str], list[str]]] = field(default_factory=dict)


def ingest(
    articles: Iterable[Article],
    index_dir: Path | str,
    embedder: Embedder,
    *,
    faiss_factory: str = "auto",
    chunk_tokens: int = 200,
    overlap: int = 1,
    batch_size: int = 64,
    keep_versions: int = 2,
    skipped: list[SkippedRecord] | None = None,
    delete_ids: Iterable[str] = (),
    progress: ProgressFactory | None = None,
    sentence_vectors: bool = True,
    open_writer: Callable[..., Any] | None = None,
) -> IngestReport:
    """``open_writer`` picks the store (``rag.store.backends.writer_factory``); default: the FAISS folder."""
    report = IngestReport(skipped=list(skipped or []))
    count_tokens = getattr(embedder, "count_tokens", whitespace_token_counter)
    model_id = embedder.model_id

    # (index_dir, model_id, dim, faiss_factory, keep_versions) → a context manager giving an IndexWriterLike
    opener: Callable[..., Any] = open_writer or IndexWriter
    with opener(index_dir, model_id, embedder.dim, faiss_factory, keep_versions) as writer:
        known = writer.store.article_hashes()
        for article_id in delete_ids:
            if article_id in known:
                _remove_article(writer, known, article_id, report)

        # 1. decide what changes, chunk it
        plan = _plan(articles, writer, known, report, model_id, count_tokens, chunk_tokens, overlap, sentence_vectors)
        # 2. embed only texts never embedded before (by hash), in batches
        cached, need, n_chunk_texts = _vectors_and_texts_to_embed(writer.store, plan)
        report.chunks_reused = sum(len(hashes) for *_, hashes in plan.articles) - n_chunk_texts
        _embed_into(cached, need, embedder, batch_size, progress)
        report.chunks_embedded = n_chunk_texts
        report.sentences_embedded = len(need) - n_chunk_texts
        # 3. write: replace changed articles, add new ones
        _write(writer, plan, known, cached, report)
        if not (plan.articles or report.deleted or writer.needs_rebuild):
            writer.discard()  # nothing changed: keep the current version, write nothing
    report.version = writer.committed_version
    return report


def _remove_article(writer: IndexWriterLike, known: dict[str, str], article_id: str, report: IngestReport) -> None:
    """Delete an indexed article and its chunks, counting it as deleted."""
    writer.remove_chunks(writer.store.delete_article(article_id))
    known.pop(article_id)
    report.deleted += 1


def _plan(
    articles: Iterable[Article],
    writer: IndexWriterLike,
    known: dict[str, str],
    report: IngestReport,
    model_id: str,
    count_tokens: TokenCounter,
    chunk_tokens: int,
    overlap: int,
    sentence_vectors: bool,
) -> _Plan:
    """Chunk the new and changed articles; count unchanged ones and skip duplicates and empty ones."""
    plan = _Plan()
    seen: set[str] = set()
    for a in articles:
        if a.id in seen:
            report.skipped.append(SkippedRecord(a.id, f"duplicate id {a.id} in this ingest"))
            continue
        seen.add(a.id)
        if known.get(a.id) == a.content_hash():
            report.unchanged += 1
            continue
        chunks = chunk_article(a, count_tokens, chunk_tokens, overlap)
        if not chunks:
            reason = "no text to index"
            if a.id in known:  # an update that empties the article must not leave the old text served
                _remove_article(writer, known, a.id, report)
                reason += "; its previous version was removed"
            report.skipped.append(SkippedRecord(a.id, reason))
            continue
        texts = [embedding_text(a, c) for c in chunks]
        plan.articles.append((a, chunks, texts, [_emb_hash(model_id, t) for t in texts]))
        if sentence_vectors:
            spans = sentence_spans(a.body)
            stexts = [a.body[s:e] for s, e in spans]
            plan.sentences[a.id] = (spans, stexts, [_emb_hash(model_id, "sentence\x00" + t) for t in stexts])
    return plan


def _vectors_and_texts_to_embed(
    store: MetadataWriter, plan: _Plan
) -> tuple[dict[str, np.ndarray], dict[str, str], int]:
    """The stored vectors the plan can reuse (by hash), the texts still to embed (hash → text, chunk
    texts first), and how many of those are chunk texts."""
    cached = store.vectors_by_emb_hash([h for *_, hs in plan.articles for h in hs])
    need: dict[str, str] = {}
    for _, _, texts, hashes in plan.articles:
        for t, h in zip(texts, hashes):
            if h not in cached and h not in need:
                need[h] = t
    n_chunk_texts = len(need)
    sent_hashes = [h for _, _, hs in plan.sentences.values() for h in hs]
    cached.update(store.vectors_by_emb_hash(sent_hashes, table="sentences"))
    for _, stexts, hashes in plan.sentences.values():
        for t, h in zip(stexts, hashes):
            if h not in cached and h not in need:
                need[h] = t
    return cached, need, n_chunk_texts


def _embed_into(
    cached: dict[str, np.ndarray],
    need: dict[str, str],
    embedder: Embedder,
    batch_size: int,
    progress: ProgressFactory | None,
) -> None:
    """Embed the ``need`` texts in batches into ``cached`` (by hash), ticking the progress bar."""
    bar = progress(len(need)) if progress and need else None
    try:
        # shortest first, so each batch pads to a similar length (as one encode() call would)
        items = sorted(need.items(), key=lambda kv: len(kv[1]))
        for i in range(0, len(items), batch_size):
            part = items[i : i + batch_size]
            vecs = embedder.embed([t for _, t in part])
            for (h, _), v in zip(part, vecs):
                cached[h] = v
            if bar:
                bar.update(len(part))
    finally:
        if bar:
            bar.close()


def _write(
    writer: IndexWriterLike,
    plan: _Plan,
    known: dict[str, str],
    cached: dict[str, np.ndarray],
    report: IngestReport,
) -> None:
    """Replace the changed articles and add the new ones, with their chunk and sentence vectors."""
    for a, chunks, _, hashes in plan.articles:
        if a.id in known:
            writer.remove_chunks(writer.store.delete_article(a.id))
            report.updated += 1
        else:
            report.added += 1
        vecs = np.stack([cached[h] for h in hashes]).astype(np.float32)
        ids = writer.store.insert_article(a, chunks, hashes, vecs)
        writer.add_chunks(ids, vecs)
        if a.id in plan.sentences:
            spans, _, shashes = plan.sentences[a.id]
            if spans:
                writer.store.insert_sentences(a.id, spans, shashes, np.stack([cached[h] for h in shashes]))
