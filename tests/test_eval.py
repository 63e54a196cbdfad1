"""The eval: metric functions on hand-made cases (fast, no model), the seed question set's own
consistency, the RealTime QA converter on a tiny fake dataset, and one slow run of the seed set
through the real pipeline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rag.eval import metrics as M
from rag.eval.questions import QuestionFileError, load_questions

ROOT = Path(__file__).resolve().parents[1]
SEED_QUESTIONS = ROOT / "eval" / "seed_questions.jsonl"


# --- retrieval metrics -----------------------------------------------------------------------------------


def test_dedupe_keeps_first_appearance():
    assert M.dedupe_articles(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]


def test_ranking_metrics_single_relevant_after_dedupe():
    ranked = ["a", "a", "b", "c", "d"]  # articles: a, b, c, d → c is rank 3
    assert M.recall_at_k(ranked, ["c"], 1) == 0.0
    assert M.recall_at_k(ranked, ["c"], 3) == 1.0
    assert M.reciprocal_rank(ranked, ["c"]) == pytest.approx(1 / 3)
    assert M.ndcg_at_k(ranked, ["c"]) == pytest.approx(1 / math.log2(4))
    assert M.first_rank(ranked, ["c"]) == 3


def test_ranking_metrics_two_relevant():
    ranked = ["x", "b", "y", "d"]
    rel = ["b", "d"]
    assert M.recall_at_k(ranked, rel, 1) == 0.0
    assert M.recall_at_k(ranked, rel, 2) == 0.5
    assert M.recall_at_k(ranked, rel, 5) == 1.0
    assert M.reciprocal_rank(ranked, rel) == 0.5
    ideal = 1 + 1 / math.log2(3)
    assert M.ndcg_at_k(ranked, rel) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)


def test_ranking_metrics_miss_and_cutoff():
    ranked = [f"n{i}" for i in range(10)] + ["hit"]
    assert M.recall_at_k(ranked, ["hit"], 10) == 0.0
    assert M.reciprocal_rank(ranked, ["hit"], 10) == 0.0
    assert M.ndcg_at_k(ranked, ["hit"], 10) == 0.0
    assert M.recall_at_k(["hit"], ["hit"], 1) == M.ndcg_at_k(["hit"], ["hit"]) == 1.0
    with pytest.raises(ValueError):
        M.recall_at_k(ranked, [], 5)


# --- answers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, norm",
    [
        ("The 8,000 Rebels!", "8000 rebels"),
        ("1,000,000 people", "1000000 people"),
        ("a  house in   Oregon.", "house in oregon"),
        ("Liwa’ Shuhada al-Islam", "liwa shuhada al islam"),
        ("$1.65 million", "1.65 million"),
        ("Tu-22M3", "tu 22 m3"),
    ],
)
def test_normalize_answer(text, norm):
    assert M.normalize_answer(text) == norm


def test_contains_answer_on_token_boundaries():
    assert M.contains_answer("around 8000 civilians and 800 rebels", ["8,000"])
    assert M.contains_answer("extended for another 48 hours", ["48 hours"])
    assert M.contains_answer("Ajnad al-Sham and Liwa' Shuhada al-Islam", ["Liwa’ Shuhada al-Islam"])
    assert not M.contains_answer("killed 15 people", ["5"])
    assert not M.contains_answer("the Asayishes", ["Asayish"])
    assert not M.contains_answer("anything", ["", "  "])
    assert M.contains_answer("The Kerry–Lavrov deal", ["nobody", "Lavrov"])
    assert M.contains_answer(
        "The Philadelphia Eagles and the Kansas City Chiefs will face off", ["Philadelphia Eagles & Kansas City Chiefs"]
    )


# --- claims and citations ----------------------------------------------------------------------------------

BODY = "The truce was extended by 48 hours. Aid convoys waited at the border. Nothing else happened."


def _answer(
    quote_start: int,
    quote_end: int,
    quote: str | None = None,
    text: str | None = None,
    chunk_id: int = 7,
    article_id: str = "art",
) -> dict:
    quote = BODY[quote_start:quote_end] if quote is None else quote
    return {
        "answer": text if text is not None else f"Reuters (10 Sep 2016): “{quote}” [1]",
        "abstained": False,
        "citations": [
            {
                "n": 1,
                "article_id": article_id,
                "title": "Truce extended",
                "chunk_id": chunk_id,
                "start": quote_start,
                "end": quote_end,
                "quote": quote,
            }
        ],
        "passages": [
            {"chunk_id": 7, "article_id": "art", "title": "Truce extended", "start": 0, "end": len(BODY), "quote": BODY}
        ],
    }


def body_of(article_id: str) -> str | None:
    return BODY if article_id == "art" else None


def test_split_claims_at_markers():
    claims = M.split_claims("Reuters: “A.” [1]\nSANA: “B.” [2][3]\nAnd an uncited tail.")
    assert [(c.text, c.markers) for c in claims] == [
        ("Reuters: “A.”", [1]),
        ("SANA: “B.”", [2, 3]),
        ("And an uncited tail.", []),
    ]
    assert M.split_claims("Only text.") == [M.Claim("Only text.", [])]
    assert [c.markers for c in M.split_claims("x [1] [2] .")] == [[1, 2]]


def test_quoted_pieces_split_at_ellipses():
    assert M.quoted_pieces("“…the truce was extended… by 48 hours”") == ["the truce was extended", "by 48 hours"]


def test_valid_citation_has_no_problems_and_full_support():
    a = _answer(0, 35)
    assert M.citation_problems(a, body_of) == []
    q = M.citation_quality(a, body_of)
    assert (q["claims"], q["precision"], q["recall"]) == (1, 1.0, 1.0)
    assert q["claim_results"][0]["method"] == "verbatim"


def test_a_direct_answer_and_a_tidied_quote_are_verbatim():
    # the direct answer is a span of its cited quote; the quote is shown with spacing tidied
    a = _answer(0, 35, text="48 hours [1]\n“The truce was  extended by 48 hours.” (Reuters, 10 Sep 2016) [1]")
    q = M.citation_quality(a, body_of)
    assert [c["method"] for c in q["claim_results"]] == ["verbatim", "verbatim"]
    b = _answer(0, 35, text="seven days [1]")  # not in the quote: only lexical support, and not enough
    r = M.citation_quality(b, body_of)
    assert r["claim_results"][0]["method"] == "lexical" and not r["claim_results"][0]["supported"]


def test_forged_quote_is_an_invalid_citation():
    forged = "The truce was extended by 96 hours."
    a = _answer(0, 35, quote=forged)
    problems = M.citation_problems(a, body_of)
    assert len(problems) == 1 and "not the article body" in problems[0]
    q = M.citation_quality(a, body_of)  # and the claim is no longer verbatim-supported
    assert q["claim_results"][0]["method"] == "lexical"


def test_shifted_offsets_are_invalid():
    a = _answer(0, 35)
    a["citations"][0]["start"] = 1
    assert any("not the article body" in p for p in M.citation_problems(a, body_of))


def test_citation_outside_returned_passages_is_invalid():
    problems = M.citation_problems(_answer(0, 35, chunk_id=99), body_of)
    assert any("not among the returned passages" in p for p in problems)
    assert any("not in the index" in p for p in M.citation_problems(_answer(0, 35, article_id="nope"), body_of))


def test_dangling_marker_is_invalid():
    a = _answer(0, 35, text=f"Reuters: “{BODY[:35]}” [1] and more [2]")
    assert M.citation_problems(a, body_of) == ["[2]: marker has no citation"]


def test_uncited_sentence_lowers_citation_recall():
    a = _answer(0, 35, text=f"Reuters: “{BODY[:35]}” [1]\nThe war ended.")
    q = M.citation_quality(a, body_of)
    assert q["claims"] == 2 and q["uncited_claims"] == 1
    assert q["recall"] == 0.5 and q["precision"] == 1.0


def test_quoted_title_is_attribution_not_content():
    a = _answer(36, 71, text=f"“Truce extended” (undated): “{BODY[36:71]}” [1]")
    assert M.citation_quality(a, body_of)["claim_results"][0]["method"] == "verbatim"


def test_paraphrase_support_score():
    assert M.support_score("The truce was extended by 48 hours", BODY) == 1.0
    assert M.support_score("The truce was extended by 72 hours", BODY) == pytest.approx(2 / 3)
    assert M.support_score("Bananas grow in Ecuador", BODY) == pytest.approx(1 / 3)
    assert M.support_score("x", BODY, cosine=1.0) == pytest.approx(0.4 * 1 + 0.2 + 0.4)


def test_abstention_accounting():
    recs = [
        {"answerable": True, "abstained": False, "kind": "answerable"},
        {"answerable": True, "abstained": True, "kind": "answerable"},
        {"answerable": True, "abstained": False, "kind": "answerable"},
        {"answerable": False, "abstained": True, "kind": "off_topic"},
        {"answerable": False, "abstained": False, "kind": "filtered_out"},
    ]
    s = M.abstention_summary(recs)
    assert s["false_abstention_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["abstention_rate_unanswerable"] == 0.5
    assert s["abstention_rate_off_topic"] == 1.0 and s["abstention_rate_filtered_out"] == 0.0
    assert (s["answerable"], s["unanswerable"], s["abstained_answerable"]) == (3, 2, 1)


# --- the question file --------------------------------------------------------------------------------------


def test_question_file_errors_are_one_line(tmp_path):
    p = tmp_path / "q.jsonl"
    p.write_text('{"id": "a", "question": "Q?", "answers": ["x"]}\n{not json}\n')
    with pytest.raises(QuestionFileError, match="line 2: invalid JSON"):
        load_questions(p)
    p.write_text('{"id": "a", "question": "Q?", "answerable": true}\n')
    with pytest.raises(QuestionFileError, match="needs at least one answer"):
        load_questions(p)
    p.write_text('{"id": "a", "question": "Q?", "answers": ["x"], "as_of": "2020/01/03"}\n')
    with pytest.raises(QuestionFileError, match="as_of"):
        load_questions(p)
    with pytest.raises(QuestionFileError, match="no such question file"):
        load_questions(tmp_path / "missing.jsonl")


def test_question_kinds_and_limit(tmp_path):
    p = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "question": "Q?", "answers": ["x"], "evidence_ids": ["e"]},
        {"id": "b", "question": "Q?", "answerable": False},
        {
            "id": "c",
            "question": "Q?",
            "answers": ["x"],
            "evidence_ids": ["e"],
            "answerable": False,
            "filters": {"date_to": "2016-01-01"},
        },
    ]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    qs = load_questions(p)
    assert [q.kind for q in qs] == ["answerable", "off_topic", "filtered_out"]
    assert qs[2].date_to == "2016-01-01" and qs[2].has_filters
    assert [q.id for q in load_questions(p, limit=2)] == ["a", "b"]


def test_seed_questions_are_consistent_with_the_corpus():
    """Every seed evidence id is a bundled article whose text holds the gold answer."""
    from rag.readers import read_path

    bodies = {a.id: a.body for a in read_path(ROOT / "corpus").articles}
    qs = load_questions(SEED_QUESTIONS)
    answerable = [q for q in qs if q.answerable]
    assert len(answerable) >= 15 and sum(q.kind == "off_topic" for q in qs) >= 5
    for q in qs:
        assert all(e in bodies for e in q.evidence_ids), q.id
    for q in answerable:
        assert any(M.contains_answer(bodies[e], q.answers) for e in q.evidence_ids), q.id
    for q in qs:
        if q.kind == "filtered_out":  # the filter really excludes the evidence
            dates = {a.id: a.date for a in read_path(ROOT / "corpus").articles}
            assert all(
                dates[e] is None or (q.date_to and dates[e] > q.date_to) or (q.date_from and dates[e] < q.date_from)
                for e in q.evidence_ids
            ), q.id


# --- the RealTime QA converter -----------------------------------------------------------------------------


def test_convert_realtimeqa_on_a_tiny_dataset(tmp_path):
    from rag.eval import convert as C

    passages = [
        {"passage_id": f"rtqa-p{i}", "date": f"2021-03-{i + 1:02d}", "source": "CNN", "text": f"text {i}"}
        for i in range(12)
    ]
    questions = [
        {
            "uid": f"q{i}",
            "question_date": f"2021/03/{i + 2:02d}",
            "question_source": "CNN",
            "question_sentence": f"Question {i}?",
            "choices": ["A", "B", "C"],
            "answer": [str(i % 3)],
            "evidence_passage_id": f"rtqa-p{i}" if i < 11 else None,
        }
        for i in range(12)
    ]
    questions.append(
        {
            "uid": "in-a-passage",
            "question_date": "2021/03/02",
            "question_sentence": "Which text?",
            "choices": ["text 3"],
            "answer": ["0"],
            "evidence_passage_id": None,
        }
    )
    questions.append(
        {
            "uid": "broken",
            "question_date": "2021/03/02",
            "question_sentence": "?",
            "choices": ["A"],
            "answer": [],
            "evidence_passage_id": None,
        }
    )
    (tmp_path / C.PASSAGES_FILE).write_text("\n".join(json.dumps(p) for p in passages))
    (tmp_path / C.QUESTIONS_FILE).write_text("\n".join(json.dumps(q) for q in questions))
    out, notes = C.convert_realtimeqa(tmp_path)
    assert notes["skipped: no usable answer"] == 1
    by_id = {r["id"]: r for r in out}
    assert by_id["q4"]["answers"] == ["B"] and by_id["q4"]["as_of"] == "2021-03-06"
    assert by_id["q4"]["evidence_ids"] == ["rtqa-p4"]
    # no evidence passage and a gold answer in no passage: a real question the corpus cannot answer
    assert by_id["q11"]["kind"] == "no_answer" and not by_id["q11"]["answerable"]
    assert "as_of" in by_id["q11"] and by_id["q11"]["evidence_ids"] == []
    # no evidence passage but the gold answer is in one: neither answerable nor fair to abstain on
    assert "in-a-passage" not in by_id
    assert notes["skipped: no evidence passage, gold answer occurs in a passage"] == 1
    filtered = [r for r in out if r["kind"] == "filtered_out"]
    assert len(filtered) == 1 and not filtered[0]["answerable"]
    src = by_id[filtered[0]["id"].split("#")[0]]
    ev_date = passages[int(src["evidence_ids"][0].removeprefix("rtqa-p"))]["date"]
    assert filtered[0]["filters"]["date_to"] < ev_date
    assert sum(r["kind"] == "off_topic" for r in out) == len(C.OFF_TOPIC_REALTIMEQA)
    assert out == C.convert_realtimeqa(tmp_path)[0]  # deterministic
    p = tmp_path / "q.jsonl"
    C.write_jsonl(out, p)
    assert len(load_questions(p)) == len(out)  # the output passes the loader


def test_cli_eval_missing_file_is_one_line(tmp_path):
    from typer.testing import CliRunner

    from rag.cli import app

    res = CliRunner().invoke(app, ["eval", str(tmp_path / "nope.jsonl")])
    assert res.exit_code == 2
    assert "no such question file" in res.output and "Traceback" not in res.output


# --- the real pipeline ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_seed_eval_through_the_pipeline(seed_service, tmp_path):
    from rag.eval import EvalConfig, run_eval
    from rag.eval.report import write_outputs

    results = run_eval(seed_service, load_questions(SEED_QUESTIONS), EvalConfig())
    paths = write_outputs(results, tmp_path / "out", questions_path=str(SEED_QUESTIONS))
    c = results["citations"]
    assert c["invalid_citations"] == 0, [q["invalid_citations"] for q in results["questions"] if q["invalid_citations"]]
    assert c["filter_violations"] == 0 and c["evidence_leaks"] == 0
    assert results["default_ablation"] == "hybrid+learned"
    assert set(results["retrieval"]) == {"keyword", "dense", "hybrid", "hybrid+rescore", "hybrid+learned"}
    assert results["retrieval"]["hybrid+learned"]["recall@5"] >= 0.8
    for kind in ("results", "report"):
        assert Path(paths[kind]).stat().st_size > 0
    report = Path(paths["report"]).read_text()
    assert "| hybrid+learned (default) |" in report
    saved = json.loads(Path(paths["results"]).read_text())
    assert len(saved["questions"]) == len(load_questions(SEED_QUESTIONS))
    # deterministic: a second run gives the same metrics
    again = run_eval(seed_service, load_questions(SEED_QUESTIONS), EvalConfig(ablations=False))
    assert list(again["retrieval"]) == ["hybrid+learned"]
    assert again["retrieval"]["hybrid+learned"] == results["retrieval"]["hybrid+learned"]
    assert again["answers"] == results["answers"] and again["citations"] == results["citations"]


def test_split_is_stable_balanced_and_keeps_reasks_with_their_original():
    from rag.eval.splits import select, split_of

    ids = [f"2021{i:04d}_{i % 7}" for i in range(2000)]
    parts = [split_of(i) for i in ids]
    assert 0.45 < parts.count("tune") / len(ids) < 0.55
    assert parts == [split_of(i) for i in ids], "a pure function of the id"
    assert all(split_of(f"{i}#before-evidence") == split_of(i) for i in ids[:200])
    tune, report = select(ids, "tune", key=str), select(ids, "report", key=str)
    assert not set(tune) & set(report) and len(tune) + len(report) == len(ids)
    assert select(ids, None, key=str) == ids


def test_conversation_file_and_turn_summary(tmp_path):
    from rag.eval.conversations import load_conversations, summarise_turns
    from rag.eval.questions import QuestionFileError

    path = tmp_path / "c.jsonl"
    path.write_text(
        '// comment\n{"id": "c1", "turns": [{"question": "Q1?", "answers": ["a"], "evidence_ids": ["e"]},'
        ' {"question": "And b?", "answers": ["b"]}]}\n'
    )
    convs = load_conversations(path)
    assert [c.id for c in convs] == ["c1"] and [t.question for t in convs[0].turns] == ["Q1?", "And b?"]
    rows = [
        {"conversation": "c1", "turn": 1, "right": True, "contains_gold": True, "right_report": True,
         "verbatim_repeat": False, "abstained": False},
        {"conversation": "c1", "turn": 2, "right": False, "contains_gold": True, "right_report": True,
         "verbatim_repeat": True, "abstained": False},
    ]  # fmt: skip
    s = summarise_turns(rows)
    assert s["turns_right"] == 0.5 and s["verbatim_repeats"] == 1 and s["follow_up_turns_right"] == 0.0
    path.write_text('{"id": "c1"}\n')
    with pytest.raises(QuestionFileError, match="line 1"):
        load_conversations(path)


def test_first_statement_and_word_count():
    from rag.eval.metrics import first_statement, word_count

    answer = {"answer": "48 hours [1]\n“…” (Reuters, 14 Sep 2016) [1]", "statements": [{"text": "48 hours"}]}
    assert first_statement(answer) == "48 hours"
    assert first_statement({"answer": "line one [1]\nline two"}) == "line one [1]"
    assert word_count("48 hours [1] [2]") == 2
