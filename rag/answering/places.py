"""Place names in questions and reports, matched across spellings.

Without a gazetteer, a place name is taken to be capitalised words after a place preposition
("in Khan Sheikhoun", "the town of Atareb"); two names match when their consonant skeletons do
(``rag/retrieval/names.py``: Hasakeh, Hasaka and al-Hasakah are one place).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..retrieval.names import ARTICLE, name_key
from ..retrieval.placed import NOT_A_NAME, in_headline, placed_names
from ..text_terms import MONTHS, WEEKDAYS

_PLACE = re.compile(
    r"(?:\b(?:in|at|near|from|outside|inside|on|around|across|into)|"
    r"\b(?:town|city|village|province|district|region|county|state|area|suburbs?|neighbou?rhood|capital|"
    r"governorate|countryside|outskirts|camp|port) of)\s+(?:(?:the|an?)\s+)?"
    # "on rebel-held Atareb", "on the Islamic State-held Al-Boulil region"
    r"(?:(?:[A-Z][\w'’]*\s+)?[\w'’]+-(?:held|controlled|run|besieged)\s+)?"
    # "western Aleppo", "rural Damascus": a direction is no part of the name
    r"(?:(?:(?:north|south)(?:east|west)?(?:ern)?|east(?:ern)?|west(?:ern)?|central|rural|greater)\s+)?"
    r"((?:(?:al|el|ez|as|ad|ar|an)-)?[A-Z][\w'’-]+(?:\s+(?:(?:al|el|ez|as|ad|ar|an)[- ])?[A-Z][\w'’-]+)*)"
)
_NOT_PLACES = frozenset([*WEEKDAYS, *MONTHS, *"the a an how what which who when".split()])
_ARTICLE = ARTICLE
_COMPOUND = re.compile(r"^[A-Z][\w'’]*-[a-z]+$")


def place_key(name: str) -> str:
    """The consonant skeleton of a place name ("Hasakeh" and "Hasaka" → "hsk"); see ``names``."""
    return name_key(name)


def question_places(question: str) -> list[str]:
    """Capitalised names after a place preposition in the question ("in Khan Sheikhoun")."""
    out = []
    for m in _PLACE.finditer(question):
        # not a weekday or month, nor a compound adjective ("the Kurdish-majority city of Qamishli")
        words = [w for w in m.group(1).split() if w.lower() not in _NOT_PLACES and not _COMPOUND.match(w)]
        while len(words) > 1 and re.search(r"['’]s$", words[0]):
            words = words[1:]  # "in Syria's Idlib province": Idlib (its country owns it)
        if words:
            out.append(" ".join(words))
    return out


def places_in(text: str) -> set[str]:
    """Skeletons of each word of the place names a text gives after a place preposition
    ("in Syrias Hasakeh city" → {"srs", "hsk"}): a name is matched by any of its words."""
    out = set()
    for m in _PLACE.finditer(text):
        if in_headline(text, m.start(1)):
            continue
        for w in m.group(1).split():
            w = re.sub(r"['’]s$", "", w)  # "Syria's" is Syria
            if w.lower() in _NOT_PLACES or NOT_A_NAME.match(w):
                continue
            for part in w.split("-"):
                key = place_key(part)
                if len(key) >= 3 and not _ARTICLE.match(part.lower()):
                    out.add(key)
    return out


def names_place(text: str, places: Iterable[str]) -> bool:
    """Does the text name one of ``places`` (in any spelling): some run of one to three capitalised
    words has the same skeleton."""
    keys = {place_key(p) for p in places} - {""}
    if not keys:
        return False
    words = re.findall(r"[\w'’-]+", text)
    for i, w in enumerate(words):
        if not w[:1].isupper() and not _ARTICLE.match(w.split("-")[0].lower()):
            continue
        for n in (1, 2, 3):
            if i + n <= len(words) and place_key(" ".join(words[i : i + n])) in keys:
                return True
    return False


def placed_in(text: str, places: Iterable[str]) -> set[str]:
    """Skeletons of the words of each name that ``text`` puts inside one of ``places`` in so many
    words ("Khan Sheikhun in Idlib" → {"khn", "shkhn"}); see ``retrieval/placed.py``."""
    keys = {place_key(p) for p in places} - {""}
    out: set[str] = set()
    for name in placed_names(text, keys):
        for part in re.split(r"[\s-]+", name):
            key = place_key(part)
            if len(key) >= 3 and not _ARTICLE.match(part.lower()) and key not in keys:
                out.add(key)
    return out
