"""Questions that ask two things at once ("When did the rebels leave Darayya and where did they go?").

One search and one direct answer serve one question: asked two things, the answer led with the first
and the coverage check wanted both halves' words in one sentence. ``question_parts`` splits such a
question where "and" starts a second wh-question; the service answers each part (the second as a
follow-up of the first, so "they" is resolved) and, when both are answered, ``merge_answers`` makes
one answer of the two: the first part's answer first, citations renumbered and shared where both
quote the same passage, a quote shown once.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from ..models import (
    Answer,
    Citation,
    DirectAnswer,
    Disagreement,
    DisagreementValue,
    Passage,
    Statement,
    TimelineEntry,
    render_statements,
)
from .compose import grounding

_WH = r"(?:who|whom|whose|what|when|where|which|why|how)"
# ", and where did they go?" — "and" right before a wh-word that a verb or noun follows
_JOIN = re.compile(rf",?\s+and\s+(?={_WH}\s+\w+\s+\w+)", re.IGNORECASE)
_OPENS = re.compile(
    rf"^(?:{_WH}|did|does|do|is|are|was|were|has|have|had|can|could|will|would|should)\b", re.IGNORECASE
)


def question_parts(question: str) -> list[str]:
    """The two questions of ``question`` when it joins two wh-questions by "and" (each given its "?"),
    else []. The first part must itself be a question of three or more words."""
    text = question.strip()
    joins = list(_JOIN.finditer(text))
    if len(joins) != 1:
        return []
    first, second = text[: joins[0].start()].strip(), text[joins[0].end() :].strip()
    if len(first.split()) < 3 or not _OPENS.match(first):
        return []
    first = first.rstrip("?,;: ") + "?"
    second = second[0].upper() + second[1:].rstrip("?") + "?"
    return [first, second]


def merge_answers(first: Answer, second: Answer, parts: Sequence[str], top_k: int | None = None) -> Answer | None:
    """One answer from the answers to the two parts, or None unless both parts were answered: then the
    caller answers the question whole, as before. (A part answered alone is the weaker half: on
    questions whose answer is in no report, the second part, asked with fewer words, found a quote on
    another topic where the whole question abstained.) With ``top_k``, at most that many passages are
    returned, the cited ones first; None when the parts cite more than that."""
    if first.abstained or second.abstained:
        return None
    citations: list[Citation] = []
    renumber = [_add_citations(citations, a.citations) for a in (first, second)]
    statements: list[Statement] = []
    attributed: set[str] = set()
    quoted: list[tuple[str, int, int]] = []  # (article, start, end) of every quote shown
    for i, a in enumerate((first, second)):
        for j, st in enumerate(s for s in a.statements if s.kind != "note"):
            moved = _moved(st, renumber[i], citations, attributed, paragraph=bool(i) and j == 0)
            spans = [(c.article_id, c.start, c.end) for c in (citations[n - 1] for n in moved.citations)]
            if "“" in moved.text and spans and all(_inside(sp, quoted) for sp in spans):
                continue  # a quote of what the first part quoted already
            quoted += spans if "“" in moved.text else []
            statements.append(moved)
    return _within_top_k(_assemble((first, second), parts, renumber, citations, statements), top_k)


def _within_top_k(merged: Answer, top_k: int | None) -> Answer | None:
    if top_k is None or len(merged.passages) <= top_k:
        return merged
    cited = [p for p in merged.passages if any(_quotes(c, p) for c in merged.citations)]
    if len(cited) > top_k:
        return None
    merged.passages = cited + [p for p in merged.passages if p not in cited][: top_k - len(cited)]
    return merged


def _quotes(c: Citation, p: Passage) -> bool:
    """Does the citation quote text inside the passage?"""
    return c.article_id == p.article_id and p.start <= c.start and c.end <= p.end


def _inside(span: tuple[str, int, int], shown: Sequence[tuple[str, int, int]]) -> bool:
    return any(a == span[0] and s <= span[1] and span[2] <= e for a, s, e in shown)


def _assemble(answers, parts: Sequence[str], renumber: list[dict[int, int]], citations, statements) -> Answer:
    first, second = answers
    direct = None
    for a, m in zip((first, second), renumber):
        if direct is None and a.direct_answer is not None:
            direct = DirectAnswer(a.direct_answer.text, m.get(a.direct_answer.citation or -1))
    seen = {p.chunk_id for p in first.passages}
    passages = list(first.passages) + [p for p in second.passages if p.chunk_id not in seen]
    searched = [a.rewritten_question or part for a, part in zip((first, second), parts)]
    merged = Answer(
        answer="",  # rendered once the citations are final (_compacted)
        abstained=False,
        citations=citations,
        passages=passages,
        statements=statements,
        direct_answer=direct,
        grounding=grounding(statements),
        answer_mode=first.answer_mode,
        disagreements=[_disagreement(d, m) for a, m in zip((first, second), renumber) for d in a.disagreements],
        timeline=[_entry(t, m) for a, m in zip((first, second), renumber) for t in a.timeline],
        rewritten_question=" / ".join(searched),
    )
    return _compacted(merged)


def _compacted(a: Answer) -> Answer:
    """Only the citations something still cites, numbered 1, 2, … in the order the answer first cites them."""
    used = [n for st in a.statements for n in st.citations]
    used += [n for d in a.disagreements for v in d.values for n in v.citations] + [
        n for t in a.timeline for n in t.citations
    ]
    order = list(dict.fromkeys(used))
    new = {old: i + 1 for i, old in enumerate(order)}
    a.citations = [dataclasses.replace(a.citations[old - 1], n=new[old]) for old in order]
    a.statements = [dataclasses.replace(st, citations=[new[n] for n in st.citations]) for st in a.statements]
    a.disagreements = [_disagreement(d, new) for d in a.disagreements]
    a.timeline = [_entry(t, new) for t in a.timeline]
    if a.direct_answer is not None:
        a.direct_answer = DirectAnswer(a.direct_answer.text, new.get(a.direct_answer.citation or -1))
    a.answer = render_statements(a.statements)
    return a


def _add_citations(citations: list[Citation], new: Sequence[Citation]) -> dict[int, int]:
    """Append ``new`` to ``citations`` (one number per passage span); old number → merged number."""
    where = {(c.chunk_id, c.start, c.end): c.n for c in citations}
    out: dict[int, int] = {}
    for c in new:
        key = (c.chunk_id, c.start, c.end)
        if key not in where:
            where[key] = len(citations) + 1
            citations.append(dataclasses.replace(c, n=where[key]))
        out[c.n] = where[key]
    return out


_ATTRIBUTION = re.compile(r"(”)\s+\([^()]*(?:\([^()]*\)[^()]*)*\)$")  # "“…” (Reuters, 10 Sep 2016)"


def _moved(st: Statement, renumber: dict[int, int], citations, attributed: set[str], paragraph: bool) -> Statement:
    """``st`` with merged citation numbers, and without the attribution of a report already named."""
    nums = [renumber[n] for n in st.citations if n in renumber]
    ids = {citations[n - 1].article_id for n in nums}
    text = st.text
    if ids and _ATTRIBUTION.search(text):
        if ids <= attributed:
            text = _ATTRIBUTION.sub(r"\1", text)
        attributed |= ids
    return Statement(text, nums, st.support, st.kind, st.paragraph or paragraph)


def _disagreement(d: Disagreement, renumber: dict[int, int]) -> Disagreement:
    values = [DisagreementValue(v.value, [renumber[n] for n in v.citations if n in renumber]) for v in d.values]
    return Disagreement(d.slot, values)


def _entry(t: TimelineEntry, renumber: dict[int, int]) -> TimelineEntry:
    cites = [renumber[n] for n in t.citations if n in renumber]
    return TimelineEntry(t.date, t.text, cites, list(t.outlets), t.date_inferred)
