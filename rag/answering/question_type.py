"""What kind of answer a question wants, and whether a sentence has that kind of thing in it.

The types come from the question's wording only (general English: "how many", "who", "which
city", "was …?"), never from a corpus's vocabulary. ``spans.answer_spans`` finds the spans of a
type in a sentence; ``has_answer_type`` says whether there is one.
"""

from __future__ import annotations

import re
from enum import Enum


class QType(str, Enum):
    COUNT = "count"  # how many / how much
    DURATION = "duration"  # how long
    DATE = "date"  # when / what date / what year
    PERSON = "person"  # who / whom / whose
    PLACE = "place"  # where / which town
    ENTITY = "entity"  # which X / what X: a named thing (an organisation, a title, a product…)
    YESNO = "yesno"  # was / did / has …?
    EVENTS = "events"  # what happened / latest developments → a timeline
    GENERAL = "general"


# Up to two words between "which" and its noun ("which popular tourist island"), never a function word
# ("which team won the state title" asks for a team).
_FUNCTION = r"the|a|an|of|in|on|at|to|for|did|does|do|is|was|were|are|has|have|had|will|would|can|could"
_MODIFIERS = rf"(?:(?!(?:{_FUNCTION})\b)[\w-]+ ){{0,2}}"
_PLACE_NOUNS = (
    r"town|city|cities|village|country|countries|state|states|region|province|district|area|island|county|"
    r"capital|continent|neighbou?rhood|location|place|port|airport|base|airbase|border|street|river|lake|"
    r"suburb|camp|valley|crossing|square"
)
_TIME_NOUNS = r"date|day|year|month|time|week|decade|century|season"
_NUMBER_NOUNS = r"number|percentage|percent|share|amount|total|toll|proportion|rate|sum|price|age"
_PERSON_NOUNS = r"person|people|man|woman|men|women|official|leader|spokesman|spokeswoman|spokesperson"
# "What was the name of the director / the bomber / the five servicemen …?" asks for a person
_PERSON_ROLES = (
    rf"{_PERSON_NOUNS}|boy|girl|child|children|director|bomber|gunm[ae]n|attacker|suspect|victim|hostage|"
    r"prisoner|soldier|servicem[ae]n|pilot|journalist|reporter|photographer|doctor|nurse|worker|activist|"
    r"commander|governor|mayor|minister|president|envoy|ambassador|chief|head|chairman|secretary|emir|"
    r"fighter|militant|member|judge|lawyer|father|mother|son|daughter|brother|sister|husband|wife|bride|groom|"
    r"civilian"
)

_OFFICES = r"commander|emir|governor|mayor|minister|envoy|ambassador|director|chairman|member"

# "when"/"who"/"where" ask only where a question starts (or a clause after punctuation), or before an
# auxiliary: "injured when a crane collapsed in which city?" asks for a city, not a date.
_ASKING = r"(?:^\s*|[.,;:!?]\s+|\band\s+)"
_AUX = r"(?:is|are|was|were|did|does|do|has|have|had|will|would|can|could|should|might|may)"

_PATTERNS: list[tuple[QType, re.Pattern]] = [
    (QType.DURATION, re.compile(r"\bhow long\b|\bfor how many (hours|days|weeks|months|years)\b", re.I)),
    (
        QType.COUNT,  # "how many", "what was the death toll"
        re.compile(
            rf"\bhow (many|much)\b|"
            # "what was the final death toll": up to three words, none a function word, before the noun
            rf"\b(what|which) (?:(?:is|was|are|were) the )?(?:(?!(?:of|the|a|an|in|for|to)\b)\w+ ){{0,3}}"
            rf"({_NUMBER_NOUNS})\b|"
            r"^(?!.*\b(?:who|what|when|where|why|which|how)\b).*\b(?:toll|number of)\b",  # "Khan Sheikhoun death toll?"
            re.I,
        ),
    ),
    (QType.DATE, re.compile(rf"{_ASKING}when\b|\bwhen {_AUX}\b|\b(what|which) ({_TIME_NOUNS})\b", re.I)),
    (
        QType.PERSON,
        re.compile(
            rf"{_ASKING}who(m|se)?\b|\bwho(m|se)? {_AUX}\b|\b(which|what) {_MODIFIERS}({_PERSON_NOUNS})\b|"
            # "Which Nusra Front field commander …?": a holder of an office or a rank
            rf"^\W*which (?:(?!(?:{_FUNCTION})\b)[\w-]+ ){{0,3}}(?:{_OFFICES})s?\b(?![\w'’-])"
            r"(?!\s+(?:state|country|nation|group|organi[sz]ation|body|party)s?\b)|"
            # "What was the name of the commander …?", "Name the emir killed …"
            r"\bwhat (?:is|was|are|were) (?:the|their|his|her) (?:family name|surname|last name|first name)s?\b|"
            rf"(?:\bwhat (?:is|was|are|were) the (?:full )?names? of|{_ASKING}(?:name|identify)) "
            r"(?:the |a |an |his |her |their )?"
            rf"(?:(?!(?:who|whose|whom|that|which|where|when|in|of|at|on|by|for|to|from|with)\b)[\w'’-]+ ){{0,4}}?"
            rf"(?:{_PERSON_ROLES})s?\b(?!\s+(?:state|country|nation|group|organi[sz]ation|body|party)s?\b)|"
            r"^(?!.*\b(?:what|when|where|which|how|why)\b).*\bwho\b",  # "health minister who warned …"
            re.I,
        ),
    ),
    (
        QType.PLACE,
        re.compile(
            rf"{_ASKING}where\b|\bwhere {_AUX}\b"
            rf"|(?:\b(?:which|what)|{_ASKING}name the) {_MODIFIERS}({_PLACE_NOUNS})s?\b|"
            r"\b(?:which|what) (?:part|parts|side|corner|end) of (?:the )?(?-i:[A-Z])",  # "which part of Syria"
            re.I,
        ),
    ),
    (
        QType.EVENTS,
        re.compile(
            # "what were the main events", not "what were the convoys carrying?"
            r"\bwhat (happened|has happened|is happening|(?:were|are) the (?:latest|main|key|major|biggest))\b|"
            # "news" asks what happened only as the news ("any news from Aleppo?"), not "which news network"
            r"\b(latest|developments|timeline|summar(y|ise|ize)|overview)\b|"
            r"\b(?:any|the|latest)\s+news\b|\bnews\s+(?:about|on|from|of)\b",
            re.I,
        ),
    ),
    (QType.YESNO, re.compile(r"^\s*(is|are|was|were|did|does|do|has|have|had|can|could|will|would|should)\b", re.I)),
    (
        QType.ENTITY,
        re.compile(
            r"\bwhich\b|\bwhat\s+(is|was|are|were)\s+the\s+(name|title)\b|^\s*name\s+(?:the|a|an|one)\b|"
            r"\bwhat\s+(?!(did|does|do|is|are|was|were|has|have|had|will|would|can|could|should|if|about|in|on|at|for|"
            r"to|of|from|with|by|they|he|she|it|we|you|happened)\b)[a-z]",
            re.I,
        ),
    ),
]


# A question led by its own wh-word: a later ", when …" / ", who …" is a clause of it ("Which commander was
# killed, along with eight others, when soldiers stormed …?" asks for a commander, not a date)
_LEADING_WH = re.compile(
    r"^\W*(?:which|what|who|whom|whose|where|how|name)\b(?!\s+about\b)", re.I
)  # not "what about X, who …?"
_CLAUSE = re.compile(r"^[,;:]\s*(?:when|who|whom|whose|where)\b", re.I)


def question_type(question: str) -> QType:
    led = _LEADING_WH.match(question) is not None
    for qtype, pat in _PATTERNS:
        if any(not (led and _CLAUSE.match(m.group(0))) for m in pat.finditer(question)):
            return qtype
    return QType.GENERAL


def has_answer_type(qtype: QType, sentence: str, question: str = "") -> bool:
    """Does the sentence contain the kind of thing the question asks for (not just the question's words)?"""
    from .spans import answer_spans

    if qtype in (QType.GENERAL, QType.EVENTS, QType.YESNO):
        return True
    return bool(answer_spans(qtype, sentence, question))
