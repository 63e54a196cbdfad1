"""Text cleaning shared by every reader.

Citation quotes are offsets into the *stored* body, so the body is cleaned exactly once, here,
and nothing downstream rewrites it. ``clean_text`` is idempotent (a property test checks it),
which is what lets a dumped article read back unchanged.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Line breaks in every spelling become "\n" before anything else looks at the text.
_NEWLINES = re.compile(r"\r\n|[\r\v\f\x85\u2028\u2029]")

# FA-KES was decoded as cp1252 with errors="replace": a bullet (0x95) followed by "_" or U+FFFD
# stands for one lost punctuation mark. Seen in the data: "Syria•_s Aleppo" (apostrophe),
# "Outrage as Syria •_chemical attack•_ kills" (quotes), "near Damascus •_ monitor" (dash),
# "Copyright •\ufffd 2018 TRT World" (copyright sign).
_ARTIFACT = re.compile(r"\u2022[_\ufffd]")
_COPYRIGHT = re.compile(r"(?i)(copyright\s*)\u2022[_\ufffd]")

_HSPACE = re.compile(r"[^\S\n]+")  # whitespace other than the newline
_BLANKS = re.compile(r"\n{3,}")


# Control characters (category Cc except \n and \t), lone surrogates and the BOM carry no text
# and break JSON/YAML/quoting downstream.
_DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")


def _artifact_replacement(text: str, start: int, end: int) -> str:
    """Pick the punctuation an artifact most plausibly replaced, from its neighbours."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() and after.isalnum():
        return "'"  # Syria•_s -> Syria's
    if before.isspace() and after.isspace():
        return "\u2013"  # Aleppo •_ monitor -> Aleppo – monitor
    return '"'  # •_chemical attack•_ -> "chemical attack"


def fix_artifacts(text: str) -> str:
    """Replace FA-KES ``•_`` / ``•\\ufffd`` artifacts with the punctuation they stood for."""
    if "\u2022" not in text:
        return text
    text = _COPYRIGHT.sub("\\1\u00a9", text)
    return _ARTIFACT.sub(lambda m: _artifact_replacement(m.string, m.start(), m.end()), text)


# Inline formatting markup left in scraped text (RealTime QA passages carry `<a href=…>` in two
# of three records). Only these presentational tags are removed: anything else, `<script>`
# included, is kept as the literal text it is (and always rendered as text).
_INLINE_TAG = re.compile(r"</?(?:a|u|em|strong|b|i|span|sup|sub|small|mark|abbr|font)(?:\s[^<>]{0,2000})?/?>", re.I)
_BREAK_TAG = re.compile(r"</?(?:p|br|div)(?:\s[^<>]{0,2000})?/?>", re.I)
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,6});")


def strip_inline_markup(text: str) -> str:
    """Drop inline HTML formatting tags and decode entities, when the text has them.

    Repeated to a fixed point (double-escaped `&amp;lt;a&amp;gt;` unfolds in steps), so cleaning is
    idempotent."""
    for _ in range(5):
        before = text
        if "<" in text:
            text = _BREAK_TAG.sub(" ", _INLINE_TAG.sub("", text))
        if "&" in text and _ENTITY.search(text):
            text = html.unescape(text)
        if text == before:
            break
    return text


def clean_text(s: str) -> str:
    """Normalise a body: NFC, artifacts fixed, no control chars, tidy whitespace.

    Whitespace runs inside a line become one space and lines are stripped; single line breaks
    are kept (lists, captions) and any run of blank lines becomes one paragraph break "\\n\\n".
    """
    if not isinstance(s, str):
        s = "" if s is None else str(s)
    s = _NEWLINES.sub("\n", s)
    s = strip_inline_markup(s)
    s = _DROP.sub("", s)
    s = fix_artifacts(s)
    s = unicodedata.normalize("NFC", s)
    s = _HSPACE.sub(" ", s)
    s = "\n".join(line.strip(" ") for line in s.split("\n"))
    s = _BLANKS.sub("\n\n", s)
    return s.strip("\n")


def clean_line(s: str) -> str:
    """Like ``clean_text`` but for one-line fields (titles, sources): all whitespace -> one space."""
    return " ".join(clean_text(s).split())


def derive_title(body: str, max_words: int = 12) -> str:
    """A stand-in title for records without one: the first sentence of a (cleaned) body, at most
    ``max_words`` words, "…" marking a cut."""
    first = clean_line(body.lstrip().split("\n", 1)[0][:1000])
    try:
        from rag.sentences import sentence_spans

        spans = sentence_spans(first)
        if spans:
            first = first[spans[0][0] : spans[0][1]]
    except Exception:  # sentence splitting is a nicety here, not a requirement
        pass
    words = first.split()
    if len(words) > max_words:
        return " ".join(words[:max_words]) + " …"
    return " ".join(words).rstrip(".!?;:,") or "Untitled"
