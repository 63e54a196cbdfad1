"""Property tests: readers never raise on arbitrary text, and cleaning is a fixed point."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rag.models import Article
from rag.readers import read_path
from rag.readers.cleaning import clean_line, clean_text
from rag.readers.frontmatter import dump_article, parse_markdown

# Arbitrary unicode plus the characters that matter to our parsers, so they turn up often.
_SPECIAL = st.sampled_from(
    [
        "\n",
        "\r",
        "\u2028",
        "\x85",
        "\x00",
        " ",
        "\t",
        "\u00a0",
        "\u2022",
        "_",
        "\ufffd",
        "---",
        "Source: ",
        '"',
        ",",
        "{",
        "}",
        "<",
        ">",
        "[",
        "]",
        "/",
        ":",
        "#",
        "\u0301",
        "e",
        "\ufeff",
        "\U0001f600",
        "\ufffe",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=20), _SPECIAL), max_size=30).map("".join)
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


def _write(d: Path, suffix: str, text: str) -> Path:
    p = d / f"doc{suffix}"  # overwritten by each example
    p.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    return p


def _check(result) -> None:
    for a in result.articles:
        assert a.body and a.body == clean_text(a.body)
        assert a.date is None or len(a.date) == 10
    for s in result.skipped:
        assert "\n" not in s.reason
        assert not s.reason.startswith("reader error"), s  # read_path's safety net caught a bug


@FAST
@given(TEXT, st.sampled_from([".md", ".txt", ".jsonl", ".csv", ".html"]))
def test_read_path_never_raises(tmp_path, text, suffix):
    _check(read_path(_write(tmp_path, suffix, text)))


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["id", "title", "text", "date", "source", "url", "row"]),
        st.one_of(TEXT, st.integers(), st.none(), st.booleans(), st.floats()),
        max_size=6,
    )
)
def test_jsonl_records_never_raise(tmp_path, rec):
    p = _write(tmp_path, ".jsonl", json.dumps(rec) + "\n" + json.dumps(rec, ensure_ascii=False))
    _check(read_path(p))


@FAST
@given(TEXT, st.sampled_from(["seed", "markdown", "html", "csv", "jsonl"]))
def test_forced_format_never_raises(tmp_path, text, fmt):
    _check(read_path(_write(tmp_path, ".txt", text), fmt=fmt))


@settings(max_examples=300, deadline=None)
@given(TEXT)
@example("<A\x00>")  # a control character inside a tag: found by hypothesis in a fresh-clone run
def test_clean_text_is_idempotent(s):
    once = clean_text(s)
    assert clean_text(once) == once
    assert clean_line(clean_line(s)) == clean_line(s)
    assert "\r" not in once and "\n\n\n" not in once and once == once.strip()


@FAST
@given(TEXT, TEXT, TEXT, st.booleans())
def test_front_matter_round_trip(title, body, evidence, inferred):
    body = clean_text(body)
    if not body:
        return
    a = Article(
        id="x",
        title=clean_line(title) or "T",
        body=body,
        source=clean_line(evidence),
        date="2016-08-26",
        date_inferred=inferred,
        date_evidence=clean_text(evidence) or None if inferred else None,
    )
    got = parse_markdown(dump_article(a), stem="x", where="x.md")
    assert got == a
