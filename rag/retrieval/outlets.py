"""Outlets a question names as its source: "according to SANA", "what did Reuters report".

A bot or an analyst asks for one outlet's account ("How many were killed … according to
Reuters?"). The question names the outlet only in a reporting phrase, so a newspaper that is the
*subject* of a question ("Why was Al Jazeera banned?") is not taken for a source. Names are
matched against the outlets the index actually holds, loosely: case, spaces, hyphens and a
leading "the"/"al" do not matter ("Al-Ahram" is ``ahram``, "Daily Sabah" is ``dailysabah``), and
a one-word slug matches the first word of a longer name ("TRT World" is ``trt``), and a stored
name's generic tail may be left out ("Al Jazeera" is "Al Jazeera News"); an outlet known by its
initials is named by the words they stand for ("Syrian Arab News Agency" is ``sana``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[\w'’&.-]+")
# A reporting phrase right before the name…
_BEFORE = re.compile(
    r"(?:according\s+to|reported\s+by|reports?\s+(?:by|from|of|in)|(?:say|said|told)\s+to|"
    r"(?:as|what)\s+(?:reported|published)\s+(?:by|in)|quoted\s+by|cited\s+by|per)\s+(?:the\s+)?$",
    re.I,
)
# … or right after it ("Reuters reported", "SANA's report", "did Reuters say").
_AFTER = re.compile(
    r"^(?:['’]s?\s+)?(?:news\s+agency\s+|agency\s+)?(?:report|reports|reported|reporting|said|says|say|"
    r"claim|claims|claimed|stated|states|wrote|writes|put|puts|count|counted|gave|give|cite|cited|"
    r"coverage|account|figure|figures|tally|toll)\b",
    re.I,
)
# … or it continues a list that began with one ("according to TRT World and Sputnik").
_LIST = re.compile(r"^(?:\s+[\w'’.-]+){0,2}\s*(?:,|\band\b|\bor\b|&)\s*(?:the\s+)?$", re.I)
_MAX_WORDS = 4
_GENERIC_TAIL = re.compile(r"(?:\s+(?:news|world|agency|network|tv|channel|online|today|english|arabic))+\s*$", re.I)


def outlet_key(name: str) -> str:
    """Lower case, letters and digits only, less a leading "the" or Arabic article "al"."""
    key = re.sub(r"[^0-9a-z]+", "", name.lower())
    for prefix in ("the", "al"):
        if key.startswith(prefix) and len(key) > len(prefix) + 2:
            key = key[len(prefix) :]
    return key


@lru_cache(maxsize=8)
def _keys(outlets: tuple[str, ...]) -> dict[str, str]:
    """Each outlet's match keys → its name as stored (built once per index's outlet list)."""
    keys: dict[str, str] = {}
    for credit in outlets:  # a combined credit line "Reuters/SANA" names each part
        for o in [credit, *credit.split("/")]:
            for name in (o, _GENERIC_TAIL.sub("", o)):  # "Al Jazeera News" is also "Al Jazeera"
                if name.strip() and outlet_key(name):
                    keys.setdefault(outlet_key(name), o.strip())
    return keys


def named_outlets(question: str, outlets: Iterable[str]) -> list[str]:
    """The index's outlets (as stored) that the question names in a reporting phrase, in order."""
    keys = _keys(tuple(outlets))
    if not keys:
        return []
    words = list(_WORD.finditer(question))
    found: list[str] = []
    listed_to = -1  # where the last outlet named in a reporting phrase ends
    waiting: list[tuple[str, int]] = []  # outlets listed before the phrase ("X and Y reported")
    i = 0
    while i < len(words):
        n, hit = _longest_outlet(question, words, i, keys)
        if hit is None:
            i += 1
            continue
        start, end = words[i].start(), words[i + n - 1].end()
        before, after = question[:start], question[end:].lstrip(" ,")
        listed = listed_to >= 0 and _LIST.match(question[listed_to:start])
        if waiting and not _LIST.match(question[waiting[-1][1] : start]):
            waiting = []
        if _BEFORE.search(before) or _AFTER.match(after) or listed:
            for name in [*(w for w, _ in waiting), hit]:
                if name not in found:
                    found.append(name)
            listed_to, waiting = end, []
        else:
            waiting.append((hit, end))
        i += n
    return found


def _longest_outlet(question: str, words: list[re.Match], i: int, keys: dict[str, str]) -> tuple[int, str | None]:
    """The longest run of words from ``i`` that names an outlet: (its length, the outlet)."""
    for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
        phrase = question[words[i].start() : words[i + n - 1].end()]
        phrase = re.sub(r"(?:['’]s?|\.)$", "", phrase)
        hit = keys.get(outlet_key(phrase)) or keys.get(_initials(phrase))
        if hit is not None:
            return n, hit
    return 1, None


def _initials(phrase: str) -> str:
    """The acronym a name of three or more capitalised words spells ("Syrian Arab News Agency" is
    ``sana``, "Agence France-Presse" ``afp``); "" for anything else."""
    words = [w for w in re.split(r"[\s-]+", phrase) if w]
    if len(words) < 3 or not all(w[:1].isupper() for w in words):
        return ""
    return "".join(w[0] for w in words).lower()
