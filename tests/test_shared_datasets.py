"""The readers on the real shared material (``../shared``): the seed report dump split into the eight
bundled articles, FA-KES (JSONL and its cp1252 CSV) and the RealTime QA passages.

These need ``../shared`` and skip without it; every behaviour they check is also tested on the
project's own fixtures (tests/test_readers.py, tests/test_profiles.py with tests/data/report_dump.txt).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.models import Article
from rag.readers import ReadResult, read_path
from rag.readers.cleaning import clean_text

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seeds" / "syria-iraq-reports.txt"
DATA = SHARED / "data"
CORPUS_SEED = ROOT / "corpus" / "seed"

SEED_TITLES_SOURCES = [
    (
        "US intelligence intercepted communications between Syrian military and chemical experts "
        "ahead of Khan Sheikhoun attack",
        "",
    ),
    ("US assesses that SAA has re-established a chemical weapons unit", ""),
    ("US, Russia agree Syria truce holding, extend it by 48 hours", "Reuters"),
    ("Residents and rebels start evacuating Darayya", "Al Jazeera News/SANA/BBC News/AP/Reuters/Syria & Iraq News"),
    ("Truce agreed in Hasakah", "SANA/Syria & Iraq News"),
    ("Syria & Iraq developments, August 16 2016", ""),
    ("Syria & Iraq developments, August 15 2016", ""),
    ("Fierce battle for al-Ramouseh district as rebels try to break Aleppo siege", "Reuters/SANA/Syria & Iraq News"),
]


@pytest.fixture(scope="module")
def seed() -> ReadResult:
    if not SEED.exists():
        pytest.skip(f"{SEED} not present")
    return read_path(SEED)


def _by_title(result: ReadResult) -> dict[str, Article]:
    return {a.title: a for a in result.articles}


# --- seed dump --------------------------------------------------------------------------------


def test_seed_splits_into_eight_articles(seed):
    assert seed.skipped == []
    assert [(a.title, a.source) for a in seed.articles] == SEED_TITLES_SOURCES
    assert len({a.id for a in seed.articles}) == 8
    assert seed.articles[3].id == "seed-residents-and-rebels-start-evacuating-darayya"
    for a in seed.articles:
        assert a.id.startswith("seed-") and len(a.id) <= 80
        assert a.id == a.id.lower() and a.id.isascii() and " " not in a.id


def test_seed_bodies_exclude_titles_sources_and_duplicate_captions(seed):
    for a in seed.articles:
        assert a.body == clean_text(a.body)
        assert not a.body.startswith(a.title)
        assert "Source:" not in a.body and "Sources:" not in a.body
        lines = a.body.split("\n")
        assert all(x != y for x, y in zip(lines, lines[1:], strict=False) if x), "a caption was kept twice"
        assert "\u00a0" not in a.body and "\u00a0" not in a.title
    arts = _by_title(seed)
    darayya = arts["Residents and rebels start evacuating Darayya"]
    caption = "Situation map of Darayya & southwest Damascus [26/8/2016, map via IHS Conflict Monitor]"
    assert darayya.body.count(caption) == 1
    assert "“Forced to leave”" in darayya.body  # a sub-heading, not a new article
    assert darayya.body.startswith("Aid convoys arranged by the medical charity Red Crescent")
    digest = arts["Syria & Iraq developments, August 16 2016"]
    assert digest.body.startswith("• Russian Tu-22M3 bombers")
    assert "August 15" not in digest.body
    assert arts["Syria & Iraq developments, August 15 2016"].body.startswith("Peshmerga forces advance")


def test_seed_dates_are_inferred_with_evidence(seed):
    arts = _by_title(seed)
    darayya = arts["Residents and rebels start evacuating Darayya"]
    assert (darayya.date, darayya.date_inferred) == ("2016-08-26", True)
    assert "26/8/2016" in darayya.date_evidence and darayya.date_evidence in darayya.body
    truce = arts["US, Russia agree Syria truce holding, extend it by 48 hours"]
    # the caption says 10/9/2016, but the text reports "the State Department said on Wednesday" as past:
    # an inferred date is never earlier than that (issue 10); the evidence names both
    assert truce.date == "2016-09-14"
    assert "[10/9/2016]" in truce.date_evidence and "said on Wednesday" in truce.date_evidence
    expected = {
        "Truce agreed in Hasakah": "2016-08-20",
        "Syria & Iraq developments, August 16 2016": "2016-08-16",
        "Syria & Iraq developments, August 15 2016": "2016-08-15",
        "Fierce battle for al-Ramouseh district as rebels try to break Aleppo siege": "2016-08-06",
    }
    for title, iso in expected.items():
        a = arts[title]
        assert (a.date, a.date_inferred) == (iso, True), title
        assert a.date_evidence in a.body or a.date_evidence == a.title
    for a in seed.articles[:2]:  # only "April 5" / "Friday": no year, so no date
        assert (a.date, a.date_inferred, a.date_evidence) == (None, False, None)


def test_seed_corpus_round_trips(seed):
    """corpus/seed (from eval/make_seed_corpus.py) holds exactly the articles of the dump."""
    from_corpus = read_path(CORPUS_SEED)
    assert from_corpus.skipped == []
    assert sorted(from_corpus.articles, key=lambda a: a.id) == sorted(seed.articles, key=lambda a: a.id)


def test_seed_format_detection_and_id_prefix(tmp_path, seed):
    text = SEED.read_text(encoding="utf-8")
    (tmp_path / "dump.txt").write_text(text, encoding="utf-8")
    r = read_path(tmp_path / "dump.txt", id_prefix="x:")
    assert [a.id for a in r.articles] == ["x:" + a.id for a in seed.articles]
    (tmp_path / "note.txt").write_text("Just a note. Nothing else here.", encoding="utf-8")
    note = read_path(tmp_path / "note.txt")
    assert [a.body for a in note.articles] == ["Just a note. Nothing else here."]


# --- real datasets ----------------------------------------------------------------------------


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


def test_fakes_jsonl_counts_and_artifacts():
    r = read_path(_need(DATA / "fa-kes" / "fa-kes-articles.jsonl"))
    # 804 rows; 12 repeat an earlier row's title+body+source+date exactly (the 9 repeated
    # unit_ids cover 13 extra rows, 11 of them identical, plus one identical pair under two unit_ids).
    assert len(r.articles) == 792
    assert len(r.skipped) == 12
    assert all(s.reason.startswith("exact duplicate of ") for s in r.skipped)
    assert r.articles[0].id == "0" and r.articles[0].date == "2017-04-05"
    assert not any(a.date_inferred for a in r.articles)
    for a in r.articles:
        for artifact in ("\u2022_", "\u2022\ufffd"):
            assert artifact not in a.body and artifact not in a.title
    titles = {a.title for a in r.articles}
    assert any("Syria's Aleppo – monitor" in t for t in titles)


def test_fakes_csv_matches_jsonl():
    """The cp1252 CSV decodes and cleans to the same articles as the UTF-8 JSONL."""
    csv_r = read_path(_need(DATA / "fa-kes" / "FA-KES-Dataset.csv"))
    jsonl_r = read_path(DATA / "fa-kes" / "fa-kes-articles.jsonl")
    assert len(csv_r.articles) == 792
    key = lambda a: (a.title, a.body, a.source, a.date)
    assert [key(a) for a in csv_r.articles] == [key(a) for a in jsonl_r.articles]
    assert csv_r.articles[0].id == "FA-KES-Dataset-2"  # no id column: <stem>-<line>


def test_realtimeqa_passages():
    r = read_path(_need(DATA / "realtimeqa" / "realtimeqa-evidence-passages.jsonl"))
    assert len(r.articles) == 5019 and r.skipped == []
    a = r.articles[0]
    assert a.id.startswith("rtqa-") and a.source == "CNN" and a.date == "2020-01-03"
    assert a.url.startswith("https://www.cnn.com/")
    assert a.title and len(a.title.rstrip(" …").split()) <= 12
    assert a.body.startswith(a.title.rstrip(" …"))
