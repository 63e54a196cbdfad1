"""The day a sentence of a report talks about, read against the report's date.

"Air strikes killed 20 civilians on Monday", in a report dated Tuesday 12 July, is about Monday
11 July. Two reports of one event are often a day apart; two events a week apart are not one.
Only explicit, checkable cues are used: a full date, a day and month, a weekday, "yesterday" /
"today". Anything else leaves the report's own date, marked as not read from the sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from ..models import day_label
from ..readers.dates import MONTH_DATE, parse_worded

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# "on Tuesday", and "Tuesday's attack" (its apostrophe lost in some archives: "Tuesdays attack")
_WEEKDAY = re.compile(r"\b(?:on|late|early|last|this)?\s*(" + "|".join(_WEEKDAYS) + r")(?:['’]?s)?\b", re.I)
_YESTERDAY = re.compile(r"\byesterday\b", re.I)
_TODAY = re.compile(r"\b(today|this (morning|afternoon|evening)|tonight)\b", re.I)
_MONTHS = "january february march april may june july august september october november december".split()
_DAY_MONTH = re.compile(
    r"\b(?:on\s+)?(?:(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + "|".join(_MONTHS) + r")|(" + "|".join(_MONTHS) + r")"
    r"\s+(\d{1,2})(?:st|nd|rd|th)?)\b(?!,?\s+(?:19|20)\d\d)",
    re.I,
)


_DATE_LEAD = re.compile(
    r"^\W*(?:(?:published|updated|posted|date of publication|last updated)\s*(?:on\s*)?:?\s*)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?",
    re.I,
)
_DMY = re.compile(r"\b\d{1,2}[-.]\d{1,2}[-.](?:19|20)\d\d\b|\b(?:19|20)\d\d-\d{2}-\d{2}\b")
_TIME = re.compile(r"^\W*(?:at\s+)?\d{1,2}:?\d{2}\b\W*")


def dateline_end(sentence: str) -> int:
    """Where a sentence's leading dateline ends ("Wed 05 Apr 2017 …", "Published April 3 2015 …",
    "06.04.2017 …"); 0 when it has none. A dateline dates the report, not what it tells."""
    m = _DATE_LEAD.match(sentence)
    rest = sentence[m.end() :] if m else sentence
    d = MONTH_DATE.match(rest) or _DMY.match(rest)
    if not d:
        return 0
    off = len(sentence) - len(rest) + d.end()
    t = _TIME.match(sentence[off:])
    return off + (t.end() if t else 0)


@dataclass(frozen=True, slots=True)
class EventDay:
    day: str  # ISO
    from_text: bool  # read off the sentence (True) or the report's own date (False)
    vague: bool = False  # a time before the report's day whose exact day is unknown ("in July", "last week")


def event_day(sentence: str, report_date: str | None) -> EventDay | None:
    """The day ``sentence`` reports on, or None for an undated report without a full date."""
    sentence = sentence[dateline_end(sentence) :]
    for worded in MONTH_DATE.finditer(sentence):
        iso = parse_worded(worded.group(0))
        if iso and (report_date is None or iso <= _shift(report_date, 1)):
            return EventDay(iso, True)
    if report_date is None:
        return None
    base = dt.date.fromisoformat(report_date)
    if _YESTERDAY.search(sentence):
        return EventDay((base - dt.timedelta(days=1)).isoformat(), True)
    m = _DAY_MONTH.search(sentence)
    if m:
        day = int(m.group(1) or m.group(4))
        month = _MONTHS.index((m.group(2) or m.group(3)).lower()) + 1
        for year in (base.year, base.year - 1):
            try:
                d = dt.date(year, month, day)
            except ValueError:
                break
            if d <= base + dt.timedelta(days=1):
                return EventDay(d.isoformat(), True)
    m = _WEEKDAY.search(sentence)
    if m and not _TODAY.search(sentence):
        back = (base.weekday() - _WEEKDAYS.index(m.group(1).lower())) % 7
        return EventDay((base - dt.timedelta(days=back)).isoformat(), True)
    earlier = _EARLIER.search(sentence)
    if earlier:  # "In July a suicide bomb killed 16", "last month": a time before the report's day
        return EventDay(_earlier_day(earlier, base).isoformat(), True, vague=True)
    return EventDay(report_date, False)


# A total over several days: "seven days of airstrikes had left 75 dead" (shared with the disagreement finder).
MULTI_DAY = r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|many) (?:days|weeks|months|years) of\b"
# A running total: a count since a time ("killed since 2011", "since the war began"), so far, this year.
RUNNING_TOTAL = re.compile(
    r"\bsince\s+(?:(?:early|late|mid-?)\s*)?(?:the\s+(?:start|beginning|outbreak|war|conflict|uprising|crisis)\b|"
    r"(?:19|20)\d\d\b|(?:" + "|".join(_MONTHS) + r")\b)|\bso far\b|\bto date\b|\btotal of\b|\bthis year\b|"
    r"\bover the (?:past|last)\b|\bin (?:the )?(?:past|last) (?:\w+ )?(?:days|weeks?|months?|years?)\b|"
    r"\bsince\s+(?:[\w'’-]+\s+){0,4}?(?:was\s+|were\s+)?(?:began|begun|started|launched|erupted|broke out)\b|"
    + MULTI_DAY,
    re.I,
)

# The toll of a whole war or uprising, told as background to one event's report: no count of that event.
WAR_TOTAL = re.compile(
    r"\bsince the (?:start|beginning|outbreak|onset) of the (?:\w+ )?(?:war|conflict|uprising|crisis|revolution)\b|"
    r"\bsince the (?:\w+ )?(?:war|conflict|uprising|crisis|revolution) (?:began|started|erupted|broke out)\b|"
    r"\b(?:died|killed|perished) (?:in|during) the (?:\w+ )?(?:war|conflict|uprising|crisis)\b|"
    r"\bthe (?:\w+ )?(?:war|conflict)\b[^.;]{0,100}?\b(?:has|have) (?:so far )?(?:killed|claimed|left)\b",
    re.I,
)

_SUPERLATIVE = re.compile(r"\b(?:deadliest|worst|bloodiest|biggest|largest|first|highest|heaviest)\b[^.;]{0,30}$", re.I)


def war_total(text: str) -> bool:
    """Does the sentence give a whole war's toll ("330,000 killed since the conflict began"), not
    an event's ("the deadliest attack since the war began")?"""
    return any(not _SUPERLATIVE.search(text[: m.start()]) for m in WAR_TOTAL.finditer(text))


# A month named without a day, or a past period: what the sentence tells happened before the report's day.
_EARLIER = re.compile(
    r"\b(?:(?:(?:in|since|during|earlier in|early|late)\s+|mid-?\s*)(" + "|".join(_MONTHS) + r")\b(?!\s+\d)"
    r"|(last|past|previous)\s+(week|month|year)\b(?!['’])|earlier\s+this\s+(week|month|year)\b)",
    re.I,
)


def _earlier_day(m: re.Match, base: dt.date) -> dt.date:
    """A day standing for the earlier time ``m`` names (its exact day is unknown; it is not the report's)."""
    if m.group(1):
        month = _MONTHS.index(m.group(1).lower()) + 1
        year = base.year if month <= base.month else base.year - 1
        day = dt.date(year, month, 1)
        return day if day < base else base - dt.timedelta(days=1)
    unit = (m.group(3) or m.group(4) or "week").lower()
    return base - dt.timedelta(days={"week": 7, "month": 30, "year": 365}[unit])


def _shift(iso: str, days: int) -> str:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=days)).isoformat()


def days_between(a: str, b: str) -> int:
    return abs(_ordinal(a) - _ordinal(b))


@lru_cache(maxsize=8192)
def _ordinal(iso: str) -> int:
    """Day number of an ISO date: a timeline compares every pair of its reports' days."""
    return dt.date.fromisoformat(iso).toordinal()


def same_day(a: EventDay, b: EventDay, slack: int = 1) -> bool:
    """Could two reports be about the same day? Two days read off the text must match; otherwise a
    report may come out up to ``slack`` days after the event."""
    if a.from_text and b.from_text:
        return a.day == b.day
    return days_between(a.day, b.day) <= slack


fmt_day = day_label  # the name the timeline and disagreement code use
