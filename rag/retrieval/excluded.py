"""How many reports the filters or ``as_of`` left out that would have matched the question.

Used when an answer abstains under a filter: "your filters left out 2 reports that mention these
words (1 of them undated)". A report *would match* when one of its chunks holds the question's two
rarest content words (an FTS5 AND query); it is *left out* when it fails the date bounds (an
undated report fails any date bound) or the outlet filter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..store.segments import source_matches
from ..text_terms import question_terms

DocFreq = Callable[[Sequence[str]], tuple[dict[str, int], int]]


def passes_filters(
    date: str | None, source: str, date_from: str | None, date_to: str | None, sources: Sequence[str] | None
) -> bool:
    """The store's filter semantics for one report: an undated report fails any date bound; an outlet
    matches as the store matches it (``source_matches``)."""
    if (date_from or date_to) and date is None:
        return False
    if date is not None and ((date_from and date < date_from) or (date_to and date > date_to)):
        return False
    return not sources or source_matches(source, sources)


def count_excluded(
    store, question: str, filters, as_of: str | None, doc_freq: DocFreq | None = None
) -> tuple[int, int]:
    """(reports left out by the filters that hold the question's rarest words, how many of them undated)."""
    terms = list(dict.fromkeys(t.replace('"', "") for t in question_terms(question)))
    terms = [t for t in terms if t]
    if not terms:
        return 0, 0
    if doc_freq is not None:
        df, _ = doc_freq(terms)
        terms = sorted(terms, key=lambda t: df.get(t, 0))
    rare = [t for t in terms if doc_freq is None or df.get(t, 0) > 0][:2]
    if not rare:
        return 0, 0
    hits = store.keyword_search(" AND ".join(f'"{t}"' for t in rare), 500)
    date_to = filters.date_to
    if as_of and (date_to is None or as_of < date_to):
        date_to = as_of
    left_out: dict[str, bool] = {}
    for p in store.passages([cid for cid, _ in hits]).values():
        if not passes_filters(p.date, p.source, filters.date_from, date_to, filters.sources):
            left_out[p.article_id] = p.date is None
    return len(left_out), sum(left_out.values())
