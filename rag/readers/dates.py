"""Date parsing for readers: metadata dates (given) and dates read off text (inferred).

A wrong date is worse than none in a news corpus (questions are often "when"/"as of"), so:
numeric formats are parsed by explicit rules, dateparser only sees strings with a month word,
and a date without a year is never completed.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from rag.text_terms import MONTH_PATTERN, WEEKDAYS

_MONTHS = MONTH_PATTERN
# Candidate spans of full dates in prose: "August 20, 2016", "August 16 2016", "20 August 2016".
MONTH_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}})\b",
    re.IGNORECASE,
)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_YMD_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_NUM_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
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


def slash_parts(value: object) -> tuple[int, int, int] | None:
    """The three numbers of an ``N/N/YYYY`` date, or None for any other form."""
    m = _NUM_SLASH.match(str(value).strip())
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def is_ambiguous(value: object) -> bool:
    """``3/4/2016``: both orders give a real, different date."""
    parts = slash_parts(value)
    return parts is not None and parts[0] != parts[1] and parts[0] <= 12 and parts[1] <= 12


def parse_metadata_date(value: object, slash_order: str | None = None) -> str | None:
    """Normalise a date given as metadata to ISO ``YYYY-MM-DD``; None if not parseable.

    Accepts ISO (with or without a time), ``YYYY/MM/DD``, worded dates dateparser reads with an
    explicit day, month and year, and ``N/N/YYYY`` when only one order gives a date (``8/26/2016``)
    or ``slash_order`` (``"mdy"``/``"dmy"``: the file's or the profile's order) settles it.
    """
    if isinstance(value, (datetime, date)):
        return _ymd(value.year, value.month, value.day)
    s = str(value).strip()
    if not s or len(s) > 100:
        return None
    for rx in (_ISO, _YMD_SLASH):
        m = rx.match(s)
        if m:
            return _ymd(*(int(g) for g in m.groups()))
    parts = slash_parts(s)
    if parts is not None:
        a, b, y = parts
        if is_ambiguous(s):
            order = slash_order
        else:
            order = "mdy" if b > 12 or a == b else "dmy"
        return {"mdy": _ymd(y, a, b), "dmy": _ymd(y, b, a)}.get(order or "")
    if _HAS_LETTER.search(s):
        return _dateparser_full(s)
    return None


def date_problem(raw: str) -> str:
    """Why a date could not be read, in one line."""
    shown = " ".join(str(raw).split())[:60]
    if is_ambiguous(raw):
        return (
            f"ambiguous date {shown!r}: day or month first? Write YYYY-MM-DD, or ingest with a profile"
            " that sets the order (--profile syria-iraq reads month first)"
        )
    return f"unparsable date: {shown!r}"


def parse_day_first(day: str, month: str, year: str) -> str | None:
    """A numeric date written day first (D/M/YYYY)."""
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


# --- an inferred date is never earlier than what the text reports as past ------------------------

_WEEKDAYS = WEEKDAYS
_REPORTED_ON = re.compile(
    r"\b(?:said|announced|told|reported|confirmed|stated|added|declared|explained)\b[^.!?\n]{0,60}?"
    r"\bon (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(r"\b(will|would|shall|scheduled|planned|plans|upcoming|next|due to|to be held)\b", re.I)


def _sentence_at(text: str, pos: int) -> str:
    from rag.sentences import sentence_spans  # lazy: readers need no sentence splitter otherwise

    for s, e in sentence_spans(text):
        if s <= pos < e:
            return text[s:e]
    return ""


def not_before_reported_past(iso: str | None, evidence: str | None, body: str) -> tuple[str | None, str | None]:
    """Move an inferred date (a caption's, a lower bound: the picture existed before the report) to the
    latest date the body itself reports as past: a full date in a sentence with no future wording,
    or a weekday on which someone "said"/"announced" something (its first occurrence on or after the
    inferred date). The evidence then names both. Unchanged when the body reports nothing later."""
    if iso is None:
        return iso, evidence
    base = date.fromisoformat(iso)
    latest, why = base, None
    for m in MONTH_DATE.finditer(body):
        found = parse_worded(m.group(0))
        sentence = _sentence_at(body, m.start())
        if found and date.fromisoformat(found) > latest and not _FUTURE.search(sentence):
            latest, why = date.fromisoformat(found), sentence
    for m in _REPORTED_ON.finditer(body):
        ahead = (_WEEKDAYS.index(m.group(1).lower()) - base.weekday()) % 7
        found_day = date.fromordinal(base.toordinal() + ahead)
        if found_day > latest:
            latest, why = found_day, _sentence_at(body, m.start())
    if why is None:
        return iso, evidence
    snippet = why if len(why) <= 160 else "…" + why[-157:].split(" ", 1)[-1]
    return latest.isoformat(), f"{evidence}; not before {latest.strftime('%-d %b %Y')}, reported as past: “{snippet}”"
