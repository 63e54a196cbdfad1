"""What a question names and how a sentence names it: the asked thing, the person whose name is
asked, the source the question asks about. Word forms only, no list of one corpus's words.

The asked thing. A report names a thing once and then calls it by its kind: "Gladiators originally aired …" then
"the hit game show returned …". When the sentence that answers "Which game show …?" best is the
second kind, the name is in the sentence next to it, which the answer then quotes too. The test
is on word forms only: the question's asked noun (the last word of the phrase after "which" /
"what", "Which rebel groups controlled …" → "groups") preceded by "the" or "this", with no
capitalised word in that phrase or right around it ("the Lebanese group Hezbollah", "Abu Hamza
al-Naimi the commander" name it; "on ITV, the game show" does not).

The person whose name is asked ("What was the name of the nurse wounded …?"): a name set beside
"nurse" as an apposition names her (``names_role``); another name in the sentence does not.

The source asked about ("did SANA say", "what toll did the Observatory give"): ``asked_sources``,
so that a follow-up naming its own source does not carry the earlier one along.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..text_terms import STOPWORDS, stem

_ASKED_PHRASE = re.compile(r"\b(?:which|what)\s+((?:[\w'’-]+[\s,]+){0,3}[\w'’-]+)", re.I)
_DEFINITE = re.compile(r"\b(?:the|this)\s+((?:[\w'’-]+[\s,]+){0,2}[\w'’-]+)", re.I)
_KIND_OF = frozenset({"kind", "kinds", "type", "types", "sort", "sorts", "of"})
_NAME_OF = re.compile(
    r"\bnames?\s+of\s+(?:the|a|an|this|that|his|her|their|its)?\s*((?:[\w'’-]+[\s,]+){0,5}[\w'’-]+)", re.I
)


@lru_cache(maxsize=512)
def asked_noun(question: str) -> str | None:
    """Stem of the noun a "which/what X" question asks for: the phrase after "which"/"what" up to
    the first function word or past-tense verb (not a participle before its noun: "transmitted
    infection"), its last word. None without such a phrase."""
    m = _ASKED_PHRASE.search(question)
    return _phrase_noun(m.group(1)) if m else None


def _phrase_noun(phrase: str) -> str | None:
    """The last word of a noun phrase: up to a function word, a past form used as a verb, an adverb
    ("the nurse critically wounded") or a comma."""
    words: list[str] = []
    raws = phrase.split()
    for k, raw in enumerate(raws):
        w = raw.strip(",").lower()
        if w in _KIND_OF and not words:
            continue  # "what kind of bombs": bombs
        if w in STOPWORDS or _verb_form(w, raws[k + 1 : k + 2]) or (words and (w.endswith("ly") or w in _PAST)):
            break
        if words and raw[:1].isupper() and raws[k - 1].islower() and raws[k - 1].endswith("s"):
            break  # "the turkeys President Trump pardoned": a name starts the clause after the noun
        words.append(w)
        if raw.endswith(","):
            break  # "which invasive species, according to …"
    return stem(words[-1]) if words else None


# irregular past tenses that end the asked phrase ("which spokesman wrote …", "which group held …")
_PAST = frozenset(
    """wrote said told took gave made went came saw ran led held won lost left met sent fled fell began broke
    chose drove flew grew knew rose spoke stole threw built bought brought caught fought found kept paid put
    shot struck hit sold stood""".split()
)
# irregular past participles that open a clause after the noun ("the activists shown being shot")
_IRREGULAR_PARTICIPLES = frozenset(
    "shown seen taken given known driven thrown beaten hidden stolen blown held kept found caught brought "
    "sent built".split()
)


def _verb_form(word: str, following: list[str]) -> bool:
    """A past form that ends the asked phrase ("groups controlled Darayya", "show returned to",
    "activists shown being shot"), not one that describes the noun after it ("transmitted infection",
    "armed group")."""
    if not word.endswith("ed") and word not in _IRREGULAR_PARTICIPLES:
        return False
    nxt = following[0] if following else ""
    return not (nxt[:1].islower() and nxt.strip(",").lower() not in STOPWORDS)


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


@lru_cache(maxsize=512)
def named_role(question: str) -> str | None:
    """Stem of what "What was the name of the X …?" asks the name of ("the woman killed …" →
    "woman"), or None."""
    m = _NAME_OF.search(question)
    return _phrase_noun(m.group(1)) if m else None


def names_role(sentence: str, start: int, end: int, role: str) -> bool:
    """Does the name at ``sentence[start:end]`` name the role: set beside the role's word as an
    apposition ("the nurse, Jane Doe", "a woman named Jane Doe", "Abu Hamza al-Naimi the commander",
    "Jane Doe, 34, a nurse"), not merely near it ("the Assad regime's attack … a woman was killed"),
    nor right before it as its modifier ("Hizbollah Three women" names a group, not the women)?"""
    for m in re.finditer(r"[\w'’-]+", sentence):
        if stem(m.group(0).lower()) != role:
            continue
        if m.start() >= end:  # "Jane Doe, 34, a nurse", "Abu Hamza the commander"
            between = sentence[end : m.start()]
            if between.strip() and _AFTER_NAME.fullmatch(between):
                return True
        elif m.end() <= start and _BEFORE_NAME.fullmatch(between := sentence[m.end() : start]):
            # "the nurse, Jane Doe", "a woman named Jane Doe", "commander Abu Hamza"; not "women Hizbollah"
            return bool(between.strip()) or not _plural(m.group(0))
    return False


def _plural(word: str) -> bool:
    w = word.lower()
    return w.endswith("s") or w in {"women", "men", "children", "people"}


_AFTER_NAME = re.compile(r"(?:\s*,?\s*(?:the|a|an|\d+|aged \d+|\d+-year-old|who was|was)\b)+\s*,?\s*", re.I)
_BEFORE_NAME = re.compile(r"\s*,?\s*(?:(?:named|identified as|called|known as)\s+)?", re.I)


_SOURCE_ASKED = re.compile(
    r"\b(?:did|does|do)\s+(?:[\w'’-]+\s+){0,4}?((?:[A-Z][\w'’&-]*\s+)*[A-Z][\w'’&-]*(?:\s+[a-z]+){0,2}?)\s+"
    r"(?:say|report|give|put|claim|announce|record|count)\b|\baccording to\s+(?:the\s+)?((?:[A-Z][\w'’&-]*\s*)+)"
)


def asked_sources(question: str) -> list[str]:
    """The sources a question asks about ("did SANA say", "what toll did the Syrian Observatory give",
    "according to the Observatory"), as written."""
    return [(m.group(1) or m.group(2)).strip() for m in _SOURCE_ASKED.finditer(question)]
