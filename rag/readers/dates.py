"""Date parsing for readers: metadata dates (given) and dates read off text (inferred).

A wrong date is worse than none in a news corpus (questions are often "when"/"as of"), so:
numeric formats are parsed by explicit rules, dateparser only sees strings with a month word,
and a date without a year is never completed.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# Candidate spans of full dates in prose: "August 20, 2016", "August 16 2016", "20 August 2016".
MONTH_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}})\b",
    re.IGNORECASE,
)
# Numeric D/M/YYYY inside a bracketed caption note, e.g. "[26/8/2016, map via ...]".
BRACKET_DMY = re.compile(r"\[\s*(\d{1,2})/(\d{1,2})/(\d{4})\b[^\]]*\]")

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_YMD_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_MDY_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_HAS_LETTER = re.compile(r"[^\W\d_]")

_MIN_YEAR, _MAX_YEAR = 1800, 2200


def _ymd(y: int, m: int, d: int) -> str | None:
    if not (_MIN_YEAR <= y <= _MAX_YEAR):
        return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _dateparser_full(s: str) -> str | None:
    """dateparser with day, month and year all required, so it never fills in a missing part."""
    try:
        import dateparser  # slow import; only needed for worded dates

        dt = dateparser.parse(
            s,
            languages=["en"],
            settings={
                "STRICT_PARSING": True,
                "REQUIRE_PARTS": ["day", "month", "year"],
                "PREFER_DAY_OF_MONTH": "first",
                "RETURN_AS_TIMEZONE_AWARE": False,
            },
        )
    except Exception:  # dateparser has raised on odd input before; a reader must not
        return None
    if dt is None:
        return None
    return _ymd(dt.year, dt.month, dt.day)


def parse_metadata_date(value: object) -> str | None:
    """Normalise a date given as metadata to ISO ``YYYY-MM-DD``; None if not parseable.

    Accepts ISO (with or without a time), ``YYYY/MM/DD``, US ``M/D/YYYY`` (the FA-KES CSV
    convention) and worded dates dateparser reads with an explicit day, month and year.
    """
    if isinstance(value, datetime):
        return _ymd(value.year, value.month, value.day)
    if isinstance(value, date):
        return _ymd(value.year, value.month, value.day)
    s = str(value).strip()
    if not s or len(s) > 100:
        return None
    for rx, order in ((_ISO, "ymd"), (_YMD_SLASH, "ymd"), (_MDY_SLASH, "mdy")):
        m = rx.match(s)
        if m:
            a, b, c = (int(g) for g in m.groups())
            return _ymd(a, b, c) if order == "ymd" else _ymd(c, a, b)
    if _HAS_LETTER.search(s):
        return _dateparser_full(s)
    return None


def parse_day_first(day: str, month: str, year: str) -> str | None:
    """A numeric caption date (D/M/YYYY, the convention of the seed reports)."""
    try:
        return _ymd(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_worded(span: str) -> str | None:
    """A span matched by ``MONTH_DATE`` ("August 20, 2016") -> ISO, or None."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", span, flags=re.IGNORECASE).replace(",", " ")
    cleaned = " ".join(cleaned.replace(".", " ").split())
    for fmt in ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y"):
        try:
            dt = datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return _ymd(dt.year, dt.month, dt.day)
    return _dateparser_full(span)
