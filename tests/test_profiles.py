"""Corpus profiles: the general default reads any corpus with no Syria-war rule; the syria-iraq rules
apply by choice, or (auto) to a file that shows their evidence, and the evidence is reported.

Runs on the project's own fixtures (tests/data/), never on ../shared."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag.readers import read_path
from rag.readers.profiles import PROFILES, get_profile, rules_for, slash_order_of
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CIVIC = DATA / "civic"
DUMP = DATA / "report_dump.txt"


def _civic_questions() -> list[dict]:
    lines = (DATA / "civic_questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x) for x in lines if x.strip() and not x.startswith("//")]


# --- choosing a profile ----------------------------------------------------------------------------


def test_profiles_are_named_and_the_default_is_auto():
    assert sorted(PROFILES) == ["auto", "general", "syria-iraq"]
    assert Settings().profile == "auto"
    assert get_profile(" General ").name == "general"
    with pytest.raises(ValueError, match="unknown profile 'war'; expected one of"):
        get_profile("war")
    with pytest.raises(ValueError, match="unknown profile"):
        read_path(CIVIC, profile="war")


def test_general_has_no_corpus_rule_and_syria_iraq_has_them():
    general, war = get_profile("general"), get_profile("syria-iraq")
    assert (general.dump_layout, general.repair_artifacts, general.slash_order, general.detect) == (
        False,
        False,
        None,
        False,
    )
    assert (war.dump_layout, war.repair_artifacts, war.slash_order) == (True, True, "mdy")


# --- a non-war corpus gets no war rule --------------------------------------------------------------


def test_civic_corpus_is_read_with_no_rule_applied():
    for profile in ("auto", "general"):
        r = read_path(CIVIC, profile=profile)
        assert len(r.articles) == 6 and r.skipped == [] and r.notes == [], profile
        assert all(a.date and not a.date_inferred for a in r.articles)
    assert read_path(CIVIC).articles == read_path(CIVIC, profile="general").articles


def test_a_txt_with_one_source_line_is_plain_text(tmp_path):
    """One 'Source:' line is not evidence of a report dump (auto used to split any such file)."""
    p = tmp_path / "minutes.txt"
    p.write_text(
        "Council minutes, 12 March\n\nThe meeting opened at 19:00. Source: the clerk's notes.\n"
        "Source: City Hall\n\nItem 2. The budget was approved [see annex 3].\n",
        encoding="utf-8",
    )
    r = read_path(p)
    assert len(r.articles) == 1 and r.notes == []
    assert "Source: City Hall" in r.articles[0].body
    assert rules_for(get_profile("auto"), p.read_text(), plain_text=True).evidence == ()


# --- the report-dump layout --------------------------------------------------------------------------


def test_auto_reads_a_report_dump_and_says_why():
    r = read_path(DUMP)
    assert [(a.title, a.source) for a in r.articles] == [
        ("Harbour crane inspection finds cracked welds", ""),
        ("Ferry timetable changes for the winter season", ""),
        ("Flood barrier test closes the river path", "Harbourton Gazette/Coastal Radio"),
        ("Harbourton developments, October 16 2023", "Harbourton Gazette"),
    ]
    assert [n.reason for n in r.notes] == [
        "profile syria-iraq rule: read as a report dump: 2 'Source:' line(s) end articles, 2 dated caption(s)"
    ]
    barrier = r.articles[2]
    caption = "Map of the river path closure [14/10/2023, map via the city's roads office]"
    assert barrier.body.count(caption) == 1  # the copied caption is kept once
    assert "“A dry run”" in barrier.body  # a quoted sub-heading, not a new article
    assert (barrier.date, barrier.date_inferred, barrier.date_evidence) == ("2023-10-14", True, caption)
    digest = r.articles[3]
    assert (digest.date, digest.date_evidence) == ("2023-10-16", digest.title)
    assert all(a.date is None for a in r.articles[:2])  # "on Friday", "from November": no year, no date


def test_general_reads_the_dump_as_one_text_unless_the_format_is_given():
    r = read_path(DUMP, profile="general")
    assert len(r.articles) == 1 and r.notes == [] and r.articles[0].date is None
    assert len(read_path(DUMP, profile="general", fmt="seed").articles) == 4
    assert len(read_path(DUMP, profile="syria-iraq").articles) == 4


# --- numeric dates -------------------------------------------------------------------------------------


def test_a_files_own_dates_settle_the_order_and_the_note_says_so(tmp_path):
    rows = ["id,text,date", "a,First report.,8/26/2016", "b,Second report.,3/4/2016", "c,Third report.,9/9/2016"]
    p = tmp_path / "us.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = read_path(p, profile="general")
    assert [(a.id, a.date) for a in r.articles] == [("a", "2016-08-26"), ("b", "2016-03-04"), ("c", "2016-09-09")]
    assert [n.reason for n in r.notes] == [
        "1 ambiguous numeric date(s) read month first: 1 in the file can only be M/D/YYYY"
    ]
    assert slash_order_of("26/8/2016 and 3/4/2016") == (
        "dmy",
        "1 ambiguous numeric date(s) read day first: 1 in the file can only be D/M/YYYY",
    )
    assert slash_order_of("26/8/2016, 8/26/2016 and 3/4/2016") == (None, None)  # the file contradicts itself


def test_an_ambiguous_date_is_never_guessed_by_the_general_profile(tmp_path):
    p = tmp_path / "note.md"
    p.write_text("---\ntitle: Note\ndate: 3/4/2016\n---\nA short note.\n", encoding="utf-8")
    r = read_path(p, profile="general")
    assert r.articles == []
    assert r.skipped[0].reason.startswith("ambiguous date '3/4/2016': day or month first? Write YYYY-MM-DD")
    assert read_path(p, profile="syria-iraq").articles[0].date == "2016-03-04"


# --- the CLI -------------------------------------------------------------------------------------------


def test_cli_rejects_an_unknown_profile_in_one_line(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(CIVIC), "--index", str(tmp_path / "i"), "--profile", "war"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "error: unknown profile 'war'; expected one of ['auto', 'general', 'syria-iraq']"
    ]
    assert not (tmp_path / "i").exists()


# --- answered through the default profile ---------------------------------------------------------


def _civic_service(tmp_path, embedder):
    from rag.ingest import ingest
    from rag.pipeline import RagService

    settings = Settings(index=tmp_path / "idx")
    res = read_path(CIVIC, profile=settings.profile)
    assert res.notes == []  # no rule of any profile touched these files
    ingest(res.articles, settings.index, embedder)
    return RagService(settings, embedder=embedder, watch=False)


def _answered_right(ans, q: dict) -> bool:
    if not q.get("answerable", True):
        return ans.abstained
    said = not ans.abstained and any(x.lower() in ans.answer.lower() for x in q["answers"])
    return bool(said and {c.article_id for c in ans.citations} & set(q["evidence_ids"]))


@pytest.mark.slow
def test_civic_questions_are_answered_through_the_default_profile(tmp_path, embedder):
    from rag.pipeline import AskRequest

    service = _civic_service(tmp_path, embedder)
    questions = [q for q in _civic_questions() if q["id"] not in KNOWN_WRONG]
    wrong = [
        (q["id"], a.answer[:120])
        for q in questions
        if not _answered_right(a := service.ask(AskRequest(q["question"])), q)
    ]
    assert wrong == []


#: Known failures, kept visible: strict xfail fails the run once they are fixed, so this list shrinks.
KNOWN_WRONG = {
    # "When will Harbourton's new airport terminal open?" is answered "Thursday" from the library report:
    # the sentence matches "Harbourton … open(ed)" and a date. No report mentions an airport. Requiring
    # the passages to cover the question's rare words fixed it but raised false abstention on RealTime QA
    # (tune part, 400 q: 0.268 -> 0.30 at 40% coverage, 0.50 at 60%), so it is not done yet.
    "civic-airport",
}


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="a no-answer question answered from a report on another topic (KNOWN_WRONG)")
def test_known_wrong_civic_answers(tmp_path, embedder):
    from rag.pipeline import AskRequest

    service = _civic_service(tmp_path, embedder)
    for q in (q for q in _civic_questions() if q["id"] in KNOWN_WRONG):
        assert _answered_right(service.ask(AskRequest(q["question"])), q), q["id"]
