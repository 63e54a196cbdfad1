"""Names that a text puts inside a place in so many words: "Khan Sheikhun in Idlib", "Manbij, in
Aleppo province", "al-Qameshli city in Hasaka province", "Atareb in the western Aleppo countryside".

Without a gazetteer this is how the reports themselves say which towns lie in a province: a report
of a town that never names its province is still a report of the province when another report
says where the town is. Stricter than two names in one sentence: the name stands right before
"in" and the place right after it (past "the", a possessive, compass words).
"""

from __future__ import annotations

import re
from collections import Counter

from ..text_terms import MONTHS, WEEKDAYS
from .names import name_key

_ART = r"(?:al|el|ez|as|ad|ar|an)"
_NAME = rf"(?:{_ART}-)?[A-Z][\w'’-]+"
_IN_PLACE = re.compile(
    rf"({_NAME}(?:\s+(?:{_ART}[- ])?[A-Z][\w'’-]+){{0,2}})"
    r"(?=(?:\s+(?:town|city|village|district|neighbou?rhood|suburb|camp|area|region))?,?\s+in\s+(?:the\s+)?"
    r"(?:[A-Z]\w+['’]?s\s+)?"  # "Syria's"
    r"(?:(?:far|rural|central|northern|southern|eastern|western|north|south|east|west)"
    r"(?:[- ]?(?:eastern|western|east|west))?\s+)*"
    rf"({_NAME}(?:\s+[A-Z][\w'’-]+)?))"  # a lookahead: the place may be the next match's name
)
# Capitalised words that are not names of places: adjectives of origin ("Syrian", "Kurdish",
# "Lebanese"), compounds ending in a lower-case word ("IS-held", "US-led") and acronyms ("AFP").
NOT_A_NAME = re.compile(r"^[\w'’]+(ian|ians|ish|ese|ean)$|^[\w'’]+-[a-z][\w-]*$|^[A-Z]{2,5}s?$")
# capitalised at a sentence start, never a place: "They said in Idlib", "It was the worst in Aleppo"
_NOT_NAME_WORDS = frozenset(
    [
        *WEEKDAYS,
        *MONTHS,
        *"the a an how what which who when this that these those it its they their he she we there here but "
        "and or also while meanwhile earlier later today yesterday them".split(),
    ]
)


def in_headline(text: str, at: int) -> bool:
    """Is ``at`` inside a headline ("… in Suspected Gas Attack in Syrias Idlib Dozens …")? In title
    case every word is capitalised, so capitals say nothing about names there."""
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text[at : at + 120]) if len(w) > 3][:6]
    return len(words) >= 5 and sum(w[:1].isupper() for w in words) >= 5


def placed_names(text: str, keys: set[str]) -> list[str]:
    """The names ``text`` puts inside a place whose skeleton (``names.name_key``) is in ``keys``,
    most often placed first; never one of ``keys`` itself."""
    found: Counter[str] = Counter()
    for m in _IN_PLACE.finditer(text):
        where = [re.sub(r"['’]s$", "", w) for w in m.group(2).split()]
        if not any(name_key(" ".join(where[:n])) in keys for n in (1, len(where))) or in_headline(text, m.start()):
            continue
        words = [re.sub(r"['’]s$", "", w) for w in m.group(1).split()]
        words = [w for w in words if w.lower() not in _NOT_NAME_WORDS and not NOT_A_NAME.match(w)]
        name = " ".join(words)
        if words and name_key(name) not in keys and len(name_key(name)) >= 3:
            found[name] += 1
    # a place is also somewhere "in X", "the town of X": not "Activists in Idlib", "Residents in Aleppo"
    return [n for n, _ in found.most_common() if re.search(_AS_PLACE + re.escape(n) + r"\b", text)]


_AS_PLACE = (
    r"\b(?:in|at|near|outside|into|on|of)\s+(?:the\s+)?(?:(?:[a-z]+-(?:held|controlled|run|besieged)|besieged|rebel"
    r"|town|city|village|district|neighbou?rhood)\s+)*"
)
