"""Markup in ingested text fields is removed with an HTML parser; only http(s) URLs are kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.readers import read_path
from rag.readers.cleaning import clean_line, clean_text, safe_url


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Keepers <script>window.__xss=1</script>strike", "Keepers strike"),
        ("<SCRIPT type='text/javascript'>alert('<b>')</SCRIPT>Text", "Text"),
        ('a note <img src=x onerror="window.__xss=1"> here', "a note here"),
        ('<a href="javascript:alert(1)">click</a> me', "click me"),
        ("<style>body{display:none}</style>Visible", "Visible"),
        ('<div class="chart"><iframe src="https://x.example/c">fallback</iframe></div>After', "After"),
        ("<svg onload=alert(1)><circle/></svg>Shape", "Shape"),
        ("one<br>two<p>three</p>four", "one two three four"),
        ("<b>Bold</b> and <em>em</em>, <u>u</u>", "Bold and em, u"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Escaped", "Escaped"),  # escaped markup is still markup
        ("&amp;lt;script&amp;gt;x&amp;lt;/script&amp;gt;Twice", "Twice"),
        ("<!-- a comment -->Kept", "Kept"),
        ("AT&T &amp; partners", "AT&T & partners"),
        ("a < b and c > d, x<y", "a < b and c > d, x<y"),  # comparisons are text, not tags
        ("I <3 this", "I <3 this"),
        ("See <https://example.org/a>", "See https://example.org/a"),  # Markdown autolink keeps its address
        ("No markup at all.", "No markup at all."),
        ("<b/;='<script>", "<b/;='"),  # an unfinished tag holding a tag (found by the property test below)
        ("x <b x='<img src=x onerror=alert(1)>", "x <b x='"),
    ],
)
def test_markup_is_removed_and_text_kept(raw, clean):
    assert clean_text(raw) == clean
    assert clean_text(clean_text(raw)) == clean_text(raw)


HOSTILE = st.lists(
    st.sampled_from(
        ["<script>", "</script>", "<img src=x onerror=alert(1)>", "&lt;", "&gt;", "&amp;", "<b>", "</b>", "<", ">", "&"]
    )
    | st.text(alphabet="ab <>&;/=\"'x", max_size=6),
    max_size=12,
).map("".join)


@given(HOSTILE)
def test_cleaning_hostile_markup_is_idempotent_and_leaves_no_script_tag(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert "<script" not in once.lower() and "onerror=" not in once.lower()


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.org/a?b=c#d", True),
        ("http://example.org", True),
        ("HTTPS://EXAMPLE.ORG/x", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("//example.org/protocol-relative", False),
        ("/relative/path", False),
        ("http:///no-host", False),
        ("https://exa mple.org", False),
        ("ftp://example.org/file", False),
        ("", False),
        (None, False),
    ],
)
def test_only_absolute_http_urls_are_safe(url, ok):
    assert (safe_url(url) is not None) is ok
    assert safe_url(url) in (None, url)


def test_every_reader_drops_unsafe_urls_and_reports_them(tmp_path):
    (tmp_path / "a.md").write_text(
        '---\ntitle: "A <b>bold</b> title"\nurl: "javascript:alert(1)"\ndate: 2024-01-02\n---\n\nBody <script>x</script>text.\n',
        encoding="utf-8",
    )
    (tmp_path / "b.csv").write_text(
        'id,title,body,url\nc1,Csv title,Csv body.,"data:text/html;base64,PHNjcmlwdD4="\nc2,Ok,Fine.,https://ok.example/c2\n',
        encoding="utf-8",
    )
    (tmp_path / "c.html").write_text(
        "<html><head><title>Page</title><link rel='canonical' href='javascript:void(0)'></head>"
        "<body><article><p>Page body text that is long enough to be the main text of this page.</p>"
        "<script>steal()</script></article></body></html>",
        encoding="utf-8",
    )
    res = read_path(tmp_path)
    by_id = {a.id: a for a in res.articles}
    assert set(by_id) == {"a", "c1", "c2", "c"}
    assert by_id["a"].title == "A bold title" and by_id["a"].body == "Body text."
    assert all(a.url is None for k, a in by_id.items() if k != "c2") and by_id["c2"].url == "https://ok.example/c2"
    assert "steal" not in by_id["c"].body
    notes = {n.where.rsplit("/", 1)[-1]: n.reason for n in res.notes}
    assert notes == {
        "a.md": "url 'javascript:alert(1)' dropped: only http(s) URLs are kept",
        "b.csv:2": "url 'data:text/html;base64,PHNjcmlwdD4=' dropped: only http(s) URLs are kept",
        "c.html": "url 'javascript:void(0)' dropped: only http(s) URLs are kept",
    }
    assert res.skipped == []


def test_one_line_fields_are_cleaned_too():
    assert clean_line("Harbour <img src=x onerror=alert(1)>Gazette") == "Harbour Gazette"
