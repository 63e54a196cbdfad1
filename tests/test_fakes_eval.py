"""The FA-KES question builders and scorers (``rag/eval/fakes.py``) on annotations of our own."""

from __future__ import annotations

from rag.eval import fakes as F

ANNOTATIONS = [
    {"row": 1, "date": "2016-07-05", "source": "nna", "location": "deir ezzor", "nb_civilians": "16"},
    {"row": 2, "date": "2016-07-05", "source": "sana", "location": "deir ezzor", "nb_civilians": "18"},
    {"row": 3, "date": "2016-07-06", "source": "sana", "location": "aleppo", "nb_civilians": "0"},
    {"row": 4, "date": "2016-07-06", "source": "trt", "location": "aleppo", "nb_civilians": ""},
]


def test_casualty_questions_name_place_day_and_outlet():
    qs = F.casualty_questions(ANNOTATIONS)
    assert [q.id for q in qs] == ["fakes-cas-1", "fakes-cas-2", "fakes-cas-3"]  # no count, no question
    assert qs[0].question == "How many civilians were reported killed in Deir Ezzor on 5 July 2016 according to nna?"
    assert (qs[0].report_id, qs[0].count) == ("1", "16")


def _answer(first: str, rest: str = "", cites: tuple[str, ...] = ("1",), direct: str | None = None) -> dict:
    return {
        "answer": f"{first} [1] {rest}",
        "abstained": False,
        "statements": [{"text": first, "citations": [1]}, *([{"text": rest, "citations": [2]}] if rest else [])],
        "citations": [{"n": i + 1, "article_id": a} for i, a in enumerate(cites)],
        "direct_answer": {"text": direct, "citation": 1} if direct else None,
    }


def test_score_casualty_reads_numbers_in_words_and_the_cited_report():
    q = F.casualty_questions(ANNOTATIONS)[0]
    right = F.score_casualty(q, _answer("“Sixteen civilians were killed.”", direct="Sixteen civilians"), {})
    assert right["direct"] and right["first"] and right["first_cites_report"]
    wrong = F.score_casualty(q, _answer("“18 civilians were killed.”", "“16 died.” [2]", ("2", "1")), {})
    assert not wrong["first"] and wrong["contains"] and not wrong["first_cites_report"] and wrong["cites_report"]
    abstained = F.score_casualty(q, {"answer": "The reports don't say 16.", "abstained": True}, {})
    assert not abstained["contains"] and abstained["abstained"]


def test_casualty_summary_keeps_zero_counts_apart():
    qs = F.casualty_questions(ANNOTATIONS)
    records = [
        F.score_casualty(qs[0], _answer("“16 civilians were killed.”"), {}),
        F.score_casualty(qs[1], _answer("“16 civilians were killed.”"), {}),
        F.score_casualty(qs[2], {"answer": "none", "abstained": True}, {}),
    ]
    summary = F.casualty_summary(records)
    assert summary["questions"] == 2 and summary["first"] == 0.5
    assert summary["zero_count_questions"] == 1 and summary["zero_count_abstained"] == 1.0


def test_disagreement_questions_need_two_outlets():
    qs = F.disagreement_questions(ANNOTATIONS)
    assert [q.id for q in qs] == ["fakes-dis-deir-ezzor-2016-07-05"] and qs[0].disagree


def test_numbers_in_reads_counts_not_pieces_of_dates():
    assert F.numbers_in("Get short URL 101 (updated 05.10.2017) three civilians") == {"101", "3"}
    assert F.numbers_in("1,300 people; Thirty wounded") == {"1300", "30"}


def test_day_count_questions_take_any_count_of_the_day():
    qs = F.day_count_questions(ANNOTATIONS)
    assert [q.question for q in qs] == [
        "How many civilians were reported killed in Deir Ezzor on 5 July 2016?"  # Aleppo's day gives no count
    ]
    assert qs[0].count == "16,18" and qs[0].report_id == "1,2"
    rec = F.score_day_count(qs[0], _answer("“18 civilians were killed.”", cites=("2",), direct="18 civilians"), {})
    assert rec["first"] and rec["direct"] and rec["first_cites_report"] and not rec["no_report_note"]
    why = "The reports don't answer this: no report of 5 Jul 2016 among those found says it."
    note = F.score_day_count(
        qs[0], {"answer": why, "abstained": True, "statements": [{"text": why, "kind": "note"}]}, {}
    )
    assert note["no_report_note"] and not note["first"] and note["abstained"]


def test_a_leading_note_holds_no_count():
    q = F.casualty_questions(ANNOTATIONS)[0]  # count 16
    note = {
        "answer": "No report from nna of 16 Jul 2016 among those found says this; the nearest:\n“8 died.” [1]",
        "abstained": False,
        "statements": [
            {
                "text": "No report from nna of 16 Jul 2016 among those found says this; the nearest:",
                "citations": [],
                "kind": "note",
            },
            {"text": "“8 died.”", "citations": [1], "kind": "quote"},
        ],
        "citations": [{"n": 1, "article_id": "2"}],
    }
    rec = F.score_casualty(q, note, {})
    assert not rec["first"] and not rec["contains"]  # the 16 of the note's date is no count


def test_day_reports_count_a_report_shown_only_when_its_own_quote_gives_its_count():
    qs = F.day_report_questions(ANNOTATIONS)
    assert [q.id for q in qs] == ["fakes-dis-deir-ezzor-2016-07-05"]  # the disagreement question's id (same part)
    q = qs[0]
    assert q.question.endswith("Do the reports agree?") and q.values == {"1": "16", "2": "18"} and q.disagree
    both = {
        "answer": "“16 civilians were killed.” [1]\n“18 civilians were killed.” [2]",
        "citations": [{"n": 1, "article_id": "1"}, {"n": 2, "article_id": "2"}],
    }
    rec = F.score_day_reports(q, both, {})
    assert rec["reports_shown"] == 2 and rec["all_shown"]
    swapped = {**both, "citations": [{"n": 1, "article_id": "2"}, {"n": 2, "article_id": "1"}]}
    assert F.score_day_reports(q, swapped, {})["reports_shown"] == 0  # each quote cites the other report
    summary = F.day_reports_summary([rec, F.score_day_reports(q, {**both, "abstained": True}, {})])
    assert summary["reports_shown"] == 0.5 and summary["days_2plus_all_shown"] == 0.5 and summary["abstained"] == 1


def test_day_reports_count_claimed_disagreements_where_counts_agree_or_events_differ():
    q = F.day_report_questions(ANNOTATIONS)[0]
    meta = {
        "1": F.ArticleMeta("deir ezzor", "2016-07-05"),
        "2": F.ArticleMeta("deir ezzor", "2016-07-06"),
        "9": F.ArticleMeta("aleppo", "2016-07-05"),
    }
    cites = [{"n": 1, "article_id": "1"}, {"n": 2, "article_id": "2"}, {"n": 3, "article_id": "9"}]
    claim = {
        "slot": "civilians killed",
        "values": [{"value": "16", "citations": [1]}, {"value": "18", "citations": [2]}],
    }
    same_event = F.score_day_reports(q, {"answer": "", "citations": cites, "disagreements": [claim]}, meta)
    assert same_event["claimed"] and same_event["false_pairs"] == 0
    other = {**claim, "values": [claim["values"][0], {"value": "40", "citations": [3]}]}
    elsewhere = F.score_day_reports(q, {"answer": "", "citations": cites, "disagreements": [other]}, meta)
    assert elsewhere["false_pairs"] == 1  # Aleppo's count is not a second side of Deir Ezzor's toll
    agreeing = {**elsewhere, "differ": False}
    summary = F.day_reports_summary([same_event, agreeing])
    assert summary["claimed_on_agreeing"] == 1 and summary["false_disagreement_pairs"] == 1
    assert summary["answers_with_false_pairs"] == 1


def test_a_copy_of_an_article_is_scored_as_the_copy_the_index_keeps():
    """The reader keeps the first of identical articles, so an annotation of a later copy is about the
    first one's id; a copy annotated again for the same place is one report."""
    body = {"title": "Blast kills 16", "content": "A blast killed 16 civilians.", "source": "nna", "date": "2016-07-05"}
    articles = [{"row": 1, **body}, {"row": 2, **body}, {"row": 5, **body, "source": "sana"}]
    annotations = [
        {"row": 2, "date": "2016-07-05", "source": "nna", "location": "hasakeh", "nb_civilians": "16"},
        {"row": 1, "date": "2016-07-05", "source": "nna", "location": "aleppo", "nb_civilians": "3"},
        {"row": 5, "date": "2016-07-05", "source": "sana", "location": "hasakeh", "nb_civilians": "16"},
        {"row": 1, "date": "2016-07-05", "source": "nna", "location": "hasakeh", "nb_civilians": "15"},
    ]
    indexed = F.index_ids(annotations, articles)
    assert [(a["row"], a["report"]) for a in indexed] == [(2, "1"), (1, "1"), (5, "5")]
    cas = F.casualty_questions(indexed)
    assert [(q.id, q.report_id, q.count) for q in cas] == [
        ("fakes-cas-2", "1", "16"),
        ("fakes-cas-1", "1", "3"),
        ("fakes-cas-5", "5", "16"),
    ]
    (day,) = [q for q in F.day_report_questions(indexed) if q.place == "hasakeh"]
    assert day.values == {"1": "16", "5": "16"}
