"""Other counts of the asked place and day: shown side by side, never claimed as a disagreement.

"How many civilians were killed in Aleppo on 29 July 2016? Do the reports agree?" names a place
and a day, and that day's reports of the place may count different incidents (a strike on one
town, a bombing in another, a toll told for the day before). The disagreement finder claims a
disagreement only between counts of one incident; the reader still asked what the reports say.
So the counts it left out are listed too, each quoted and cited with its report, under a line
that says plainly nothing shows they count the same incident. One report per value.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Citation, Statement, day_label
from ..retrieval.query_dates import DateWindow
from .disagreement import Mention, Slot, mention_citation, mention_line

KIND = "counts"  # Statement.kind of these lines: prose, not the disagreement table


def other_counts(day_mentions: Sequence[Mention], event: Sequence[Mention], room: int, free: set[int]) -> list[Mention]:
    """The counts to list besides ``event`` (the claimed disagreement, maybe empty): one report
    per value not already shown, best first, citing at most ``room`` passages beyond ``free``
    (chunk ids cited already). Without an event they are listed only when they differ: equal
    counts need no side by side."""
    shown = {m.value for m in event}
    in_event = {m.passage.article_id for m in event}
    out: list[Mention] = []
    for m in day_mentions:
        if m.passage.article_id in in_event or m.value in shown:
            continue
        if m.passage.chunk_id not in free:
            if room <= 0:
                continue
            room -= 1
        shown.add(m.value)
        out.append(m)
    return out if event or len(out) >= 2 else []


def compose_counts(
    slot: Slot,
    listed: Sequence[Mention],
    window: DateWindow,
    places: Sequence[str],
    first_n: int,
    reuse: dict[tuple[str, int, int], int],
    after_event: bool,
) -> tuple[list[Statement], list[Citation]]:
    """Statements (kind ``counts``) listing each count with its quote, and the new citations."""
    where = f" that name {' and '.join(places)}" if places else ""
    when = (
        day_label(window.start) if window.start == window.end else f"{day_label(window.start)}–{day_label(window.end)}"
    )
    if after_event:
        intro = f"Other counts in reports of {when}{where}, not shown to be of the same incident:"
    else:
        intro = (
            f"Reports of {when}{where} give different numbers of {slot.label}, but nothing shows they count "
            "the same incident, so this is not a disagreement:"
        )
    statements = [Statement(intro, [], 1.0, KIND, paragraph=True)]
    citations: list[Citation] = []
    n = first_n
    for k, m in enumerate(listed):
        key = (m.passage.article_id, m.start, m.end)
        if key not in reuse:
            citations.append(mention_citation(n, m))
            reuse[key] = n
            n += 1
        statements.append(Statement(mention_line(m), [reuse[key]], 1.0, KIND, paragraph=k > 0))
    return statements, citations
