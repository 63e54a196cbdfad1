"""Date phrases in a question ("in August 2016", "last week", "on 26 August 2016") → a date window.

dateparser finds and resolves the phrase (relative to ``as_of`` when given); we only decide
how wide the window is from what the phrase names (a day, a month, a year, a week…).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import warnings
from dataclasses import dataclass

from ..text_terms import MONTH_PATTERN

_MONTHS = MONTH_PATTERN
_HAS_MONTH = re.compile(rf"\b({_MONTHS})\b", re.I)
_HAS_YEAR = re.compile(r"\b(19|20)\d\d\b")
_HAS_DAY = re.compile(r"\b([12]?\d|3[01])(st|nd|rd|th)?\b")
_RELATIVE = re.compile(r"\b(?:last|past|previous|this)\s+(?:(\d+)\s+)?(day|week|month|year)s?\b", re.I)
_AGO = re.compile(r"\b(\d+|a|one|two|three)\s+(day|week|month|year)s?\s+ago\b", re.I)
_ABBREVIATED = re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.", re.I)
_PART_OF_MONTH = re.compile(rf"\b(early|mid|late|end)-(?=(?:{MONTH_PATTERN})\b)", re.I)
_NUMERIC_DAY = re.compile(r"\b(?:(19|20)\d\d-\d\d?-\d\d?|\d\d?/\d\d?/(?:19|20)?\d\d)\b")  # 2016-07-16, 7/16/2016
# "13-14 August 2016", "August 13-14, 2016": two days, which dateparser reads as the first alone
_DAY_RANGE = re.compile(
    rf"\b(?:(\d\d?)(?:st|nd|rd|th)?\s*(?:-|–|—|to|and)\s*(\d\d?)(?:st|nd|rd|th)?\s+({MONTH_PATTERN})"
    rf"|({MONTH_PATTERN})\s+(\d\d?)\s*(?:-|–|—|to|and)\s*(\d\d?)),?\s+((?:19|20)\d\d)\b",
    re.I,
)
_AMBIGUOUS_MONTHS = {"may", "march", "mar", "jan", "dec", "sat", "sun", "aug"}
_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}
_WORDNUM = {"a": 1, "one": 1, "two": 2, "three": 3}


@dataclass(frozen=True, slots=True)
class DateWindow:
    start: str  # ISO, inclusive
    end: str  # ISO, inclusive
    phrase: str


def _iso(d: dt.date) -> str:
    return d.isoformat()


def is_report_day(window: DateWindow | None, anchored: bool = False, most_days: int = 3) -> bool:
    """Does the question ask about the reports of one day: a window of a day or so named with its
    year ("on 16 July 2015"), or, when ``as_of`` anchors it, yesterday/today? A date that names an
    event ("the Jan. 6 committee", "died on July 4") does not, nor a day whose year is a guess."""
    if window is None or (dt.date.fromisoformat(window.end) - dt.date.fromisoformat(window.start)).days >= most_days:
        return False
    phrase = window.phrase.strip().lower()
    if _HAS_YEAR.search(phrase):
        return True
    return anchored and ("yesterday" in phrase or "today" in phrase)


def is_named_period(window: DateWindow, most_days: int = 31) -> bool:
    """A week or a month named with its year ("in January 2017", "the week of 3 March 2014")."""
    days = (dt.date.fromisoformat(window.end) - dt.date.fromisoformat(window.start)).days
    return 3 <= days <= most_days and bool(_HAS_YEAR.search(window.phrase))


def parse_as_of(as_of: str | None) -> dt.date | None:
    return dt.date.fromisoformat(as_of) if as_of else None


def question_window(question: str, as_of: str | None = None) -> DateWindow | None:
    """The window of report dates a question asks about, or None if it names no time."""
    base = parse_as_of(as_of) or dt.date.today()
    question = _ABBREVIATED.sub(r"\1", question)  # "16 Jul. 2016": dateparser stops at the full stop
    question = _PART_OF_MONTH.sub(r"\1 ", question)  # "late-October 2014" is of October 2014
    m = _RELATIVE.search(question)
    if m:
        n = int(m.group(1) or 1)
        days = _DAYS[m.group(2).lower()] * n
        return DateWindow(_iso(base - dt.timedelta(days=days)), _iso(base), m.group(0))
    m = _AGO.search(question)
    if m:
        n = _WORDNUM.get(m.group(1).lower()) or int(m.group(1))
        days = _DAYS[m.group(2).lower()] * n
        center = base - dt.timedelta(days=days)
        half = max(1, days // 4)
        return DateWindow(_iso(center - dt.timedelta(days=half)), _iso(center + dt.timedelta(days=half)), m.group(0))
    ranged = _day_range(question)
    if ranged is not None:
        return ranged
    if not (
        _HAS_MONTH.search(question)
        or _HAS_YEAR.search(question)
        or "yesterday" in question.lower()
        or "today" in question.lower()
    ):
        return None  # dateparser is slow to say "no" on long texts, and noisy on bare numbers
    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": dt.datetime.combine(base, dt.time()), "PREFER_DATES_FROM": "past", "REQUIRE_PARTS": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            found = search_dates(question, languages=["en"], settings=settings) or []
        except Exception:
            return None
    for phrase, when in found:
        has_month, has_year = _HAS_MONTH.search(phrase), _HAS_YEAR.search(phrase)
        low = phrase.lower()
        if not (has_month or has_year or "yesterday" in low or "today" in low):
            continue  # "5" and other bare numbers dateparser is too eager about
        if (
            has_month
            and not has_year
            and has_month.group(1).lower() in _AMBIGUOUS_MONTHS
            and not _HAS_DAY.search(_HAS_MONTH.sub("", phrase))
        ):
            continue  # "May the rebels…", "march on Raqqa"
        d = when.date()
        if "yesterday" in low or "today" in low:
            return DateWindow(_iso(d), _iso(d), phrase)
        if _NUMERIC_DAY.search(phrase) or (
            has_month and _HAS_DAY.search(_HAS_YEAR.sub("", _HAS_MONTH.sub("", phrase)))
        ):
            return DateWindow(_iso(d), _iso(d), phrase)
        if has_month:
            last = calendar.monthrange(d.year, d.month)[1]
            return DateWindow(_iso(d.replace(day=1)), _iso(d.replace(day=last)), phrase)
        return DateWindow(f"{d.year}-01-01", f"{d.year}-12-31", phrase)
    return None


def _day_range(question: str) -> DateWindow | None:
    """The window of "13-14 August 2016" or "August 13-14, 2016"; None if there is none (or no such days)."""
    m = _DAY_RANGE.search(question)
    if m is None:
        return None
    first, last, month = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(5), m.group(6), m.group(4))
    number = next(i for i, name in enumerate(calendar.month_name) if name[:3].lower() == month[:3].lower())
    try:
        start, end = (dt.date(int(m.group(7)), number, int(d)) for d in (first, last))
    except ValueError:
        return None  # "31-32 June"
    return DateWindow(_iso(start), _iso(end), m.group(0)) if start <= end else None
