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
from .disagreement import Mention, Slot, cited_as, mention_citation, mention_line

KIND = "counts"  # Statement.kind of these lines: prose, not the disagreement table


def other_counts(
    day_mentions: Sequence[Mention], event: Sequence[Mention], room: int, free: set[int], every_report: bool = False
) -> list[Mention]:
    """The counts to list besides ``event`` (the claimed disagreement, maybe empty): one report
    per value not already shown, best first, citing at most ``room`` passages beyond ``free``
    (chunk ids cited already). With ``every_report`` (the question asks whether the reports agree)
    the room left goes to more reports of the listed values, and equal counts of two or more reports
    are listed too: that they agree is the answer. Otherwise, without an event, they are listed
    only when they differ."""
    shown = {m.value for m in event}
    in_event = {m.passage.article_id for m in event}
    out: list[Mention] = []
    for m in day_mentions:
        if m.passage.article_id in in_event or m.value in shown:
            continue
        ok, room = _afford(m, room, free)
        if ok:
            shown.add(m.value)
            out.append(m)
    if every_report:
        order = [m.value for m in out]
        taken = {id(m) for m in out}
        for m in day_mentions:
            if m.value in order and id(m) not in taken and m.passage.article_id not in in_event:
                ok, room = _afford(m, room, free)
                out += [m] if ok else []
        out.sort(key=lambda m: order.index(m.value))  # stable: a value's reports together
    differ = len({m.value for m in out}) >= 2
    return out if event or differ or (every_report and len(out) >= 2) else []


def _afford(m: Mention, room: int, free: set[int]) -> tuple[bool, int]:
    """Can ``m`` be cited within ``room`` more passages (its passage cited already costs nothing)?"""
    if m.passage.chunk_id in free:
        return True, room
    return (True, room - 1) if room > 0 else (False, room)


def compose_counts(
    slot: Slot,
    listed: Sequence[Mention],
    window: DateWindow,
    places: Sequence[str],
    first_n: int,
    reuse: dict[tuple[str, int, int], int],
    after_event: bool,
) -> tuple[list[Statement], list[Citation]]:
    """Statements (kind ``counts``) listing each count with its reports and quotes (a quote the
    answer gave already is cited, not repeated), and the new citations."""
    quoted = dict(reuse)
    statements = [Statement(_intro(slot, listed, window, places, after_event), [], 1.0, KIND, paragraph=True)]
    citations: list[Citation] = []
    n = first_n
    for k, m in enumerate(listed):
        cn = cited_as(m, reuse)
        if cn is None:
            cn = n
            citations.append(mention_citation(n, m))
            reuse[(m.passage.article_id, m.start, m.end)] = n
            n += 1
        first_of_value = k == 0 or listed[k - 1].value != m.value
        text = mention_line(m, with_value=first_of_value, quote=cited_as(m, quoted) is None)
        statements.append(Statement(text, [cn], 1.0, KIND, paragraph=first_of_value and k > 0))
    return statements, citations


def _intro(slot: Slot, listed: Sequence[Mention], window: DateWindow, places: Sequence[str], after: bool) -> str:
    where = f" that name {' and '.join(places)}" if places else ""
    when = (
        day_label(window.start) if window.start == window.end else f"{day_label(window.start)}–{day_label(window.end)}"
    )
    if after:
        return f"Other counts in reports of {when}{where}, not shown to be of the same incident:"
    if len({m.value for m in listed}) == 1:
        return f"The {len(listed)} reports of {when}{where} found give the same number of {slot.label}:"
    return (
        f"Reports of {when}{where} give different numbers of {slot.label}, but nothing shows they count "
        "the same incident, so this is not a disagreement:"
    )
