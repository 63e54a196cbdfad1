"""What a question asked for beyond its words: its day and the outlet it named as its source.

Retrieval marks every candidate with what was asked (``asked_day``, ``asked_outlet``) when the index
holds reports of it, next to what each report meets (``window``, ``outlet``); ranking keeps the
asked reports in the re-ranker's view, and the answer says when its report is not one of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from ..models import Passage
from .query_dates import DateWindow


def mark_asked(passages: list[Passage], day: bool, window: DateWindow | None = None) -> None:
    """What the question asked for, on every candidate, when the index has reports of it (the
    answer then says when its report is not one of them): its day (``asked_day``) if some
    candidate is of that day or of the day after the typed day ``window`` (news of a Friday is
    often filed on the Saturday), its outlet (``asked_outlet``) if some candidate is of that outlet. A day the
    archive has nothing of ("died on July 4, 1826") names an event, not a report."""
    asked = {}
    if day and any("window" in p.scores or _the_day_after(p, window) for p in passages):
        asked["asked_day"] = 1.0
    if any("outlet" in p.scores for p in passages):
        asked["asked_outlet"] = 1.0
    for p in passages:
        p.scores.update(asked)


def carried_phrase(question: str, phrase: str) -> bool:
    """Is the date phrase one a conversation carried in the bracket after the question ("… killed?
    (Aleppo, 25 September 2016)"), not one the user typed?"""
    bracket = re.search(r"\(([^()]*)\)\s*$", question)
    return (
        bracket is not None and phrase.strip() in bracket.group(1) and phrase.strip() not in question[: bracket.start()]
    )


def _the_day_after(p: Passage, window: DateWindow | None) -> bool:
    if window is None or not p.date or p.date_inferred:
        return False
    return (dt.date.fromisoformat(p.date) - dt.date.fromisoformat(window.end)).days == 1


def period_range(window: DateWindow, before: int = 3, after: int = 14) -> tuple[str, str]:
    """The report dates that can tell of a period: from ``before`` days ahead (a date read a little
    early) to ``after`` days past its end (a report follows its event)."""
    start = (dt.date.fromisoformat(window.start) - dt.timedelta(days=before)).isoformat()
    end = (dt.date.fromisoformat(window.end) + dt.timedelta(days=after)).isoformat()
    return start, end


def mark_period(passages: list[Passage], window: DateWindow) -> None:
    """A month or week named with its year ("in January 2017") of which the archive holds reports:
    every candidate is marked with it (``asked_period``), those dated in it (``period_range``) with
    ``period``; the answer then says when its report is of another month."""
    start, end = period_range(window)
    for p in passages:
        p.scores["asked_period"] = 1.0
        if p.date and start <= p.date <= end:
            p.scores["period"] = 1.0


def names_outlet(passages: list[Passage]) -> bool:
    """Did the question name an outlet as its source, one the index holds reports of (``mark_asked``)?"""
    return any("asked_outlet" in p.scores for p in passages)


def meets_asked(p: Passage) -> bool:
    """Is this the report the question asked for: of its day and of its outlet, whichever it named
    (``mark_asked``)?"""
    day, outlet = "asked_day" in p.scores, "asked_outlet" in p.scores
    return (day or outlet) and (not day or "window" in p.scores) and (not outlet or "outlet" in p.scores)


def asked_within(out: list[Passage], depth: int) -> list[Passage]:
    """The candidates with the reports the question asked for moved into the first ``depth`` (what
    the re-ranker sees): a report of the asked day and outlet can fuse low behind many alike."""
    return moved_within(out, depth, meets_asked)


def moved_within(out: list[Passage], depth: int, wanted: Callable[[Passage], bool]) -> list[Passage]:
    """``out`` with the ``wanted`` candidates below ``depth`` moved into its last places, at most half
    of them, keeping every list's order."""
    late = [p for p in out[depth:] if wanted(p)][: depth // 2]
    if not late:
        return out
    moved = {id(p) for p in late}
    keep = depth - len(late)
    rest = [p for p in out if id(p) not in moved]
    return rest[:keep] + late + rest[keep:]
