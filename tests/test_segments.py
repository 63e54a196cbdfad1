"""The segmented vector index: filtered ANN that never loses results for every index type, filter columns
that agree with SQL, tombstones, merges (also with deletes landing meanwhile), the format-1 migration,
reference-counted snapshots, and the query encoders' batching.

Vectors here are synthetic but clustered (like real embeddings, unlike uniform noise), so ANN search has
real neighbourhoods to get wrong.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import faiss
import numpy as np
import pytest

from rag.embedding import BatchingEmbedder, HashEmbedder
from rag.ingest import ingest
from rag.models import Article
from rag.store import IndexSnapshot, IndexWriter, MergePolicy, SearchTuning, compact
from rag.store.index_dir import current_version, index_format
from rag.store.segments import Segment, SegmentAttrs, UnsupportedFactory, normalize_factory, segment_factory


def clustered(n: int, d: int = 32, clusters: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, d))
    v = centres[rng.integers(clusters, size=n)] + 0.1 * rng.normal(size=(n, d))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def exact(vecs: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int, mask: np.ndarray | None) -> list[int]:
    rows = np.arange(len(ids)) if mask is None else np.flatnonzero(mask)
    s = vecs[rows] @ q
    return ids[rows[np.argsort(-s, kind="stable")[:k]]].tolist()


FACTORIES = ["Flat", "HNSW16", "IVF32,Flat", "IVF32,PQ8x4"]


@pytest.fixture(scope="module")
def data():
    n = 6000
    vecs = clustered(n)
    ids = np.arange(10, 10 + 3 * n, 3, dtype=np.int64)  # sparse ids, as after deletes
    rng = np.random.default_rng(1)
    dates = [f"2020-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}" if i % 50 else None for i in range(n)]
    sources = [
        ["Reuters", "AP", "SANA/BBC News", "Rare Wire"][min(3, int(rng.integers(0, 34)) // 11)] for _ in range(n)
    ]
    return vecs, ids, SegmentAttrs.from_rows(dates, sources)


@pytest.mark.parametrize("factory", FACTORIES)
def test_filtered_search_never_returns_fewer_than_exist_and_finds_the_right_ones(factory, data):
    vecs, ids, attrs = data
    seg = Segment.build("s1", normalize_factory(factory), ids, vecs, attrs)
    tuning = SearchTuning(ef_search=32, nprobe=4, exact_max=300)  # small on purpose: the raising must work
    rng = np.random.default_rng(5)
    queries = vecs[rng.integers(len(vecs), size=40)] + 0.05 * rng.normal(size=(40, vecs.shape[1])).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    filters = [
        (None, None, None),  # unfiltered
        ("2020-01-01", "2020-06-30", None),  # ~50%: ANN with a raised width
        ("2020-03-01", "2020-03-31", ["ap"]),  # a few %: still ANN (above exact_max)
        ("2020-05-03", "2020-05-10", ["rare wire"]),  # a handful: exact
        ("2031-01-01", None, None),  # nothing
    ]
    for date_from, date_to, sources in filters:
        mask = attrs.mask(date_from, date_to, sources) if (date_from or sources) else None
        allowed = len(ids) if mask is None else int(mask.sum())
        recalls = []
        for q in queries:
            scores, got = seg.search(q, 10, mask, tuning)
            assert len(got) == min(10, allowed), (factory, date_from, sources)
            if mask is not None:
                assert mask[np.searchsorted(ids, got)].all(), "a result outside the filter"
            assert list(scores) == sorted(scores, reverse=True)
            truth = exact(vecs, ids, q, 10, mask)
            if truth:
                recalls.append(len(set(truth) & set(got.tolist())) / len(truth))
            if 0 < allowed <= tuning.exact_max:  # narrow filters are searched exactly
                assert got.tolist() == truth
        if recalls:
            assert np.mean(recalls) >= 0.9, (factory, date_from, np.mean(recalls))


def test_ivf_search_with_filters_uses_ivf_parameters(data):
    """The README's old suggestion raised 'IndexIVF params have incorrect type' on any filtered search."""
    vecs, ids, attrs = data
    seg = Segment.build("s1", normalize_factory("IVF32,PQ8x4"), ids, vecs, attrs)
    assert seg.factory == "IVF32,PQ8x4,RFlat"
    mask = attrs.mask("2020-01-01", "2020-08-31", None)
    _, got = seg.search(vecs[3], 5, mask, SearchTuning(nprobe=4, exact_max=10))
    assert len(got) == 5


def test_attribute_masks_match_the_sql_filter(tmp_path):
    """The filter columns of the segments select exactly the chunks SQLite's filter selects."""
    outlets = ["Reuters", "SANA", "Al Jazeera News/SANA/BBC News", "AP", "Syria & Iraq News", "sana"]
    arts = [
        Article(
            id=f"a{i}",
            title=f"Report {i}",
            body=f"Report {i} says things. A second sentence {i}.",
            source=outlets[i % len(outlets)],
            date=None if i % 9 == 0 else f"2016-{1 + i % 12:02d}-{1 + i % 28:02d}",
        )
        for i in range(120)
    ]
    ingest(arts, tmp_path / "idx", HashEmbedder(), chunk_tokens=60)
    snap = IndexSnapshot.open(tmp_path / "idx")
    cases = [
        ("2016-03-01", "2016-06-30", None),
        (None, "2016-02-10", ["sana"]),
        ("2016-05-05", None, ["BBC News", "AP"]),
        (None, None, ["News"]),
        ("2016-07-07", "2016-07-07", None),
        ("2030-01-01", None, None),
    ]
    for date_from, date_to, sources in cases:
        sql = set(snap.store.filtered_chunk_ids(date_from, date_to, sources).tolist())
        fm = snap.allowed(date_from, date_to, sources)
        cols = {int(i) for seg, m in zip(snap.vectors.segments, fm.masks) for i in seg.ids[m]}
        assert cols == sql, (date_from, date_to, sources)
        assert fm.count == len(sql)
    assert snap.allowed(None, None, None) is None
    snap.close()


def _articles(prefix: str, n: int, start: int = 0) -> list[Article]:
    return [
        Article(
            id=f"{prefix}{i}",
            title=f"{prefix} report {i}",
            body=f"The {prefix} report number {i} tells of floods in town {i % 7}. Officials counted {i} boats.",
            source="Wire",
            date=f"2021-01-{1 + i % 28:02d}",
        )
        for i in range(start, start + n)
    ]


def test_deleted_chunks_are_never_returned_and_merges_drop_them(tmp_path):
    path = tmp_path / "idx"
    emb = HashEmbedder()
    ingest(_articles("x", 40), path, emb, chunk_tokens=60)
    ingest(_articles("y", 10), path, emb, chunk_tokens=60)
    ingest([], path, emb, delete_ids=[f"x{i}" for i in range(0, 40, 2)])  # half of the first segment
    snap = IndexSnapshot.open(path)
    dead = set(snap.vectors.tombstones.tolist())
    assert len(dead) == 20 and snap.vectors.ntotal == 30 == snap.manifest.chunks
    q = emb.embed(["The x report number 4 tells of floods in town 4"])[0]
    for allowed in (None, snap.allowed("2021-01-01", "2021-01-31", None)):
        hits = {cid for cid, _ in snap.vectors.search(q, 100, allowed)}
        assert len(hits) == 30 and not hits & dead
    version = snap.version
    snap.close()

    merged = compact(path, "auto", MergePolicy(max_segments=8, dead_ratio=0.2))
    assert merged is not None
    snap = IndexSnapshot.open(path)
    assert snap.version == version, "a merge changes no content: same version, new generation"
    assert len(snap.vectors.tombstones) == 0 and snap.vectors.ntotal == 30
    assert sorted(len(s) for s in snap.vectors.segments) == [10, 20]
    assert compact(path, "auto") is None  # nothing due any more
    snap.close()


def test_a_delete_landing_during_a_merge_is_kept(tmp_path, monkeypatch):
    import rag.store.merge as merge

    path = tmp_path / "idx"
    emb = HashEmbedder()
    for k in range(4):
        ingest(_articles(f"p{k}-", 5), path, emb, chunk_tokens=60)
    real = merge._merge_segments

    def merge_then_delete(*a, **kw):
        out = real(*a, **kw)  # the merged segment is built from the old state...
        ingest([], path, emb, delete_ids=["p0-1", "p1-2"])  # ...while a writer deletes from it
        return out

    monkeypatch.setattr(merge, "_merge_segments", merge_then_delete)
    assert compact(path, "auto", MergePolicy(max_segments=2)) is not None
    snap = IndexSnapshot.open(path)
    assert snap.manifest.articles == 18 and snap.vectors.ntotal == snap.manifest.chunks
    gone = {r[0] for r in snap.store.conn.execute("SELECT id FROM chunks WHERE article_id IN ('p0-1', 'p1-2')")}
    assert not gone
    q = emb.embed(["The p0- report number 1 tells of floods in town 1"])[0]
    hits = snap.vectors.search(q, 100)
    assert len(hits) == snap.manifest.chunks
    assert all(snap.store.passages([cid]) for cid, _ in hits), "a deleted chunk came back after the merge"
    snap.close()


def test_many_commits_stay_bounded_by_merges(tmp_path):
    path = tmp_path / "idx"
    emb = HashEmbedder()
    for k in range(12):
        ingest(_articles(f"m{k}-", 2), path, emb, chunk_tokens=60)
        compact(path, "auto", MergePolicy(max_segments=4))
    snap = IndexSnapshot.open(path)
    assert len(snap.vectors.segments) <= 4 and snap.manifest.articles == 24
    files = list((path / "segments").iterdir())
    assert len(files) <= 2 * (2 * 4 + 1), "files of old versions were not removed"
    snap.close()


def test_snapshot_stays_usable_until_the_last_holder_lets_go(tmp_path):
    path = tmp_path / "idx"
    ingest(_articles("r", 5), path, HashEmbedder(), chunk_tokens=60)
    snap = IndexSnapshot.open(path)
    q = HashEmbedder().embed(["floods in town 2"])[0]
    with snap.hold():
        snap.close()  # the owner lets go (a reload) while a query holds it
        assert snap.vectors.search(q, 3) and snap.store.get_article("r1") is not None
    assert snap.vectors.ntotal == 0  # freed after the last holder
    assert not snap.acquire()
    with pytest.raises(sqlite3.ProgrammingError):
        snap.store.get_article("r1")


# --- factories --------------------------------------------------------------------------------------------


def test_factory_strings():
    assert normalize_factory("IVF4096,PQ32") == "IVF4096,PQ32,RFlat"
    assert normalize_factory("auto") == "auto" and normalize_factory("IDMap2,HNSW32") == "HNSW32"
    with pytest.raises(UnsupportedFactory, match="unsupported RAG_FAISS_FACTORY"):
        normalize_factory("LSH")
    assert segment_factory("auto", 1000) == "Flat" and segment_factory("auto", 10**6) == "HNSW32"
    assert segment_factory("IVF4096,Flat", 5000) == "Flat"  # too few rows to train 4096 lists
    assert segment_factory("HNSW32", 10) == "HNSW32"


def test_unsupported_factory_is_a_clear_error(tmp_path):
    from rag.store import IndexMismatch

    with pytest.raises(IndexMismatch, match="unsupported"):
        ingest(_articles("f", 1), tmp_path / "idx", HashEmbedder(), faiss_factory="LSH")


# --- migration from format 1 -----------------------------------------------------------------------------


def make_format1_index(path, arts, emb) -> dict[int, np.ndarray]:
    """The old layout, written the way the old code did: versions/v000001 with its own database,
    an IDMap2,Flat FAISS file, a manifest with checksums, and CURRENT."""
    from rag.store.index_dir import _sha256
    from rag.store.sqlite_store import MIGRATIONS, SqliteStore

    vdir = path / "versions" / "v000001"
    vdir.mkdir(parents=True)
    conn = sqlite3.connect(vdir / "meta.sqlite")
    for i, script in enumerate(MIGRATIONS[:2], start=1):
        conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {i}")
    vectors = {}
    for k, a in enumerate(arts):
        conn.execute(
            "INSERT INTO articles (id, title, source, date, body, content_hash) VALUES (?,?,?,?,?,?)",
            (a.id, a.title, a.source, a.date, a.body, a.content_hash()),
        )
        v = emb.embed([a.body])[0]
        cur = conn.execute(
            'INSERT INTO chunks (article_id, ordinal, start, "end", text, emb_hash, vector) VALUES (?,?,?,?,?,?,?)',
            (a.id, 0, 0, len(a.body), a.body, f"h{k}", v.tobytes()),
        )
        conn.execute("INSERT INTO chunks_fts (rowid, title, text) VALUES (?,?,?)", (cur.lastrowid, a.title, a.body))
        vectors[cur.lastrowid] = v
    conn.commit()
    conn.close()
    index = faiss.index_factory(emb.dim, "IDMap2,Flat", faiss.METRIC_INNER_PRODUCT)
    ids = np.array(sorted(vectors), dtype=np.int64)
    index.add_with_ids(np.stack([vectors[i] for i in ids]), ids)
    faiss.write_index(index, str(vdir / "vectors.faiss"))
    manifest = {
        "format_version": 1,
        "embedding_model": emb.model_id,
        "dim": emb.dim,
        "faiss_factory": "Flat",
        "articles": len(arts),
        "chunks": len(arts),
        "checksums": {n: _sha256(vdir / n) for n in ("meta.sqlite", "vectors.faiss")},
        "created": 0.0,
        "version": "v000001",
    }
    (vdir / "manifest.json").write_text(json.dumps(manifest))
    (path / "CURRENT").write_text("v000001\n")
    del SqliteStore
    return vectors


def test_a_format1_index_opens_migrated_without_re_embedding(tmp_path):
    path = tmp_path / "old"
    emb = HashEmbedder()
    arts = _articles("old", 12)
    vectors = make_format1_index(path, arts, emb)
    assert index_format(path) == 1 and current_version(path) == "v000001"

    class NoEmbedding(HashEmbedder):
        def embed(self, texts):
            raise AssertionError("the migration embedded something")

    snap = IndexSnapshot.open(path, expected_model="hash-bow")
    assert index_format(path) == 2 and not (path / "versions").exists()
    assert snap.version == "v000001" and snap.manifest.articles == 12 and snap.vectors.ntotal == 12
    got = snap.vectors.reconstruct(list(vectors))
    for cid, v in vectors.items():
        np.testing.assert_array_equal(got[cid], v)
    [(best, _)] = snap.vectors.search(vectors[5], 1)
    assert best == 5
    snap.close()
    # an ingest continues it: new ids above the old ones, nothing old re-embedded
    rep = ingest([*arts, *_articles("new", 2)], path, emb)
    assert (rep.added, rep.unchanged, rep.version) == (2, 12, "v000002")
    snap = IndexSnapshot.open(path)
    assert min(int(i) for i in snap.vectors.ids() if int(i) not in vectors) > max(vectors)
    del NoEmbedding
    snap.close()


# --- the query encoders ----------------------------------------------------------------------------------


class SlowEmbedder(HashEmbedder):
    def __init__(self):
        super().__init__()
        self.calls: list[int] = []

    def embed(self, texts):
        self.calls.append(len(texts))
        if any(t == "boom" for t in texts):
            raise RuntimeError("boom")
        time.sleep(0.05)
        return super().embed(texts)


def test_batching_embedder_merges_concurrent_queries_and_keeps_each_answer():
    inner = SlowEmbedder()
    emb = BatchingEmbedder(inner)
    texts = [f"question number {i} about floods" for i in range(24)]
    out: dict[int, np.ndarray] = {}

    def ask(i):
        out[i] = emb.embed([texts[i]])[0]

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(inner.calls) < 24 and sum(inner.calls) == 24  # merged into fewer model calls
    ref = HashEmbedder()
    for i, t in enumerate(texts):
        np.testing.assert_allclose(out[i], ref.embed([t])[0])  # each caller got its own vector
    with pytest.raises(RuntimeError, match="boom"):
        emb.embed(["boom"])
    assert emb.embed(["still alive"]).shape == (1, ref.dim)  # the worker survived the error


@pytest.mark.slow
def test_int8_onnx_query_encoder_matches_the_index_model(embedder):
    from rag.embedding import OnnxMiniLMEmbedder

    onnx = OnnxMiniLMEmbedder()
    qs = [
        "How long did the US and Russia extend the truce?",
        "Who won the election?",
        "x",
        "What did officials say about the economic consequences of the floods in the north? " * 20,  # > 256 tokens
    ]
    a, b = onnx.embed(qs), embedder.embed(qs)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert ((a * b).sum(axis=1) > 0.99).all()
    assert onnx.model_id == embedder.model_id and onnx.dim == embedder.dim
    # and a different question is not that close
    assert float(a[0] @ b[1]) < 0.9


@pytest.mark.slow
def test_int8_dynamic_query_encoder_is_derived_once_and_close_to_the_index_model(embedder, tmp_path):
    from rag.embedding import OnnxMiniLMEmbedder

    qs = ["How long did the US and Russia extend the truce?", "Who won the election?", "x"]
    enc = OnnxMiniLMEmbedder(dynamic=True, cache_dir=tmp_path)
    made = list(tmp_path.glob("*-int8-dynamic-*.onnx"))
    assert enc.variant == "onnx-int8-dynamic" and len(made) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [made[0].name]  # no temporary files left
    stamp = made[0].stat().st_mtime_ns
    a, b = enc.embed(qs), embedder.embed(qs)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert ((a * b).sum(axis=1) > 0.97).all()  # activations quantised too: ~0.994 on news questions, 0.978 for "x"
    assert float(a[0] @ b[1]) < 0.9
    OnnxMiniLMEmbedder(dynamic=True, cache_dir=tmp_path)  # a second service reuses the file
    assert made[0].stat().st_mtime_ns == stamp


def test_int8_dynamic_query_encoder_names_an_unwritable_cache_and_the_service_falls_back(tmp_path, caplog):
    from rag import embedding as E

    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(E.EmbedderError, match=r"cannot write the int8-dynamic query model under .*cache"):
        E.OnnxMiniLMEmbedder(dynamic=True, cache_dir=blocker)
    with caplog.at_level("WARNING", logger="rag.embedding"):
        enc = E.load_query_embedder(E.MINILM_ID, "onnx-int8-dynamic", cache_dir=blocker)
    assert enc.variant == "onnx-int8"  # still serves, with the int8 build as shipped
    assert "questions use the onnx-int8 encoder" in caplog.text


def test_query_encoder_choice_follows_the_index_model(monkeypatch):
    """int8 only where it exists (MiniLM); any other model encodes questions with a new instance of itself."""
    from rag import embedding as E

    made = []
    monkeypatch.setattr(
        E, "make_embedder", lambda m, b=32, precision="fp32": made.append(m) or HashEmbedder(model_id="hash-bow")
    )
    monkeypatch.setattr(
        E, "OnnxMiniLMEmbedder", lambda m, threads=1, dynamic=False, cache_dir=None: ("int8", m, dynamic)
    )
    assert E.load_query_embedder(E.MINILM_ID) == ("int8", E.MINILM_ID, True)  # integer products by default
    assert E.load_query_embedder(E.MINILM_ID, encoder="onnx-int8") == ("int8", E.MINILM_ID, False)
    assert made == []
    q = E.load_query_embedder("all-mpnet-base-v2")  # onnx-int8 asked, none for mpnet: the model itself
    assert isinstance(q, E.BatchingEmbedder) and made == ["all-mpnet-base-v2"]
    E.load_query_embedder(E.MINILM_ID, encoder="torch")
    assert made == ["all-mpnet-base-v2", E.MINILM_ID]
    with pytest.raises(E.EmbedderError, match="unknown query encoder 'gpu'"):
        E.load_query_embedder(E.MINILM_ID, encoder="gpu")


def test_writer_discard_and_failure_write_no_files(tmp_path):
    path = tmp_path / "idx"
    ingest(_articles("w", 3), path, HashEmbedder(), chunk_tokens=60)
    before = sorted(p.name for p in (path / "segments").iterdir())
    with pytest.raises(RuntimeError):
        with IndexWriter(path, "hash-bow", 64) as w:
            ids = w.store.insert_article(_articles("z", 1)[0], [], [], np.zeros((0, 64), np.float32))
            w.add_chunks(ids, np.zeros((0, 64), np.float32))
            raise RuntimeError("abort")
    assert sorted(p.name for p in (path / "segments").iterdir()) == before
    snap = IndexSnapshot.open(path)
    assert snap.store.get_article("z0") is None and snap.manifest.articles == 3
    snap.close()


def test_a_service_reads_writes_committed_by_another_process_at_once(tmp_path):
    """Read your writes across workers: the next query after another process's commit sees it, though
    the watcher's poll is far off (a merge alone does not make queries wait)."""
    from rag.pipeline import RagService
    from rag.settings import Settings

    path = tmp_path / "idx"
    ingest(_articles("c", 3), path, HashEmbedder(), chunk_tokens=60)
    svc = RagService(Settings(index=path, embedding_model="hash-bow", reload_poll_s=60), embedder=HashEmbedder())
    try:
        before = svc.snapshot.version
        ingest(_articles("late", 1), path, HashEmbedder(), chunk_tokens=60)  # as another worker would
        t = time.monotonic()
        res = svc.search("The late report number 0 tells of floods", top_k=3)
        assert time.monotonic() - t < 5
        assert svc.snapshot.version != before
        assert any(p.article_id == "late0" for p in res.passages)
    finally:
        svc.close()
