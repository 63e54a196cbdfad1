"""Writing a Qdrant index: the ``IndexWriterLike`` / ``MetadataWriter`` seams of ``rag.ingest``.

Qdrant has no multi-point transactions, so a commit is made safe by order and by deterministic
ids instead: per batch of articles, (1) their chunk points are upserted (vectors, sentence
vectors, sparse terms, payload), (2) then their article points, which record the content hash
that makes a later ingest skip them, (3) then chunk points of an older version of those articles
are deleted. A crash at any step leaves every article either at its old version, at its new one,
or briefly with both; retrying the ingest rewrites the same point ids and converges. Several
workers may ingest at once (each its own articles): nothing is read-modify-written but the
commit generation, and a lost increment there only delays a reload by one commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from ...models import Article, Chunk
from ..index_dir import IndexStoreError
from . import schema
from .client import QdrantTarget, client_for, ensure_collections, write_pointer
from .meta import IndexRecord, bump_generation, check_model, read_record, write_record

log = logging.getLogger("rag.store.qdrant")
FLUSH_POINTS = 128  # chunk points per upsert request (each carries its sentence vectors)
LOOKUP_BATCH = 256
ARTICLE_FIELDS = ("title", "source", "date", "date_key", "date_inferred", "date_evidence", "url")


class RemoteHashes(MutableMapping[str, str]):
    """``article_hashes()`` without reading every article: each id is looked up when first asked
    about (an ingest asks once per article it reads), so a worker's cost does not grow with the
    collection."""

    def __init__(self, client: QdrantClient, collection: str):
        self.client = client
        self.collection = collection
        self._known: dict[str, str | None] = {}

    def _load(self, article_id: str) -> str | None:
        if article_id not in self._known:
            got = self.client.retrieve(
                self.collection, ids=[schema.article_point_id(article_id)], with_payload=["content_hash"]
            )
            self._known[article_id] = (got[0].payload or {}).get("content_hash") if got else None
        return self._known[article_id]

    def __getitem__(self, article_id: str) -> str:
        h = self._load(article_id)
        if h is None:
            raise KeyError(article_id)
        return h

    def __contains__(self, article_id: object) -> bool:
        return isinstance(article_id, str) and self._load(article_id) is not None

    def __setitem__(self, article_id: str, h: str) -> None:
        self._known[article_id] = h

    def __delitem__(self, article_id: str) -> None:
        self[article_id]  # KeyError if absent
        self._known[article_id] = None

    def __iter__(self) -> Iterator[str]:
        return (k for k, v in self._known.items() if v is not None)

    def __len__(self) -> int:
        return sum(v is not None for v in self._known.values())


class QdrantMetadataWriter:
    """The write half an ingest uses: buffers points and writes them in the safe order (module doc)."""

    def __init__(self, client: QdrantClient, target: QdrantTarget):
        self.client = client
        self.target = target
        self.chunks = target.collection(schema.CHUNKS)
        self.articles = target.collection(schema.ARTICLES)
        self._pending: dict[str, list[dict]] = {}  # article id → its chunk records, not yet written
        self._articles: dict[str, qm.PointStruct] = {}
        self._deleted: set[str] = set()  # delete_article() calls not followed by an insert
        self.points_written = 0

    # --- reads an ingest needs ------------------------------------------------------------------
    def article_hashes(self) -> RemoteHashes:
        return RemoteHashes(self.client, self.articles)

    def vectors_by_emb_hash(self, hashes: Iterable[str], table: str = "chunks") -> dict[str, np.ndarray]:
        """Stored vectors by content hash (chunk texts, or sentences with ``table='sentences'``)."""
        assert table in ("chunks", "sentences")
        full = {schema.short_hash(h): h for h in hashes}
        field = "emb_hash" if table == "chunks" else "sentence_hashes"
        vector = schema.DENSE if table == "chunks" else schema.SENTENCES
        out: dict[str, np.ndarray] = {}
        keys = sorted(full)
        for i in range(0, len(keys), LOOKUP_BATCH):
            part = keys[i : i + LOOKUP_BATCH]
            flt = qm.Filter(must=[qm.FieldCondition(key=field, match=qm.MatchAny(any=part))])
            offset = None
            while True:
                page, offset = self.client.scroll(
                    self.chunks, scroll_filter=flt, limit=LOOKUP_BATCH, offset=offset, with_payload=[field],
                    with_vectors=[vector],
                )  # fmt: skip
                for pt in page:
                    _collect(pt, field, vector, full, out)
                if offset is None:
                    break
        return out

    # --- changes ---------------------------------------------------------------------------------
    def delete_article(self, article_id: str) -> list[int]:
        """Deleted at commit, unless the same ingest inserts a new version (then replaced in place)."""
        self._deleted.add(article_id)
        return []

    def insert_article(
        self, article: Article, chunks: Sequence[Chunk], emb_hashes: Sequence[str], vectors: np.ndarray
    ) -> list[int]:
        if sum(len(v) for v in self._pending.values()) >= FLUSH_POINTS:
            self.flush()
        self._deleted.discard(article.id)
        chash = article.content_hash()
        title = article.real_title()
        common = {
            "article_id": article.id, "title": article.title, "source": article.source, "date": article.date,
            "date_key": schema.date_key(article.date), "date_inferred": article.date_inferred,
            "date_evidence": article.date_evidence, "url": article.url, "outlets": schema.outlet_keys(article.source),
            "content_hash": schema.short_hash(chash),
        }  # fmt: skip
        records, ids = [], []
        for c, h, v in zip(chunks, emb_hashes, vectors):
            cid = schema.chunk_point_id(article.id, c.ordinal, chash)
            ids.append(cid)
            sparse_ids, sparse_values = schema.doc_sparse(title, c.text)
            payload = {
                **common, "ordinal": c.ordinal, "start": c.start, "end": c.end, "text": c.text,
                "emb_hash": schema.short_hash(h), "terms": schema.term_ids_of(title, c.text),
                "sentences": [], "sentence_hashes": [],
            }  # fmt: skip
            vec = {
                schema.DENSE: np.asarray(v, dtype=np.float32).tolist(),
                schema.SPARSE: qm.SparseVector(indices=sparse_ids, values=sparse_values),
            }
            records.append({"id": cid, "payload": payload, "vector": vec, "sent_vecs": []})
        self._pending[article.id] = records
        self._articles[article.id] = qm.PointStruct(
            id=schema.article_point_id(article.id),
            vector={},
            payload={
                "id": article.id, "body": article.body, "content_hash": chash, "chunks": len(ids),
                "outlet_parts": schema.outlet_parts(article.source),
                **{k: common[k] for k in ARTICLE_FIELDS},
            },
        )  # fmt: skip
        return ids

    def insert_sentences(
        self, article_id: str, spans: Sequence[tuple[int, int]], hashes: Sequence[str], vectors: np.ndarray
    ) -> None:
        """Each chunk point carries the vectors of the sentences inside it (a multivector)."""
        for rec in self._pending.get(article_id, []):
            p = rec["payload"]
            for (s, e), h, v in zip(spans, hashes, vectors):
                if p["start"] <= s and e <= p["end"]:
                    p["sentences"].append([int(s), int(e)])
                    p["sentence_hashes"].append(schema.short_hash(h))
                    rec["sent_vecs"].append(np.asarray(v, dtype=np.float32).tolist())

    # --- writing -----------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write buffered articles: chunk points, then article points, then drop their older chunks."""
        if not self._pending:
            return
        points = []
        for records in self._pending.values():
            for r in records:
                vec = dict(r["vector"])
                if r["sent_vecs"]:
                    vec[schema.SENTENCES] = r["sent_vecs"]
                points.append(qm.PointStruct(id=r["id"], vector=vec, payload=r["payload"]))
        self.client.upsert(self.chunks, points=points, wait=True)
        self.client.upsert(self.articles, points=list(self._articles.values()), wait=True)
        # one filter for the batch: chunks of these articles that are not the points just written
        stale = qm.Filter(
            must=[qm.FieldCondition(key="article_id", match=qm.MatchAny(any=list(self._pending)))],
            must_not=[qm.HasIdCondition(has_id=[p.id for p in points])],
        )
        self.client.delete(self.chunks, points_selector=qm.FilterSelector(filter=stale), wait=True)
        self.points_written += len(points)
        self._pending.clear()
        self._articles.clear()

    def apply_deletes(self) -> None:
        if not self._deleted:
            return
        ids = sorted(self._deleted)
        flt = qm.Filter(must=[qm.FieldCondition(key="article_id", match=qm.MatchAny(any=ids))])
        self.client.delete(self.chunks, points_selector=qm.FilterSelector(filter=flt), wait=True)
        self.client.delete(
            self.articles, points_selector=qm.PointIdsList(points=[schema.article_point_id(a) for a in ids]), wait=True
        )
        self._deleted.clear()

    def discard_pending(self) -> None:
        self._pending.clear()
        self._articles.clear()
        self._deleted.clear()


def _collect(pt: Any, field: str, vector: str, full: dict[str, str], out: dict[str, np.ndarray]) -> None:
    payload, vecs = pt.payload or {}, (pt.vector or {}).get(vector)
    if vecs is None:
        return
    if field == "emb_hash":
        h = payload.get(field)
        if h in full:
            out[full[h]] = np.asarray(vecs, dtype=np.float32)
        return
    for h, v in zip(payload.get(field) or [], vecs):
        if h in full:
            out[full[h]] = np.asarray(v, dtype=np.float32)


class QdrantIndexWriter:
    """A context manager like ``IndexWriter``: ``__exit__`` without an error commits (writes what is
    buffered, applies deletes, bumps the generation readers poll); an error discards the buffer."""

    def __init__(self, index: Path | str, target: QdrantTarget, embedding_model: str, dim: int):
        self.index = Path(index)
        self.target = target
        self.embedding_model = embedding_model
        self.dim = dim
        self.client: QdrantClient | None = None
        self.store: QdrantMetadataWriter = None  # type: ignore[assignment]
        self.committed_version: str | None = None
        self._discard = False
        self._record: IndexRecord | None = None

    def __enter__(self) -> QdrantIndexWriter:
        self.client = client_for(self.target)
        try:
            record = read_record(self.client, self.target)
            if record is not None:
                check_model(record, self.embedding_model, self.dim, self.target.where())
            ensure_collections(self.client, self.target, self.dim)
            if record is None:
                record = IndexRecord(self.embedding_model, self.dim)
                write_record(self.client, self.target, record)
        except IndexStoreError:
            raise
        except Exception as e:
            raise IndexStoreError(f"Qdrant at {self.target.where()} cannot be written: {e}") from e
        self._record = record
        self.store = QdrantMetadataWriter(self.client, self.target)
        return self

    @property
    def needs_rebuild(self) -> bool:
        return False  # Qdrant maintains its own index: no factory to change

    def add_chunks(self, ids: list[int], vectors: np.ndarray) -> None:
        """The vectors travel with the chunk points (``insert_article``): nothing to do."""

    def remove_chunks(self, ids: list[int]) -> None:
        """Old chunks are removed by article (``delete_article``): nothing to do."""

    def discard(self) -> None:
        self._discard = True
        self.committed_version = self._record.version if self._record else None

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None or self._discard:
            self.store.discard_pending()
            return
        assert self.client is not None
        try:
            self.store.flush()
            self.store.apply_deletes()
            rec = bump_generation(self.client, self.target, self.embedding_model, self.dim)
        except IndexStoreError:
            raise
        except Exception as e:
            raise IndexStoreError(f"Qdrant at {self.target.where()}: commit failed ({e}); rerun the ingest") from e
        self.committed_version = rec.version
        try:
            write_pointer(self.index, self.target)
        except OSError as e:  # the folder is only a convenience in Qdrant mode
            log.warning("cannot record the collection name in %s: %s", self.index, e)
