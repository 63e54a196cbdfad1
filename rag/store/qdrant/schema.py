"""What the Qdrant backend stores, and how: collection names, point ids, filter keys, sparse terms.

Three collections per index (``<name>_chunks``, ``<name>_articles``, ``<name>_meta``):

- a chunk point holds everything a query needs, so that any number of API replicas share it with
  no local state: the dense vector (``dense``), the chunk's sentence vectors as one multivector
  (``sentences``, float16, no HNSW graph: only fetched by id, for sentence rescoring), a sparse
  vector of hashed stemmed terms for keyword search (``text``, with Qdrant's IDF modifier), and
  the passage (text, offsets, title, outlet, date and its evidence, url) as payload;
- an article point holds the body, for ``/articles/{id}`` and citations;
- the meta collection holds the index record (model id, dim, commit generation).

Point ids are deterministic, so an ingest retried after a crash, or run by two workers at once,
writes the same points again instead of duplicating them: a chunk's id hashes its article id,
ordinal and the article's content hash (a point id therefore never changes what it names), an
article's id is a UUID5 of its id.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Iterable

CHUNKS, ARTICLES, META = "chunks", "articles", "meta"
DENSE, SENTENCES, SPARSE = "dense", "sentences", "text"
META_POINT = "00000000-0000-5000-8000-000000000001"  # the one point of the meta collection
_NS = uuid.UUID("6f1d5e0c-3c1a-4d47-9a55-0e3c8b9d2a10")
HASH_CHARS = 32  # stored content hashes are truncated to 128 bits: half the payload, no collisions in practice

# BM25's term-frequency part, computed at ingest (IDF is Qdrant's, at query time). The average
# length is a constant, not a corpus statistic, so that independent ingest workers agree on every
# weight; chunks are cut to a similar size (RAG_CHUNK_TOKENS), so the constant is close to the mean.
K1, B = 1.2, 0.75
AVG_TEXT_TOKENS, AVG_TITLE_TOKENS = 140.0, 10.0  # FTS5 tokens (stop words count): ~200 MiniLM tokens
TITLE_WEIGHT = 0.5  # FTS5 weighs the title column 0.5 in the FAISS backend


def collection_name(prefix: str, kind: str) -> str:
    return f"{prefix}_{kind}"


def sanitize_prefix(name: str) -> str:
    """A collection name prefix from any folder name: letters, digits, '-' and '_'."""
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_")
    return clean or "default"


def chunk_point_id(article_id: str, ordinal: int, content_hash: str) -> int:
    """63-bit id: an int (the service's chunk ids are ints), collision odds ~5e-4 at 100M chunks."""
    h = hashlib.blake2b(f"{article_id}\x00{ordinal}\x00{content_hash}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") & ((1 << 63) - 1)


def article_point_id(article_id: str) -> str:
    return str(uuid.uuid5(_NS, article_id))


def short_hash(h: str) -> str:
    return h[:HASH_CHARS]


def date_key(date: str | None) -> int | None:
    """YYYY-MM-DD → YYYYMMDD: an integer range index compares as the dates' strings do."""
    if date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        return int(date.replace("-", ""))
    return None


def outlet_keys(source: str | None) -> list[str]:
    """Every value a source filter may name for this outlet line: the whole line and each run of
    its '/'-separated parts, lower-cased (the FAISS backend's ``source_matches`` semantics)."""
    src = (source or "").lower()
    parts = src.split("/")
    keys = {src}
    for i in range(len(parts)):
        for j in range(i + 1, len(parts) + 1):
            keys.add("/".join(parts[i:j]))
    return sorted(keys)


def outlet_parts(source: str | None) -> list[str]:
    """The outlets a combined credit line counts for (for /stats)."""
    return sorted({p.strip() for p in (source or "").split("/") if p.strip()})


# --- sparse terms -------------------------------------------------------------------------------------
# Terms are SQLite FTS5's own tokens (unicode61, porter stemming, diacritics removed), read back
# through an in-memory FTS5 table: the same terms the FAISS backend's keyword index and document
# frequencies use, so keyword hits and the answer-support IDF weights agree between the backends.
_local = threading.local()


def _fts() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:")
        conn.execute(
            "CREATE VIRTUAL TABLE t USING fts5(title, text, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        _local.conn = conn
    return conn


def fts_tokens(title: str, text: str) -> tuple[Counter, Counter]:
    """Stemmed token counts of a title and a text, exactly as FTS5 indexes them."""
    conn = _fts()
    conn.execute("INSERT INTO t (title, text) VALUES (?, ?)", (title or "", text or ""))
    rows = conn.execute("SELECT term, col, COUNT(*) FROM v GROUP BY term, col").fetchall()
    conn.execute("DELETE FROM t")
    counts: dict[str, Counter] = {"title": Counter(), "text": Counter()}
    for term, col, n in rows:
        counts[col][term] = n
    return counts["title"], counts["text"]


def term_id(token: str) -> int:
    """An FTS5 token → a sparse index (31 bits): no vocabulary to share between ingest workers."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big") & 0x7FFFFFFF


def query_term_ids(term: str) -> list[int]:
    """The token ids of one query word (FTS5 reads '"4,000"' as the phrase '4 000')."""
    return sorted({term_id(t) for t in fts_tokens("", term)[1]})


def _tf_part(tf: int, length: int, avg: float) -> float:
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))


def doc_sparse(title: str, text: str) -> tuple[list[int], list[float]]:
    """BM25 term-frequency weights of a chunk's text plus its title at half weight."""
    t_title, t_text = fts_tokens(title, text)
    weights: dict[int, float] = {}
    for counts, avg, scale in ((t_text, AVG_TEXT_TOKENS, 1.0), (t_title, AVG_TITLE_TOKENS, TITLE_WEIGHT)):
        length = sum(counts.values())
        for tok, tf in counts.items():
            tid = term_id(tok)
            weights[tid] = weights.get(tid, 0.0) + scale * _tf_part(tf, length, avg)
    ids = sorted(weights)
    return ids, [round(weights[i], 5) for i in ids]


def query_sparse(terms: Iterable[str]) -> tuple[list[int], list[float]]:
    ids = sorted({i for t in terms if t for i in query_term_ids(t)})
    return ids, [1.0] * len(ids)


_QUOTED = re.compile(r'"([^"]+)"')


def fts_terms(match: str) -> list[str]:
    """The terms of an FTS5 OR-query as ``rag.text_terms.fts_query`` writes it."""
    return [t for t in _QUOTED.findall(match) if t.strip()]


def term_ids_of(title: str, text: str) -> list[int]:
    """Distinct token ids of a chunk (payload ``terms``: document frequencies for answer support)."""
    t_title, t_text = fts_tokens(title, text)
    return sorted({term_id(t) for t in (*t_title, *t_text)})
