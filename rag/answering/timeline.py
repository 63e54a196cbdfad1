"""Timeline answers: the reports of a period, grouped by event, in the order the events happened.

Input: one passage per report (``rag/retrieval/period.py`` gathers them inside the asked
period). For each report the composer picks the one short sentence that best says what happened
(a verbatim span, its dateline cut off), reads the day it is about (``event_dates``), and groups
reports that tell the same event on the same day: ten reports of one attack become one entry
"reported by 4 outlets", citing each. Entries are ordered by the day of the event.

A report whose own dateline is far from its date is left out (the answer says which and why);
one whose date was inferred, or whose dateline is a few days off, is kept and marked.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..models import Answer, Citation, Passage, Statement, TimelineEntry, render_statements
from ..retrieval.query_dates import DateWindow
from ..sentences import sentence_spans
from ..text_terms import content_terms, stem
from .event_dates import EventDay, dateline_end, days_between, event_day, fmt_day, same_day
from .places import places_in

_CAPTION = re.compile(r"\[[^\]]*\d[^\]]*\]\s*$|^(situation\s+)?maps?\b|^(file\s+)?photo\b", re.I)
_CLAUSE = re.compile(r"[,;:]\s+|\s+[—–-]\s+")
_ELLIPSIS = "…"


@dataclass(slots=True)
class TimelineConfig:
    max_entries: int = 12
    max_reports_per_entry: int = 6
    max_quote_chars: int = 180
    max_also_chars: int = 120  # the quote of each further report of one event
    same_event_overlap: float = 0.3  # IDF-weighted share of the smaller sentence's words two reports share
    event_slack_days: int = 1  # a report may come out this long after the event it tells
    drop_gap_days: int = 31  # dateline this far from the report's date: left out
    mark_gap_days: int = 3  # … this far: kept, marked
    lead_bonus: float = 0.3  # for a report's first sentences: a news lead says what happened
    sentences_per_report: int = 8  # the first sentences of its passage: the lead and what follows


@dataclass(slots=True)
class Report:
    passage: Passage
    start: int  # body offsets of the quoted span
    end: int
    quote: str
    day: EventDay
    score: float
    words: set[str] = field(default_factory=set)
    cut_after: bool = False
    cut_before: bool = False  # the quote starts inside its sentence
    places: set[str] = field(default_factory=set)  # place names the sentence gives (skeletons)


class TimelineComposer:
    def __init__(self, config: TimelineConfig | None = None):
        self.config = config or TimelineConfig()

    def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        topic: Sequence[str] = (),
        window: DateWindow | None = None,
        list_outlets: bool = False,
        budget: int | None = None,
    ) -> Answer:
        """``passages``: one or more per report, best first. ``topic``: the words the question is
        about (preferred in the quoted sentence). ``list_outlets``: open with the outlets that
        reported (a "which outlets reported …" question) rather than the period. ``budget``: the
        most reports to cite (and passages to return): the events first, then more reports of each."""
        cfg = self.config
        topic_stems = {stem(t) for t in topic}
        reports, left_out = [], []
        for p in _one_per_article(passages):
            gap = p.scores.get("dateline_gap_days", 0.0)
            if not p.date or gap > cfg.drop_gap_days:
                left_out.append(p)
                continue
            r = self._pick(p, topic_stems)
            if r is not None:
                reports.append(r)
        if not reports:
            return _no_reports(list(passages)[: budget or len(passages)], window, left_out)
        groups = _within(self._group(reports), budget or len(reports), cfg.max_entries)
        groups.sort(key=lambda g: (g[0].day.day, g[0].passage.date or "", g[0].passage.article_id))
        return self._compose(groups, window, left_out, len(reports), list_outlets)

    # --- one sentence per report ------------------------------------------------------------------
    def _pick(self, p: Passage, topic: set[str]) -> Report | None:
        """The sentence of the passage that best says what happened: close in meaning to the
        question, naming the topic, early in the report (news leads summarise), not a caption."""
        sims = {e: c for _, e, c in p.sentences}
        # the sentences stored at ingest, when retrieval brought them (passage offsets); else split now
        spans = [(s - p.start, e - p.start) for s, e, _ in p.sentences] or sentence_spans(p.text)
        best: tuple[float, int, str, set[str]] | None = None  # score, start in the passage, text, stems
        for i, (s, e) in enumerate(spans[: self.config.sentences_per_report]):
            s = _skip_dateline(p.text, s, e)
            text = p.text[s:e].strip()
            if len(text) < 30 or not re.search(r"[^\W\d_]{3}", text) or _CAPTION.search(text):
                continue
            words = {stem(t) for t in content_terms(text)}
            lead = self.config.lead_bonus * max(0, 2 - i) / 2 if p.start == 0 else 0.0
            score = sims.get(p.start + e, 0.0) + (0.1 if words & topic else 0.0) + lead - 0.03 * min(i, 5)
            if best is None or score > best[0]:
                best = (score, s + (len(p.text[s:e]) - len(p.text[s:e].lstrip())), text, words)
        if best is None:
            return None
        score, s0, text, words = best  # the day and places are read for the chosen sentence only
        report = Report(p, p.start + s0, p.start + s0 + len(text), text, _day(text, p), score, words)
        report.places = places_in(text)
        _to_topic(report, topic, self.config.max_quote_chars)
        _shorten(report, self.config.max_quote_chars)
        return report

    # --- grouping by event ---------------------------------------------------------------------------
    def _group(self, reports: list[Report]) -> list[list[Report]]:
        """Greedy: each report (best first) joins the first group with a report of the same day, of
        no other place, that shares enough rare words with it; or it starts its own."""
        idf = _local_idf([r.words for r in reports])
        groups: list[list[Report]] = []
        for r in sorted(reports, key=lambda r: -r.score):
            home = None
            for g in groups:
                if len(g) < self.config.max_reports_per_entry and any(
                    same_day(r.day, o.day, self.config.event_slack_days)
                    and not (r.places and o.places and not r.places & o.places)  # two places: two events
                    and _overlap(r.words, o.words, idf) >= self.config.same_event_overlap
                    for o in g
                ):
                    home = g
                    break
            if home is None:
                groups.append([r])
            else:
                home.append(r)
        return groups

    # --- the answer ---------------------------------------------------------------------------------------
    def _compose(
        self,
        groups: list[list[Report]],
        window: DateWindow | None,
        left_out: list[Passage],
        n_reports: int,
        list_outlets: bool,
    ) -> Answer:
        """One line per event: its day, the lead report's outlet and quote, then each other report
        of it with a short quote of its own; every quote cites its report. The intro opens the
        first line and says what was left out."""
        note = _note(left_out, n_reports - sum(len(g) for g in groups), groups, self.config.mark_gap_days)
        intro = _intro(groups, window, list_outlets)
        statements = [Statement(f"{note} {intro}" if note else intro, [], 1.0, "timeline")]
        citations: list[Citation] = []
        entries: list[TimelineEntry] = []
        for k, g in enumerate(groups):
            ns = []
            for j, r in enumerate(g):
                if j:
                    _shorten(r, self.config.max_also_chars)
                citations.append(_citation(len(citations) + 1, r))
                ns.append(len(citations))
                quote = f"“{_ELLIPSIS if r.cut_before else ''}{r.quote}{_ELLIPSIS if r.cut_after else ''}”"
                text = (
                    f"{fmt_day(r.day.day)} — {_report_label(r, self.config.mark_gap_days)}: {quote}"
                    if j == 0
                    else f"also {_report_label(r, self.config.mark_gap_days)}: {quote}"
                )
                statements.append(Statement(text, [ns[-1]], 1.0, "timeline", paragraph=k > 0 and j == 0))
            outlets = list(dict.fromkeys(r.passage.source or "unknown outlet" for r in g))
            lead = g[0]
            inferred = lead.day.from_text or any(r.passage.date_inferred for r in g)
            entries.append(TimelineEntry(lead.day.day, citations[ns[0] - 1].quote, ns, outlets, inferred))
        cited = list({c.chunk_id: r.passage for c, r in zip(citations, (r for g in groups for r in g))}.values())
        return Answer(
            answer=render_statements(statements),
            abstained=False,
            citations=citations,
            passages=cited,
            statements=statements,
            grounding=1.0,
            note=note,
            timeline=entries,
        )


def _within(groups: list[list[Report]], budget: int, max_entries: int) -> list[list[Report]]:
    """The events to show and the reports of each to cite, at most ``budget`` reports in all: the
    weightiest events first (one report each), then more reports of each while the budget lasts."""
    # a quarter of the budget goes to further reports of the biggest events, when there are more
    # events than the budget can show one report of each
    n_events = min(max_entries, budget if len(groups) <= budget else max(1, budget - budget // 4))
    ranked = sorted(groups, key=lambda g: -_group_weight(g))[:n_events]
    chosen = [[g[0]] for g in ranked]
    left = budget - len(chosen)
    for g, c in sorted(zip(ranked, chosen), key=lambda gc: -len(gc[0])):
        extra = g[1 : 1 + max(0, left)]
        c.extend(extra)
        left -= len(extra)
    return chosen


def _one_per_article(passages: Sequence[Passage]) -> list[Passage]:
    seen: set[str] = set()
    out = []
    for p in passages:
        if p.article_id not in seen:
            seen.add(p.article_id)
            out.append(p)
    return out


def _skip_dateline(text: str, s: int, e: int) -> int:
    """Start of a sentence past a leading dateline ("Wed 05 Apr 2017 …", "Published April 3 2015 …")."""
    return s + dateline_end(text[s:e])


def _day(text: str, p: Passage) -> EventDay:
    day = event_day(text, p.date)
    assert day is not None  # p.date is set
    # a day read off the text more than a week before the report is history, not this report's event
    if day.from_text and p.date and day.day < p.date and days_between(day.day, p.date) > 7:
        return EventDay(p.date, False)
    return day


def _to_topic(r: Report, topic: set[str], limit: int) -> None:
    """A long sentence whose topic word comes past the cut ("Peshmerga forces advance … — Manbij residents
    celebrate …" for Manbij): quote from the clause that names it."""
    if len(r.quote) <= limit or not topic:
        return
    at = next((m.start() for m in re.finditer(r"[\w'’-]+", r.quote) if stem(m.group(0).lower()) in topic), None)
    if at is None or at < limit * 2 // 3:
        return  # no topic word, or one the quote keeps anyway
    begin = max((m.end() for m in _CLAUSE.finditer(r.quote, 0, at)), default=0)
    if begin:
        r.quote = r.quote[begin:]
        r.start += begin
        r.cut_before = True


def _shorten(r: Report, limit: int) -> None:
    """Cut a long sentence at the last clause boundary (or word) before ``limit`` characters."""
    if len(r.quote) <= limit:
        return
    cut = max((m.start() for m in _CLAUSE.finditer(r.quote, 0, limit) if m.start() >= limit // 2), default=-1)
    if cut < 0:
        cut = r.quote.rfind(" ", 0, limit)
    cut = cut if cut > 0 else limit
    r.quote = r.quote[:cut].rstrip(" ,;:—–-")
    r.end = r.start + len(r.quote)
    r.cut_after = True


def _local_idf(word_sets: list[set[str]]) -> dict[str, float]:
    """IDF over the reports at hand: words every report of the period shares (its place, "killed")
    say nothing about which event a report tells."""
    n = len(word_sets)
    df: dict[str, int] = {}
    for ws in word_sets:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    return {w: math.log(1 + n / c) for w, c in df.items()}


def _overlap(a: set[str], b: set[str], idf: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    shared = sum(idf.get(w, 1.0) for w in a & b)
    return shared / min(sum(idf.get(w, 1.0) for w in a), sum(idf.get(w, 1.0) for w in b))


def _group_weight(g: list[Report]) -> float:
    return max(r.score for r in g) + 0.1 * (len(g) - 1)


def _citation(n: int, r: Report) -> Citation:
    return Citation.of(n, r.passage, r.start, r.end, r.quote, r.score)


def _report_label(r: Report, mark_gap: int) -> str:
    p = r.passage
    who = p.source or f"“{p.title[:60]}”"
    marks = []
    if p.date != r.day.day:
        marks.append(f"report of {fmt_day(p.date)}")
    if p.date_inferred:
        marks.append("report date inferred from its text")
    gap, dateline = p.scores.get("dateline_gap_days", 0.0), p.scores.get("dateline_ordinal")
    if gap > mark_gap and dateline:
        marks.append(f"its own text is dated {fmt_day(dt.date.fromordinal(int(dateline)).isoformat())}")
    return f"{who} ({'; '.join(marks)})" if marks else who


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _intro(groups: list[list[Report]], window: DateWindow | None, list_outlets: bool) -> str:
    shown = sum(len(g) for g in groups)
    if list_outlets:
        outlets = list(dict.fromkeys(r.passage.source or "unknown outlet" for g in groups for r in g))
        return f"{_plural(len(outlets), 'outlet')} reported on this ({_plural(shown, 'report')}): {', '.join(outlets)}."
    dates = sorted(r.passage.date for g in groups for r in g if r.passage.date)
    if window is not None:
        period = f" from {fmt_day(window.start)} to {fmt_day(window.end)}"
    else:
        period = f" dated {fmt_day(dates[0])} to {fmt_day(dates[-1])}" if len(set(dates)) > 1 else ""
    return f"{_plural(shown, 'report')}{period}, {_plural(len(groups), 'event')} in date order:"


def _note(left_out: list[Passage], dropped: int, groups: list[list[Report]], mark_gap: int) -> str | None:
    parts = []
    undated = [p for p in left_out if not p.date]
    unreliable = [p for p in left_out if p.date]
    if unreliable:
        who = ", ".join(f"{p.source or p.title[:40]} ({fmt_day(p.date)})" for p in unreliable[:4])
        parts.append(
            f"Left out {len(unreliable)} report{'s' if len(unreliable) != 1 else ''} whose own text is dated more "
            f"than a month from its date, so its date is unreliable: {who}."
        )
    if undated:
        parts.append(f"Left out {len(undated)} undated report{'s' if len(undated) != 1 else ''}.")
    marked = sum(
        1
        for g in groups
        for r in g
        if r.passage.date_inferred or r.passage.scores.get("dateline_gap_days", 0) > mark_gap
    )
    if marked:
        parts.append(f"{marked} report date{'s are' if marked != 1 else ' is'} uncertain and marked.")
    if dropped > 0:
        parts.append(f"{_plural(dropped, 'more report')} of the period {'is' if dropped == 1 else 'are'} not shown.")
    return " ".join(parts) or None


def _no_reports(passages: Sequence[Passage], window: DateWindow | None, left_out: list[Passage]) -> Answer:
    period = f" from {fmt_day(window.start)} to {fmt_day(window.end)}" if window else ""
    text = f"The reports{period} don't answer this: none of them is about it."
    if left_out:
        text = (
            f"The reports{period} don't answer this: the {len(left_out)} that match are undated or their own "
            "text gives a date far from theirs."
        )
    return Answer(
        answer=text,
        abstained=True,
        citations=[],
        passages=list(passages),
        statements=[Statement(text, [], 0.0, "note")],
        note=text,
    )
