"""Turn chosen sentences into the answer's statements and citations.

Shape: the direct answer first (the span that answers the question, citing the quote it comes
from), then the supporting quotes, each followed once per report by a compact attribution
"(Reuters, 10 Sep 2016)". Titles, outlet lists and date evidence live in the citation. A quote
that starts with a pronoun ("He said it would…") brings the sentence before it (kind
``context``) so the reader knows who "he" is. Every statement is verbatim: quotes are shown with
``display_quote`` (spacing and nested quotation marks tidied), the direct answer is a substring of
its cited quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Answer, Citation, DirectAnswer, Passage, Statement, day_label, render_statements
from .display import display_quote

_ELLIPSIS = "…"
_PRONOUN_LEAD = re.compile(r"^[“\"‘']?(he|she|they|it|his|her|their|its|this|these|those|we|i)\b", re.I)
# "“We are being forced to leave,” Hussam Ayash told …": the quotation's "we" is its speaker, named after it
_SPEAKER_NAMED = re.compile(r"^[“\"][^”\"]{3,}[”\"]\s*,?\s*(?!(?:he|she|they|it|we|i)\b)[\w‘’'-]+", re.I)


@dataclass(slots=True)
class Quote:
    """A verbatim span of a passage (body offsets) chosen for the answer."""

    passage: Passage
    start: int
    end: int
    cut_before: bool = False
    cut_after: bool = False
    score: float = 0.0

    @property
    def text(self) -> str:
        p = self.passage
        return p.text[self.start - p.start : self.end - p.start]

    def shown(self) -> str:
        return f"{_ELLIPSIS if self.cut_before else ''}{display_quote(self.text)}{_ELLIPSIS if self.cut_after else ''}"


def fmt_date(p: Passage) -> str:
    d = day_label(p.date)
    return f"{d}, date inferred" if p.date and p.date_inferred else d


def attribution(p: Passage) -> str:
    """ "(Reuters, 10 Sep 2016)": the first outlet of a combined "A/B/C" line (the rest are in the
    citation), the report date, and "date inferred" when the date was read off the text."""
    outlets = [s.strip() for s in (p.source or "").split("/") if s.strip()]
    who = outlets[0] + (" et al." if len(outlets) > 1 else "") if outlets else ""
    when = fmt_date(p)
    if not who:
        return "(undated report)" if when == "undated" else f"({when})"
    return f"({who}, {when})"


def context_before(q: Quote) -> Quote | None:
    """The sentence before a pronoun-led quote, from the same passage, or None."""
    from ..sentences import quote_aware_spans

    if q.cut_before or not _PRONOUN_LEAD.match(q.text) or _SPEAKER_NAMED.match(q.text):
        return None
    p = q.passage
    prev = None
    for s, e in quote_aware_spans(p.text, p.start):
        if s >= q.start:
            break
        prev = (s, e)
    if prev is None or p.text[prev[1] - p.start : q.start - p.start].count("\n") > 1:
        return None
    return Quote(p, prev[0], prev[1])


class Composer:
    """Collects statements and numbered citations (one per distinct quoted span)."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []
        self.citations: list[Citation] = []
        self._attributed: set[str] = set()

    def cite(self, q: Quote) -> int:
        p = q.passage
        for c in self.citations:
            if c.chunk_id == p.chunk_id and c.start == q.start and c.end == q.end:
                return c.n
        n = len(self.citations) + 1
        self.citations.append(Citation.of(n, p, q.start, q.end, q.text, q.score))
        return n

    def add_quote(self, q: Quote, kind: str = "quote", prefix: str = "") -> int:
        """A quote statement (with its context sentence first when it needs one); returns its citation."""
        ctx = context_before(q) if kind != "context" else None
        if ctx is not None:
            self.add_quote(ctx, "context")
        n = self.cite(q)
        text = f"{prefix}“{q.shown()}”"
        if kind != "context" and q.passage.article_id not in self._attributed:
            text += f" {attribution(q.passage)}"
            self._attributed.add(q.passage.article_id)
        self.statements.append(Statement(text, [n], 1.0, kind, paragraph=bool(self.statements)))
        return n

    def add_direct(self, q: Quote, span_start: int, span_end: int) -> DirectAnswer:
        """The direct answer: a span of ``q`` (body offsets), citing ``q``."""
        n = self.cite(q)
        raw = q.passage.text[span_start - q.passage.start : span_end - q.passage.start]
        self.statements.append(Statement(display_quote(raw), [n], 1.0, "direct"))
        return DirectAnswer(raw, n)

    def words(self) -> int:
        return len(render_statements(self.statements).split())

    def answer(self, passages: Sequence[Passage], direct: DirectAnswer | None) -> Answer:
        return Answer(
            answer=render_statements(self.statements),
            abstained=False,
            citations=self.citations,
            passages=list(passages),
            statements=self.statements,
            direct_answer=direct,
            grounding=grounding(self.statements),
        )


def grounding(statements: Sequence[Statement]) -> float:
    """How well the whole answer is supported (eval/README.md): the word-weighted mean ``support`` of
    the statements that claim something (all but ``note``s); 0 when nothing is claimed."""
    claims = [(len(s.text.split()), s.support) for s in statements if s.kind != "note" and s.citations]
    total = sum(w for w, _ in claims)
    return round(sum(w * s for w, s in claims) / total, 4) if total else 0.0
