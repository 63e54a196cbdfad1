"""Does a sentence speak of the asked thing without naming it?

A report names a thing once and then calls it by its kind: "Gladiators originally aired …" then
"the hit game show returned …". When the sentence that answers "Which game show …?" best is the
second kind, the name is in the sentence next to it, which the answer then quotes too. The test
is on word forms only: the question's asked noun (the last word of the phrase after "which" /
"what", "Which rebel groups controlled …" → "groups") preceded by "the" or "this", with no
capitalised word in that phrase or right around it ("the Lebanese group Hezbollah", "Abu Hamza
al-Naimi the commander" name it; "on ITV, the game show" does not).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..text_terms import STOPWORDS, stem

_ASKED_PHRASE = re.compile(r"\b(?:which|what)\s+((?:[\w'’-]+[\s,]+){0,3}[\w'’-]+)", re.I)
_DEFINITE = re.compile(r"\b(?:the|this)\s+((?:[\w'’-]+[\s,]+){0,2}[\w'’-]+)", re.I)
_KIND_OF = frozenset({"kind", "kinds", "type", "types", "sort", "sorts", "of"})


@lru_cache(maxsize=512)
def asked_noun(question: str) -> str | None:
    """Stem of the noun a "which/what X" question asks for: the phrase after "which"/"what" up to
    the first function word or past-tense verb, its last word. None without such a phrase."""
    m = _ASKED_PHRASE.search(question)
    if not m:
        return None
    words: list[str] = []
    for raw in m.group(1).split():
        w = raw.strip(",").lower()
        if w in _KIND_OF and not words:
            continue  # "what kind of bombs": bombs
        if w in STOPWORDS or w.endswith("ed") or (raw.endswith(",") and words):
            if raw.endswith(",") and w not in STOPWORDS:
                words.append(w)
            break
        words.append(w)
    return stem(words[-1]) if words else None


def _named(word: str) -> bool:
    return any(ch.isupper() for ch in word)  # "Hezbollah", "al-Naimi"


def says_the_asked(sentence: str, question: str) -> bool:
    """Does ``sentence`` call the asked thing "the/this [modifiers] X" without naming it?"""
    noun = asked_noun(question)
    if noun is None:
        return False
    for m in _DEFINITE.finditer(sentence):
        words = [w.strip(",.;:") for w in m.group(1).split()]
        at = next((k for k, w in enumerate(words) if stem(w.lower()) == noun), None)
        if at is None:
            continue
        after = words[at + 1 : at + 2] if at + 1 < len(words) else sentence[m.end(1) :].split()[:1]
        before = [w for w in sentence[: m.start()].split()[-1:] if not w.endswith(",")]  # "al-Naimi the commander"
        if not any(_named(w) for w in [*before, *words[:at], *after]):
            return True
    return False
