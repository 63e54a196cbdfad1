"""Timelines: question forms, dates read off reports, period gathering, grouping by event.

Fast tests run the pure logic on hand-made passages; the slow ones ask the real service (real
MiniLM) over ``tests/data/timeline_reports.jsonl``, eleven made-up reports about a town in 2021.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.answering.event_dates import EventDay, dateline_end, event_day, same_day
from rag.answering.forms import Form, question_form, without_comparison
from rag.answering.timeline import TimelineComposer
from rag.models import Passage
from rag.retrieval.names import name_key, name_keys_in
from rag.retrieval.period import topic_terms
from rag.retrieval.query_dates import DateWindow
from rag.retrieval.text_dates import dateline

DATA = Path(__file__).parent / "data" / "timeline_reports.jsonl"
MARKER = re.compile(r"\[(\d+)\]")

# --- question forms --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q,form",
    [
        ("What happened in Idlib in April 2017? Give me a timeline.", Form.TIMELINE),
        ("What happened during the floods in Millbrook?", Form.TIMELINE),
        ("Give me a timeline of the election campaign", Form.TIMELINE),
        ("How did the strike at the port unfold?", Form.TIMELINE),
        ("What has happened in Eastport since January?", Form.TIMELINE),
        ("How many people died in the fire? Do the reports agree?", Form.COMPARISON),
        ("What was the death toll according to different outlets?", Form.COMPARISON),
        ("Are there conflicting figures for the turnout?", Form.COMPARISON),
        ("Which outlets reported the mill fire?", Form.LIST),
        ("Who reported the bridge closure first?", Form.LIST),
        # single facts, including ones that share words with the forms above
        ("What happened to the mill workers' pensions?", Form.SINGLE),
        ("How many people died in the fire?", Form.SINGLE),
        ("When did the bridge close?", Form.SINGLE),
        ("Who won the election in Millbrook?", Form.SINGLE),
        ("NASA revealed a timeline this week for which future project?", Form.SINGLE),
        ("What is the timeline for the flood barrier works?", Form.SINGLE),
        ("Who was the mill manager who reported the fire to the police?", Form.SINGLE),
        ("List the events in Eastport in chronological order", Form.TIMELINE),
    ],
)
def test_question_forms(q, form):
    assert question_form(q).form is form


def test_topic_terms_drop_framing_and_dates():
    assert topic_terms("What happened in Idlib in April 2017? Give me a timeline.") == ["idlib"]
    assert topic_terms("How did the siege of Aleppo unfold?") == ["siege", "aleppo"]
    assert topic_terms("What happened last week?") == []


# --- dates read off the text -------------------------------------------------------------------------------


def test_dateline_is_the_first_full_date_of_the_text():
    assert dateline("Wed 05 Apr 2017 Syria attack symptoms") == ("2017-04-05", "05 Apr 2017")
    assert dateline("Published April 24 2017 Assad regime forces") == ("2017-04-24", "April 24 2017")
    assert dateline("05-07-2015 US raids")[0] == "2015-07-05"
    assert dateline("No date at the head of this report, only 2016 and later") is None
    assert dateline("x" * 300 + " 5 April 2017") is None  # too far in to be a dateline


def test_event_day_reads_weekdays_and_dates_against_the_report_date():
    # 2021-03-04 is a Thursday
    assert event_day("killed 15 on Wednesday", "2021-03-04") == EventDay("2021-03-03", True)
    assert event_day("a fire yesterday", "2021-03-04") == EventDay("2021-03-03", True)
    assert event_day("on 2 March the mill closed", "2021-03-04") == EventDay("2021-03-02", True)
    assert event_day("the mill closed", "2021-03-04") == EventDay("2021-03-04", False)
    # a leading dateline dates the report, not the event
    assert event_day("Thu 04 Mar 2021 Mill fire toll rises", "2021-03-04") == EventDay("2021-03-04", False)
    assert dateline_end("Wed 03 Mar 2021 Fire at the mill") == len("Wed 03 Mar 2021")
    assert dateline_end("Fire at the mill") == 0
    assert event_day("no date here", None) is None


def test_same_day_allows_a_report_a_day_late_unless_both_texts_name_the_day():
    a, b = EventDay("2021-03-03", True), EventDay("2021-03-04", False)
    assert same_day(a, b)
    assert not same_day(a, EventDay("2021-03-04", True))
    assert not same_day(a, EventDay("2021-03-06", False))


def test_names_match_across_spellings_only():
    assert name_key("Hasakeh") == name_key("Hasaka") == name_key("al-Hasakah") == name_key("Hassakeh")
    assert name_key("Deir Ezzor") in name_keys_in("strikes on Deir ez-Zor city")
    assert name_key("Raqqa") in name_keys_in("jihadist positions in Raqa")
    assert name_key("Idlib") not in name_keys_in("fighting in Aleppo and Hama")


# --- composing a timeline from passages ------------------------------------------------------------------


def _p(cid: int, aid: str, date: str | None, text: str, source: str = "Gazette", **scores) -> Passage:
    return Passage(cid, aid, text[:40], source, date, False, None, None, text, 0, len(text), 1.0, dict(scores))


FIRE_A = _p(
    1, "a", "2021-03-03", "A fire at the Millbrook paper mill on Wednesday killed 12 workers, the fire service said."
)
FIRE_B = _p(
    2,
    "b",
    "2021-03-04",
    "Twelve workers died when fire swept the Millbrook paper mill on Wednesday, officials said.",
    "Herald",
)
VOTE = _p(3, "c", "2021-03-21", "Voters in Millbrook elected a new mayor on Sunday after a long campaign.", "Courier")
BARRIER = _p(
    4, "d", "2021-03-10", "The Millbrook council approved a new flood barrier on Tuesday after last year's floods."
)
OLD = _p(
    5,
    "e",
    "2021-03-15",
    "Millbrook opens a new public library with a reading by local authors.",
    "Herald",
    dateline_gap_days=650.0,
)
MARCH = DateWindow("2021-03-01", "2021-03-31", "in March 2021")


def test_timeline_groups_one_event_orders_by_day_and_leaves_out_unreliable_dates():
    ans = TimelineComposer().answer(
        "What happened in Millbrook in March 2021?", [VOTE, FIRE_A, BARRIER, FIRE_B, OLD], ["millbrook"], MARCH
    )
    days = [e.date for e in ans.timeline]
    assert days == sorted(days) == ["2021-03-03", "2021-03-09", "2021-03-21"]
    fire = ans.timeline[0]
    assert len(fire.citations) == 2 and fire.outlets == ["Gazette", "Herald"]
    assert "e" not in {c.article_id for c in ans.citations}  # its own text is dated 2019
    assert ans.note and "Left out 1 report" in ans.note and "unreliable" in ans.answer
    for c in ans.citations:
        p = next(p for p in ans.passages if p.chunk_id == c.chunk_id)
        assert p.text[c.start - p.start : c.end - p.start] == c.quote and c.quote in ans.answer
    for line in ans.answer.splitlines():
        assert MARKER.search(line[-5:]), line


def test_timeline_keeps_different_days_apart_and_respects_the_budget():
    other_day = _p(
        6, "f", "2021-03-12", "A fire at the Millbrook paper mill on Friday was put out quickly, the fire service said."
    )
    ans = TimelineComposer().answer("What happened in Millbrook?", [FIRE_A, other_day], ["millbrook"])
    assert len(ans.timeline) == 2  # same words, different days: two events
    small = TimelineComposer().answer(
        "What happened in Millbrook?", [VOTE, FIRE_A, BARRIER, FIRE_B], ["millbrook"], MARCH, budget=2
    )
    assert len(small.citations) == 2 and len(small.passages) == 2
    assert "more report" in small.answer


def test_timeline_without_reports_abstains_and_says_why():
    ans = TimelineComposer().answer("What happened in Millbrook in March 2021?", [OLD], ["millbrook"], MARCH)
    assert ans.abstained and not ans.citations and "don't answer" in ans.answer


# --- the real service -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports_service(tmp_path_factory, embedder):
    from rag.ingest import ingest
    from rag.pipeline import RagService
    from rag.readers import read_path
    from rag.settings import Settings

    path = tmp_path_factory.mktemp("timeline-index") / "index"
    ingest(read_path(DATA).articles, path, embedder)
    return RagService(Settings(index=path), embedder=embedder)


@pytest.mark.slow
def test_timeline_cites_only_the_period_in_date_order(reports_service):
    from rag.pipeline import AskRequest

    ans = reports_service.ask(AskRequest("What happened in Millbrook in March 2021? Give me a timeline."))
    cited = {c.article_id for c in ans.citations}
    assert cited, ans.answer
    assert all("2021-03-01" <= c.date <= "2021-03-31" for c in ans.citations)
    assert "mb-gazette-bridge" not in cited and "mb-courier-reopen" not in cited  # February, April
    assert "mb-herald-library" not in cited and "unreliable" in ans.answer  # dated 2019 by its own text
    assert {"mb-gazette-fire", "mb-courier-election", "mb-gazette-barrier"} <= cited
    days = [e.date for e in ans.timeline]
    assert days == sorted(days)
    fire = next(e for e in ans.timeline if e.date == "2021-03-03")
    assert len(fire.citations) >= 2  # several reports of the mill fire: one entry
    assert len(ans.passages) <= 8


@pytest.mark.slow
def test_list_question_names_the_outlets(reports_service):
    from rag.pipeline import AskRequest

    ans = reports_service.ask(AskRequest("Which outlets reported the fire at the Millbrook paper mill?", top_k=5))
    assert not ans.abstained and len(ans.passages) <= 5
    assert "outlets reported" in ans.answer and "Gazette" in ans.answer


@pytest.mark.slow
def test_single_fact_questions_are_not_timelines(reports_service):
    from rag.pipeline import AskRequest

    ans = reports_service.ask(AskRequest("Who was elected mayor of Millbrook?"))
    assert not ans.timeline and "Ortiz" in ans.answer


def test_which_outlet_reported_undated_reports_is_answered_from_their_text():
    from rag.answering.extractive import ExtractiveAnswerer
    from rag.answering.router import RoutingAnswerer

    undated = _p(
        6, "f", None, "Officials intercepted calls about the Millbrook mill fire days before it, the Herald reports."
    )
    answer = RoutingAnswerer(ExtractiveAnswerer()).answer("Which outlet reported the Millbrook fire calls?", [undated])
    assert not answer.abstained and "the Herald reports" in answer.answer  # a quote, not "undated: left out"
    dated = RoutingAnswerer(ExtractiveAnswerer()).answer("Which outlets reported the mill fire?", [FIRE_A, FIRE_B])
    assert "outlet" in dated.answer.split("\n")[0]  # dated reports are still listed by outlet


@pytest.mark.parametrize(
    "q,core",
    [
        (
            "How many civilians were killed in Eastport on 5 May 2016? Do the reports agree?",
            "How many civilians were killed in Eastport on 5 May 2016?",
        ),
        ("How many died in Eastport according to different outlets?", "How many died in Eastport?"),
        ("Are there conflicting figures for the Eastport toll?", "figures for the Eastport toll?"),  # whole words
        ("How many died in Eastport?", "How many died in Eastport?"),  # no comparison: unchanged
        ("Do the reports agree?", "Do the reports agree?"),  # nothing else to ask: unchanged
    ],
)
def test_the_single_fact_part_of_a_comparison_question(q, core):
    assert without_comparison(q) == core


def test_a_long_sentence_is_quoted_from_the_clause_that_names_the_topic():
    digest = (
        "Council approves the new bus timetable for the coming winter months after a long public consultation "
        "— Farmers protest against the planned motorway through the valley for a third week — Eastport residents "
        "celebrate the reopening of the harbour bridge — Mayor announces budget"
    )
    ans = TimelineComposer().answer("What happened in Eastport?", [_p(9, "g", "2021-03-15", digest)], ["eastport"])
    quote = ans.citations[0].quote
    assert quote.startswith("Eastport residents celebrate") and "“…Eastport residents" in ans.answer
    p = ans.passages[0]
    assert p.text[ans.citations[0].start - p.start : ans.citations[0].end - p.start] == quote
    # a topic the cut keeps anyway: quoted from the start
    plain = TimelineComposer().answer(
        "What happened with the timetable?", [_p(9, "g", "2021-03-15", digest)], ["timetable"]
    )
    assert plain.citations[0].quote.startswith("Council approves")


def test_a_name_respelled_counts_as_its_question_words():
    from rag.retrieval.names import present_in, respelled, topic_names

    names = topic_names("How many were killed in Hasakeh and Deir Ezzor?", ["killed", "hasakeh", "deir", "ezzor"])
    assert respelled("a blast in the city of Hasaka", {"kill"}, names) == {"hasakeh"}
    assert respelled("strikes on Deir ez-Zor city", set(), names) == {"deir", "ezzor"}
    assert respelled("fighting in Homs and Hama", set(), names) == set()
    assert present_in("Hasaka: 16 killed", {"kill", "hasakeh"}, names) == {"kill", "hasakeh"}
