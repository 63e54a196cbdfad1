"""Sentence spans with character offsets, shared by chunking and answering.

blingfire does the splitting (fast, offset-preserving); we only repair its one habit that
hurts news text: breaking after titles such as "Mr." or "Gen." before a name.
"""

from __future__ import annotations

import re

import blingfire

# Abbreviations after which a "sentence end" is almost always a false break in news prose.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "gen", "lt", "col", "capt", "maj", "sgt", "cpl", "adm", "brig", "cmdr",
    "gov", "sen", "rep", "prof", "rev", "st", "sr", "jr", "no", "vs", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "pres", "dept", "corp", "inc", "co",
}
_LAST_WORD = re.compile(r"(\w+)\.$")
_PARA = re.compile(r"\n\s*\n")


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


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences in ``text``, shifted by ``offset``.

    Paragraph breaks are hard boundaries; spans never include surrounding whitespace,
    so ``text[start:end]`` is always a clean quotable sentence.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for para_match in list(_PARA.finditer(text)) + [None]:
        para_end = para_match.start() if para_match else len(text)
        para = text[pos:para_end]
        if para.strip():
            try:
                _, offs = blingfire.text_to_sentences_and_offsets(para)
            except Exception:  # blingfire rejects some odd inputs; fall back to one span
                offs = [(0, len(para))]
            local = []
            for s, e in offs:
                # blingfire offsets are into the string it got; trim whitespace defensively
                while s < e and para[s].isspace():
                    s += 1
                while e > s and para[e - 1].isspace():
                    e -= 1
                if e > s:
                    local.append((s, e))
            if not local:
                s, e = 0, len(para)
                while s < e and para[s].isspace():
                    s += 1
                while e > s and para[e - 1].isspace():
                    e -= 1
                local = [(s, e)] if e > s else []
            for s, e in _merge_abbreviations(para, local):
                spans.append((pos + s + offset, pos + e + offset))
        if para_match is None:
            break
        pos = para_match.end()
    return spans
