"""When a report can tell of the day or month a question asks about.

A question's date ("on 24 August 2016", "in April 2018") is typed by the user, or carried by a
follow-up in the bracket after it ("How many children were among them? (Idlib, 12 June 2016)").
A typed day is asked for: its reports answer, and the next day's (news is often published then),
or a later one whose sentence puts the event on the day ("… on Wednesday"), or one whose own
dateline names the day whatever the archive dates it. A carried day only finds its reports first.
A report dated well before the asked month or day cannot tell of it.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from ..models import Passage
from ..retrieval.query_dates import DateWindow, is_named_period, is_report_day, question_window
from ..retrieval.text_dates import dateline
from ..text_terms import MONTH_PATTERN
from .event_dates import event_day
from .spans import typed_part

_DATED = re.compile(rf"\b(?:{MONTH_PATTERN}|(?:19|20)\d\d|today|yesterday)\b|\d/\d", re.I)  # a day asked for
_TYPED_DAYS = (0, 1)  # days before / after an asked day that a report may be dated and still be of it
_CARRIED_DAYS = (7, 3)  # … and a day the conversation carried (a toll that rose overnight, a date read off)


def date_carried(question: str) -> bool:
    """Is the question's date one the conversation carried (in the bracket after it), not one the
    user typed? It finds the reports of that day or month first; it asks for no report of them."""
    typed = typed_part(question)
    return typed != question and not _DATED.search(typed) and bool(_DATED.search(question[len(typed) :]))


def near_asked_day(p: Passage, question: str) -> bool:
    """A report dated close enough to the asked day to tell of it: for a day the user typed, the
    day after (its news is often published then); for a day the conversation carried (in the bracket
    after the question), a week before to three days after: that day finds its reports first, but
    the user did not ask for that day's reports only."""
    if not p.date or p.date_inferred:
        return False
    carried = date_carried(question)
    window = _asked_window(question if carried else typed_part(question))
    if window is None:
        return False
    before, after = _CARRIED_DAYS if carried else _TYPED_DAYS
    own = dateline(p.text) if p.start == 0 else None  # "Sun Feb 21 2016 Twin Bomb Attacks …" dated 16 Feb
    if own is not None and window.start <= own[0] <= window.end:
        return True
    day = dt.date.fromisoformat(p.date)
    return (dt.date.fromisoformat(window.start) - day).days <= before and (
        day - dt.date.fromisoformat(window.end)
    ).days <= after


def dated_asked_day_in_text(p: Passage, question: str) -> bool:
    """Does the report's own dateline ("Published October 17 2016 …") name the day the user typed,
    whatever the archive dates it? Then it is a report of that day as much as one the archive dates so."""
    if p.start != 0 or date_carried(question):
        return False
    window = _asked_window(typed_part(question))
    own = dateline(p.text)
    return window is not None and own is not None and window.start == window.end and own[0] == window.start


def tells_of_asked_day(sentence: str, p: Passage, question: str) -> bool:
    """Does the sentence say, in its own words, that what it reports happened on the asked day ("…
    were killed … on Wednesday" in a Thursday report, for "on 24 August 2016")? A report of the next
    day then answers for the day, though its own date is not the asked one."""
    if not sentence or not p.date or p.date_inferred:
        return False
    window = _asked_window(typed_part(question))
    told = event_day(sentence, p.date)
    return window is not None and told is not None and told.from_text and window.start <= told.day <= window.end


_LEADING_PREP = re.compile(r"^(?:in|on|during|of|from)\s+", re.I)


def asked_period(question: str) -> str:
    """The month or day the user typed, as the question words it ("April 2018")."""
    window = _asked_window(typed_part(question))
    return _LEADING_PREP.sub("", window.phrase.strip()) if window else "the period asked"


_PREDATES_BY = 31  # days: a report's date may be off by weeks (read off a caption, a swapped day and month)
_FUTURE = re.compile(r"\b(?:will|would|plans?|planned|scheduled|expected|due|upcoming|next)\b", re.I)


def predates(p: Passage, question: str) -> bool:
    """Is the report dated before the month or day the question asks about ("… in April 2018?")? It
    cannot tell of what happened then (a question about plans, "will …", aside)."""
    if not p.date or p.date_inferred or _FUTURE.search(question):
        return False
    window = _asked_window(typed_part(question))
    if window is None or not (is_report_day(window) or is_named_period(window)):  # a day or a month, with its year
        return False
    return (dt.date.fromisoformat(window.start) - dt.date.fromisoformat(p.date)).days > _PREDATES_BY


def long_after(p: Passage, question: str, days: int = 62) -> bool:
    """Is the report dated months after the day or month the question asks about? It may look back on
    it, but a report of the time tells of it first (a 2017 strike near Mayadeen is no answer about
    the air strikes on al-Mayadin of 15 September 2016)."""
    if not p.date or p.date_inferred:
        return False
    window = _asked_window(typed_part(question))
    if window is None or not (is_report_day(window) or is_named_period(window)):
        return False
    return (dt.date.fromisoformat(p.date) - dt.date.fromisoformat(window.end)).days > days


@lru_cache(maxsize=256)
def _asked_window(question: str) -> DateWindow | None:
    return question_window(question)
