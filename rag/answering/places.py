"""Place names in questions and reports, matched across spellings.

Without a gazetteer, a place name is taken to be capitalised words after a place preposition
("in Khan Sheikhoun", "the town of Atareb"); two names match when their consonant skeletons do
(``rag/retrieval/names.py``: Hasakeh, Hasaka and al-Hasakah are one place).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..retrieval.names import ARTICLE, name_key
from ..text_terms import MONTHS, WEEKDAYS

_PLACE = re.compile(
    r"(?:\b(?:in|at|near|from|outside|inside|on|around|across|into)|"
    r"\b(?:town|city|village|province|district|region|county|state|area|suburbs?|neighbou?rhood|capital|"
    r"governorate|countryside|outskirts|camp|port) of)\s+(?:(?:the|an?)\s+)?"
    r"(?:[a-z]+-(?:held|controlled|run|besieged)\s+)?"  # "on rebel-held Atareb"
    r"((?:(?:al|el|ez|as|ad|ar|an)-)?[A-Z][\w'’-]+(?:\s+(?:(?:al|el|ez|as|ad|ar|an)[- ])?[A-Z][\w'’-]+)*)"
)
_NOT_PLACES = frozenset([*WEEKDAYS, *MONTHS, *"the a an how what which who when".split()])
_ARTICLE = ARTICLE


def place_key(name: str) -> str:
    """The consonant skeleton of a place name ("Hasakeh" and "Hasaka" → "hsk"); see ``names``."""
    return name_key(name)


def question_places(question: str) -> list[str]:
    """Capitalised names after a place preposition in the question ("in Khan Sheikhoun")."""
    out = []
    for m in _PLACE.finditer(question):
        words = [w for w in m.group(1).split() if w.lower() not in _NOT_PLACES]
        if words:
            out.append(" ".join(words))
    return out


# Capitalised words that are not names of places: adjectives of origin ("Syrian", "Kurdish",
# "Lebanese"), compounds ending in a lower-case word ("IS-held", "US-led") and acronyms ("AFP").
_NOT_A_NAME = re.compile(r"^[\w'’]+(ian|ians|ish|ese|ean)$|^[\w'’]+-[a-z][\w-]*$|^[A-Z]{2,5}s?$")


def places_in(text: str) -> set[str]:
    """Skeletons of each word of the place names a text gives after a place preposition
    ("in Syrias Hasakeh city" → {"srs", "hsk"}): a name is matched by any of its words."""
    out = set()
    for m in _PLACE.finditer(text):
        if _headline(text, m.start(1)):
            continue
        for w in m.group(1).split():
            w = re.sub(r"['’]s$", "", w)  # "Syria's" is Syria
            if w.lower() in _NOT_PLACES or _NOT_A_NAME.match(w):
                continue
            for part in w.split("-"):
                key = place_key(part)
                if len(key) >= 3 and not _ARTICLE.match(part.lower()):
                    out.add(key)
    return out


def _headline(text: str, at: int) -> bool:
    """Is ``at`` inside a headline ("… in Suspected Gas Attack in Syrias Idlib Dozens …")? In title
    case every word is capitalised, so capitals say nothing about names there."""
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text[at : at + 120]) if len(w) > 3][:6]
    return len(words) >= 5 and sum(w[:1].isupper() for w in words) >= 5


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


_NAME = r"(?:(?:al|el|ez|as|ad|ar|an)-)?[A-Z][\w'’-]+"
# "Khan Sheikhun in Idlib", "Manbij, in Aleppo province", "al-Qameshli city in Hasaka province",
# "Atareb in the western Aleppo countryside", "Qamishli in Syria's north-eastern Hasakeh province":
# a name, then "in" and the place it lies in.
_IN_PLACE = re.compile(
    rf"({_NAME}(?:\s+(?:(?:al|el|ez|as|ad|ar|an)[- ])?[A-Z][\w'’-]+){{0,2}})"
    r"(?=(?:\s+(?:town|city|village|district|neighbou?rhood|suburb|camp|area|region))?,?\s+in\s+(?:the\s+)?"
    rf"(?:[A-Z][\w]+['’]?s\s+)?"  # "Syria's"
    r"(?:(?:far|rural|central|northern|southern|eastern|western|north|south|east|west)(?:[- ]?(?:eastern|western|"
    r"east|west))?\s+)*"
    rf"({_NAME}(?:\s+[A-Z][\w'’-]+)?))"  # a lookahead: the place may be the next match's name
)


def placed_in(text: str, places: Iterable[str]) -> set[str]:
    """Skeletons of the words of each name that ``text`` puts inside one of ``places`` in so many
    words: "<name> in <place>", "<name>, in <place> province", "<name> in the western <place>
    countryside". Stricter than two names in one sentence: the name stands right before "in" and
    the place right after it (past "the", a possessive, compass words)."""
    keys = {place_key(p) for p in places} - {""}
    out: set[str] = set()
    for m in _IN_PLACE.finditer(text):
        words = [re.sub(r"['’]s$", "", w) for w in m.group(2).split()]
        if not any(place_key(" ".join(words[:n])) in keys for n in (1, len(words))) or _headline(text, m.start()):
            continue
        for w in m.group(1).split():
            w = re.sub(r"['’]s$", "", w)
            if w.lower() in _NOT_PLACES or w.lower() in _NOT_NAME_WORDS or _NOT_A_NAME.match(w):
                continue
            for part in w.split("-"):
                key = place_key(part)
                if len(key) >= 3 and not _ARTICLE.match(part.lower()) and key not in keys:
                    out.add(key)
    return out


# capitalised at a sentence start, never a place: "They said in Idlib", "It was the worst in Aleppo"
_NOT_NAME_WORDS = frozenset(
    "the this that these those it its they their he she we there here but and or also while meanwhile "
    "earlier later today yesterday".split()
)
