"""The model's text as claims: sentences with the passage numbers they cite.

A marker is ``[n]``, ``[n, m]``, ``[n][m]`` or a range ``[n-m]``. Markers the model puts after the
full stop ("... Darayya. [1] The next ...") belong to the sentence before them. ``ClaimStream``
does the same on text that arrives in pieces: a sentence is complete once the next one has begun
(or the text has ended), and only complete sentences leave it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..sentences import sentence_spans

MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*(?:[,;]|[-–])\s*\d{1,3})*)\s*\]")
_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_MARKDOWN = re.compile(r"\*\*|__|`")
_BULLET = re.compile(r"^\s*(?:[-*•]\s+|\d{1,2}[.)]\s+|#+\s*)")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")
_HAS_WORD = re.compile(r"[^\W_]")
# "...Darayya [1]. The next" / "...Darayya. [1] The next": a marker (with or without its full stop)
# followed by a capitalised word ends a sentence, whatever the splitter's abbreviation rules say.
_AFTER_MARKER = re.compile(r"(\][.!?]?) (?=[\"“‘(*_]*[A-Z])")


@dataclass(slots=True)
class Claim:
    text: str  # the sentence as the user would read it, without markers
    cited: list[int] = field(default_factory=list)  # the numbers as the model wrote them, first use order
    raw: str = ""  # the sentence as the model wrote it


def cited_numbers(marker_body: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", marker_body):
        a, sep, b = _range(part)
        nums = range(a, b + 1) if sep and 0 <= b - a <= 20 else [a]
        out.extend(n for n in nums if n not in out)
    return out


def _range(part: str) -> tuple[int, bool, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[-–]\s*(\d+)\s*", part)
    if m:
        return int(m.group(1)), True, int(m.group(2))
    return int(part.strip()), False, int(part.strip())


def _clean(text: str) -> str:
    text = MARKER.sub("", text)
    text = _MARKDOWN.sub("", text)
    text = _BULLET.sub("", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return " ".join(text.split())


def strip_thinking(text: str) -> str:
    """Reasoning models wrap their scratch work in <think>…</think>: it is not the answer."""
    return _THINK.sub("", text)


def parse_with_offsets(text: str) -> list[tuple[Claim, int]]:
    """Claims of ``text`` with the offset where each one's own words begin (after markers it hands back)."""
    out: list[tuple[Claim, int]] = []
    text = _AFTER_MARKER.sub("\\1\n", text)  # same length: offsets stay valid
    for s, e in sentence_spans(text):
        raw = text[s:e]
        lead = re.match(rf"^(?:\s*{MARKER.pattern})+", raw)
        if lead and out:  # markers before the first word close the previous sentence
            prev = out[-1][0]
            for m in MARKER.finditer(lead.group(0)):
                prev.cited.extend(n for n in cited_numbers(m.group(1)) if n not in prev.cited)
            prev.raw += " " + lead.group(0).strip()
            raw, s = raw[lead.end() :], s + lead.end()
        cited: list[int] = []
        for m in MARKER.finditer(raw):
            cited.extend(n for n in cited_numbers(m.group(1)) if n not in cited)
        clean = _clean(raw)
        if _HAS_WORD.search(clean):
            out.append((Claim(clean, cited, raw.strip()), s))
        elif cited and out:  # a stray marker on its own line
            out[-1][0].cited.extend(n for n in cited if n not in out[-1][0].cited)
    return out


def parse_claims(text: str) -> list[Claim]:
    return [c for c, _ in parse_with_offsets(strip_thinking(text))]


class ClaimStream:
    """Feed text as it arrives; get each sentence once it is complete."""

    def __init__(self) -> None:
        self._buf = ""

    def feed(self, piece: str) -> list[Claim]:
        self._buf += piece
        return self._take(final=False)

    def close(self) -> list[Claim]:
        return self._take(final=True)

    def _take(self, final: bool) -> list[Claim]:
        buf = strip_thinking(self._buf)
        open_think = buf.lower().rfind("<think>")
        if open_think >= 0:  # a reasoning block still being written: nothing in it is the answer
            if not final:
                return []
            buf = buf[:open_think]
        parsed = parse_with_offsets(buf)
        if final:
            self._buf = ""
            return [c for c, _ in parsed]
        # the last sentence may still grow, and markers after its full stop may still come: it is
        # complete only once the next sentence has at least two words
        if len(parsed) < 2 or len(parsed[-1][0].text.split()) < 2:
            return []
        self._buf = buf[parsed[-1][1] :]
        return [c for c, _ in parsed[:-1]]
