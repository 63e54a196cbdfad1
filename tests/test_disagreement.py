"""Disagreements: different counts of one event from different reports, shown side by side.

True cases (two reports of one place and day with different counts) and false ones (different
places, different days, one report, a running total, a different count) on hand-made passages;
then the real service over ``tests/data/timeline_reports.jsonl``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.answering.abstain import abstention
from rag.answering.disagreement import DisagreementFinder, compose_disagreement, count_slot, find_mentions
from rag.answering.extractive import ExtractiveAnswerer
from rag.answering.router import RoutingAnswerer
from rag.models import Passage
from rag.retrieval.period import POOL
from rag.retrieval.query_dates import DateWindow
from rag.text_terms import stem

DATA = Path(__file__).parent / "data" / "timeline_reports.jsonl"
MARKER = re.compile(r"\[(\d+)\]")
Q = "How many people were killed in the fire in Millbrook on 3 March 2021? Do the reports agree?"
DAY = DateWindow("2021-03-03", "2021-03-03", "on 3 March 2021")


def _p(cid: int, aid: str, date: str, text: str, source: str, **scores) -> Passage:
    return Passage(cid, aid, text[:40], source, date, False, None, None, text, 0, len(text), 1.0, dict(scores))


GAZETTE = _p(
    1,
    "g",
    "2021-03-03",
    "A fire at the Millbrook paper mill on Wednesday killed 12 workers and people nearby.",
    "Gazette",
)
COURIER = _p(
    2,
    "c",
    "2021-03-04",
    "At least 15 people were killed in Wednesday's fire at the Millbrook paper mill, the coroner said.",
    "Courier",
)
HERALD_SAME = _p(3, "h", "2021-03-03", "The fire in Millbrook on Wednesday killed 12 people, the mayor said.", "Herald")
EASTPORT = _p(
    4, "e", "2021-03-03", "A fire at a warehouse in Eastport on Wednesday killed 4 people, police said.", "Times"
)
LAST_WEEK = _p(5, "w", "2021-03-04", "A fire in Millbrook last Friday killed 2 people.", "Post")
TOTAL = _p(6, "t", "2021-03-04", "Fires in Millbrook have killed 40 people since 2015, the council said.", "Post")


# --- the slot and the counts in a sentence ------------------------------------------------------------------


def test_count_slot_reads_the_counted_noun_and_the_verb():
    s = count_slot("How many civilians were killed in Aleppo on 4 April 2017? Do the reports agree?")
    assert s and s.kind == "killed" and s.nouns == {stem("civilians")} and s.label == "civilians killed"
    assert count_slot("How many people died in the mill fire?").kind == "killed"
    assert count_slot("How many were injured?").kind == "injured"
    assert count_slot("What was the death toll?").kind == "killed"
    assert count_slot("Who owns the mill?") is None
    assert count_slot("When did the fire start?") is None
    # a reporting verb tells who says so, not what happened: the fate comes after it
    reported = count_slot("How many civilians were reported killed in Aleppo on 5 July 2016 according to sana?")
    assert reported and reported.kind == "killed" and reported.label == "civilians killed"
    assert count_slot("How many people were said to have died in the fire?").kind == "killed"
    # "among the civilians killed": the children are counted, not the civilians
    part = count_slot("How many children were among the civilians killed in the raid on 1 July 2016?")
    assert part and part.nouns == {stem("children")} and part.kind == "killed"
    assert count_slot("How many people were reported missing?").label == "people missing"
    assert count_slot("How many cases were reported?").label == "cases reported"  # nothing after it


def test_count_slot_skips_who_counted_and_who_did_it():
    # "did the Observatory say": the Observatory counted, it is not what was counted
    said = count_slot("How many civilians did the Observatory say were killed in and around Aleppo?")
    assert said and said.kind == "killed" and said.nouns == {stem("civilians")} and said.label == "civilians killed"
    full = count_slot("How many people did the Syrian Observatory say were killed when airstrikes hit a market?")
    assert full and full.kind == "killed" and full.label == "people killed"  # was no slot at all
    assert count_slot("How many rebels did SANA report killed?").label == "rebels killed"
    # "did the strike kill": the strike did it
    assert count_slot("How many children did the strike kill?").label == "children killed"
    # no verb of saying or fate after "did": nothing is skipped
    assert count_slot("How many people did they kill?").kind == "killed"


@pytest.mark.parametrize(
    "sentence,values",
    [
        ("Air strikes killed at least 85 civilians on Tuesday", [85]),
        ("Over 100 Syrian civilians have been killed in air strikes", [100]),
        ("Thirty civilians were killed on Saturday", [30]),
        ('"Fifty-one dead and over 100 wounded"', [51]),
        ("The death toll rose to 112 on Sunday.", [112]),
        ("20 people were killed and 30 injured", [20]),  # 30 were injured, not killed
        ("Two children killed and 5 others injured", []),  # injured
        ("Air strikes killed 22 children and 6 teachers", []),  # children are not the civilians asked about
        ("In 2016 the town had 4000 residents", []),  # a year, a population
        ("15 Medics Killed in Strikes on Hospital", []),  # medics, in a headline
        ("Six civilians including a child were among at least 22 people killed in air strikes", [6, 22]),
        ("Six civilians were wounded in the shelling of the town that later killed 3 people", [3]),
        # the verb after the people has a count of its own: the verb before tells their fate
        ("Rocket attacks on the neighborhood kill 10 civilians injure 16", [10]),
        ("Three people killed five injured in rocket attack", [3]),  # five were injured
        ("A child killed 7 people injured in attacks", []),
        # after "killed …", a participle or infinitive describes the people, it is not their fate
        ("Jets killed at least 60 civilians trying to flee the fighting", [60]),
        ("The raid killed 5 people fleeing the town", [5]),
        ("Shelling wounded 20 civilians fleeing the town", []),
        ("Gunmen executed at least 24 civilians after seizing the village", [24]),  # other verbs of death
        ("At least 16 civilians including women and children were killed Friday", [16]),
        ("The death toll from a bomb attack on a crowded bus convoy outside the city has risen to 126", [126]),
    ],
)
def test_counts_of_the_asked_slot(sentence, values):
    slot = count_slot("How many civilians were killed?")
    assert [v for v, *_ in find_mentions(slot, sentence)] == values


# --- one event, different values ---------------------------------------------------------------------------------


def test_two_reports_of_one_place_and_day_with_different_counts_disagree():
    found = DisagreementFinder().find(Q, [GAZETTE, COURIER, HERALD_SAME], DAY)
    assert found is not None
    slot, event = found
    assert {m.value for m in event} == {12, 15}
    statements, citations, d = compose_disagreement(slot, event, 1, {})
    assert [v.value for v in d.values] == ["12", "15"]  # most reports first
    assert all(v.citations for v in d.values)
    shown = {c.article_id for c in citations}
    assert shown == {"g", "c", "h"}  # every report, no side hidden
    text = " ".join(s.rendered() for s in statements)
    assert "differ" in text and "12" in text and "15" in text


@pytest.mark.parametrize(
    "others",
    [
        [EASTPORT],  # another place the same day
        [LAST_WEEK],  # another day in the same place
        [TOTAL],  # a running total, not this fire's count
        [HERALD_SAME],  # the same count
        [],  # one report
    ],
)
def test_no_disagreement_between_different_events_or_equal_counts(others):
    assert DisagreementFinder().find(Q, [GAZETTE, *others], DAY) is None


def test_a_count_over_several_days_is_not_the_count_of_one_days_event():
    week = _p(7, "k", "2021-03-04", "Seven days of fires in Millbrook had left more than 75 people dead.", "Post")
    assert DisagreementFinder().find(Q, [GAZETTE, week], DAY) is None
    one_day = _p(8, "d", "2021-03-04", "Wednesday's fire in Millbrook left more than 75 people dead.", "Post")
    assert DisagreementFinder().find(Q, [GAZETTE, one_day], DAY) is not None  # the same words, one day


def test_a_count_told_as_an_addition_is_not_a_second_side():
    more = _p(9, "m", "2021-03-03", "Another 40 people were killed in Millbrook on Wednesday, police said.", "Post")
    assert DisagreementFinder().find(Q, [GAZETTE, more], DAY) is None
    other = _p(10, "o", "2021-03-03", "The fire in Millbrook on Wednesday killed 40 people, police said.", "Post")
    assert DisagreementFinder().find(Q, [GAZETTE, other], DAY) is not None  # the same words, its own toll
    injured = _p(
        11, "i", "2021-03-03", "The fire in Millbrook on Wednesday killed 40 people and others were hurt.", "Post"
    )
    assert DisagreementFinder().find(Q, [GAZETTE, injured], DAY) is not None  # "others" were hurt: no addition


def test_without_a_place_in_the_question_different_places_are_still_different_events():
    q = "How many people were killed in the fires on 3 March 2021?"
    assert DisagreementFinder().find(q, [GAZETTE, EASTPORT], DAY) is None


def test_router_adds_both_sides_and_returns_no_more_than_top_k_passages():
    pool = _p(7, "c2", "2021-03-04", COURIER.text, "Courier", **{POOL: 1.0})
    base = [GAZETTE, HERALD_SAME, EASTPORT]
    ans = RoutingAnswerer(ExtractiveAnswerer()).answer(Q, [*base, pool])
    assert not ans.abstained and ans.disagreements
    assert {v.value for v in ans.disagreements[0].values} == {"12", "15"}
    assert len(ans.passages) <= len(base)
    assert {c.chunk_id for c in ans.citations} <= {p.chunk_id for p in ans.passages}
    for line in ans.answer.splitlines():
        assert MARKER.search(line[-5:]), line
    kinds = {s.kind for s in ans.statements}
    assert "disagreement" in kinds


def test_router_leaves_single_fact_answers_alone():
    q = "Who said the fire killed 12 workers?"
    plain = ExtractiveAnswerer().answer(q, [GAZETTE, COURIER])
    routed = RoutingAnswerer(ExtractiveAnswerer()).answer(q, [GAZETTE, COURIER])
    assert routed.answer == plain.answer and not routed.disagreements


# --- the real service ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports_service(tmp_path_factory, embedder):
    from rag.ingest import ingest
    from rag.pipeline import RagService
    from rag.readers import read_path
    from rag.settings import Settings

    path = tmp_path_factory.mktemp("disagreement-index") / "index"
    ingest(read_path(DATA).articles, path, embedder)
    return RagService(Settings(index=path), embedder=embedder)


@pytest.mark.slow
def test_service_shows_both_tolls_of_the_mill_fire(reports_service):
    from rag.pipeline import AskRequest

    ans = reports_service.ask(AskRequest(Q))
    assert ans.disagreements, ans.answer
    values = {v.value: v.citations for v in ans.disagreements[0].values}
    assert set(values) == {"12", "15"}
    by_n = {c.n: c for c in ans.citations}
    assert {by_n[n].source for n in values["15"]} >= {"Courier"}
    assert all(by_n[n].quote in ans.answer for ns in values.values() for n in ns)
    assert len(ans.passages) <= 8


@pytest.mark.slow
def test_service_claims_no_disagreement_for_a_single_report_event(reports_service):
    from rag.pipeline import AskRequest

    ans = reports_service.ask(
        AskRequest("How many people were killed in Eastport on 3 March 2021? Do the reports agree?")
    )
    assert not ans.disagreements and "4 people" in ans.answer


# --- the event's place and day, read more closely ---------------------------------------------------------------

RQ = "How many people were killed in Riverside on 3 March 2021? Do the reports agree?"


def test_a_town_is_of_the_asked_place_only_when_the_report_puts_it_there():
    """The count's passage names a town; another passage of the same report puts the town in the
    asked place. Without that sentence (and no report saying "Ashford in Riverside") the report is
    not of the asked place."""
    count = _p(11, "a", "2021-03-03", "A fire on rebel-held Ashford killed 12 people on Wednesday.", "Gazette")
    text = "Ashford is in the west of Riverside."
    where = Passage(12, "a", "", "Gazette", "2021-03-03", False, None, None, text, 200, 200 + len(text), 1.0, {})
    other = _p(13, "b", "2021-03-04", "The fire in Ashford on Wednesday killed 15 people, Riverside said.", "Courier")
    found = DisagreementFinder().find(RQ, [count, where, other], DAY)
    assert found is not None and {m.value for m in found[1]} == {12, 15}
    assert DisagreementFinder().find(RQ, [count, other], DAY) is None


def test_a_report_that_names_no_day_does_not_tell_of_a_later_day():
    dated = _p(21, "x", "2021-03-03", "A fire in Millbrook killed 12 people, the mayor said.", "Gazette")
    later = _p(22, "y", "2021-03-04", "A fire in Millbrook on Thursday killed 15 people.", "Courier")
    same = _p(23, "z", "2021-03-04", "A fire in Millbrook on Wednesday killed 15 people.", "Courier")
    assert DisagreementFinder().find(Q, [dated, later], DAY) is None  # Thursday is 4 March: another fire
    found = DisagreementFinder().find(Q, [dated, same], DAY)
    assert found is not None and {m.value for m in found[1]} == {12, 15}


ASHFORD = _p(31, "r1", "2021-03-03", "A fire in Ashford in Riverside on Wednesday killed 12 people.", "Gazette")
BENTON = _p(32, "r2", "2021-03-03", "A bus crash in Benton in Riverside on Wednesday killed 3 people.", "Courier")


def test_counts_of_different_incidents_of_the_day_are_listed_not_claimed():
    ans = RoutingAnswerer(ExtractiveAnswerer()).answer(RQ, [ASHFORD, BENTON])
    assert not ans.abstained and not ans.disagreements  # two towns: two incidents, no disagreement
    counts = [s for s in ans.statements if s.kind == "counts"]
    assert counts and "not a disagreement" in counts[0].text
    lines = " ".join(s.text for s in counts[1:])
    assert lines.startswith("12: Gazette") and " 3: Courier" in lines
    for quote in ("“A fire in Ashford", "“A bus crash in Benton"):
        assert ans.answer.count(quote) == 1  # quoted once: the list says "quoted above"
    by_n = {c.n: c.article_id for c in ans.citations}
    assert {by_n[n] for s in counts for n in s.citations} == {"r1", "r2"}
    for line in ans.answer.splitlines():
        assert MARKER.search(line[-5:]), line


def test_equal_counts_are_listed_as_the_same_when_asked_whether_reports_agree():
    """ "Do the reports agree?" with two reports of the day giving 12: that they give the same number is
    the answer (every report cited), never a disagreement; asked only "how many", nothing is listed."""
    same = _p(33, "r3", "2021-03-03", "A bus crash in Benton in Riverside on Wednesday killed 12 people.", "Post")
    ans = RoutingAnswerer(ExtractiveAnswerer()).answer(RQ, [ASHFORD, same])
    counts = [s for s in ans.statements if s.kind == "counts"]
    assert not ans.disagreements and counts
    assert (
        counts[0].text == "The 2 reports of 3 Mar 2021 that name Riverside found give the same number of people killed:"
    )
    by_n = {c.n: c.article_id for c in ans.citations}
    assert {by_n[n] for s in counts for n in s.citations} == {"r1", "r3"}
    how_many = RQ.replace(" Do the reports agree?", "")
    ans = RoutingAnswerer(ExtractiveAnswerer()).answer(how_many, [ASHFORD, same])
    assert not any(s.kind == "counts" for s in ans.statements)


def test_no_day_in_the_question_lists_nothing():
    undated = "How many people were killed in Riverside? Do the reports agree?"
    ans = RoutingAnswerer(ExtractiveAnswerer()).answer(undated, [ASHFORD, BENTON])
    assert not any(s.kind == "counts" for s in ans.statements)


def test_listed_counts_stay_within_the_passages_top_k_returns():
    ans = RoutingAnswerer(ExtractiveAnswerer()).answer(RQ, [ASHFORD, BENTON])
    assert {c.chunk_id for c in ans.citations} <= {p.chunk_id for p in ans.passages}
    assert len(ans.passages) <= 2


# --- a town placed in the asked place by any report; the asked day's reports first --------------------------------


def test_placed_in_reads_a_name_right_before_in_and_the_place_right_after():
    from rag.answering.places import placed_in

    assert placed_in("the town of Ashford in Riverside county", ["Riverside"]) == {"ashfrd"}
    assert placed_in("a blast in Ashvale city, in the western Riverside countryside", ["Riverside"]) == {"ashvl"}
    assert placed_in("Ashford, in Riverside's north. A fire in Ashford.", ["Riverside"]) == {"ashfrd"}
    assert placed_in("Ashford, in Riverside's north.", ["Riverside"]) == set()  # never somewhere one is "in"
    assert placed_in("Ashford in Kent", ["Riverside"]) == set()  # another place
    assert placed_in("Ashford officials met Riverside officials", ["Riverside"]) == set()  # no "in"
    assert placed_in("They said in Riverside", ["Riverside"]) == set()  # not a name
    assert placed_in("Dozens Killed In Ashford In Riverside Blast As Rescuers Search", ["Riverside"]) == set()


CRASH_ASHFORD = _p(41, "k1", "2021-03-03", "A bus crash in Ashford on Wednesday killed 3 people.", "Courier")
FIRE_ASHFORD = _p(42, "k2", "2021-03-03", "A fire in Ashford on Wednesday killed 12 people.", "Gazette")


def test_a_town_another_report_puts_in_the_asked_place_is_of_the_asked_place():
    """Neither count's report names Riverside; a third report says "Ashford, in Riverside county"."""
    where = _p(43, "k3", "2021-03-02", "Ashford, in Riverside county, has 3000 residents.", "Post")
    _, listed = DisagreementFinder().find_with_day_counts(RQ, [CRASH_ASHFORD, FIRE_ASHFORD, where], DAY)
    assert {m.value for m in listed} == {3, 12}
    near = _p(43, "k3", "2021-03-02", "Ashford officials met Riverside officials in Kent.", "Post")
    _, listed = DisagreementFinder().find_with_day_counts(RQ, [CRASH_ASHFORD, FIRE_ASHFORD, near], DAY)
    assert listed == []  # both names, but nothing puts Ashford in Riverside


def test_one_report_per_value_is_the_asked_days_report_when_there_is_one():
    later = _p(44, "k4", "2021-03-04", "A bus crash in Benton in Riverside on Wednesday killed 3 people.", "Post")
    _, listed = DisagreementFinder().find_with_day_counts(RQ, [later, ASHFORD, BENTON], DAY)
    assert [m.passage.article_id for m in listed] == ["r1", "r2", "k4"]  # the later report ranked first
    how_many = RQ.replace(" Do the reports agree?", "")
    ans = RoutingAnswerer(ExtractiveAnswerer()).answer(how_many, [later, ASHFORD, BENTON])
    counts = {c.article_id for c in ans.citations if any(c.n in s.citations for s in ans.statements[2:])}
    assert "r2" in counts and "k4" not in counts
    # asked whether the reports agree, every report of a value is listed, the asked day's first
    ans = RoutingAnswerer(ExtractiveAnswerer()).answer(RQ, [later, ASHFORD, BENTON])
    order = [ans.citations[s.citations[0] - 1].article_id for s in ans.statements if s.kind == "counts" and s.citations]
    assert order.index("r2") < order.index("k4")
    _, alone = DisagreementFinder().find_with_day_counts(RQ, [later, ASHFORD], DAY)
    assert {m.passage.article_id for m in alone} == {"r1", "k4"}  # a later report still speaks when alone


def _two_sentences(cid: int, aid: str, date: str, first: str, second: str, source: str) -> Passage:
    text = f"{first} {second}"
    p = _p(cid, aid, date, text, source)
    p.sentences = [(0, len(first), 0.9), (len(first) + 1, len(text), 0.1)]  # the first is closer to the question
    return p


def test_a_reports_other_count_speaks_for_it_only_when_it_names_the_asked_day():
    """The report's best count tells of Thursday (4 March); its other count names Wednesday, the
    asked day: that one is the report's count of the day. A count that names no day does not
    replace it (it is often background)."""
    gazette = _p(51, "m1", "2021-03-03", "A fire in Millbrook on Wednesday killed 12 people.", "Gazette")
    courier = _two_sentences(
        52,
        "m2",
        "2021-03-04",
        "A fire in Millbrook on Thursday killed 2 people.",
        "The fire in Millbrook on Wednesday killed 15 people.",
        "Courier",
    )
    found = DisagreementFinder().find(Q, [gazette, courier], DAY)
    assert found is not None and {m.value for m in found[1]} == {12, 15}
    background = _two_sentences(
        53,
        "m3",
        "2021-03-04",
        "A fire in Millbrook on Thursday killed 2 people.",
        "A fire in Millbrook killed 15 people.",
        "Courier",
    )
    assert DisagreementFinder().find(Q, [gazette, background], DAY) is None
    _, listed = DisagreementFinder().find_with_day_counts(Q, [gazette, background], DAY)
    assert {m.passage.article_id for m in listed} == {"m1"}  # Thursday's count is not a count of Wednesday


def test_the_event_pool_also_asks_for_the_town_a_report_puts_in_the_asked_place():
    from rag.retrieval.period import town_questions
    from rag.retrieval.placed import placed_names

    q = "How many people were killed in Riverside on 3 March 2021? Do the reports agree?"
    said = _p(61, "t1", "2021-03-03", "A blast hit a market in Ashford, in Riverside county, on Wednesday.", "Post")
    assert town_questions(q, [said]) == [q.replace("Riverside", "Ashford")]
    people = _p(62, "t2", "2021-03-03", "Residents in Riverside said Officials in Riverside met.", "Post")
    assert town_questions(q, [people]) == []  # "Residents" is never somewhere one is "in"
    assert town_questions("How many people were killed on 3 March 2021?", [said]) == []  # no place asked
    assert placed_names("in Ashford in Riverside. The Mayor in Riverside spoke.", {"rvrsd"}) == ["Ashford"]


def test_room_goes_to_one_report_per_value_before_more_reports_of_a_value():
    from rag.answering.disagreement import fit

    found = DisagreementFinder().find(Q, [GAZETTE, HERALD_SAME, COURIER], DAY)
    assert found is not None
    event = found[1]
    assert len(fit(event, 3, set())) == 3
    one_each = fit(event, 3, set(), per_value=True)
    assert sorted(m.value for m in one_each) == [12, 15]
    assert [m.value for m in fit(event, 1, set(), per_value=True)] == [event[0].value]  # no room, no more


class _Abstains:
    """A single-fact answerer that finds no one sentence to answer with."""

    def answer(self, question, passages):
        return abstention(passages, "The reports don't answer this.")


def test_the_counts_show_even_when_no_one_sentence_answers():
    pool = _p(7, "c2", "2021-03-04", COURIER.text, "Courier", **{POOL: 1.0})
    ans = RoutingAnswerer(_Abstains()).answer(Q, [GAZETTE, HERALD_SAME, pool])
    assert not ans.abstained and {v.value for v in ans.disagreements[0].values} == {"12", "15"}
    assert 0 < ans.grounding <= 1 and {c.chunk_id for c in ans.citations} <= {p.chunk_id for p in ans.passages}
    # nothing to compare: the abstention stands
    assert RoutingAnswerer(_Abstains()).answer(Q, [GAZETTE]).abstained


def test_a_month_or_a_past_period_in_a_sentence_is_not_the_reports_day():
    from rag.answering.event_dates import event_day

    assert event_day("In July a suicide bomb killed at least 16 people.", "2016-07-27").day < "2016-07-26"
    assert event_day("Last month 20 people were killed.", "2016-07-27").day < "2016-07-01"
    # a weekday still wins, and "last year's floods" dates nothing
    assert event_day("The council approved a barrier on Tuesday after last year's floods.", "2021-03-10").day == (
        "2021-03-09"
    )
    assert event_day("A bomb killed 44 people.", "2016-07-27") == event_day("", "2016-07-27")
    # "a mid-August attack" in an October report: August, not the report's day
    mid = event_day("The group claimed a mid-August suicide attack that killed at least 32.", "2016-10-06")
    assert mid.vague and mid.day < "2016-09-01"
    assert event_day("In mid August a bomb killed 3 people.", "2016-10-06").vague


def _article(cid: int, aid: str, date: str, title: str, text: str, source: str) -> Passage:
    return Passage(cid, aid, title, source, date, False, None, None, text, 0, len(text), 1.0, {})


def test_a_reports_own_count_is_the_one_its_title_or_lead_gives():
    """A report that gives several counts stands for the one its title repeats, or its lead gives;
    not one in a related headline further down, nor one told as an addition ("nine other")."""
    finder = DisagreementFinder()
    slot = count_slot(Q)
    body = (
        "A fire at the Millbrook paper mill on Wednesday killed 3 people. "
        + "The mill employs 400 workers. " * 12
        + "Related: A fire in Millbrook killed 12 people in 2019, the council said."
    )
    titled = _article(71, "a1", "2021-03-03", "Millbrook mill fire kills 3", body, "Post")
    assert finder.mentions(slot, [titled])[0].value == 3
    untitled = _article(72, "a2", "2021-03-03", "Fire at the mill", body, "Post")
    assert finder.mentions(slot, [untitled])[0].value == 3  # the lead's count
    late = "The mill employs 400 workers. " * 14 + "A fire in Millbrook killed 12 people on Wednesday."
    no_lead = _article(73, "a3", "2021-03-03", "Fire at the mill", late, "Post")
    assert finder.mentions(slot, [no_lead])[0].value == 12  # nothing else: the count it gives
    added = _article(
        74,
        "a4",
        "2021-03-03",
        "Fire at the mill",
        "Nine other people were killed in Eastport. The fire in Millbrook killed 45 people on Wednesday.",
        "Post",
    )
    assert finder.mentions(slot, [added])[0].value == 45


def test_a_town_every_report_names_is_still_where_the_asked_place_event_happened():
    """Five reports of a bombing in Ashford, one saying Ashford is in Riverside: Ashford is named by
    most reports, yet it links each of them to Riverside (it is no common word like the country)."""
    texts = [
        ("A bombing in Ashford, in Riverside county, on Wednesday killed 44 people.", "Post"),
        ("A bombing in Ashford on Wednesday killed 31 people.", "Gazette"),
        ("A twin bombing in Ashford on Wednesday killed 22 people.", "Courier"),
        ("A bombing in Ashford on Wednesday killed 48 people.", "Times"),
        ("The bombing in Ashford on Wednesday killed 44 people, officials said.", "Herald"),
        ("Ashford mourned its dead on Wednesday.", "Mail"),
    ]
    passages = [_p(80 + i, f"b{i}", "2021-03-03", t, src) for i, (t, src) in enumerate(texts)]
    _, listed = DisagreementFinder().find_with_day_counts(RQ, passages, DAY)
    assert {m.value for m in listed} == {22, 31, 44, 48}


def test_a_count_of_an_earlier_time_without_its_day_is_not_a_count_of_the_asked_day():
    earlier = _p(91, "e1", "2021-03-03", "In February a bus crash in Ashford in Riverside killed 16 people.", "Post")
    _, listed = DisagreementFinder().find_with_day_counts(RQ, [earlier, ASHFORD, BENTON], DAY)
    assert 16 not in {m.value for m in listed}


def test_the_event_pool_adds_the_lead_of_a_report_top_k_holds_only_a_later_paragraph_of():
    from rag.retrieval.hybrid import RetrievalResult
    from rag.retrieval.period import _add_to_pool

    later = _p(101, "z1", "2021-03-03", "The mill had been inspected in January.", "Post")
    lead = _p(100, "z1", "2021-03-03", "A fire in Millbrook on Wednesday killed 12 people.", "Post")
    other = _p(102, "z2", "2021-03-03", "The Millbrook fire on Wednesday killed 15 people.", "Courier")
    result = RetrievalResult([later], DAY)
    have = {later.chunk_id}
    _add_to_pool(result, [later, lead, other], have)
    assert [p.chunk_id for p in result.passages] == [101, 100, 102]  # no chunk twice, the lead added
    assert POOL in lead.scores and POOL not in later.scores


def test_an_abstention_on_the_named_outlet_is_not_replaced_by_other_outlets_counts():
    """ "According to the Post" and the Post's report gives no count: the counts of the Gazette and
    the Courier are listed for a question that names no outlet, never instead of that abstention."""
    q = "How many people were killed in the fire in Millbrook on 3 March 2021 according to the Post?"
    post = _p(111, "p1", "2021-03-03", "Firefighters in Millbrook worked through Wednesday night.", "Post")
    pool = _p(7, "c2", "2021-03-04", COURIER.text, "Courier", **{POOL: 1.0})
    for p in (post, GAZETTE, HERALD_SAME, pool):
        p.scores["asked_outlet"] = 1.0
    post.scores["outlet"] = 0.15
    assert RoutingAnswerer(_Abstains()).answer(q, [post, GAZETTE, HERALD_SAME, pool]).abstained
    for p in (post, GAZETTE, HERALD_SAME, pool):
        p.scores.pop("asked_outlet"), p.scores.pop("outlet", None)
    assert not RoutingAnswerer(_Abstains()).answer(Q, [post, GAZETTE, HERALD_SAME, pool]).abstained


def test_a_tally_over_many_places_is_not_a_side_of_one_places_toll():
    tally = _p(
        11,
        "r",
        "2021-03-03",
        "Fires on Wednesday killed 30 people in Millbrook, Eastport, Westbury and Northam, officials said.",
        "Post",
    )
    assert DisagreementFinder().find(Q, [GAZETTE, tally], DAY) is None
    one = _p(12, "n", "2021-03-03", "Fires on Wednesday killed 30 people in Millbrook, officials said.", "Post")
    assert DisagreementFinder().find(Q, [GAZETTE, one], DAY) is not None  # the same words, one place


def test_a_mention_quoted_already_in_a_shorter_span_is_cited_not_quoted_again():
    """The answer's first quote of a sentence may stop a few words before the listed clause does:
    the same report's same sentence is one citation, never two quotes of nearly one text."""
    from rag.answering.disagreement import Mention, cited_as
    from rag.answering.event_dates import EventDay

    passage = _p(41, "a", "2021-03-03", "A fire in Millbrook killed 12 people on Wednesday, the mayor said.", "Gazette")
    m = Mention(passage, 12, 0, 64, passage.text[:64], True, EventDay("2021-03-03", False), 1.0)
    assert cited_as(m, {("a", 0, 64): 3}) == 3
    assert cited_as(m, {("a", 0, 48): 2}) == 2  # the answer's quote ends before "the mayor said"
    assert cited_as(m, {("a", 50, 64): 2}) is None  # a few words of it: the count is not among them
    assert cited_as(m, {("b", 0, 64): 2}) is None  # another report


def test_a_place_after_a_direction_word_is_still_a_place():
    """ "rockets into government-held western Aleppo", "in eastern Ghouta": the direction is no part
    of the name, and the name is still read (it tells two incidents apart)."""
    from rag.answering.places import place_key, places_in, question_places

    assert places_in("Rebels fired rockets into government-held western Aleppo, killing 15.") == {place_key("Aleppo")}
    assert question_places("How many were killed in eastern Ghouta on 3 March 2021?") == ["Ghouta"]
    assert question_places("How many were killed in the northern town of Manbij?") == ["Manbij"]


def test_asked_whether_reports_agree_the_single_fact_needs_no_word_agree():
    """ "Do the reports agree?" is the answer's shape, not a word a report must say (issue 17)."""
    text = "A suicide bomber killed four people at a hospital in Millbrook on Wednesday."
    p = _p(1, "g", "2021-03-03", text, "Gazette")
    asked = "How many {} were killed in Millbrook on 3 March 2021? Do the reports agree?"
    routed = RoutingAnswerer(ExtractiveAnswerer()).answer(asked.format("people"), [p])
    assert not routed.abstained and "four people" in routed.answer
    plain = ExtractiveAnswerer().answer(asked.format("civilians"), [p])
    assert "agree" in plain.answer  # the single-fact answerer alone would look for the word
    unmet = RoutingAnswerer(ExtractiveAnswerer()).answer(asked.format("civilians"), [p])
    assert unmet.abstained and "“civilians”" in unmet.answer and "agree" not in unmet.answer
