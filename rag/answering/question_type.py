"""What kind of answer a question wants, and whether a sentence has that kind of thing in it."""

from __future__ import annotations

import re
from enum import Enum


class QType(str, Enum):
    COUNT = "count"  # how many / how much
    DURATION = "duration"  # how long
    DATE = "date"  # when / what date / what year
    PERSON = "person"  # who / whom / whose
    PLACE = "place"  # where / which town
    EVENTS = "events"  # what happened / latest developments → a timeline
    GENERAL = "general"


_PATTERNS: list[tuple[QType, re.Pattern]] = [
    (QType.DURATION, re.compile(r"\bhow long\b|\bfor how many (hours|days|weeks|months|years)\b", re.I)),
    (QType.COUNT, re.compile(r"\bhow (many|much)\b|\bwhat (number|percentage|share|amount)\b|\bdeath toll\b", re.I)),
    (QType.DATE, re.compile(r"\bwhen\b|\bwhat (date|day|year|month|time)\b|\bwhich (date|day|year|month)\b", re.I)),
    (
        QType.PERSON,
        re.compile(
            r"\bwho(m|se)?\b|\bwhich (group|groups|person|official|leader|organi[sz]ation|"
            r"country|countries|outlet|agency|faction|militia)\b",
            re.I,
        ),
    ),
    (
        QType.PLACE,
        re.compile(
            r"\bwhere\b|\bwhich (town|city|village|area|district|province|region|base|"
            r"airbase|country)\b|\bwhat (town|city|village|area|district|province|region)\b",
            re.I,
        ),
    ),
    (
        QType.EVENTS,
        re.compile(
            r"\bwhat (happened|has happened|is happening|were the|are the latest)\b|"
            r"\b(latest|developments|timeline|summar(y|ise|ize)|overview|news)\b",
            re.I,
        ),
    ),
]


def question_type(question: str) -> QType:
    for qtype, pat in _PATTERNS:
        if pat.search(question):
            return qtype
    return QType.GENERAL


_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"dozens?|hundreds?|thousands?|millions?|half|quarter|several)\b",
    re.I,
)
_YEAR_ONLY = re.compile(r"^(19|20)\d\d$")
_DURATION = re.compile(
    r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|ten|several|few)[\s-]+"
    r"(hours?|days?|weeks?|months?|years?|minutes?)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"(19|20)\d\d)\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+(?:\s+(?:al-|de\s|of\s)?[A-Z][\w'’-]+)*")
_PLACE = re.compile(r"\b(in|at|from|to|near|into|outside|inside)\s+(the\s+)?[A-Z][\w'’-]+", re.U)


_COUNT_NOUNS = re.compile(
    r"^(people|persons|civilians|children|women|men|fighters|rebels|soldiers|troops|"
    r"militants|killed|dead|deaths|wounded|injured|refugees|families|residents|"
    r"percent|per|%|times|trucks|vehicles|villages|towns|members|of)$",
    re.I,
)


def _counts_something(sentence: str, question: str) -> bool:
    """A number that counts something: followed within three words by a word of the question or a
    common counted noun ("800 rebels", "at least 70 people"), not a date's day or a year."""
    from ..text_terms import content_terms, stem

    qstems = {stem(t) for t in content_terms(question)}
    for m in _NUMBER.finditer(sentence):
        if _YEAR_ONLY.match(m.group(0)):
            continue
        after = re.findall(r"[\w%']+", sentence[m.end() : m.end() + 60])[:3]
        if any(_COUNT_NOUNS.match(w) or stem(w.lower()) in qstems for w in after):
            return True
    return False


def has_answer_type(qtype: QType, sentence: str, question: str = "") -> bool:
    """Does the sentence contain the kind of thing the question asks for (not just the question's words)?"""
    if qtype is QType.COUNT:
        return _counts_something(sentence, question)
    if qtype is QType.DURATION:
        return bool(_DURATION.search(sentence))
    if qtype is QType.DATE:
        return bool(_DATE.search(sentence))
    if qtype is QType.PERSON:
        qwords = {w.lower() for w in re.findall(r"\w+", question)}
        return any(m.group(0).lower() not in qwords for m in _NAME.finditer(sentence))
    if qtype is QType.PLACE:
        qwords = {w.lower() for w in re.findall(r"\w+", question)}
        return any(m.group(0).split()[-1].lower() not in qwords for m in _PLACE.finditer(sentence))
    return True
