"""The Qdrant backend's own promises, beyond the shared store contract (test_store_contract.py):
migration from a FAISS index embeds nothing, ingest workers and retries converge on the same
points, the CLI keeps its shape (an index folder holding only a pointer), and the service
reports the collection's state. Runs in local mode; the multi-process ingest test needs a
server (RAG_QDRANT_URL) and skips with a message without one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import numpy as np
import pytest
from conftest import CORPUS, ROOT, LiveServer
from store_backends import SERVER_URL, backend_settings, drop
from test_answers import assert_invariants
from typer.testing import CliRunner

from rag import embedding
from rag.cli import app
from rag.embedding import HashEmbedder
from rag.ingest import ingest
from rag.models import Article
from rag.pipeline import AskRequest, RagService
from rag.readers import read_path
from rag.store import IndexSnapshot, IndexStoreError
from rag.store.backends import open_snapshot, worker_share, writer_factory
from rag.store.qdrant import schema, writer
from rag.store.qdrant.client import POINTER_NAME

QUESTIONS = [
    "How many rebels left Darayya?",
    "How long did the US and Russia extend the truce?",
    "Who brokered the ceasefire in Hasakah?",
]


# --- pure parts ------------------------------------------------------------------------------------------
def test_outlet_keys_follow_the_faiss_source_semantics():
    from rag.store.segments import source_matches

    line = "Al Jazeera News/SANA/BBC News"
    keys = set(schema.outlet_keys(line))
    for wanted in ["sana", "SANA", "al jazeera news", "sana/bbc news", line, "BBC", "News", "jazeera"]:
        assert (wanted.lower() in keys) == source_matches(line, [wanted]), wanted


def test_date_keys_order_as_dates_and_reject_other_forms():
    assert schema.date_key("2016-08-31") < schema.date_key("2016-09-01")
    assert schema.date_key("2016-08") is None and schema.date_key(None) is None


def test_sparse_weights_are_deterministic_and_saturate():
    ids, values = schema.doc_sparse("Truce", "truce truce truce rebels")
    assert (ids, values) == schema.doc_sparse("Truce", "truce truce truce rebels")
    w = dict(zip(ids, values))
    truce, rebels = schema.term_id("truce"), schema.term_id("rebel")
    assert w[truce] > w[rebels] > 0
    assert w[truce] < 3 * w[rebels] + schema.TITLE_WEIGHT * 2.2, "term frequency saturates (BM25)"
    assert schema.query_term_ids("rebels") == schema.query_term_ids("Rebel") == [rebels], "FTS5's porter stems"
    assert len(schema.query_term_ids("4,000")) == 2, "FTS5 splits numbers as it indexes them"
    assert schema.fts_terms('"rebels" OR "darayya"') == ["rebels", "darayya"]


def test_term_ids_count_documents_as_fts5_does(seed_index):
    """The payload terms give FTS5's document frequencies (answer-support IDF weights agree)."""
    faiss = IndexSnapshot.open(seed_index, verify=False)
    rows = faiss.store.conn.execute(
        "SELECT c.text, a.title, a.body FROM chunks c JOIN articles a ON a.id = c.article_id"
    ).fetchall()
    titles = [Article("x", t, b).real_title() for _, t, b in rows]
    terms = [set(schema.term_ids_of(title, text)) for (text, _, _), title in zip(rows, titles)]
    for word in ["rebels", "evacuated", "truce", "Aleppo", "hours", "government"]:
        fts = faiss.store.conn.execute("SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (f'"{word}"',))
        ids = schema.query_term_ids(word)
        assert fts.fetchone()[0] == sum(all(i in t for i in ids) for t in terms), word
    faiss.close()


def test_point_ids_are_deterministic_and_name_one_content():
    a = schema.chunk_point_id("a1", 0, "h1")
    assert a == schema.chunk_point_id("a1", 0, "h1") and 0 <= a < 2**63
    assert len({a, schema.chunk_point_id("a1", 1, "h1"), schema.chunk_point_id("a1", 0, "h2")}) == 3


def test_worker_shares_partition_the_articles():
    ids = [f"article-{i}" for i in range(400)]
    shares = [worker_share(i, 4) for i in ids]
    assert set(shares) == {0, 1, 2, 3} and min(shares.count(s) for s in range(4)) > 60
    assert shares == [worker_share(i, 4) for i in ids], "the same on every machine"


# --- ingest: workers and retries converge -----------------------------------------------------------------
def _articles(n: int) -> list[Article]:
    towns = ["Aleppo", "Darayya", "Hasakah", "Raqqa", "Idlib", "Homs"]
    return [
        Article(
            id=f"a{i}",
            title=f"Report {i} on {towns[i % 6]}",
            body=f"Fighting continued in {towns[i % 6]} on day {i}. Aid convoys reached {towns[(i + 1) % 6]}.",
            source=["Reuters", "SANA", "AP"][i % 3],
            date=f"2016-08-{i % 28 + 1:02d}",
        )
        for i in range(n)
    ]


def _state(settings) -> dict:
    snap = open_snapshot(settings)
    ids = {p.id for p in snap.store._scroll(None, ["article_id"])}
    out = {"counts": snap.store.counts(), "ids": ids}
    snap.close()
    return out


def test_workers_and_a_crashed_retry_write_the_same_points(tmp_path, monkeypatch):
    emb = HashEmbedder()
    arts = _articles(12)
    clean = backend_settings("qdrant-local", tmp_path / "clean")
    ingest(arts, clean.index, emb, open_writer=writer_factory(clean))

    split = backend_settings("qdrant-local", tmp_path / "split")
    for w in range(3):  # three workers, one after the other here (at once against a server: see below)
        mine = [a for a in arts if worker_share(a.id, 3) == w]
        ingest(mine, split.index, emb, open_writer=writer_factory(split))
    assert _state(split) == _state(clean)

    crashed = backend_settings("qdrant-local", tmp_path / "crashed")
    monkeypatch.setattr(writer, "FLUSH_POINTS", 2)
    real_upsert = writer.QdrantMetadataWriter.flush
    calls = {"n": 0}

    def flaky(self):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionError("injected: the cluster went away mid-ingest")
        real_upsert(self)

    monkeypatch.setattr(writer.QdrantMetadataWriter, "flush", flaky)
    with pytest.raises(ConnectionError):
        ingest(arts, crashed.index, emb, open_writer=writer_factory(crashed))
    partial = _state(crashed)
    assert 0 < partial["counts"][0] < 12
    report = ingest(arts, crashed.index, emb, open_writer=writer_factory(crashed))  # the retry
    assert report.unchanged == partial["counts"][0] and report.added == 12 - partial["counts"][0]
    assert _state(crashed) == _state(clean)


@pytest.mark.skipif(not SERVER_URL, reason="no Qdrant server: set RAG_QDRANT_URL to run workers in parallel")
def test_parallel_worker_processes_against_a_server(tmp_path):
    settings = backend_settings("qdrant-server", tmp_path)
    env = {
        **os.environ,
        "RAG_STORE": "qdrant",
        "RAG_QDRANT_URL": SERVER_URL,
        "RAG_QDRANT_COLLECTION": settings.qdrant_collection,
        "RAG_EMBEDDING_MODEL": "hash-bow",
    }
    cmd = [sys.executable, "-m", "rag.cli", "ingest", str(CORPUS), "--index", str(settings.index), "--json"]
    procs = [subprocess.Popen([*cmd, "--worker", f"{i}/3"], env=env, stdout=subprocess.PIPE) for i in range(3)]
    outs = [json.loads(p.communicate(timeout=300)[0]) for p in procs]
    try:
        assert sum(o["added"] for o in outs) == len(read_path(CORPUS).articles)
        assert open_snapshot(settings).manifest.articles == len(read_path(CORPUS).articles)
    finally:
        drop(settings)


# --- migration: nothing is embedded -------------------------------------------------------------------------
def _no_embedding(monkeypatch):
    def refuse(*a, **kw):
        raise AssertionError("the migration must not embed anything")

    monkeypatch.setattr(embedding, "load_embedder", refuse)
    monkeypatch.setattr(embedding.SentenceTransformerEmbedder, "__init__", refuse)
    monkeypatch.setattr(embedding.OnnxMiniLMEmbedder, "__init__", refuse)
    monkeypatch.setattr(embedding.LazyEmbedder, "embed", refuse)


@pytest.mark.slow
def test_migration_copies_vectors_and_embeds_nothing(seed_index_copy, tmp_path, monkeypatch, embedder):
    qvecs = embedder.embed(QUESTIONS)  # before embedding is switched off
    _no_embedding(monkeypatch)
    env = {"RAG_QDRANT_PATH": str(tmp_path / "q"), "RAG_QDRANT_COLLECTION": "migrated"}
    runner = CliRunner()
    res = runner.invoke(app, ["migrate-to-qdrant", "--index", str(seed_index_copy), "--json"], env=env)
    assert res.exit_code == 0, res.output
    report = json.loads(res.output.strip().splitlines()[-1])
    faiss = IndexSnapshot.open(seed_index_copy, verify=False)
    assert (report["articles"], report["chunks"]) == (faiss.manifest.articles, faiss.manifest.chunks)

    settings = backend_settings("qdrant-local", tmp_path, qdrant_collection="migrated")
    settings.qdrant_path = tmp_path / "q"
    q = open_snapshot(settings)
    assert (q.manifest.articles, q.manifest.chunks) == (faiss.manifest.articles, faiss.manifest.chunks)
    for v in qvecs:  # the same vectors: the same dense ranking and scores
        f_hits = faiss.vectors.search(v, 5)
        q_hits = q.vectors.search(v, 5)
        f_p, q_p = faiss.store.passages([i for i, _ in f_hits]), q.store.passages([i for i, _ in q_hits])
        assert [(f_p[i].article_id, f_p[i].start) for i, _ in f_hits] == [
            (q_p[i].article_id, q_p[i].start) for i, _ in q_hits
        ]
        assert np.allclose([s for _, s in f_hits], [s for _, s in q_hits], atol=1e-4)
    keys = [(p.article_id, p.start, p.end) for p in f_p.values()]
    f_s, q_s = faiss.store.sentence_vectors(keys), q.store.sentence_vectors(keys)
    for k in keys:
        assert [(s, e) for s, e, _ in f_s[k]] == [(s, e) for s, e, _ in q_s[k]]
        assert all(np.allclose(a[2], b[2], atol=1e-3) for a, b in zip(f_s[k], q_s[k]))
    faiss.close()

    again = runner.invoke(app, ["migrate-to-qdrant", "--index", str(seed_index_copy), "--json"], env=env)
    assert json.loads(again.output.strip().splitlines()[-1])["skipped"] == report["articles"], "resumable"


def test_migration_needs_a_destination(seed_index_copy, monkeypatch):
    for k in ("RAG_QDRANT_PATH", "RAG_QDRANT_URL"):
        monkeypatch.delenv(k, raising=False)
    res = CliRunner().invoke(app, ["migrate-to-qdrant", "--index", str(seed_index_copy)])
    assert res.exit_code == 2 and "RAG_QDRANT_URL" in res.output


def test_unreachable_server_is_a_one_line_error(tmp_path):
    settings = backend_settings("qdrant-local", tmp_path)
    settings.qdrant_url, settings.qdrant_path = "http://127.0.0.1:9", None
    settings.qdrant_timeout_s = 2
    with pytest.raises(IndexStoreError):
        open_snapshot(settings)


# --- the CLI's shape and the service's reports ----------------------------------------------------------------
@pytest.mark.slow
def test_cli_ingest_then_serve_with_only_a_pointer_in_the_index_folder(tmp_path):
    idx, qdir = tmp_path / "idx", tmp_path / "qdrant"
    env = {**os.environ, "RAG_STORE": "qdrant", "RAG_QDRANT_PATH": str(qdir)}
    run = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(CORPUS), "--index", str(idx), "--json"],
        env=env, capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["added"] == len(read_path(CORPUS).articles)
    assert sorted(p.name for p in idx.iterdir()) == [POINTER_NAME], "the index folder holds only a pointer"
    stats = subprocess.run(
        [sys.executable, "-m", "rag.cli", "stats", "--index", str(idx), "--json"],
        env=env, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    st = json.loads(stats.stdout)
    assert st["store"]["backend"] == "qdrant" and st["store"]["points"] == st["chunks"] > 0
    check = subprocess.run(
        [sys.executable, "-m", "rag.cli", "check", "--index", str(idx)],
        env=env, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0 and check.stdout.startswith("ok: idx_chunks"), check.stderr

    server = LiveServer(idx, env={"RAG_STORE": "qdrant", "RAG_QDRANT_PATH": str(qdir)})
    try:
        health = httpx.get(f"{server.url}/health", timeout=10).json()
        assert health["status"] == "ok" and health["store"]["backend"] == "qdrant"
        assert health["store"]["status"] == "green"
        r = httpx.post(f"{server.url}/ask", json={"question": QUESTIONS[0]}, timeout=60).json()
        assert not r["abstained"] and r["citations"]
        c = r["citations"][0]
        body = httpx.get(f"{server.url}/articles/{c['article_id']}", timeout=10).json()["body"]
        assert body[c["start"] : c["end"]] == c["quote"]
        s = httpx.get(f"{server.url}/stats", timeout=10).json()
        assert s["faiss_factory"] == "qdrant" and s["articles"] == st["articles"] and s["sources"]
    finally:
        server.stop()


@pytest.mark.slow
def test_stats_sources_and_span_match_the_faiss_backend(seed_index, tmp_path, embedder):
    settings = backend_settings("qdrant-local", tmp_path)
    ingest(read_path(CORPUS).articles, settings.index, embedder, open_writer=writer_factory(settings))
    q = open_snapshot(settings)
    f = IndexSnapshot.open(seed_index, verify=False)
    assert q.store.sources_and_span() == f.store.sources_and_span()
    assert q.store.list_articles(5, 1) == f.store.list_articles(5, 1)
    svc = RagService(settings, embedder=embedder, watch=False)
    ans = svc.ask(AskRequest(QUESTIONS[1]))
    assert_invariants(ans, svc)
    f.close()
    svc.close()


@pytest.mark.parametrize("bad", ["3/2", "x/2", "1", "0/0"])
def test_worker_option_rejects_bad_shares(bad, tmp_path):
    res = CliRunner().invoke(app, ["ingest", str(CORPUS), "--index", str(tmp_path / "i"), "--worker", bad])
    assert res.exit_code == 2 and "--worker" in res.output
