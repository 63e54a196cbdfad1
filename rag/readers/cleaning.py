"""Text cleaning shared by every reader.

Citation quotes are offsets into the *stored* body, so the body is cleaned exactly once, here,
and nothing downstream rewrites it. ``clean_text`` is idempotent (a property test checks it),
which is what lets a dumped article read back unchanged.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Line breaks in every spelling become "\n" before anything else looks at the text.
_NEWLINES = re.compile(r"\r\n|[\r\v\f\x85\u2028\u2029]")

_HSPACE = re.compile(r"[^\S\n]+")  # whitespace other than the newline
_BLANKS = re.compile(r"\n{3,}")


# Control characters (category Cc except \n and \t), lone surrogates and the BOM carry no text
# and break JSON/YAML/quoting downstream.
_DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")


# Markup in text fields (RealTime QA passages carry `<a href=…>` in two of three records; a feed may
# carry `<script>` or `<img onerror=…>`) is removed with a real HTML parser: tags go, their text stays,
# and the content of elements that hold code or embeds (script, style, iframe …) goes with them.
# Block-level tags become a space so words on either side do not run together.
_TAGLIKE = re.compile(r"<[A-Za-z!/?]")
_AUTOLINK = re.compile(r"<(https?://[^\s<>\"']+)>", re.I)  # Markdown's <https://…>: keep the address
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,6});")
_CODE_ELEMENTS = frozenset(
    "script style template iframe frame frameset object applet noscript noembed noframes svg math".split()
)
_BLOCK_ELEMENTS = frozenset(
    """p br div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr td th table thead tbody tfoot caption section
    article aside header footer nav main blockquote pre hr figure figcaption address details summary
    form fieldset legend option select textarea""".split()
)


class _TextOnly(HTMLParser):
    """Collects the text of a fragment: data outside code elements, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.inside_code = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _CODE_ELEMENTS:
            self.inside_code += 1
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_ELEMENTS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _CODE_ELEMENTS:
            self.inside_code = max(0, self.inside_code - 1)
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.inside_code:
            self.parts.append(data)


def _text_of_markup(text: str) -> str:
    parser = _TextOnly()
    parser.feed(text)
    # An unfinished tag at the end is held back and, on close(), given back as text whole, with any
    # tag inside it ("<b/;='<script>"): keep its "<" as text and read the rest as markup again.
    rest = parser.rawdata
    if rest.startswith("<") and _TAGLIKE.search(rest, 1):
        parser.rawdata = ""
        parser.close()
        tail = "" if parser.inside_code else "<" + _text_of_markup(rest[1:])
        return "".join(parser.parts) + tail
    parser.close()
    return "".join(parser.parts)


def strip_inline_markup(text: str) -> str:
    """The text of any HTML markup in ``text`` (tags removed, code elements dropped whole, entities
    decoded); text without markup is returned as it is.

    Repeated to a fixed point (double-escaped `&amp;lt;script&amp;gt;` unfolds in steps, and what it
    unfolds to is markup too), so cleaning is idempotent."""
    for _ in range(8):
        before = text
        if "<" in text and _TAGLIKE.search(text):
            text = _text_of_markup(_AUTOLINK.sub(r"\1", text))
        elif "&" in text and _ENTITY.search(text):
            text = html.unescape(text)
        if text == before:
            break
    return text


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (``javascript:``, ``data:``, relative …)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        return None
    return url


def clean_text(s: str) -> str:
    """Normalise a body: NFC, no control chars, tidy whitespace.

    Whitespace runs inside a line become one space and lines are stripped; single line breaks
    are kept (lists, captions) and any run of blank lines becomes one paragraph break "\\n\\n".
    """
    if not isinstance(s, str):
        s = "" if s is None else str(s)
    s = _NEWLINES.sub("\n", s)
    s = _DROP.sub("", s)  # first: "<A\x00>" is a tag once the control character is gone
    s = strip_inline_markup(s)
    s = _DROP.sub("", s)  # and again: decoded entities can be control characters
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
