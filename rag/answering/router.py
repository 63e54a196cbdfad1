"""The answerer the service uses: routes a question by its form (``forms.py``).

- Timeline and list questions ("What happened in Idlib in April 2017?", "Which outlets reported
  …?") → ``TimelineComposer``: the period's reports grouped by event, in date order.
- Every other question → the single-fact answerer (extractive, or whatever is plugged in); then,
  for a count question or a question that asks whether reports agree, the reports are checked for
  different values of the asked count about the same event, and any found are added side by
  side (statements of kind ``disagreement`` and ``Answer.disagreements``).

Passages marked ``scores["pool"]`` were gathered beyond top-k only to look for other values; the
single-fact answerer never sees them, and only those cited come back in ``Answer.passages``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache

from ..models import Answer, Citation, Passage, Statement, render_statements
from ..retrieval.asked import names_outlet
from ..retrieval.period import POOL, topic_terms
from ..retrieval.query_dates import DateWindow, question_window
from .compose import grounding
from .day_counts import compose_counts, other_counts
from .disagreement import DisagreementFinder, compose_disagreement, count_slot, fit
from .event_dates import days_between
from .extractive import Answerer
from .forms import Form, question_form, without_comparison
from .places import question_places
from .question_type import QType, question_type
from .timeline import TimelineComposer


def wants_period(question: str) -> bool:
    """Does this question need every report of a period (a timeline or a list of reports)?"""
    return question_form(question).form in (Form.TIMELINE, Form.LIST)


def wants_values(question: str) -> bool:
    """Should the reports be compared for different values (a count, or "do the reports agree")?"""
    return question_form(question).form is Form.COMPARISON or question_type(question) is QType.COUNT


class RoutingAnswerer:
    def __init__(
        self,
        single: Answerer,
        timeline: TimelineComposer | None = None,
        disagreements: DisagreementFinder | None = None,
    ):
        self.single = single
        self.timeline = timeline or TimelineComposer()
        self.disagreements = disagreements or DisagreementFinder()

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        form = question_form(question).form
        base = [p for p in passages if POOL not in p.scores]
        if form in (Form.TIMELINE, Form.LIST):
            # the period was a hard filter already: the reports' own dates say what it covers
            topic = topic_terms(question)
            listed = self.timeline.answer(question, passages, topic, None, form is Form.LIST, budget=len(base))
            if form is Form.LIST and listed.abstained:
                return self.single.answer(question, base)  # "which outlet reported …" of undated reports: a quote
            return listed
        answer = self.single.answer(without_comparison(question), base)  # "agree" is no word to find
        if not wants_values(question):
            return answer
        if answer.abstained and names_outlet(base):
            return answer  # "according to X" and X's report does not say: other outlets' counts are no answer
        if answer.abstained:  # no one sentence answers, yet the reports of the day may give their counts
            counts = self._add_disagreement(question, Answer("", False, [], list(answer.passages)), base, passages)
            if not counts.statements:
                return answer
            counts.grounding = grounding(counts.statements)
            counts.timings_ms = answer.timings_ms
            return counts
        return self._add_disagreement(question, answer, base, passages)

    def __getattr__(self, name: str):
        """Anything else (``candidates``, ``support``, ``config`` …) is the single-fact answerer's."""
        if name in ("single", "timeline", "disagreements"):
            raise AttributeError(name)
        return getattr(self.single, name)

    def _add_disagreement(
        self, question: str, answer: Answer, base: list[Passage], passages: Sequence[Passage]
    ) -> Answer:
        """Append the disagreement about the asked count (if any), then, for a question naming a
        place and a day, the other counts that day's reports of the place give (``day_counts``)."""
        window = _window(question, dt.date.today().isoformat())
        day = window if _is_day(window) else None
        cited = {c.chunk_id for c in answer.citations}
        # at most as many passages as top-k returns: room for the reports the answer does not cite yet
        room = len(base) - len(cited)
        found, day_mentions = self.disagreements.find_with_day_counts(question, passages, day)
        slot, event = found if found is not None else (count_slot(question), [])
        # room goes to one report per value first, claimed or listed; then to more reports of a value
        firsts = fit(event, room, cited, per_value=True)
        if len({m.value for m in firsts}) < 2:
            event = firsts = []
        free = cited | {m.passage.chunk_id for m in firsts}
        places = question_places(question)
        scoped = day_mentions if day and places else []
        comparing = question_form(question).form is Form.COMPARISON
        listed = other_counts(scoped, event, room - (len(free) - len(cited)), free, every_report=comparing)
        if event:
            event = fit(event, room - len({m.passage.chunk_id for m in listed} - free), cited)
        if not event and not listed:
            return answer
        reuse = {(c.article_id, c.start, c.end): c.n for c in answer.citations}
        if event and slot is not None:
            statements, citations, disagreement = compose_disagreement(slot, event, len(answer.citations) + 1, reuse)
            _extend(answer, statements, citations)
            answer.disagreements = [*answer.disagreements, disagreement]
        if listed and slot is not None and day is not None:
            n = len(answer.citations) + 1
            _extend(answer, *compose_counts(slot, listed, day, places, n, reuse, bool(event)))
        answer.passages = _returned(base, passages, answer)
        return answer


def _extend(answer: Answer, statements: list[Statement], citations: list[Citation]) -> None:
    answer.statements = [*answer.statements, *statements]
    answer.citations = [*answer.citations, *citations]
    answer.answer = render_statements(answer.statements)


@lru_cache(maxsize=512)
def _window(question: str, today: str) -> DateWindow | None:
    """The question's date window (dateparser is slow: the same question is often asked again)."""
    return question_window(question, today)


def _returned(base: list[Passage], passages: Sequence[Passage], answer: Answer) -> list[Passage]:
    """The passages to return: every cited one, then the uncited top-k ones, no more than top-k."""
    cited = {c.chunk_id for c in answer.citations}
    extra = [p for p in passages if POOL in p.scores and p.chunk_id in cited]
    extra = list({p.chunk_id: p for p in extra}.values())
    room = len(base) - len(extra)
    keep = {p.chunk_id for p in base if p.chunk_id in cited}
    keep |= {p.chunk_id for p in [q for q in base if q.chunk_id not in cited][: max(0, room - len(keep))]}
    return [*(p for p in base if p.chunk_id in keep), *extra]


def _is_day(window: DateWindow | None) -> bool:
    """A window of a day or a week pins the event; a month or a year does not."""
    return window is not None and days_between(window.start, window.end) <= 7
