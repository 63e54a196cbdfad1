"""Corpus profiles: the reading rules one corpus needs and another must not get.

The core reads every corpus the same general way. What belongs to one corpus lives here, as a
named ``Profile`` a corpus opts into (``RAG_PROFILE`` / ``rag ingest --profile``):

``general``
    No corpus rule. A ``.txt`` file is plain text; a numeric date such as ``3/4/2016`` is read only
    when it is unambiguous or the file's own dates settle the order (``slash_order_of``); text is
    not repaired.
``syria-iraq``
    The 2016-2017 Syria & Iraq reports: the seed *report dump* layout for ``.txt`` files (articles
    ended by ``Source:`` lines, dates inferred from ``[D/M/YYYY]`` photo captions), the FA-KES
    ``•_`` artifacts of a cp1252 mis-decoding repaired, and ambiguous numeric dates month-first
    (FA-KES writes ``M/D/YYYY``).
``auto`` (the default)
    ``general``, with each ``syria-iraq`` rule switched on for one file only when that file shows
    the rule's evidence; the evidence is written to the ingest report's notes. A council-minutes
    corpus with no such evidence is read exactly as ``general`` reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SlashOrder = Literal["mdy", "dmy"]

__all__ = ["PROFILES", "FileRules", "Profile", "get_profile", "rules_for", "slash_order_of"]


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str
    dump_layout: bool = False  # a .txt without front matter is the report-dump format
    repair_artifacts: bool = False  # "Syria•_s" -> "Syria's" (cp1252 mis-decoding)
    slash_order: SlashOrder | None = None  # how to read an ambiguous 3/4/2016 (None: not at all)
    detect: bool = False  # switch a rule on per file, on evidence (auto)


GENERAL = Profile("general", "no corpus-specific rule")
SYRIA_IRAQ = Profile(
    "syria-iraq",
    "report-dump .txt layout with caption dates, FA-KES cp1252 repair, month-first numeric dates",
    dump_layout=True,
    repair_artifacts=True,
    slash_order="mdy",
)
AUTO = Profile("auto", "general, plus a syria-iraq rule for a file that shows its evidence", detect=True)
PROFILES = {p.name: p for p in (AUTO, GENERAL, SYRIA_IRAQ)}


def get_profile(name: str | Profile) -> Profile:
    """A profile by name; ValueError naming the choices for an unknown one."""
    if isinstance(name, Profile):
        return name
    key = str(name).strip().lower()
    if key not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; expected one of {sorted(PROFILES)}")
    return PROFILES[key]


@dataclass(frozen=True)
class FileRules:
    """The rules one file is read with, and why each non-general one is on."""

    dump_layout: bool = False
    repair_artifacts: bool = False
    slash_order: SlashOrder | None = None
    evidence: tuple[str, ...] = ()


# --- evidence --------------------------------------------------------------------------------------

_SOURCE_LINE = re.compile(r"^[ \t]*Sources?[ \t]*:[ \t]*\S.*$", re.IGNORECASE | re.MULTILINE)
_CAPTION_DATE = re.compile(r"\[\s*\d{1,2}/\d{1,2}/\d{4}\b[^\]\n]*\]")
_ARTIFACT = re.compile(r"\u2022[_\ufffd]")
_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")


def dump_evidence(text: str) -> str | None:
    """Why a plain-text file is a report dump (two or more ``Source:`` lines ending articles, or one
    and a ``[D/M/YYYY]`` caption), or None."""
    sources = len(_SOURCE_LINE.findall(text))
    captions = len(_CAPTION_DATE.findall(text))
    if sources >= 2 or (sources == 1 and captions >= 1):
        return f"read as a report dump: {sources} 'Source:' line(s) end articles, {captions} dated caption(s)"
    return None


def artifact_evidence(text: str) -> str | None:
    n = len(_ARTIFACT.findall(text))
    return f"{n} '•_' mis-decoding artifact(s) (cp1252) repaired" if n else None


def slash_order_of(text: str) -> tuple[SlashOrder | None, str | None]:
    """The order a file's numeric dates use, when its own dates settle it and it matters: some can only
    be month-first (``8/26/2016``) and none only day-first, or the reverse, and some (``3/4/2016``)
    could be either. ``(None, None)`` otherwise."""
    mdy = dmy = either = 0
    for a, b, _ in _SLASH_DATE.findall(text):
        first, second = int(a), int(b)
        if first <= 12 < second <= 31:
            mdy += 1
        elif second <= 12 < first <= 31:
            dmy += 1
        elif first != second and first <= 12 and second <= 12:
            either += 1
    if not either or (mdy and dmy) or not (mdy or dmy):
        return None, None
    order: SlashOrder = "mdy" if mdy else "dmy"
    name, shape = ("month", "M/D/YYYY") if mdy else ("day", "D/M/YYYY")
    return order, f"{either} ambiguous numeric date(s) read {name} first: {mdy or dmy} in the file can only be {shape}"


def rules_for(profile: Profile, text: str, *, plain_text: bool) -> FileRules:
    """The rules for one file's text under ``profile``. ``plain_text``: a ``.txt`` without front matter
    (the only kind that can be a report dump)."""
    evidence: list[str] = []
    dump = plain_text and profile.dump_layout
    if plain_text and profile.detect and (why := dump_evidence(text)):
        dump = True
        evidence.append(f"profile syria-iraq rule: {why}")
    repair = profile.repair_artifacts
    if profile.detect and (why := artifact_evidence(text)):
        repair = True
        evidence.append(f"profile syria-iraq rule: {why}")
    order, why = (None, None) if dump else slash_order_of(text)  # the dump's captions are D/M by its own rule
    if order is not None and why is not None:
        evidence.append(why)
    else:
        order = profile.slash_order
    return FileRules(dump, repair, order, tuple(evidence))


# --- the repair ------------------------------------------------------------------------------------

# FA-KES was decoded as cp1252 with errors="replace": a bullet (0x95) followed by "_" or U+FFFD
# stands for one lost punctuation mark. Seen in the data: "Syria•_s Aleppo" (apostrophe),
# "Outrage as Syria •_chemical attack•_ kills" (quotes), "near Damascus •_ monitor" (dash),
# "Copyright •\ufffd 2018 TRT World" (copyright sign).
_COPYRIGHT = re.compile(r"(?i)(copyright\s*)\u2022[_\ufffd]")


def _artifact_replacement(text: str, start: int, end: int) -> str:
    """Pick the punctuation an artifact most plausibly replaced, from its neighbours."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() and after.isalnum():
        return "'"  # Syria•_s -> Syria's
    if before.isspace() and after.isspace():
        return "\u2013"  # Aleppo •_ monitor -> Aleppo – monitor
    return '"'  # •_chemical attack•_ -> "chemical attack"


def fix_artifacts(text: str) -> str:
    """Replace FA-KES ``•_`` / ``•\\ufffd`` artifacts with the punctuation they stood for."""
    if "\u2022" not in text:
        return text
    text = _COPYRIGHT.sub("\\1\u00a9", text)
    return _ARTIFACT.sub(lambda m: _artifact_replacement(m.string, m.start(), m.end()), text)
