"""Sentence spans with character offsets, shared by chunking and answering.

blingfire does the splitting (fast, offset-preserving); we only repair its one habit that
hurts news text: breaking after titles such as "Mr." or "Gen." before a name.
"""

from __future__ import annotations

import functools
import re

import blingfire

# Abbreviations after which a "sentence end" is almost always a false break in news prose.
_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "lt",
    "col",
    "capt",
    "maj",
    "sgt",
    "cpl",
    "adm",
    "brig",
    "cmdr",
    "gov",
    "sen",
    "rep",
    "prof",
    "rev",
    "st",
    "sr",
    "jr",
    "no",
    "vs",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "pres",
    "dept",
    "corp",
    "inc",
    "co",
}
_LAST_WORD = re.compile(r"(\w+)\.$")
# Any line break ends a sentence: bullet lists and captions are lines, and news prose keeps
# its sentences on one line.
_PARA = re.compile(r"\s*\n\s*")
_BULLET = "•·▪‣◦*-–—>"


def _merge_abbreviations(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out:
            ps, pe = out[-1]
            m = _LAST_WORD.search(text[ps:pe])
            if m and m.group(1).lower() in _ABBREV:
                out[-1] = (ps, end)
                continue
        out.append((start, end))
    return out


def trim_space(text: str, s: int, e: int) -> tuple[int, int]:
    """The span ``[s, e)`` of ``text`` without leading and trailing whitespace."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _paragraph_spans(para: str) -> list[tuple[int, int]]:
    """Sentences of one paragraph as contiguous spans: each runs from where blingfire starts it to
    where the next one starts (whitespace trimmed), so no character is ever lost between sentences,
    even ones blingfire drops (control characters) or mis-maps (it works on UTF-8 bytes)."""
    try:
        _, offs = blingfire.text_to_sentences_and_offsets(para)
    except Exception:  # blingfire rejects some odd inputs (NUL bytes…): the paragraph is one span
        offs = []
    n = len(para)
    bounds = [0, *sorted({s for s, _ in offs if 0 < s < n}), n]
    local = []
    for a, b in zip(bounds, bounds[1:]):
        s, e = trim_space(para, a, b)
        if e > s:
            local.append((s, e))
    return local


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences in ``text``, shifted by ``offset``.

    Paragraph breaks are hard boundaries; spans never include surrounding whitespace, so
    ``text[start:end]`` is always a clean quotable sentence, and together the spans cover every
    non-whitespace character of ``text``.
    """
    spans = _cached_spans(text) if len(text) <= _CACHED_MAX else _split(text)
    return [(s + offset, e + offset) for s, e in spans]


_CACHED_MAX = 4000  # passages, not whole articles being ingested: the cache stays a few MB


@functools.lru_cache(maxsize=4096)
def _cached_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The same passages come back for question after question, and blingfire maps its byte offsets
    back to characters in a Python loop: splitting a passage once saves ~2 ms an answer."""
    return tuple(_split(text))


def _split(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for para_match in [*_PARA.finditer(text), None]:
        para_end = para_match.start() if para_match else len(text)
        para = text[pos:para_end]
        if para and not para.isspace():
            for s, e in _merge_abbreviations(para, _paragraph_spans(para)):
                spans.append((pos + s, pos + e))
        if para_match is None:
            break
        pos = para_match.end()
    return spans


# --- quotation-aware sentences (for quoting; the index keeps ``sentence_spans``) ------------------

_OPEN_Q, _CLOSE_Q = "“«", "”»"
_MAX_MERGED = 4  # a quotation that never closes must not swallow a whole paragraph


def _inside_quotation(s: str) -> bool:
    """Does ``s`` leave a quotation open: more curly openers than closers, or an odd number of
    straight double quotes?"""
    curly = sum(s.count(c) for c in _OPEN_Q) - sum(s.count(c) for c in _CLOSE_Q)
    return curly > 0 or s.count('"') % 2 == 1


def quote_aware_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """``sentence_spans`` with the sentences of one quotation kept together: “We know they have the
    expertise. And we suspect they have help,” an official said. is one sentence, not two.

    Spans only ever merge neighbours inside one paragraph, so each result still starts and ends
    where a ``sentence_spans`` span does (the index's sentence vectors line up with the parts)."""
    out: list[tuple[int, int]] = []
    parts = 0
    for s, e in sentence_spans(text):
        if out and parts < _MAX_MERGED:
            ps, pe = out[-1]
            same_paragraph = "\n" not in text[pe:s]
            if same_paragraph and _inside_quotation(text[ps:pe]):
                out[-1] = (ps, e)
                parts += 1
                continue
        out.append((s, e))
        parts = 1
    return [(s + offset, e + offset) for s, e in out]
