"""HTML pages: main text via trafilatura, publication date via htmldate.

Nothing on the page is executed; ``<script>``/``<style>`` content never reaches the body. A date
htmldate finds in the page's own markup (``article:published_time`` and the like) counts as given
metadata, not an inference; ``extensive_search=False`` keeps it from guessing dates out of prose.
"""

from __future__ import annotations

import logging
from typing import Any

from rag.models import Article, SkippedRecord
from rag.readers.cleaning import clean_line, clean_text, derive_title
from rag.readers.dates import parse_metadata_date

# trafilatura and htmldate log at WARNING/ERROR on every odd page; that is not our error channel.
for _name in ("trafilatura", "htmldate", "charset_normalizer", "readability", "justext"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

_BLOCKS = (
    "p",
    "div",
    "li",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "section",
    "article",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
)
_NON_TEXT = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head")


def _tree(html: str) -> Any | None:
    """A parsed document, or None when lxml cannot make one (empty or hopeless input)."""
    try:
        import lxml.html

        return lxml.html.document_fromstring(html)
    except Exception:
        return None


def _first(tree: Any, xpaths: tuple[str, ...]) -> str:
    for xp in xpaths:
        try:
            for v in tree.xpath(xp):
                v = clean_line(str(v))
                if v:
                    return v
        except Exception:
            continue
    return ""


def _visible_text(tree: Any) -> str:
    """Fallback body: the text of ``<body>`` without scripts, styles and other non-text nodes."""
    try:
        body = tree.find(".//body")
        root = body if body is not None else tree
        for el in root.xpath("|".join(f".//{t}" for t in _NON_TEXT)):
            el.drop_tree()
        for el in root.iter():
            if el.tag in _BLOCKS:
                el.tail = "\n\n" + (el.tail or "")
        return clean_text(root.text_content())
    except Exception:
        return ""


def _extract(html: str) -> tuple[str, str, str]:
    """(body, title, sitename) from trafilatura; empty strings when it finds nothing."""
    try:
        import trafilatura

        doc = trafilatura.bare_extraction(
            html,
            favor_recall=True,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            as_dict=True,
        )
    except Exception:
        return "", "", ""
    if not doc:
        return "", "", ""
    if not isinstance(doc, dict):
        doc = getattr(doc, "as_dict", lambda: {})()
    # trafilatura puts one block element per line; make each a paragraph for the chunker.
    body = "\n\n".join(clean_text(doc.get("text") or "").split("\n"))
    return clean_text(body), clean_line(doc.get("title") or ""), clean_line(doc.get("sitename") or "")


def _find_date(html: str) -> str | None:
    try:
        from htmldate import find_date

        found = find_date(html, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    except Exception:
        return None
    return parse_metadata_date(found) if found else None


def parse_html(html: str, *, stem: str, where: str) -> Article | SkippedRecord:
    """One page -> one Article (id = file stem)."""
    tree = _tree(html)
    body, title, sitename = _extract(html)
    if not body and tree is not None:
        body = _visible_text(_tree(html))
    if not body:
        return SkippedRecord(where, "empty body")
    url = ""
    if tree is not None:
        title = title or _first(tree, ("//meta[@property='og:title']/@content", "//title/text()", "//h1//text()"))
        url = _first(tree, ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"))
        sitename = sitename or _first(tree, ("//meta[@property='og:site_name']/@content",))
    first, _, rest = body.partition("\n\n")
    if title and clean_line(first) == title and rest.strip():
        body = rest  # the page's <h1> repeats the title; an Article body does not
    return Article(
        id=stem,
        title=title or derive_title(body),
        body=body,
        source=sitename,
        date=_find_date(html),
        date_inferred=False,
        date_evidence=None,
        url=url or None,
    )
