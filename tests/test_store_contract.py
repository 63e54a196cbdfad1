"""The store contract: the same retrieval and answer tests against every backend (FAISS, Qdrant
local mode, and a Qdrant server when RAG_QDRANT_URL is set; see tests/store_backends.py).

What a backend must do the same way: hybrid retrieval and the answers built on it, filters and
``as_of`` applied inside the search (every matching report comes back, no other), incremental
upsert by content hash, delete, and the embedding model check.
"""

from __future__ import annotations

import pytest
from conftest import CORPUS
from store_backends import BACKENDS, backend_settings, drop
from test_answers import HAND_CHECKED, OFF_TOPIC, assert_invariants

from rag.embedding import HashEmbedder
from rag.ingest import ingest
from rag.models import Article
from rag.pipeline import AskRequest, RagService
from rag.readers import read_path
from rag.retrieval.hybrid import Filters
from rag.store import IndexMismatch
from rag.store.backends import writer_factory
from rag.store.segments import source_matches


def _ingest(settings, articles, embedder, **kw):
    return ingest(articles, settings.index, embedder, open_writer=writer_factory(settings), **kw)


@pytest.fixture(scope="module", params=BACKENDS)
def seed_backend(request, tmp_path_factory, embedder):
    """(settings, service) over the seed corpus, built with the real model, one per backend."""
    settings = backend_settings(request.param, tmp_path_factory.mktemp(f"seed-{request.param}"))
    _ingest(settings, read_path(CORPUS).articles, embedder)
    service = RagService(settings, embedder=embedder, watch=False)
    yield settings, service
    service.close()
    drop(settings)


@pytest.fixture(params=BACKENDS)
def empty_backend(request, tmp_path):
    settings = backend_settings(request.param, tmp_path)
    yield settings
    drop(settings)


# --- answers over the seed corpus ----------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("case", HAND_CHECKED, ids=[c["question"][:40] for c in HAND_CHECKED])
def test_hand_checked_question(seed_backend, case):
    _, service = seed_backend
    ans = service.ask(AskRequest(case["question"]))
    assert_invariants(ans, service)
    assert not ans.abstained, ans.answer
    assert any(c.article_id == case["article"] for c in ans.citations), ans.answer
    lines = [
        ln
        for ln in ans.answer.splitlines()
        if any(c.article_id == case["article"] and f"[{c.n}]" in ln for c in ans.citations)
    ]
    for fact in case["expect"]:
        assert any(fact.lower() in ln.lower() for ln in lines), (fact, ans.answer)


@pytest.mark.slow
@pytest.mark.parametrize("question", OFF_TOPIC[:3])
def test_off_topic_abstains(seed_backend, question):
    _, service = seed_backend
    ans = service.ask(AskRequest(question))
    assert_invariants(ans, service)
    assert ans.abstained and ans.passages


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["dense", "keyword", "hybrid"])
def test_each_retriever_finds_the_evidence(seed_backend, mode):
    _, service = seed_backend
    case = HAND_CHECKED[0]
    res = service.retriever.retrieve(case["question"], top_k=5, mode=mode)
    assert case["article"] in [p.article_id for p in res.passages]
    assert all(p.score >= q.score for p, q in zip(res.passages, res.passages[1:]))


# --- filters and as_of: inside the search, every matching report -------------------------------------------
FILTERS = [
    Filters(date_from="2016-08-20", date_to="2016-09-05"),
    Filters(date_to="2016-08-10"),
    Filters(sources=["SANA"]),
    Filters(sources=["reuters"], date_from="2016-09-01"),
    Filters(sources=["no such outlet"]),
]


def _passes(a: Article, f: Filters, as_of: str | None) -> bool:
    date_to = min(x for x in (f.date_to, as_of) if x) if (f.date_to or as_of) else None
    if (f.date_from or date_to) and not a.date:
        return False
    if f.date_from and a.date < f.date_from:
        return False
    if date_to and a.date > date_to:
        return False
    return not f.sources or source_matches(a.source, f.sources)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["dense", "keyword", "hybrid"])
@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f"{f.date_from}-{f.date_to}-{f.sources}")
def test_filters_return_every_matching_report(seed_backend, f, mode):
    _, service = seed_backend
    articles = read_path(CORPUS).articles
    want = {a.id for a in articles if _passes(a, f, None)}
    # a question every chunk shares words with, so keyword search can reach all of them too
    res = service.retriever.retrieve("Syria rebels government forces", top_k=50, filters=f, mode=mode, rerank=False)
    got = {p.article_id for p in res.passages}
    assert got <= want, "a report outside the filter came back"
    if mode == "dense":  # dense search ranks every allowed chunk: all matching reports come back
        assert got == want


@pytest.mark.slow
@pytest.mark.parametrize("as_of", ["2016-08-15", "2016-09-01"])
def test_as_of_hides_later_reports_and_keeps_every_earlier_one(seed_backend, as_of):
    _, service = seed_backend
    articles = read_path(CORPUS).articles
    want = {a.id for a in articles if _passes(a, Filters(), as_of)}
    res = service.retriever.retrieve("Syria", top_k=50, as_of=as_of, mode="dense")
    assert {p.article_id for p in res.passages} == want
    ans = service.ask(AskRequest("What happened in Aleppo?", as_of=as_of))
    assert_invariants(ans, service)
    assert all(p.date and p.date <= as_of for p in ans.passages)


@pytest.mark.slow
def test_recency_prefers_newer_reports(seed_backend):
    _, service = seed_backend
    res = service.retriever.retrieve("Aleppo fighting", top_k=8, as_of="2016-09-30", rerank=False)
    dated = sorted((p for p in res.passages if p.date), key=lambda p: p.date)
    assert len(dated) >= 2
    bonus = [p.scores["recency"] for p in dated]
    assert bonus == sorted(bonus) and bonus[-1] > bonus[0], "a newer report gets a larger boost"


@pytest.mark.slow
def test_a_conversations_cited_reports_join_the_candidates(seed_backend):
    _, service = seed_backend
    articles = read_path(CORPUS).articles
    cited = next(a.id for a in articles if "hasakah" in a.id)
    store = service.retriever.snapshot.store
    ids = store.article_chunk_ids([cited])
    assert ids and set(store.passages(ids)) == set(ids)
    assert all(p.article_id == cited for p in store.passages(ids).values())
    # a question whose words point elsewhere still sees the cited report's chunks, marked
    res = service.retriever.retrieve("Where were the rebels taken from Darayya?", top_k=50, articles=[cited])
    mine = [p for p in res.passages if p.article_id == cited]
    assert mine and all(p.scores.get("cited") for p in mine)
    # ...inside the filters
    later = service.retriever.retrieve("Darayya rebels", top_k=50, articles=[cited], as_of="2016-08-01")
    assert all(p.article_id != cited for p in later.passages)


# --- writes: incremental upsert, delete, model check (fast: a hashing embedder) --------------------------------
def _article(i: int, body: str, **kw) -> Article:
    return Article(
        id=f"a{i}", title=f"Report {i}", body=body, source=kw.get("source", "Reuters"), date="2016-08-0" + str(i)
    )


BODIES = [
    "Rebels left Darayya on Friday under a deal with the government. Buses took them north to Idlib.",
    "The United States and Russia agreed to extend the truce for another 48 hours. Violence was sporadic.",
    "Kurdish forces and government troops agreed a ceasefire in Hasakah. The deal was brokered by Russia.",
]


def test_incremental_upsert_delete_and_counts(empty_backend):
    settings = empty_backend
    emb = HashEmbedder()
    first = _ingest(settings, [_article(i + 1, b) for i, b in enumerate(BODIES)], emb)
    assert (first.added, first.chunks_embedded) == (3, 3)
    again = _ingest(settings, [_article(i + 1, b) for i, b in enumerate(BODIES)], emb)
    assert (again.unchanged, again.chunks_embedded, again.sentences_embedded) == (3, 0, 0)

    changed = BODIES[0].replace("Friday", "Saturday")
    upd = _ingest(settings, [_article(1, changed)], emb)
    assert upd.updated == 1 and upd.chunks_embedded == 1
    service = RagService(settings, embedder=emb, watch=False)
    try:
        snap = service.snapshot
        assert (snap.manifest.articles, snap.manifest.chunks) == (3, 3)
        res = service.retriever.retrieve("Darayya rebels", top_k=10)
        texts = [p.text for p in res.passages if p.article_id == "a1"]
        assert texts == [changed], "the old version of a1 is gone, the new one is there once"
        assert snap.store.get_article("a1").body == changed

        gone = _ingest(settings, [], emb, delete_ids=["a2", "missing"])
        assert gone.deleted == 1
        assert service.reload()
        snap = service.snapshot
        assert snap.store.get_article("a2") is None
        assert (snap.manifest.articles, snap.manifest.chunks) == (2, 2)
        res = service.retriever.retrieve("truce extended 48 hours", top_k=10)
        assert "a2" not in {p.article_id for p in res.passages}
        assert {p.article_id for p in res.passages} == {"a1", "a3"}
    finally:
        service.close()


def test_unchanged_chunks_reuse_their_vectors(empty_backend):
    settings = empty_backend
    emb = HashEmbedder()
    two = BODIES[0] + "\n\n" + BODIES[1]
    _ingest(settings, [_article(1, two)], emb, chunk_tokens=20)
    more = two + "\n\nA third paragraph was added later by the editors."
    rep = _ingest(settings, [_article(1, more)], emb, chunk_tokens=20)
    assert rep.updated == 1 and rep.chunks_reused >= 1


def test_model_id_is_checked(empty_backend):
    settings = empty_backend
    _ingest(settings, [_article(1, BODIES[0])], HashEmbedder(model_id="model-a"))
    with pytest.raises(IndexMismatch):
        _ingest(settings, [_article(2, BODIES[1])], HashEmbedder(model_id="model-b"))
    with pytest.raises(IndexMismatch):
        RagService(settings, embedder=HashEmbedder(model_id="model-b"), watch=False)
    svc = RagService(settings, embedder=HashEmbedder(model_id="model-a"), watch=False)
    assert svc.snapshot.manifest.embedding_model == "model-a"
    svc.close()


def test_service_sees_a_commit_from_another_writer(empty_backend):
    settings = empty_backend
    emb = HashEmbedder()
    _ingest(settings, [_article(1, BODIES[0])], emb)
    service = RagService(settings, embedder=emb, watch=False)
    try:
        assert not service.reload(), "nothing new committed"
        _ingest(settings, [_article(3, BODIES[2])], emb)
        assert service.reload()
        assert service.snapshot.manifest.articles == 2
        ans = service.ask(AskRequest("Who brokered the ceasefire in Hasakah?"))
        assert any(c.article_id == "a3" for c in ans.citations), ans.answer
    finally:
        service.close()


def test_http_ingest_search_and_delete(empty_backend):
    """The write endpoints go through the configured store too."""
    from fastapi.testclient import TestClient

    from rag.api.app import create_app

    settings = empty_backend
    settings.api_token, settings.log_requests = "t0ken", False
    emb = HashEmbedder()
    _ingest(settings, [_article(1, BODIES[0])], emb)
    service = RagService(settings, embedder=emb, watch=False)
    auth = {"Authorization": "Bearer t0ken"}
    md = b"---\ntitle: Zebras escape\ndate: 2024-03-02\nsource: Test Wire\n---\nThree zebras escaped from the zoo.\n"
    try:
        with TestClient(create_app(settings, service)) as c:
            r = c.post("/ingest?filename=zebras.md", content=md, headers={"Content-Type": "text/markdown", **auth})
            assert r.status_code == 200 and r.json()["added"] == 1, r.text
            hits = c.get("/search", params={"q": "zebras escaped zoo"}).json()["passages"]
            assert hits and hits[0]["article_id"] == "zebras"
            assert c.get("/stats").json()["articles"] == 2
            assert c.delete("/articles/zebras", headers=auth).status_code == 200
            assert c.get("/articles/zebras").status_code == 404
            assert "zebras" not in {
                p["article_id"] for p in c.get("/search", params={"q": "zebras"}).json()["passages"]
            }
            assert c.delete("/articles/zebras", headers=auth).status_code == 404
    finally:
        service.close()
