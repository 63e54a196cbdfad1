"""A question that names its day and its outlet ("… on 10 March 2022 according to the Northern Wire?")
is answered from that outlet's report of that day, not from the archive's best match of another
day or outlet (``rag/retrieval/outlets.py``, the focus search in ``hybrid.py``, ``extractive._pool``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.retrieval.outlets import named_outlets, outlet_key

DATA = Path(__file__).parent / "data" / "casualty_reports.jsonl"
OUTLETS = ["ahram", "sana", "trt", "jordantimes", "asharqalawsat", "dailysabah", "Reuters", "THE WEEK", "BBC News/SANA"]


@pytest.mark.parametrize(
    "question, expected",
    [
        ("How many civilians were reported killed in Aleppo on 16 July 2015 according to ahram?", ["ahram"]),
        ("How many were killed, according to Al-Ahram?", ["ahram"]),
        ("What did Reuters report about Manbij?", ["Reuters"]),
        ("According to the Daily Sabah, who attacked the convoy?", ["dailysabah"]),
        ("Did SANA's report mention chemical weapons?", ["sana"]),
        ("How many died, according to TRT World and the Jordan Times?", ["trt", "jordantimes"]),
        ("What did the Jordan Times and Asharq Al-Awsat report?", ["jordantimes", "asharqalawsat"]),
        ("What did the BBC say about the siege?", ["BBC News"]),
        ("How many were killed, according to the Syrian Arab News Agency?", ["sana"]),  # its initials
        # an outlet that is the subject of the question, not its source
        ("Why did Reuters close its Damascus office?", []),
        ("What is The Week's circulation?", []),
        ("Sana is a city: what happened there?", []),
        ("How many civilians were killed in Aleppo?", []),
    ],
)
def test_named_outlets(question, expected):
    assert named_outlets(question, OUTLETS) == expected


def test_outlet_key_ignores_case_spacing_and_articles():
    assert outlet_key("Al-Ahram") == outlet_key("ahram") == outlet_key("AL AHRAM")
    assert outlet_key("The Daily Sabah") == "dailysabah"
    assert outlet_key("Alalam") == outlet_key("Al Alam")


# --- the real service -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def karvel(tmp_path_factory, embedder):
    from rag.ingest import ingest
    from rag.pipeline import RagService
    from rag.readers import read_path
    from rag.settings import Settings

    path = tmp_path_factory.mktemp("karvel") / "index"
    ingest(read_path(DATA).articles, path, embedder)
    return RagService(Settings(index=path), embedder=embedder)


def _ask(service, question: str):
    from rag.pipeline import AskRequest

    return service.ask(AskRequest(question))


@pytest.mark.slow
@pytest.mark.parametrize(
    "question, report, count",
    [
        (
            "How many civilians were killed in Karvel on 10 March 2022 according to the Northern Wire?",
            "kv-wire-0310",
            "nine",
        ),
        (
            "How many civilians were killed in Karvel on 10 March 2022 according to the Karvel Post?",
            "kv-post-0310",
            "seven",
        ),
        (
            "How many civilians were killed in Karvel on 12 April 2022 according to the Northern Wire?",
            "kv-wire-0412",
            "Twenty-three",
        ),
        ("How many civilians did the Karvel Post report killed in Karvel on 12 April 2022?", "kv-post-0412", "21"),
    ],
)
def test_the_asked_outlets_report_of_the_asked_day_answers(karvel, question, report, count):
    ans = _ask(karvel, question)
    assert not ans.abstained, ans.answer
    first = ans.statements[0]
    cited = {c.n: c.article_id for c in ans.citations}
    assert count in ans.direct_answer.text, ans.answer
    assert [cited[n] for n in first.citations] == [report], ans.answer


@pytest.mark.slow
def test_a_named_day_finds_that_days_reports_first(karvel):
    ans = _ask(karvel, "How many civilians were killed in Karvel on 12 April 2022?")
    cited = {c.n: c for c in ans.citations}
    assert cited[ans.statements[0].citations[0]].date == "2022-04-12", ans.answer


@pytest.mark.slow
def test_the_retriever_reads_outlets_from_the_index(karvel):
    retriever = karvel.retriever
    assert retriever.named_outlets("What did the Daily Ledger report about Karvel?") == ["Daily Ledger"]
    assert retriever.named_outlets("What did the Ledger report?") == []  # not a name the index holds
    result = retriever.retrieve("How many civilians were killed in Karvel according to the Daily Ledger?", top_k=3)
    assert result.passages[0].source == "Daily Ledger"
    assert result.passages[0].scores.get("outlet")


@pytest.mark.slow
def test_when_no_report_meets_the_question_the_answer_says_so(karvel):
    # the day has reports, the outlet has reports, but none of the outlet's of that day says it
    ans = _ask(karvel, "How many civilians were killed in Karvel on 18 May 2022 according to the Karvel Post?")
    assert ans.abstained and not ans.citations and ans.direct_answer is None, ans.answer
    assert "no report from Karvel Post among those found says it" in ans.answer, ans.answer
    assert "Daily Ledger" in ans.answer  # the nearest source: the report of the day that does
    # the outlet's name is never a word the reports must contain
    who = _ask(karvel, "Who shelled Karvel on 18 May 2022 according to the Karvel Post?")
    assert "“Post”" not in who.answer and "“Karvel Post”" not in who.answer, who.answer
    # no report of the day at all: the reports don't say
    day = _ask(karvel, "How many civilians were killed in Karvel on 1 June 2022?")
    assert day.abstained and day.direct_answer is None, day.answer


@pytest.mark.slow
def test_a_report_of_another_month_does_not_answer_for_the_month_asked(karvel):
    # the archive holds reports of May 2022 (Karvel's), but the Dunmore floods were reported in March
    ans = _ask(karvel, "How many families did the Dunmore floods force from their homes in May 2022?")
    assert ans.abstained and ans.direct_answer is None, ans.answer
    assert "no report of the month or week the question names among those found says it" in ans.answer
    assert "Dunmore floods" in ans.answer  # the nearest source is the report of another month
    march = _ask(karvel, "How many families did the Dunmore floods force from their homes in March 2022?")
    assert not march.abstained and "300 families" in march.answer, march.answer
    # a month the archive has no report of names the event, not its reports
    june = _ask(karvel, "How many families did the Dunmore floods force from their homes in June 2021?")
    assert not june.abstained and "300 families" in june.answer, june.answer


def test_a_month_or_week_named_with_its_year_is_a_period():
    from rag.retrieval.query_dates import is_named_period, question_window

    assert is_named_period(question_window("How many were killed in Aleppo in January 2017?"))
    assert not is_named_period(question_window("How many were killed in Aleppo on 16 July 2015?"))  # a day
    assert not is_named_period(question_window("How many were killed in Aleppo in 2015?"))  # a year
    assert not is_named_period(question_window("How many were killed in Aleppo in January?"))  # no year


def test_two_days_named_together_are_both_asked():
    from rag.retrieval.query_dates import is_report_day, question_window

    weekend = question_window("How many were killed over the weekend of 13-14 August 2016?")
    assert (weekend.start, weekend.end) == ("2016-08-13", "2016-08-14") and is_report_day(weekend)
    us = question_window("How many were killed in Aleppo on August 13-14, 2016?")
    assert (us.start, us.end) == ("2016-08-13", "2016-08-14")
    one = question_window("How many were killed on 13 August 2016?")
    assert (one.start, one.end) == ("2016-08-13", "2016-08-13")
    backwards = question_window("What happened on 14-13 August 2016?")  # no range: the day dateparser reads
    assert backwards.start == backwards.end


@pytest.mark.parametrize(
    "question",
    [
        "How many civilians were killed in Aleppo on 2016-07-16 according to sana?",
        "How many civilians were killed in Aleppo on 7/16/2016?",
        "How many civilians were killed in Aleppo on 16/07/2016?",
        "How many civilians were killed in Aleppo on 16 Jul. 2016 according to reuters?",
        "How many civilians were killed in Aleppo on July 16, 2016?",
    ],
)
def test_a_day_written_any_common_way_is_that_day(question):
    from rag.retrieval.query_dates import question_window

    window = question_window(question)
    assert window is not None and (window.start, window.end) == ("2016-07-16", "2016-07-16")


def test_a_report_day_needs_its_year_or_an_anchor():
    from rag.retrieval.query_dates import is_report_day, question_window

    assert is_report_day(question_window("How many were killed in Aleppo on 16 July 2015?"))
    # an event named by its date, and a day whose year would be a guess
    assert not is_report_day(question_window("Who will testify before the Jan. 6 committee?", "2022-06-01"), True)
    assert not is_report_day(question_window("How many were killed in Aleppo on July 16?"))
    assert not is_report_day(question_window("Which presidents died on July 4?", "2016-08-01"), True)
    assert is_report_day(question_window("What happened in Aleppo yesterday?", "2016-08-01"), True)
    assert not is_report_day(question_window("What happened in Aleppo in July 2016?"))


@pytest.mark.slow
def test_a_day_the_archive_has_nothing_of_is_an_event_not_a_report(karvel):
    ans = _ask(karvel, "How many civilians were killed in Karvel on 4 July 1826?")
    assert "no report of" not in ans.answer, ans.answer


def _p(i: int, **scores: float):
    from rag.models import Passage

    return Passage(i, f"a{i}", "", "", None, False, None, None, "x", 0, 1, scores=dict(scores))


def test_asked_marks_and_the_rerankers_view():
    from rag.retrieval.asked import asked_within, mark_asked, meets_asked

    out = [_p(i) for i in range(10)] + [_p(10, window=0.15, outlet=0.15), _p(11, window=0.15)]
    mark_asked(out, day=True)
    assert all("asked_day" in p.scores and "asked_outlet" in p.scores for p in out)
    assert [p.chunk_id for p in out if meets_asked(p)] == [10]  # of the day *and* the outlet
    view = asked_within(out, depth=4)
    assert [p.chunk_id for p in view[:4]] == [0, 1, 2, 10] and len(view) == len(out)
    # nothing of the asked day in the index: the day names an event, not a report
    alone = [_p(0), _p(1, outlet=0.15)]
    mark_asked(alone, day=True)
    assert "asked_day" not in alone[0].scores and "asked_outlet" in alone[0].scores


def test_a_report_of_the_day_after_makes_the_asked_day_one_of_reports():
    """Friday's clashes reported on Saturday only: the day is still a day the archive reports, so a
    report of another year is not the one asked about."""
    import dataclasses

    from rag.retrieval.asked import mark_asked
    from rag.retrieval.query_dates import DateWindow

    friday = DateWindow("2013-08-02", "2013-08-02", "on Friday 2 August 2013")
    saturday = dataclasses.replace(_p(0), date="2013-08-03")
    later = dataclasses.replace(_p(1), date="2014-12-25")
    mark_asked([saturday, later], day=True, window=friday)
    assert "asked_day" in later.scores and "asked_day" in saturday.scores
    week_on = [dataclasses.replace(_p(0), date="2013-08-09"), dataclasses.replace(_p(1), date="2014-12-25")]
    mark_asked(week_on, day=True, window=friday)  # a week on is no report of that day
    assert not any("asked_day" in p.scores for p in week_on)


def test_a_day_the_conversation_carried_is_told_from_one_the_user_typed():
    from rag.retrieval.asked import carried_phrase

    assert carried_phrase("Which minister said so that day? (Aleppo, 25 September 2016)", "25 September 2016")
    assert not carried_phrase("How many died on 25 September 2016?", "on 25 September 2016")
    assert not carried_phrase("How many died on 25 September 2016? (Aleppo)", "on 25 September 2016")


@pytest.mark.slow
def test_a_day_the_conversation_carried_finds_its_reports_and_the_next_days(karvel):
    """A follow-up after a question about 18 May is searched with that day (its reports first). The
    user did not ask for that day's reports only: the next day's report of the risen toll answers,
    but a report of another month (a toll "medics" gave in April) does not."""
    from rag.pipeline import AskRequest

    history = [
        {"role": "user", "content": "How many civilians were killed in Karvel on 18 May 2022?"},
        {"role": "assistant", "content": "40 civilians [1]", "article_ids": ["kv-ledger-0518"]},
    ]
    ans = karvel.ask(AskRequest("What did the number of dead rise to?", history=history))
    assert ans.rewritten_question is not None and "18 May 2022" in ans.rewritten_question
    assert not ans.abstained and "44" in ans.answer, ans.answer
    medics = karvel.ask(AskRequest("How many did the medics say were killed?", history=history))
    assert medics.abstained or "Twenty-three" not in medics.answer, medics.answer


def _passage(aid: str, date: str, text: str, **scores):
    from rag.models import Passage

    return Passage(1, aid, text[:30], "Wire", date, False, None, None, text, 0, len(text), 1.0, scores)


def test_a_later_report_that_puts_its_count_on_the_asked_day_answers_for_it():
    """Asked about 24 August 2016 (a Wednesday), no report of that day found: a report of the next
    day may tell of it (news is published the day after); a Friday report tells of it only when its
    sentence says "on Wednesday"."""
    from rag.answering.extractive import ExtractiveAnswerer

    q = "How many people were killed in shelling in Deir Ezzor on 24 August 2016?"
    told = "Activists said nearly 58 people were killed in shelling in Deir Ezzor on Wednesday."
    vague = "Activists said nearly 58 people were killed in shelling in Deir Ezzor."
    for date, text, answers in [
        ("2016-08-25", vague, True),
        ("2016-08-26", told, True),
        ("2016-08-26", vague, False),
    ]:
        ans = ExtractiveAnswerer().answer(q, [_passage("later", date, text, asked_day=1.0)])
        assert ans.abstained is not answers, (date, text, ans.answer)
        assert ("58" in ans.answer) is answers or "no report of the day the question names" in ans.answer


def test_a_report_dated_before_the_asked_month_does_not_tell_of_it():
    """ "… in April 2018?" and the only report is of 2015: it cannot tell of April 2018."""
    from rag.answering.extractive import ExtractiveAnswerer

    old = _passage("old", "2015-02-12", "More than 120 people have been killed in Douma, activists said.")
    ans = ExtractiveAnswerer().answer("How many people were killed in the attack on Douma in April 2018?", [old])
    assert ans.abstained and "no report of April 2018 or after" in ans.answer, ans.answer
    after = _passage("new", "2018-04-09", old.text)
    ans = ExtractiveAnswerer().answer("How many people were killed in the attack on Douma in April 2018?", [after])
    assert not ans.abstained and "120" in ans.answer, ans.answer
    asked_later = ExtractiveAnswerer().answer("How many people were killed in Douma in February 2015?", [old])
    assert not asked_later.abstained, asked_later.answer


def test_a_report_whose_own_dateline_names_the_asked_day_is_of_that_day():
    """The archive dates a report 16 February, but its text opens "Sun Feb 21 2016 …": it is a report
    of 21 February, whatever the metadata says."""
    from rag.answering.extractive import ExtractiveAnswerer

    text = "Sun Feb 21 2016 Twin bomb attacks kill 50. At least 50 people were killed in twin bomb attacks in Homs."
    q = "How many people were killed in the twin bomb attacks in Homs on 21 February 2016?"
    ans = ExtractiveAnswerer().answer(q, [_passage("alalam", "2016-02-16", text, asked_day=1.0)])
    assert not ans.abstained and "50" in ans.answer, ans.answer
    # beside a report of another day that reads closer to the question, the report of the day leads
    other = _passage(
        "manar", "2016-01-26", "At least 22 people were killed in twin bomb attacks in Homs.", asked_day=1.0
    )
    ans = ExtractiveAnswerer().answer(q, [other, _passage("alalam", "2016-02-16", text, asked_day=1.0)])
    assert not ans.abstained and "50" in (ans.direct_answer.text if ans.direct_answer else ""), ans.answer
    undated = text.replace("Sun Feb 21 2016 ", "")
    ans = ExtractiveAnswerer().answer(q, [_passage("alalam", "2016-02-16", undated, asked_day=1.0)])
    assert ans.abstained, ans.answer


def test_a_month_the_conversation_carried_finds_its_reports_but_asks_for_none():
    """ "How did the Pentagon describe it? (Deir Ezzor, September 2016)": the month was carried, not
    typed, so a report of another month may answer; typed, the month is asked for."""
    from rag.answering.extractive import ExtractiveAnswerer

    text = "The Pentagon described the strike on Deir Ezzor as an unintentional regrettable error."
    later = _passage("later", "2016-10-02", text, asked_period=1.0)
    carried = ExtractiveAnswerer().answer("How did the Pentagon describe it? (Deir Ezzor, September 2016)", [later])
    assert not carried.abstained, carried.answer
    typed = ExtractiveAnswerer().answer(
        "How did the Pentagon describe the Deir Ezzor strike in September 2016?", [later]
    )
    assert typed.abstained and "month or week the question names" in typed.answer, typed.answer


def test_early_mid_or_late_month_with_a_hyphen_names_the_month():
    from rag.retrieval.query_dates import question_window

    for q in ("the late-October 2014 assault on the gas field", "a raid in mid-August 2016"):
        w = question_window(q, "2020-01-01")
        assert w is not None and w.start[5:7] == w.end[5:7], q  # the month, not the whole year
    assert question_window("the late-October 2014 assault", "2020-01-01").start == "2014-10-01"


def test_the_asked_outlets_report_spelling_the_place_otherwise_answers():
    """ "… in Hasakeh … according to nna?": nna's report says "Hasaka"; it is still the report asked
    for (the name matches across spellings), not an abstention for want of the outlet's report."""
    from rag.answering.extractive import ExtractiveAnswerer

    q = "How many civilians were reported killed in Hasakeh on 5 July 2016 according to nna?"
    other = _passage(
        "ds",
        "2016-07-05",
        "A motorcycle bomber killed at least 16 civilians outside a bakery in "
        "Syrias Hasakeh city on Tuesday an official said.",
        asked_outlet=1.0,
        asked_day=1.0,
        window=1.0,
    )
    nna = _passage(
        "nna",
        "2016-07-05",
        "A suicide bomb blast killed at least 16 people in the mostly "
        "Kurdish-controlled city of Hasaka in northeastern Syria on Tuesday the monitor said.",
        asked_outlet=1.0,
        outlet=1.0,
        asked_day=1.0,
        window=1.0,
    )
    ans = ExtractiveAnswerer().answer(q, [other, nna])
    assert not ans.abstained and ans.citations[0].article_id == "nna", ans.answer
    moved = _passage("nna", "2016-07-05", nna.text.replace("Hasaka", "Hama"), **nna.scores)
    ans = ExtractiveAnswerer().answer(q, [other, moved])  # a report of another place is not it
    assert ans.abstained or ans.citations[0].article_id != "nna", ans.answer


def test_the_day_of_an_event_read_from_a_possessive_weekday_or_the_nth_of_a_month():
    from rag.answering.event_dates import event_day

    assert event_day("31 people hurt in Tuesdays attack were treated", "2017-04-06").day == "2017-04-04"
    assert event_day("31 people hurt in Tuesday's attack were treated", "2017-04-06").day == "2017-04-04"
    assert event_day("a sarin attack on Khan Sheikhun on the 4th of April", "2017-04-13").day == "2017-04-04"
    assert not event_day("the ministry said in a statement", "2017-04-06").from_text


def test_a_later_report_that_puts_the_event_on_the_asked_day_in_another_sentence_answers():
    """ "… victims of the 4 April 2017 attack …": Thursday's report says what was found in its lead
    and "Tuesday's attack" further on; it tells of that attack. A report that never puts its news
    on the asked day does not."""
    from rag.answering.extractive import ExtractiveAnswerer

    q = "What nerve agent did the health ministry say victims of the 4 April 2017 attack may have been exposed to?"
    lead = "Tests on victims point to possible exposure to sarin nerve agent the health ministry said on Thursday."
    later = _passage(
        "later", "2017-04-06", lead + " It said 31 people hurt in Tuesdays attack were being treated.", asked_day=1.0
    )
    ans = ExtractiveAnswerer().answer(q, [later])
    assert not ans.abstained and "sarin" in ans.answer, ans.answer
    other = _passage("other", "2017-04-06", lead + " It said 31 people were being treated.", asked_day=1.0)
    assert ExtractiveAnswerer().answer(q, [other]).abstained


def test_a_later_report_that_puts_the_event_in_the_asked_month_answers():
    """ "… formed in December 2014": February's report says "In December … formed the Levant Front";
    it tells of that month. One that never names it does not."""
    from rag.answering.extractive import ExtractiveAnswerer

    q = "Which alliance did rebel factions in Aleppo form in December 2014?"
    told = "In December rebel factions in Aleppo grouped together to form the Levant Front alliance."
    later = _passage("later", "2015-02-18", told, asked_period=1.0)
    ans = ExtractiveAnswerer().answer(q, [later])
    assert not ans.abstained and "Levant Front" in ans.answer, ans.answer
    vague = _passage("vague", "2015-02-18", told.replace("In December ", ""), asked_period=1.0)
    assert ExtractiveAnswerer().answer(q, [vague]).abstained


def test_a_report_of_the_time_leads_one_filed_a_year_later():
    """ "… on 15 September 2016": a report two days on, naming no town, leads a 2017 report of
    another strike near the town the question names."""
    from rag.answering.extractive import ExtractiveAnswerer
    from rag.answering.report_dates import long_after

    q = "What death toll did the monitor give for the air strikes on the town of al-Mayadin on 15 September 2016?"
    then = _passage(
        "then", "2016-09-17", "The monitor gave a death toll of 23 civilians killed in air strikes on a town."
    )
    later = _passage("later", "2017-10-05", "The monitor said air strikes killed 14 people near Mayadeen.")
    assert long_after(later, q) and not long_after(then, q)
    ans = ExtractiveAnswerer().answer(q, [later, then])
    assert not ans.abstained and ans.citations[0].article_id == "then", ans.answer


def test_another_chunk_of_the_report_may_tell_of_the_asked_month():
    """The archive dates the report a month late; its first chunk's dateline says 30 Sep 2014, the
    sentence that answers is in its second chunk: it is a report of late September."""
    import dataclasses

    from rag.answering.extractive import ExtractiveAnswerer
    from rag.models import Passage

    q = "Which civil defence member described pulling two children out alive in Aleppo in late September 2014?"
    lead = "Workers dig out dead after regime strike on Aleppo AFP Tuesday 30 Sep 2014 At least eight people died."
    named = "Shuhud al-Hussein a member of the civil defence said his team pulled two children out alive."
    one = Passage(1, "a", "Workers dig out dead", "Wire", "2014-10-30", False, None, None, lead, 0, len(lead), 1.0)
    one.scores = {"asked_period": 1.0}
    # the same report's second chunk, further into the body
    two = dataclasses.replace(one, chunk_id=2, text=named, start=200, end=200 + len(named), score=0.9)
    two.scores = {"asked_period": 1.0}
    ans = ExtractiveAnswerer().answer(q, [two, one])
    assert not ans.abstained and "Shuhud al-Hussein" in ans.answer, ans.answer
    assert ExtractiveAnswerer().answer(q, [two]).abstained  # alone, nothing dates it to September
