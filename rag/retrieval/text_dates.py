"""The date a report's own text gives for itself (its dateline), to check its metadata date.

News bodies often open with a dateline ("Wed 05 Apr 2017 …", "Published April 24 2017 …",
"05-07-2015 …"). When that date is far from the report's date, the date is unreliable: the
report may be older or newer than it claims, and a timeline must not place it by its date.
"""

from __future__ import annotations

import datetime as dt
import re

from ..readers.dates import MONTH_DATE, parse_worded

_DMY_DASH = re.compile(r"\b(\d{1,2})-(\d{1,2})-((?:19|20)\d\d)\b")  # 05-07-2015 (day first)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d{2})-(\d{2})\b")


def dateline(text: str, head: int = 200) -> tuple[str, str] | None:
    """The first full date (day, month and year) in the first ``head`` characters: (ISO, phrase)."""
    found: list[tuple[int, str, str]] = []
    part = text[:head]
    for worded in MONTH_DATE.finditer(part):
        iso = parse_worded(worded.group(0))
        if iso:
            found.append((worded.start(), iso, worded.group(0)))
            break
    for rx, order in ((_DMY_DASH, "dmy"), (_ISO, "ymd")):
        m = rx.search(part)
        if m:
            a, b, c = (int(g) for g in m.groups())
            try:
                d = dt.date(c, b, a) if order == "dmy" else dt.date(a, b, c)
            except ValueError:
                continue
            found.append((m.start(), d.isoformat(), m.group(0)))
    if not found:
        return None
    _, iso, phrase = min(found)
    return iso, phrase


def days_apart(a: str, b: str) -> int:
    """|a - b| in days for two ISO dates."""
    return abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days)
