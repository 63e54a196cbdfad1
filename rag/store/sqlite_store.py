"""SQLite half of an index: articles, chunks (with their vectors), and an FTS5 keyword index.

Schema changes go through ``MIGRATIONS`` keyed by ``PRAGMA user_version``, as in
Simon Willison's ``llm``: an old index is upgraded in place on its next ingest.

One database per index, in WAL mode: the single writer changes it in place inside one
transaction per ingest (which also records the new manifest: the commit point), while readers
go on reading the last committed state. sqlite3 connections must not be shared between threads,
so readers get one connection per thread (``SqliteStore.conn``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..models import Article, Chunk, Passage

MIGRATIONS: list[str] = [
    # 1: the initial schema
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT '',
        date TEXT,
        date_inferred INTEGER NOT NULL DEFAULT 0,
        date_evidence TEXT,
        url TEXT,
        body TEXT NOT NULL,
        content_hash TEXT NOT NULL
    );
    CREATE INDEX articles_date ON articles(date);
    CREATE INDEX articles_source ON articles(source);
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        emb_hash TEXT NOT NULL,
        vector BLOB NOT NULL
    );
    CREATE INDEX chunks_article ON chunks(article_id);
    CREATE INDEX chunks_emb_hash ON chunks(emb_hash);
    CREATE VIRTUAL TABLE chunks_fts USING fts5(
        title, text, tokenize = 'porter unicode61 remove_diacritics 2'
    );
    """,
    # 2: sentence vectors, for sentence-level rescoring and choosing answer sentences
    """
    CREATE TABLE sentences (
        id INTEGER PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        emb_hash TEXT NOT NULL,
        vector BLOB NOT NULL
    );
    CREATE INDEX sentences_article ON sentences(article_id, start);
    CREATE INDEX sentences_emb_hash ON sentences(emb_hash);
    """,
    # 3: segmented index format: chunk ids are never reused (a counter, not max(rowid) + 1), and each
    # commit records its manifest in the same transaction as the rows it describes
    """
    CREATE TABLE index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO index_meta (key, value) SELECT 'next_chunk_id', COALESCE(MAX(id), 0) + 1 FROM chunks;
    CREATE TABLE manifests (version INTEGER PRIMARY KEY, body TEXT NOT NULL);
    """,
]

_PASSAGE_COLS = (
    'c.id, c.article_id, a.title, a.source, a.date, a.date_inferred, a.date_evidence, a.url, c.text, c.start, c."end"'
)


def connect(path: Path, *, readonly: bool = False, wal: bool = True) -> sqlite3.Connection:
    """A reader (``query_only``; opened read-write so it can use the WAL's shared memory) or the writer.

    ``check_same_thread=False`` only so that a connection can be *closed* from another thread once
    no query uses it; each is used by one thread (see ``SqliteStore``)."""
    if readonly:
        if not Path(path).exists():
            raise sqlite3.OperationalError(f"{path} is missing")
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA query_only = 1")
    else:
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=60)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA journal_mode = {'WAL' if wal else 'DELETE'}")
        conn.execute("PRAGMA synchronous = FULL")
    conn.row_factory = sqlite3.Row
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for i, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {i}")
    conn.commit()


def _row_to_passage(r: sqlite3.Row) -> Passage:
    return Passage(
        chunk_id=r[0],
        article_id=r[1],
        title=r[2],
        source=r[3],
        date=r[4],
        date_inferred=bool(r[5]),
        date_evidence=r[6],
        url=r[7],
        text=r[8],
        start=r[9],
        end=r[10],
    )


class SqliteStore:
    """Articles, chunks, sentences and FTS of one index.

    ``SqliteStore(conn)`` uses that one connection (the writer); ``SqliteStore.reader(path)`` opens a
    read-only connection per thread on first use, all closed by ``close()``."""

    def __init__(self, conn: sqlite3.Connection | None = None, *, path: Path | None = None):
        self._fixed = conn
        self._path = path
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self._closed = False

    @classmethod
    def reader(cls, path: Path) -> SqliteStore:
        store = cls(path=path)
        store.conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # fail now if unreadable
        return store

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        if self._fixed is not None:
            return self._fixed
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise sqlite3.ProgrammingError("store is closed")
            assert self._path is not None
            conn = connect(self._path, readonly=True)
            with self._guard:
                self._opened.append(conn)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        self._closed = True
        with self._guard:
            conns, self._opened = self._opened, []
        if self._fixed is not None:
            conns.append(self._fixed)
        for c in conns:
            try:
                c.close()
            except Exception:
                pass

    # --- manifests (the commit record) ----------------------------------------------------------
    def latest_manifest(self) -> tuple[int, str] | None:
        try:
            r = self.conn.execute("SELECT version, body FROM manifests ORDER BY version DESC LIMIT 1").fetchone()
        except sqlite3.OperationalError:  # a database without the table: no committed version
            return None
        return (r[0], r[1]) if r else None

    def manifest_bodies(self, limit: int) -> list[tuple[int, str]]:
        rows = self.conn.execute("SELECT version, body FROM manifests ORDER BY version DESC LIMIT ?", (limit,))
        return [(r[0], r[1]) for r in rows]

    def record_manifest(self, version: int, body: str, keep: int) -> None:
        self.conn.execute("INSERT INTO manifests (version, body) VALUES (?, ?)", (version, body))
        self.conn.execute("DELETE FROM manifests WHERE version <= ?", (version - max(keep, 1),))

    def allocate_chunk_ids(self, n: int) -> list[int]:
        """``n`` fresh chunk ids: a counter that only grows, so an id never names two chunks."""
        start = int(self.conn.execute("SELECT value FROM index_meta WHERE key = 'next_chunk_id'").fetchone()[0])
        self.conn.execute("UPDATE index_meta SET value = ? WHERE key = 'next_chunk_id'", (str(start + n),))
        return list(range(start, start + n))

    def chunk_attrs(self, ids: Sequence[int]) -> dict[int, tuple[str | None, str]]:
        """(date, source) of each chunk's article, for segment filter columns."""
        out: dict[int, tuple[str | None, str]] = {}
        ids = [int(i) for i in ids]
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            q = (
                "SELECT c.id, a.date, a.source FROM chunks c JOIN articles a ON a.id = c.article_id"
                f" WHERE c.id IN ({','.join('?' * len(part))})"
            )
            for r in self.conn.execute(q, part):
                out[r[0]] = (r[1], r[2] or "")
        return out

    def iter_chunk_rows(self, batch: int = 50_000):
        """(ids, vectors, dates, sources) of all chunks in id order, in batches (full rebuilds)."""
        last = -1
        while True:
            rows = self.conn.execute(
                "SELECT c.id, c.vector, a.date, a.source FROM chunks c JOIN articles a ON a.id = c.article_id"
                " WHERE c.id > ? ORDER BY c.id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
            yield ids, vecs, [r[2] for r in rows], [r[3] or "" for r in rows]

    # --- writes (used only on a private copy during an ingest) --------------------------
    def article_hashes(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT id, content_hash FROM articles"))

    def vectors_by_emb_hash(self, hashes: Iterable[str], table: str = "chunks") -> dict[str, np.ndarray]:
        """Stored vectors by content hash, so unchanged texts are never embedded twice."""
        if table not in ("chunks", "sentences"):  # interpolated into SQL: never anything else (kept under -O)
            raise ValueError(f"unknown vector table {table!r}; expected 'chunks' or 'sentences'")
        dtype = np.float32 if table == "chunks" else np.float16
        out: dict[str, np.ndarray] = {}
        hs = list(set(hashes))
        for i in range(0, len(hs), 500):
            part = hs[i : i + 500]
            q = f"SELECT emb_hash, vector FROM {table} WHERE emb_hash IN ({','.join('?' * len(part))})"
            for h, blob in self.conn.execute(q, part):
                out[h] = np.frombuffer(blob, dtype=dtype).astype(np.float32)
        return out

    def insert_sentences(
        self, article_id: str, spans: Sequence[tuple[int, int]], hashes: Sequence[str], vectors: np.ndarray
    ) -> None:
        """Sentence vectors are stored as float16: half the space, no measurable loss in cosine."""
        self.conn.executemany(
            'INSERT INTO sentences (article_id, start, "end", emb_hash, vector) VALUES (?,?,?,?,?)',
            [
                (article_id, s, e, h, np.asarray(v, dtype=np.float16).tobytes())
                for (s, e), h, v in zip(spans, hashes, vectors)
            ],
        )

    def sentence_vectors(
        self, spans: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[tuple[int, int, np.ndarray]]]:
        """For each (article_id, start, end) span: its sentences' (start, end, vector), in one query."""
        out: dict[tuple[str, int, int], list] = {key: [] for key in spans}
        keys = list(out)
        for i in range(0, len(keys), 200):
            part = keys[i : i + 200]
            where = " OR ".join(['(article_id = ? AND start >= ? AND "end" <= ?)'] * len(part))
            args = [x for key in part for x in key]
            rows = self.conn.execute(
                f'SELECT article_id, start, "end", vector FROM sentences WHERE {where} ORDER BY article_id, start', args
            ).fetchall()
            by_article: dict[str, list[tuple[str, int, int]]] = {}
            for key in part:
                by_article.setdefault(key[0], []).append(key)
            for aid, s, e, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float16)
                for key in by_article[aid]:  # the spans of this article (overlapping chunks share sentences)
                    if key[1] <= s and e <= key[2]:
                        out[key].append((s, e, vec))
        return out

    def delete_article(self, article_id: str) -> list[int]:
        """Delete an article with its chunks; returns the removed chunk ids."""
        ids = [r[0] for r in self.conn.execute("SELECT id FROM chunks WHERE article_id = ?", (article_id,))]
        if ids:
            self.conn.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(i,) for i in ids])
        self.conn.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        self.conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
        self.conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        return ids

    def insert_article(
        self, article: Article, chunks: Sequence[Chunk], emb_hashes: Sequence[str], vectors: np.ndarray
    ) -> list[int]:
        """Insert one article and its chunks; returns the new chunk ids (in chunk order)."""
        a = article
        self.conn.execute(
            "INSERT INTO articles (id, title, source, date, date_inferred, date_evidence, url, body, content_hash)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (a.id, a.title, a.source, a.date, int(a.date_inferred), a.date_evidence, a.url, a.body, a.content_hash()),
        )
        ids = self.allocate_chunk_ids(len(chunks))
        for cid, c, h, v in zip(ids, chunks, emb_hashes, vectors):
            self.conn.execute(
                'INSERT INTO chunks (id, article_id, ordinal, start, "end", text, emb_hash, vector)'
                " VALUES (?,?,?,?,?,?,?,?)",
                (
                    cid,
                    c.article_id,
                    c.ordinal,
                    c.start,
                    c.end,
                    c.text,
                    h,
                    np.ascontiguousarray(v, dtype=np.float32).tobytes(),
                ),
            )
        self.conn.executemany(
            "INSERT INTO chunks_fts (rowid, title, text) VALUES (?,?,?)",
            [(i, a.real_title(), c.text) for i, c in zip(ids, chunks)],
        )
        return ids

    def all_vectors(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self.conn.execute("SELECT id, vector FROM chunks ORDER BY id").fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        vecs = (
            np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(-1, dim)
            if rows
            else np.zeros((0, dim), dtype=np.float32)
        )
        return ids, vecs

    # --- reads ------------------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        a = self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        c = self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return a, c

    def get_article(self, article_id: str) -> Article | None:
        r = self.conn.execute(
            "SELECT id, title, body, source, date, date_inferred, date_evidence, url FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        if r is None:
            return None
        return Article(
            id=r[0],
            title=r[1],
            body=r[2],
            source=r[3],
            date=r[4],
            date_inferred=bool(r[5]),
            date_evidence=r[6],
            url=r[7],
        )

    def list_articles(self, limit: int = 100, offset: int = 0) -> list[dict]:
        rows = self.conn.execute(
            "SELECT id, title, source, date, date_inferred, url FROM articles ORDER BY date DESC, id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [dict(r) for r in rows]

    def passages(self, chunk_ids: Sequence[int]) -> dict[int, Passage]:
        out: dict[int, Passage] = {}
        ids = [int(i) for i in chunk_ids]  # numpy ints would be bound as blobs and match nothing
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            q = (
                f"SELECT {_PASSAGE_COLS} FROM chunks c JOIN articles a ON a.id = c.article_id"
                f" WHERE c.id IN ({','.join('?' * len(part))})"
            )
            for r in self.conn.execute(q, part):
                out[r[0]] = _row_to_passage(r)
        return out

    def article_chunk_ids(self, article_ids: Sequence[str], limit: int = 200) -> list[int]:
        """The chunk ids of these articles, in article then reading order (at most ``limit``)."""
        ids = [str(a) for a in article_ids]
        if not ids:
            return []
        q = (
            f"SELECT id FROM chunks WHERE article_id IN ({','.join('?' * len(ids))})"
            " ORDER BY article_id, ordinal LIMIT ?"
        )
        return [r[0] for r in self.conn.execute(q, [*ids, limit])]

    def chunk_vectors(self, chunk_ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
        ids = [int(i) for i in chunk_ids]
        if not ids:
            return {}
        q = f"SELECT id, vector FROM chunks WHERE id IN ({','.join('?' * len(ids))})"
        return {r[0]: np.frombuffer(r[1], dtype=np.float32) for r in self.conn.execute(q, ids)}

    def filtered_chunk_ids(
        self, date_from: str | None, date_to: str | None, sources: Sequence[str] | None
    ) -> np.ndarray | None:
        """Chunk ids that pass the filters, or None when there is no filter."""
        where, args = self._filter_sql(date_from, date_to, sources)
        if not where:
            return None
        q = f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}"
        return np.fromiter((r[0] for r in self.conn.execute(q, args)), dtype=np.int64)

    @staticmethod
    def _filter_sql(date_from, date_to, sources) -> tuple[str, list]:
        clauses, args = [], []
        if date_from:
            clauses.append("a.date >= ?")
            args.append(date_from)
        if date_to:
            clauses.append("a.date <= ?")
            args.append(date_to)
        if sources:
            # outlets match case-insensitively, and a part of a combined "A/B/C" source line counts
            ors = []
            for s in sources:
                ors.append("(lower(a.source) = lower(?) OR ('/' || lower(a.source) || '/') LIKE ?)")
                args += [s, f"%/{s.lower()}/%"]
            clauses.append("(" + " OR ".join(ors) + ")")
        return " AND ".join(clauses), args

    def doc_freqs(self, terms: Sequence[str]) -> tuple[dict[str, int], int]:
        """Chunks the keyword index finds for each term, and the chunk count."""
        out = {}
        q = "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?"
        for t in terms:
            try:
                out[t] = int(self.conn.execute(q, (f'"{t}"',)).fetchone()[0])
            except sqlite3.OperationalError:  # a term FTS5 cannot parse matches nothing
                out[t] = 0
        return out, int(self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def keyword_search(
        self,
        match: str,
        k: int,
        date_from: str | None = None,
        date_to: str | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[tuple[int, float]]:
        """BM25 over chunk text and title (title weighted lower). Returns (chunk_id, bm25) best first,
        bm25 as a positive number (SQLite reports it negated)."""
        if not match:
            return []
        where, args = self._filter_sql(date_from, date_to, sources)
        q = (
            "SELECT f.rowid, -bm25(chunks_fts, 0.5, 1.0) AS s FROM chunks_fts f"
            + (" JOIN chunks c ON c.id = f.rowid JOIN articles a ON a.id = c.article_id" if where else "")
            + " WHERE chunks_fts MATCH ?"
            + (f" AND {where}" if where else "")
            + " ORDER BY bm25(chunks_fts, 0.5, 1.0) LIMIT ?"
        )
        try:
            return [(r[0], float(r[1])) for r in self.conn.execute(q, [match, *args, k])]
        except sqlite3.OperationalError:
            return []

    def sources_and_span(self) -> dict:
        # A combined credit line ("Reuters/SANA") counts for each outlet, as the source filter matches parts.
        counts: dict[str, int] = {}
        for source, n in self.conn.execute("SELECT source, COUNT(*) FROM articles GROUP BY source"):
            for part in {p.strip() for p in (source or "").split("/") if p.strip()}:
                counts[part] = counts.get(part, 0) + n
        span = self.conn.execute("SELECT MIN(date), MAX(date) FROM articles WHERE date IS NOT NULL").fetchone()
        return {
            "sources": [{"source": k, "articles": v} for k, v in sorted(counts.items(), key=lambda x: (-x[1], x[0]))],
            "date_min": span[0],
            "date_max": span[1],
        }
