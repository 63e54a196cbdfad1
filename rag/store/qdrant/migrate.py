"""Copy a FAISS index folder into Qdrant without embedding anything: the chunk and sentence
vectors are read from the folder's SQLite database (where every ingest stores them).

Idempotent: an article already in Qdrant with the same content hash is skipped, so an
interrupted migration is resumed by running it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...models import Article, Chunk
from ..index_dir import IndexSnapshot
from ..sqlite_store import SqliteStore
from .client import QdrantTarget
from .writer import QdrantIndexWriter


@dataclass
class MigrationReport:
    articles: int = 0
    skipped: int = 0
    chunks: int = 0
    sentences: int = 0
    version: str | None = None
    collection: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _articles(store: SqliteStore):
    cur = store.conn.execute(
        "SELECT id, title, body, source, date, date_inferred, date_evidence, url FROM articles ORDER BY id"
    )
    while rows := cur.fetchmany(500):
        for r in rows:
            yield Article(
                id=r[0], title=r[1], body=r[2], source=r[3] or "", date=r[4], date_inferred=bool(r[5]),
                date_evidence=r[6], url=r[7],
            )  # fmt: skip


def _chunks(store: SqliteStore, article_id: str, dim: int) -> tuple[list[Chunk], list[str], np.ndarray]:
    rows = store.conn.execute(
        'SELECT ordinal, start, "end", text, emb_hash, vector FROM chunks WHERE article_id = ? ORDER BY ordinal',
        (article_id,),
    ).fetchall()
    chunks = [Chunk(article_id, r[0], r[1], r[2], r[3]) for r in rows]
    vecs = np.frombuffer(b"".join(r[5] for r in rows), dtype=np.float32).reshape(len(rows), dim)
    return chunks, [r[4] for r in rows], vecs


def _sentences(store: SqliteStore, article_id: str, dim: int):
    rows = store.conn.execute(
        'SELECT start, "end", emb_hash, vector FROM sentences WHERE article_id = ? ORDER BY start', (article_id,)
    ).fetchall()
    vecs = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.float16).reshape(len(rows), dim)
    return [(r[0], r[1]) for r in rows], [r[2] for r in rows], vecs


def migrate_to_qdrant(
    index: Path | str, target: QdrantTarget, progress: Callable[[int], object] | None = None
) -> MigrationReport:
    """Every article of the FAISS index at ``index`` into the Qdrant collections of ``target``."""
    snap = IndexSnapshot.open(index, verify=False)
    report = MigrationReport(collection=target.prefix)
    try:
        m, store = snap.manifest, snap.store
        bar = progress(m.articles) if progress else None
        with QdrantIndexWriter(index, target, m.embedding_model, m.dim) as writer:
            known = writer.store.article_hashes()
            for a in _articles(store):
                if bar is not None:
                    bar.update(1)  # type: ignore[attr-defined]
                if known.get(a.id) == a.content_hash():
                    report.skipped += 1
                    continue
                chunks, hashes, vecs = _chunks(store, a.id, m.dim)
                if not chunks:
                    continue
                writer.store.insert_article(a, chunks, hashes, vecs)
                spans, shashes, svecs = _sentences(store, a.id, m.dim)
                if spans:
                    writer.store.insert_sentences(a.id, spans, shashes, svecs)
                report.articles += 1
                report.chunks += len(chunks)
                report.sentences += len(spans)
            if bar is not None:
                bar.close()  # type: ignore[attr-defined]
        report.version = writer.committed_version
    finally:
        snap.close()
    return report
