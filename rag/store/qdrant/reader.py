"""Reading a Qdrant index: what retrieval and the API query (``MetadataStore`` + ``VectorStore``).

Filters (date range, outlets, ``as_of``) become a Qdrant payload filter applied inside each
search (dense HNSW and sparse), backed by payload indexes on ``date_key`` and ``outlets``: a
narrow filter never loses results to post-filtering. Passages read by a search are kept in a
small cache keyed by point id, which is safe because a chunk's id hashes its content: an id
never names different text.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from ...models import Article, Passage
from ..index_dir import IndexNotFound, IndexStoreError, Manifest, RefCounted
from . import schema
from .client import QdrantTarget, client_for
from .meta import IndexRecord, check_model, read_record

PASSAGE_FIELDS = [
    "article_id", "title", "source", "date", "date_inferred", "date_evidence", "url", "text", "start", "end",
]  # fmt: skip
SCROLL_PAGE = 256


def _passage(pid: int, p: dict) -> Passage:
    return Passage(
        chunk_id=int(pid),
        article_id=p["article_id"],
        title=p.get("title") or "",
        source=p.get("source") or "",
        date=p.get("date"),
        date_inferred=bool(p.get("date_inferred")),
        date_evidence=p.get("date_evidence"),
        url=p.get("url"),
        text=p["text"],
        start=int(p["start"]),
        end=int(p["end"]),
    )


def _copy(p: Passage) -> Passage:
    """A fresh Passage per query: retrieval annotates scores on it."""
    return Passage(
        p.chunk_id, p.article_id, p.title, p.source, p.date, p.date_inferred, p.date_evidence, p.url, p.text,
        p.start, p.end,
    )  # fmt: skip


def build_filter(date_from: str | None, date_to: str | None, sources: Sequence[str] | None) -> qm.Filter | None:
    """The FAISS backend's filter semantics as a Qdrant filter: undated reports fail a date
    filter; an outlet matches case-insensitively or as a run of parts of an 'A/B/C' line."""
    must: list[Any] = []
    if date_from or date_to:
        lo, hi = schema.date_key(date_from), schema.date_key(date_to)
        must.append(qm.FieldCondition(key="date_key", range=qm.Range(gte=lo, lte=hi)))
    if sources:
        must.append(qm.FieldCondition(key="outlets", match=qm.MatchAny(any=[s.lower() for s in sources])))
    return qm.Filter(must=must) if must else None


class PassageCache:
    """Bounded LRU of passages by chunk id, and of chunk id by (article, start, end)."""

    def __init__(self, size: int = 20_000):
        self.size = size
        self._by_id: OrderedDict[int, Passage] = OrderedDict()
        self._by_span: dict[tuple[str, int, int], int] = {}
        self._lock = threading.Lock()

    def put(self, p: Passage) -> None:
        with self._lock:
            self._by_id[p.chunk_id] = p
            self._by_id.move_to_end(p.chunk_id)
            self._by_span[(p.article_id, p.start, p.end)] = p.chunk_id
            while len(self._by_id) > self.size:
                _, old = self._by_id.popitem(last=False)
                self._by_span.pop((old.article_id, old.start, old.end), None)

    def get(self, cid: int) -> Passage | None:
        with self._lock:
            return self._by_id.get(cid)

    def id_of(self, span: tuple[str, int, int]) -> int | None:
        with self._lock:
            return self._by_span.get(span)


class QdrantStore:
    """``MetadataStore`` over the chunk and article collections. Thread-safe."""

    def __init__(self, client: QdrantClient, target: QdrantTarget, cache: PassageCache | None = None):
        self.client = client
        self.target = target
        self.chunks = target.collection(schema.CHUNKS)
        self.articles = target.collection(schema.ARTICLES)
        self.cache = cache or PassageCache()

    # --- counts and articles -------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        a = self.client.count(self.articles, exact=True).count
        c = self.client.count(self.chunks, exact=True).count
        return int(a), int(c)

    def get_article(self, article_id: str) -> Article | None:
        got = self.client.retrieve(self.articles, ids=[schema.article_point_id(article_id)], with_payload=True)
        if not got or not got[0].payload:
            return None
        p = got[0].payload
        return Article(
            id=p["id"], title=p["title"], body=p["body"], source=p.get("source") or "", date=p.get("date"),
            date_inferred=bool(p.get("date_inferred")), date_evidence=p.get("date_evidence"), url=p.get("url"),
        )  # fmt: skip

    def list_articles(self, limit: int = 100, offset: int = 0) -> list[dict]:
        """Newest first, then undated ones (as the SQLite store orders them)."""
        fields = ["id", "title", "source", "date", "date_inferred", "url"]
        dated, _ = self.client.scroll(
            self.articles, limit=offset + limit, with_payload=fields,
            order_by=qm.OrderBy(key="date_key", direction=qm.Direction.DESC),
        )  # fmt: skip
        rows = [p.payload or {} for p in dated]
        if len(rows) < offset + limit:
            undated, _ = self.client.scroll(
                self.articles, limit=offset + limit - len(rows), with_payload=fields,
                scroll_filter=qm.Filter(must=[qm.IsEmptyCondition(is_empty=qm.PayloadField(key="date_key"))]),
            )  # fmt: skip
            rows += sorted((p.payload or {} for p in undated), key=lambda r: r.get("id", ""))
        return [{k: r.get(k) for k in fields} for r in rows[offset : offset + limit]]

    # --- passages and vectors ------------------------------------------------------------------
    def remember(self, points: Sequence[Any]) -> None:
        for pt in points:
            if pt.payload and "text" in pt.payload:
                self.cache.put(_passage(int(pt.id), pt.payload))

    def passages(self, chunk_ids: Sequence[int]) -> dict[int, Passage]:
        ids = [int(i) for i in chunk_ids]
        out: dict[int, Passage] = {}
        missing = []
        for i in ids:
            p = self.cache.get(i)
            if p is None:
                missing.append(i)
            else:
                out[i] = _copy(p)
        if missing:
            got = self.client.retrieve(self.chunks, ids=missing, with_payload=PASSAGE_FIELDS, with_vectors=False)
            self.remember(got)
            for pt in got:
                out[int(pt.id)] = _passage(int(pt.id), pt.payload or {})
        return out

    def chunk_vectors(self, chunk_ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
        ids = [int(i) for i in chunk_ids]
        if not ids:
            return {}
        got = self.client.retrieve(self.chunks, ids=ids, with_payload=False, with_vectors=[schema.DENSE])
        return {int(pt.id): np.asarray(pt.vector[schema.DENSE], dtype=np.float32) for pt in got}  # type: ignore[call-overload,index]

    def article_chunk_ids(self, article_ids: Sequence[str], limit: int = 200) -> list[int]:
        """The chunk ids of these articles, in article then reading order (at most ``limit``)."""
        ids = [str(a) for a in article_ids]
        if not ids:
            return []
        flt = qm.Filter(must=[qm.FieldCondition(key="article_id", match=qm.MatchAny(any=ids))])
        points = self._scroll(flt, ["article_id", "start"])
        points.sort(key=lambda pt: ((pt.payload or {}).get("article_id", ""), (pt.payload or {}).get("start", 0)))
        return [int(pt.id) for pt in points][:limit]

    def sentence_vectors(
        self, spans: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[tuple[int, int, np.ndarray]]]:
        """For each (article_id, start, end): its sentences' (start, end, vector). A span that is a
        chunk seen by a search is one fetch by id; any other span reads its article's chunks."""
        out: dict[tuple[str, int, int], list] = {tuple(k): [] for k in spans}  # type: ignore[misc]
        by_id = {cid: key for key in out if (cid := self.cache.id_of(key)) is not None}
        points = []
        if by_id:
            points += self.client.retrieve(
                self.chunks, ids=list(by_id), with_payload=["article_id", "sentences"], with_vectors=[schema.SENTENCES]
            )
        rest = sorted({key[0] for key in out if key not in by_id.values()})
        if rest:
            flt = qm.Filter(must=[qm.FieldCondition(key="article_id", match=qm.MatchAny(any=rest))])
            points += self._scroll(flt, ["article_id", "sentences"], [schema.SENTENCES])
        for pt in points:
            p, vecs = pt.payload or {}, (pt.vector or {}).get(schema.SENTENCES)  # type: ignore[union-attr]
            if not vecs or not p.get("sentences"):
                continue
            for (s, e), v in zip(p["sentences"], vecs):
                for key, got in out.items():
                    if key[0] == p["article_id"] and key[1] <= s and e <= key[2] and all(g[0] != s for g in got):
                        got.append((s, e, np.asarray(v, dtype=np.float16)))
        for got in out.values():
            got.sort(key=lambda r: r[0])
        return out

    def _scroll(self, flt: qm.Filter | None, payload: Any, vectors: Any = False) -> list:
        out, offset = [], None
        while True:
            page, offset = self.client.scroll(
                self.chunks, scroll_filter=flt, limit=SCROLL_PAGE, offset=offset, with_payload=payload,
                with_vectors=vectors,
            )  # fmt: skip
            out += page
            if offset is None:
                return out

    # --- keyword search ------------------------------------------------------------------------
    def keyword_search(
        self,
        match: str,
        k: int,
        date_from: str | None = None,
        date_to: str | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[tuple[int, float]]:
        """BM25-style: sparse vectors of term-frequency weights × Qdrant's IDF, filtered inside the search.
        ``match`` is the FTS5 OR-query the retriever builds (quoted terms)."""
        ids, values = schema.query_sparse(schema.fts_terms(match))
        if not ids or k <= 0:
            return []
        res = self.client.query_points(
            self.chunks, query=qm.SparseVector(indices=ids, values=values), using=schema.SPARSE,
            query_filter=build_filter(date_from, date_to, sources), limit=k, with_payload=PASSAGE_FIELDS,
        )  # fmt: skip
        self.remember(res.points)
        return [(int(p.id), float(p.score)) for p in res.points if p.score > 0]

    def doc_freqs(self, terms: Sequence[str]) -> tuple[dict[str, int], int]:
        """Chunks containing each term (stemmed, as the sparse vectors are), and the chunk count."""
        out = {}
        for t in terms:
            ids = schema.query_term_ids(t)
            if not ids:
                out[t] = 0
                continue
            flt = qm.Filter(must=[qm.FieldCondition(key="terms", match=qm.MatchValue(value=i)) for i in ids])
            out[t] = int(self.client.count(self.chunks, count_filter=flt, exact=True).count)
        return out, int(self.client.count(self.chunks, exact=True).count)

    # --- stats ---------------------------------------------------------------------------------
    def sources_and_span(self) -> dict:
        facet = self.client.facet(self.articles, key="outlet_parts", limit=10_000, exact=True)
        counts = {str(h.value): int(h.count) for h in facet.hits}

        def edge(direction: qm.Direction) -> str | None:
            got, _ = self.client.scroll(
                self.articles, limit=1, with_payload=["date"], order_by=qm.OrderBy(key="date_key", direction=direction)
            )
            return (got[0].payload or {}).get("date") if got else None

        return {
            "sources": [{"source": s, "articles": n} for s, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))],
            "date_min": edge(qm.Direction.ASC),
            "date_max": edge(qm.Direction.DESC),
        }

    def collection_info(self) -> dict:
        """The chunk collection's state, for `rag stats` and /health."""
        info = self.client.get_collection(self.chunks)
        params = info.config.params
        return {
            "backend": "qdrant",
            "collection": self.chunks,
            "status": str(getattr(info.status, "value", info.status)),
            "optimizer": str(getattr(info.optimizer_status, "value", info.optimizer_status)),
            "points": info.points_count,
            "indexed_vectors": info.indexed_vectors_count,
            "segments": info.segments_count,
            "shards": params.shard_number,
            "replicas": params.replication_factor,
        }

    def close(self) -> None:
        """The client is shared per location (``client_for``): nothing to close here."""


class QdrantVectors:
    """``VectorStore`` over the chunk collection's dense vectors (HNSW, filter inside the search)."""

    def __init__(self, store: QdrantStore, dim: int, ntotal: int, ef: int = 64):
        self.store = store
        self.dim = dim
        self.ntotal = ntotal
        self.ef = ef

    def _ef(self, k: int, filtered: bool) -> int:
        """A broad filter through the graph found 95% of the exact top 10 at ef 64 (docs/scale.md):
        search 4x wider under a filter (narrow filters are exact scans anyway)."""
        ef = max(self.ef, k)
        return max(ef, min(4 * ef, 512)) if filtered else ef

    def search(self, query: np.ndarray, k: int, allowed_ids: Any = None) -> list[tuple[int, float]]:
        """Top ``k`` (chunk_id, cosine); ``allowed_ids`` is the snapshot's ``allowed()`` filter or an id array."""
        if k <= 0:
            return []
        flt = allowed_ids
        if allowed_ids is not None and not isinstance(allowed_ids, qm.Filter):
            ids = [int(i) for i in np.asarray(allowed_ids).reshape(-1)]
            if not ids:
                return []
            flt = qm.Filter(must=[qm.HasIdCondition(has_id=ids)])
        res = self.store.client.query_points(
            self.store.chunks, query=np.asarray(query, dtype=np.float32).reshape(-1).tolist(), using=schema.DENSE,
            query_filter=flt, limit=k, with_payload=PASSAGE_FIELDS,
            search_params=None if self.store.target.local else qm.SearchParams(hnsw_ef=self._ef(k, flt is not None)),
        )  # fmt: skip
        self.store.remember(res.points)
        return [(int(p.id), float(p.score)) for p in res.points]


class QdrantSnapshot(RefCounted):
    """The Qdrant index as the service sees it: the same surface as ``IndexSnapshot``.

    Qdrant is live (a commit is visible at once), so a snapshot pins only the index record and
    the counts read when it was opened; the service reopens it when the generation changes."""

    def __init__(self, root: Path, target: QdrantTarget, record: IndexRecord, store: QdrantStore, ef: int = 64):
        self.root = root
        self.target = target
        self.record = record
        self.store = store
        n_articles, n_chunks = store.counts()
        self.version = record.version
        self.manifest = Manifest(
            format_version=0, embedding_model=record.embedding_model, dim=record.dim, faiss_factory="qdrant",
            articles=n_articles, chunks=n_chunks, checksums={}, created=record.updated or time.time(),
            version=record.version, generation=record.generation,
        )  # fmt: skip
        self.vectors = QdrantVectors(store, record.dim, n_chunks, ef)
        self._init_refs()  # a snapshot's lifetime (RefCounted); nothing to free: the client is shared

    @classmethod
    def open(
        cls,
        root: Path,
        target: QdrantTarget,
        expected_model: str | None = None,
        ef: int = 64,
        previous: QdrantSnapshot | None = None,
    ) -> QdrantSnapshot:
        client = client_for(target)
        try:
            record = read_record(client, target)
        except IndexStoreError:
            raise
        except Exception as e:
            raise IndexStoreError(f"Qdrant at {target.where()} cannot be read: {e}") from e
        if record is None:
            raise IndexNotFound(
                f"no Qdrant index at {target.where()} (run `RAG_STORE=qdrant rag ingest PATH --index {root}` first)"
            )
        if expected_model is not None:
            check_model(record, expected_model, None, target.where())
        cache = previous.store.cache if previous is not None else None
        return cls(root, target, record, QdrantStore(client, target, cache), ef)

    def token(self) -> tuple[int, str]:
        return self.record.generation, self.record.commit

    def segments_by_name(self) -> dict:
        return {}

    def allowed(self, date_from: str | None, date_to: str | None, sources: Sequence[str] | None) -> qm.Filter | None:
        return build_filter(date_from, date_to, sources)
