"""Readers: each format's edge cases, on the project's own fixtures (the real datasets: test_shared_datasets.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.models import Article
from rag.readers import read_path
from rag.readers.frontmatter import dump_article, write_corpus

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seeds" / "syria-iraq-reports.txt"
DATA = SHARED / "data"
CORPUS_SEED = ROOT / "corpus" / "seed"

# --- JSONL / CSV ------------------------------------------------------------------------------


def test_jsonl_field_detection_and_skips(tmp_path):
    lines = [
        json.dumps(
            {
                "doc_id": "a",
                "Headline": "First",
                "Content": "Body one.",
                "Outlet": "X",
                "published_at": "2020-02-03T10:00:00Z",
                "link": "https://e.org/a",
            }
        ),
        "{not json",
        json.dumps({"doc_id": "b", "text": "   "}),
        json.dumps({"doc_id": "c", "text": "Body three.", "date": "sometime soon"}),
        json.dumps({"text": "No id or title here. Second sentence.", "date": "2019/12/31"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"doc_id": "a", "text": "Another body."}),
        json.dumps(
            {
                "doc_id": "a",
                "Headline": "First",
                "Content": "Body one.",
                "Outlet": "X",
                "published_at": "2020-02-03",
                "link": "https://e.org/a",
            }
        ),
    ]
    p = tmp_path / "recs.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = read_path(p)
    assert [a.id for a in r.articles] == ["a", "recs-5"]
    a = r.articles[0]
    assert (a.title, a.body, a.source, a.date, a.url) == ("First", "Body one.", "X", "2020-02-03", "https://e.org/a")
    assert r.articles[1].title == "No id or title here" and r.articles[1].date == "2019-12-31"
    reasons = {s.where: s.reason for s in r.skipped}
    assert reasons == {
        "recs.jsonl:2": "line 2: invalid JSON",
        "recs.jsonl:3": "empty body",
        "recs.jsonl:4": "unparsable date: 'sometime soon'",
        "recs.jsonl:6": "line 6: not a JSON object",
        "recs.jsonl:7": "duplicate id a",
        "recs.jsonl:8": "exact duplicate of a",
    }
    assert all("\n" not in s.reason for s in r.skipped)


def test_jsonl_fields_override(tmp_path):
    p = tmp_path / "x.ndjson"
    p.write_text(
        json.dumps({"id": "ignored", "key": "k1", "text": "ignored", "story": "The story.", "when": "3/24/2021"})
        + "\n",
        encoding="utf-8",
    )
    r = read_path(p, fields={"id": "key", "body": "story", "date": "when"}, id_prefix="p-")
    assert [(a.id, a.body, a.date) for a in r.articles] == [("p-k1", "The story.", "2021-03-24")]
    with pytest.raises(ValueError):
        read_path(p, fields={"author": "x"})


def test_csv_reader(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(
        "ID,Title,Body,Publisher,PubDate\n"
        '1,One,"Multi\nline body",Pub,1/2/2016\n'
        '2,Two,"",Pub,2016-01-02\n'
        "3,Three,Text three,Pub,31/31/2016\n"
        '4,Four,Text four,,"5 March 2017"\n',
        encoding="utf-8",
    )
    r = read_path(p, profile="syria-iraq")  # the profile reads an ambiguous 1/2/2016 month first
    assert [(a.id, a.title, a.body, a.source, a.date) for a in r.articles] == [
        ("1", "One", "Multi\nline body", "Pub", "2016-01-02"),
        ("4", "Four", "Text four", "", "2017-03-05"),
    ]
    assert [(s.where, s.reason) for s in r.skipped] == [
        ("t.csv:4", "empty body"),
        ("t.csv:5", "unparsable date: '31/31/2016'"),
    ]
    general = read_path(p, profile="general")  # nothing in the file settles the order: no date is guessed
    assert [a.id for a in general.articles] == ["4"]
    assert general.skipped[0].where == "t.csv:2" and general.skipped[0].reason.startswith("ambiguous date '1/2/2016'")
    cp = tmp_path / "cp.csv"
    # cp1252 with FA-KES-style broken bytes: 0x95 0x81 is undefined in cp1252 and decodes to •\ufffd
    cp.write_bytes(b"title,text\r\nCaf\xe9,Syria\x95_s war \x96 on \x95\x81quoted\x95\x81\r\n")
    r = read_path(cp)  # auto: the artifacts are the evidence, and the note says so
    assert [(a.id, a.title, a.body) for a in r.articles] == [("cp-2", "Café", 'Syria\'s war – on "quoted"')]
    assert [n.reason for n in r.notes] == ["profile syria-iraq rule: 3 '•_' mis-decoding artifact(s) (cp1252) repaired"]
    assert read_path(cp, profile="general").articles[0].body == "Syria\u2022_s war – on \u2022\ufffdquoted\u2022\ufffd"


# --- files, formats, errors -------------------------------------------------------------------


def test_unknown_extension_missing_and_binary_files(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "b.md").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "c.jsonl").write_bytes(b'\xff\xfe{"text": 1}')
    (tmp_path / ".hidden.md").write_text("# Hidden\n\nnot read", encoding="utf-8")
    r = read_path(tmp_path)
    assert r.articles == []
    reasons = {Path(s.where).name: s.reason for s in r.skipped}
    assert reasons["a.pdf"].startswith("unknown format")
    assert reasons["b.md"].startswith("unreadable file")
    assert reasons["c.jsonl"].startswith("unreadable file")
    assert ".hidden.md" not in reasons
    missing = read_path(tmp_path / "nope.jsonl")
    assert missing.articles == [] and missing.skipped[0].reason.startswith("unreadable file")
    with pytest.raises(ValueError):
        read_path(tmp_path, fmt="docx")


def test_front_matter_round_trip(tmp_path):
    a = Article(
        id="0",
        title='He said: "yes" — #1',
        body="Para one: a: b.\n\n---\n\nPara two\nline",
        source="true",
        date="2016-08-26",
        date_inferred=True,
        date_evidence="Map [26/8/2016]",
        url="https://e.org/x?a=1&b=2",
    )
    b = Article(id="plain", title="Plain", body="Body.")
    paths = write_corpus([a, b], tmp_path / "out")
    assert [p.name for p in paths] == ["0.md", "plain.md"]
    r = read_path(tmp_path / "out")
    assert r.skipped == [] and r.articles == [a, b]
    assert dump_article(a).startswith("---\n")


def test_markdown_without_front_matter_and_bad_front_matter(tmp_path):
    (tmp_path / "story.md").write_text("# A heading\n\nSome text.\n", encoding="utf-8")
    (tmp_path / "bad.md").write_text("---\ntitle: [unclosed\n---\nText\n", encoding="utf-8")
    (tmp_path / "baddate.md").write_text('---\ndate: "someday"\n---\nText\n', encoding="utf-8")
    r = read_path(tmp_path)
    assert [(a.id, a.title, a.body) for a in r.articles] == [("story", "A heading", "Some text.")]
    reasons = {Path(s.where).name: s.reason for s in r.skipped}
    assert reasons["bad.md"].startswith("invalid front matter")
    assert reasons["baddate.md"] == "unparsable date: 'someday'"


HTML_PAGE = """<!doctype html>
<html><head>
<title>Aid convoy reaches Darayya | Example News</title>
<meta property="article:published_time" content="2016-08-26T10:00:00Z">
<meta property="og:site_name" content="Example News">
<link rel="canonical" href="https://example.org/news/darayya">
<script>var tracking = "do not index";</script>
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Aid convoy reaches Darayya</h1>
<p>Aid convoys arranged by the Red Crescent entered the besieged town of Darayya on Friday.</p>
<script>alert(1)</script>
<p>Hundreds of rebel fighters prepared to lay down their arms after ceding control of the area.</p>
</article>
</body></html>
"""


def test_html_page(tmp_path):
    p = tmp_path / "darayya.html"
    p.write_text(HTML_PAGE, encoding="utf-8")
    (tmp_path / "tiny.htm").write_text("<p>Short.</p><script>alert(1)</script>", encoding="utf-8")
    r = read_path(tmp_path)
    assert r.skipped == []
    page, tiny = r.articles
    assert page.id == "darayya" and page.title == "Aid convoy reaches Darayya"
    assert page.body.startswith("Aid convoys arranged by the Red Crescent")
    assert "Hundreds of rebel fighters" in page.body
    assert (page.date, page.date_inferred) == ("2016-08-26", False)
    assert page.url == "https://example.org/news/darayya" and page.source == "Example News"
    for a in (page, tiny):
        assert "alert" not in a.body and "tracking" not in a.body
    assert tiny.body == "Short."
