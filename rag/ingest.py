"""The ingest pipeline: articles → chunks → vectors → a new committed index version.

Incremental by content hash: an unchanged article costs nothing; a changed one is replaced,
and its chunks whose embedding text did not change reuse their stored vectors. All of it
happens in one writer transaction plus one new vector segment (``IndexWriter``), so a failure
leaves the previous index serving and nothing is copied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import TokenCounter, chunk_article, embedding_text, whitespace_token_counter
from .embedding import Embedder, pools_spans
from .ingest_vectors import SENTENCE_MODES, EmbedWork, SentencePlan, emb_hash, plan_sentences, pool_passes
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
    sentences_pooled: int = 0
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
            "sentences_pooled": self.sentences_pooled,
            "version": self.version,
        }


@dataclass
class _Plan:
    """What an ingest writes: each new or changed article with its chunks, their embedding texts and
    hashes; and, when sentence vectors are kept, each such article's sentences."""

    articles: list[tuple[Article, list[Chunk], list[str], list[str]]] = field(default_factory=list)
    sentences: dict[str, SentencePlan] = field(default_factory=dict)


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
    sentence_mode: str = "in-chunk",
    open_writer: Callable[..., Any] | None = None,
) -> IngestReport:
    """``open_writer`` picks the store (``rag.store.backends.writer_factory``); default: the FAISS folder.
    ``sentence_mode``: sentence vectors pooled from the chunk pass ("in-chunk") or embedded "alone"."""
    if sentence_mode not in SENTENCE_MODES:
        raise ValueError(f"sentence_mode must be one of {SENTENCE_MODES}, not {sentence_mode!r}")
    report = IngestReport(skipped=list(skipped or []))
    pooled = sentence_mode == "in-chunk" and pools_spans(embedder)
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
        plan = _plan(articles, writer, known, report, model_id, count_tokens, chunk_tokens, overlap)
        if sentence_vectors:
            for a, chunks, texts, hashes in plan.articles:
                spans = sentence_spans(a.body)
                plan.sentences[a.id] = plan_sentences(model_id, a.body, spans, chunks, texts, hashes, pooled)
        # 2. embed only what was never embedded before (by hash), in batches
        cached, work, n_sentences = _work(writer.store, plan, pooled)
        report.chunks_reused = sum(len(hashes) for *_, hashes in plan.articles) - work.chunks
        report.sentences_pooled = _embed(cached, work, embedder, batch_size, progress)
        report.chunks_embedded = work.chunks
        report.sentences_embedded = n_sentences
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
        hashes = [emb_hash(model_id, t) for t in texts]
        plan.articles.append((a, chunks, texts, hashes))
    return plan


def _work(store: MetadataWriter, plan: _Plan, pooled: bool) -> tuple[dict[str, np.ndarray], EmbedWork, int]:
    """The stored vectors the plan can reuse (by hash), what is left to embed, and how many sentence
    vectors that is."""
    chunk_texts = {h: t for _, _, texts, hashes in plan.articles for t, h in zip(texts, hashes)}
    cached = store.vectors_by_emb_hash(list(chunk_texts))
    work = EmbedWork()
    for h, t in chunk_texts.items():
        if h not in cached:
            work.add_chunk(h, t, pooled)
    cached.update(store.vectors_by_emb_hash([h for p in plan.sentences.values() for h in p.hashes], table="sentences"))
    seen: set[str] = set()
    for p in plan.sentences.values():
        for text, h, source in zip(p.texts, p.hashes, p.sources):
            if h not in cached and h not in seen:
                seen.add(h)
                work.add_sentence(h, text, source, chunk_texts.get(source[0]) if source else None)
    return cached, work, len(seen)


def _embed(
    cached: dict[str, np.ndarray],
    work: EmbedWork,
    embedder: Embedder,
    batch_size: int,
    progress: ProgressFactory | None,
) -> int:
    """Run the chunk passes, then embed what is left alone, into ``cached`` (by hash), ticking the
    progress bar. Returns how many sentence vectors were pooled from chunk passes."""
    total = len(work.passes) + len(work.alone)
    bar = progress(total) if progress and total else None
    tick = bar.update if bar else (lambda n: None)
    try:
        pooled = pool_passes(cached, work, embedder, batch_size, tick) if work.passes else 0
        # shortest first, so each batch pads to a similar length (as one encode() call would)
        items = sorted(work.alone.items(), key=lambda kv: len(kv[1]))
        for i in range(0, len(items), batch_size):
            part = items[i : i + batch_size]
            for (h, _), v in zip(part, embedder.embed([t for _, t in part])):
                cached[h] = v
            tick(len(part))
    finally:
        if bar:
            bar.close()
    return pooled


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
        sp = plan.sentences.get(a.id)
        if sp and sp.spans:
            writer.store.insert_sentences(a.id, sp.spans, sp.hashes, np.stack([cached[h] for h in sp.hashes]))
