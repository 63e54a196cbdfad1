"""Questions that ask two things at once (rag/answering/compound.py, RagService.ask)."""

from __future__ import annotations

import pytest

from rag.answering.compound import merge_answers, question_parts
from rag.generation.answerer import Final
from rag.models import Answer, Citation, DirectAnswer, Statement, render_statements
from rag.pipeline import AskRequest


@pytest.mark.parametrize(
    "question, parts",
    [
        (
            "When did the rebels leave Darayya and where did they go?",
            ["When did the rebels leave Darayya?", "Where did they go?"],
        ),
        (
            "How many civilians and rebels were to leave Darayya, and where would the civilians go?",
            ["How many civilians and rebels were to leave Darayya?", "Where would the civilians go?"],
        ),
        (
            "Who is Hunter Biden married to and what is her profession?",
            ["Who is Hunter Biden married to?", "What is her profession?"],
        ),
    ],
)
def test_two_questions_joined_by_and_are_split(question, parts):
    assert question_parts(question) == parts


@pytest.mark.parametrize(
    "question",
    [
        "How many civilians and rebels left Darayya?",  # "and" joins nouns
        "What happened and why?",  # no second question of its own
        "Tell me about Darayya and where the rebels went.",  # the first part is no question
        "Who won and how?",  # "how" with nothing after it
        "What did Russia and the US agree, and when, and where?",  # more than one join: left whole
        "Which outlets reported the attack and what did they say and who denied it?",
    ],
)
def test_other_questions_are_left_whole(question):
    assert question_parts(question) == []


def _cite(n: int, chunk: int, article: str, quote: str, start: int | None = None) -> Citation:
    start = chunk * 100 if start is None else start  # a passage's own place in its article
    return Citation(
        n, article, "T", "Reuters", "2016-08-26", False, None, None, quote, chunk, start, start + len(quote), 0.9
    )


def _answer(statements, citations, direct=None, abstained=False, rewritten=None) -> Answer:
    return Answer(
        render_statements(statements), abstained, citations, [], statements=statements,
        direct_answer=direct, rewritten_question=rewritten,
    )  # fmt: skip


def test_merged_answer_renumbers_shares_citations_and_names_a_report_once():
    q1, q2, q3 = "The convoy left on Friday.", "Rebels went to Idlib.", "Civilians went to Sahnaya."
    first = _answer(
        [Statement("Friday", [1], 1.0, "direct"), Statement(f"“{q1}” (Reuters, 26 Aug 2016)", [1])],
        [_cite(1, 10, "a", q1)],
        DirectAnswer("Friday", 1),
    )
    second = _answer(
        [
            Statement("Idlib", [2], 1.0, "direct"),
            Statement(f"“{q2}” (Reuters, 26 Aug 2016)", [2]),
            Statement(f"“{q1}”", [1], paragraph=True),  # shown already: dropped
            Statement(f"“{q3}” (AP, 27 Aug 2016)", [3]),
        ],
        [_cite(1, 10, "a", q1), _cite(2, 11, "a", q2), _cite(3, 12, "b", q3)],
        DirectAnswer("Idlib", 2),
        rewritten="Where did the rebels go?",
    )
    merged = merge_answers(first, second, ["When did they leave?", "Where did they go?"])
    assert merged is not None and not merged.abstained
    assert [c.n for c in merged.citations] == [1, 2, 3]
    assert [(c.chunk_id, c.quote) for c in merged.citations] == [(10, q1), (11, q2), (12, q3)]
    texts = [(s.text, s.citations) for s in merged.statements]
    assert texts == [
        ("Friday", [1]),
        (f"“{q1}” (Reuters, 26 Aug 2016)", [1]),
        ("Idlib", [2]),
        (f"“{q2}”", [2]),  # report "a" was named above
        (f"“{q3}” (AP, 27 Aug 2016)", [3]),  # a new report keeps its attribution
    ]
    assert merged.statements[2].paragraph  # the second part starts a paragraph
    assert merged.direct_answer == DirectAnswer("Friday", 1)
    assert merged.rewritten_question == "When did they leave? / Where did the rebels go?"
    assert merged.answer == render_statements(merged.statements) and merged.grounding == 1.0


def test_no_merge_unless_both_parts_are_answered():
    answered = _answer([Statement("Friday", [1], 1.0, "direct")], [_cite(1, 10, "a", "On Friday.")])
    refused = _answer([Statement("The reports don't answer this.", [], 0.0, "note")], [], abstained=True)
    assert merge_answers(answered, refused, ["A?", "B?"]) is None
    assert merge_answers(refused, answered, ["A?", "B?"]) is None


def test_the_service_answers_both_parts_with_valid_citations(seed_service):
    q = "When did the rebels leave Darayya and where did they go?"
    a = seed_service.ask(AskRequest(q))
    assert not a.abstained
    assert "Friday" in a.statements[0].text and "northern Idlib" in a.answer
    assert a.rewritten_question and " / " in a.rewritten_question
    body = {}
    for c in a.citations:  # every citation quotes the article's own text at its offsets
        art = body.setdefault(c.article_id, seed_service.snapshot.store.get_article(c.article_id))
        assert art.body[c.start : c.end] == c.quote
    assert {n for s in a.statements for n in s.citations} <= {c.n for c in a.citations}
    streamed = [e for e in seed_service.ask_stream(AskRequest(q)) if isinstance(e, Final)]
    assert streamed and streamed[0].answer.answer == a.answer


def test_a_compound_question_with_no_answer_is_answered_whole(seed_service):
    q = "Who won the Eurovision song contest and where was it held?"
    whole = seed_service._ask_one(AskRequest(q))
    assert seed_service.ask(AskRequest(q)).answer == whole.answer


def test_a_part_led_by_a_quote_loses_the_attribution_given_above():
    """With no span to lead with, a part's first quote is its "direct" statement, attribution and all."""
    q1, q2 = "The truce was extended by 48 hours.", "The State Department said it on Wednesday."
    first = _answer(
        [Statement("48 hours", [1], 1.0, "direct"), Statement(f"“{q1}” (Reuters, 14 Sep 2016)", [1])],
        [_cite(1, 10, "a", q1)],
        DirectAnswer("48 hours", 1),
    )
    second = _answer([Statement(f"“{q2}” (Reuters, 14 Sep 2016)", [1], 1.0, "direct")], [_cite(1, 11, "a", q2)])
    merged = merge_answers(first, second, ["How long?", "Who said it?"])
    assert merged is not None
    assert [(s.text, s.citations, s.kind) for s in merged.statements][2] == (f"“{q2}”", [2], "direct")


def test_a_two_part_answer_says_when_no_model_was_there_to_generate(seed_service):
    q = "When did the rebels leave Darayya and where did they go?"
    asked = seed_service.ask(AskRequest(q, generate=True))  # the seed service has no LLM
    assert " / " in (asked.rewritten_question or "") and asked.note and "No language model" in asked.note
    assert seed_service.ask(AskRequest(q)).note is None


def test_a_two_part_answer_returns_no_more_passages_than_asked_for(seed_service):
    q = "When did the rebels leave Darayya and where did they go?"
    for k in (1, 2, 8):
        a = seed_service.ask(AskRequest(q, top_k=k))
        assert len(a.passages) <= k
        for c in a.citations:  # every citation still quotes a passage that is returned
            assert any(p.article_id == c.article_id and p.start <= c.start and c.end <= p.end for p in a.passages)
