"""The direct answer: the shortest span of a sentence that answers the question's type.

"How many rebels…?" → "800 rebels"; "How long…?" → "48 hours"; "Who…?" → "John Kerry";
"Where…?" → "northern Idlib"; "When…?" → "5pm on Sunday"; "Which group…?" → "Ajnad al-Sham".
Every span is a verbatim substring of the sentence. Patterns are general English (numbers,
dates, capitalised names after a preposition), never a corpus's words. Among several spans the
one next to the question's own words wins ("8,000 civilians and 800 rebels" answers "how many
rebels" with "800 rebels").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

from ..text_terms import MONTH_ABBREVIATIONS, MONTHS, STOPWORDS, WEEKDAYS, covered, stem, text_stems
from .naming import asked_noun
from .question_type import QType

_NUM_WORD = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|"
    r"dozens?|hundreds|thousands|millions|billions|several|a few|a dozen|a hundred|a thousand"
)
_QUAL = (
    r"at least|more than|less than|fewer than|about|around|nearly|almost|over|some|up to|roughly|"
    r"approximately|well over|an estimated|only|just"
)
_NUMBER = (
    rf"\d{{1,3}}(?:\s\d{{3}})+(?![\d.,])"  # "1 000": thousands set off by a space
    rf"|(?:[$£€]\s?)?\d(?:[\d,.]*\d)?(?:\s?(?:million|billion|trillion|thousand|hundred|[mbk]n?)\b)?"  # not "12,"
    rf"|(?:half|a quarter|a third) (?:of )?a (?:million|billion)"
    rf"|(?:{_NUM_WORD})\b(?:[\s-](?:{_NUM_WORD}|and)\b)*(?:\s(?:million|billion))?"  # \b: "Seventy", not "Seven"
)
# a word boundary, or a currency sign after a space ("committed $3.4 billion")
_COUNT = re.compile(
    rf"(?:\b|(?<![\w$£€])(?=[$£€]))(?:(?:{_QUAL})\s+)?(?:{_NUMBER})(?:\s?(?:%|percent|per cent))?", re.I
)
_UNIT = r"seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|centuries|century"
_DURATION = re.compile(
    rf"\b(?:(?:{_QUAL})\s+)?(?:{_NUMBER}|an?)[\s-]+(?:(?:consecutive|more|full|straight|additional)\s+)?(?:{_UNIT})\b"
    r"|\b(?:day|week|month|year|hour)-long\b",  # "a week-long truce"
    re.I,
)
_MONTH = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?"
)
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day(?:\s+(?:night|morning|evening|afternoon))?"
_LASTED = re.compile(
    r"\b(?:lasted|lasting|lasts|last|for|spanned|spanning)\s+(?:(?:about|around|nearly|almost|only|just|over|"
    r"more than|at least|less than)\s+)?$",
    re.I,
)
_DATE = re.compile(
    rf"(?:\b\d{{1,2}}(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.)\s+(?:on\s+)?)?"
    rf"(?:\b{_WEEKDAY}(?:,?\s+(?:{_MONTH})\s+\d{{1,2}}(?:,\s+\d{{4}})?"
    rf"|,?\s+\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})(?:,?\s+\d{{4}})?)?"
    rf"|\b(?:{_MONTH})\s+\d{{1,2}}(?!\d)(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})(?:,?\s+\d{{4}})?"
    rf"|\b(?:{_MONTH})\s+(?:of\s+)?\d{{4}}"
    rf"|\b(?:19|20)\d\d\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b"
    rf"|\b(?:yesterday|today|tonight|last (?:week|month|year|night)|earlier this (?:week|month|year))"
    rf"|\b(?:last|this|early|late|mid-?)\s*(?:{_MONTH})\b(?!\s+\d))",  # "evicted the army last August"
)
_YEAR_ONLY = re.compile(r"(?:19|20)\d\d")  # "the 2013 agreement" tells no day ("September 2015" at a pinch)
_ASKS_TIME = re.compile(r"\b(?:what|which|at what) (?:time|hour)\b", re.I)
_TIME_OF_DAY = re.compile(
    r"\b(?:around |about |at )?(?:\d{1,2}[:.]?\d{2}\s?(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}\s?(?:am|pm|a\.m\.|p\.m\.)"
    r"|\d{3,4}\s?(?:GMT|UTC)|\d{1,2}[:.]\d{2}\s?(?:GMT|UTC|local time)|noon|midday|midnight|dawn|dusk)\b"
    r"(?:\s+\((?:\d{1,4}[:.]?\d{0,2}\s?(?:GMT|UTC|am|pm))\))?",
    re.I,
)
# A run of capitalised words, with the lower-case particles of names ("Staffan de Mistura", "al-Bab").
_NAME = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’.&-]*|(?:al|el|ez|az|ad|ar|as|ash|an)-[A-Z][\w'’-]*)"  # "Qasr el-Breij"
    r"(?:\s+(?:(?:al|el|de|da|di|du|van|von|der|bin|ibn|la|le|del|of the|of|for the|for)\s+)?"
    r"(?:[A-Z][\w'’.&-]*|(?:al|el|ez|az|ad|ar|as|ash|an)-[A-Z][\w'’-]*|\d+))*"
)
# A quoted title ("‘The Life of a Showgirl’"): quote marks that are not a word's apostrophes ("Egypt's … pharaoh's")
_QUOTED_TITLE = re.compile(r"(?<![\w])[“\"‘']([^“”\"‘’']{2,60})[”\"’'](?![\w])")
_PLACE_KIND = r"(?:city|town|village|province|district|region|area|camp|neighbou?rhood|suburb|countryside|port)"
_LOCATIVE = re.compile(
    r"\b(?:in|at|from|to|near|into|outside|inside|toward|towards|across|via|between)\s+(?:the\s+)?"
    # "to the city of Salamiyah", "in the Kurdish-majority city of Qamishli", "in the vicinity of Hazano"
    rf"(?:(?:[a-z]+-[a-z]+\s+)?{_PLACE_KIND} of\s+|(?:vicinity|outskirts|edges?|heart|cent(?:er|re)) of\s+(?:the\s+)?)?"
    r"((?:(?:north|south|east|west|central|north-?western|north-?eastern|south-?western|south-?eastern|"
    r"northern|southern|eastern|western|northwest|northeast|southwest|southeast)\s+)?)(?=[A-Z])"
)
# Words that head a name run without being part of a person's name (general English titles).
_TITLES = frozenset(
    """president vice secretary minister foreign prime state general gen gen. chief judge justice senator sen sen.
    rep rep. gov gov. governor mayor king queen prince princess pope ceo coach sir lord lady mr mr. mrs mrs. ms ms.
    dr dr. spokesman spokeswoman envoy special ambassador commander officer leader former acting deputy
    director chairman chair head u.s. us uk un eu defense defence interior home treasury""".split()
)
_MONTHS_WEEKDAYS = frozenset([*MONTHS, *MONTH_ABBREVIATIONS, *WEEKDAYS])
_CALENDAR = _MONTHS_WEEKDAYS | frozenset("mon tue tues wed thu thur thurs fri sat sun".split())


@dataclass(slots=True, frozen=True)
class Span:
    start: int  # offsets into the sentence
    end: int
    text: str
    score: float


# "how many of them were children": the part counted is the noun after the verb
_PART_ASKED = re.compile(
    r"\bhow many of (?:them|those|these|the(?:se)? [\w'’-]+(?: [\w'’-]+)?) (?:were|are|was|is)\s+"
    r"((?:[\w'’-]+\s+){0,2}[\w'’-]+)",
    re.I,
)


_HOW_MANY_LAST = re.compile(r"^\W*((?:[\w'’-]+\s+){0,2}[\w'’-]+)\b.*\bhow (?:many|much)\W*$", re.I)


@lru_cache(maxsize=512)  # one question, every candidate sentence
def head_words(question: str) -> frozenset[str]:
    """Stems of the words the question asks about: the words after "how many", "which", "what" or
    "who is the", up to the first function word ("how many new ministers did…" → new, minist)."""
    m = (
        _PART_ASKED.search(question)
        or re.search(
            r"\b(?:how (?:many|much)|which|what|whose)\s+(?:(?:kinds?|types?|sorts?|forms?)\s+of\s+)?"
            r"((?:[\w'’-]+\s+){0,3}[\w'’-]+)",  # "what kind of bombs": bombs
            question,
            re.I,
        )
        or re.search(r"\bwho (?:is|was|are|were) the\s+((?:[\w'’-]+\s+){0,3}[\w'’-]+)", question, re.I)  # a role
    )
    trailing = _HOW_MANY_LAST.match(question)  # "rebel fighters killed near X how many"
    if trailing:
        m = trailing
    if not m:
        return frozenset()
    words = []
    for w in m.group(1).split():
        if w.lower() in STOPWORDS or (trailing and w.lower().endswith("ed")):
            break
        words.append(w)
    return text_stems(" ".join(words))


def _proximity(sentence: str, s: int, e: int, qstems: AbstractSet[str]) -> float:
    """1 next to a question word of the sentence, falling towards 0 with the distance in characters."""
    best = None
    for m in re.finditer(r"[\w'’-]+", sentence):
        if s <= m.start() < e or stem(m.group(0).lower()) not in qstems:
            continue
        d = s - m.end() if m.end() <= s else m.start() - e
        if _CLAUSE_BREAK.search(sentence[m.end() : s] if m.end() <= s else sentence[e : m.start()]):
            d += 45  # "… in a northern district of Manbij while six others …": another clause's count
        best = d if best is None else min(best, d)
    return 0.0 if best is None else 1.0 / (1.0 + max(best, 0) / 30.0)


_CLAUSE_BREAK = re.compile(r"\b(?:while|whereas|whilst)\b|;")


def _new_words(text: str, qstems: AbstractSet[str]) -> bool:
    """Does the span say something the question does not?"""
    words = text_stems(text)
    return bool(words - qstems) or (bool(re.search(r"\d", text)) and not words)


def _count_spans(sentence: str, question: str, qstems: AbstractSet[str]) -> list[Span]:
    heads = head_words(question) | _counted_groups(question)  # "how many civilians and rebels": both
    # a toll counts people ("what toll …?": not "two car bombs"); "fighter-bomber sorties" count none
    people = bool(heads & _PERSON_STEMS or _TOLL in text_stems(question)) and _counted_thing(question) is None
    fated = bool(_fates(question) & {"killed", "injured"})  # what befalls people, not things
    everyone = not (heads & _PERSON_STEMS) - _ANYONE  # a toll counts everyone ("how many children": not)
    given = _given_numbers(question)
    out = []
    for m in _COUNT.finditer(sentence):
        num = m.group(0)
        kind = _kind_after(sentence, m.end()) if "%" not in num and "percent" not in num.lower() else "share"
        if _skip_count(sentence, m, kind, given, fated and _people_asked(question, heads)):
            continue
        rest = re.sub(r"^-(?=[a-z])", " ", sentence[m.end() : m.end() + 60])  # "a 17-day ordeal" counts days
        after = list(re.finditer(r"[\w%'’-]+", re.split(r"[,;:()]", rest, maxsplit=1)[0]))[:4]  # the next three
        # words (not past a comma: "wounded 12, medics said" counts no medics), and one to look at
        found = _counted(sentence, m.start(), after, rest, heads, qstems, people, question if fated else "")
        end, bonus = (m.end() + found[0], found[1]) if found else (m.end(), 0.0)
        if not bonus and after:
            j = 1 if _modifies_next(after[0], after[1:2], heads, rest) else 0  # "two rebel groups": groups
            word = after[j].group(0)
            low = word.lower()
            if _UNIT_WORD.fullmatch(low) and not heads & _UNIT_STEMS and (heads or not _BY_HOW_MUCH.search(question)):
                continue  # "four days after …" counts no civilians ("by how much did they extend it": 48 hours)
            if heads and _DISTANCE.fullmatch(low) and not heads & _MEASURE_STEMS:
                continue  # "a few kilometres" is no count of ambulances ("$3 billion dollars" is money)
            if heads & _SHARE_STEMS and not re.search(r"%|percent|per cent", m.group(0) + " " + low, re.I):
                continue  # "what percentage": "4,592 voters" is no share
            if people and not _counts_people(low, heads):
                continue  # "some 50 kilometres", "eight fighters": no count of civilians
            if people and _is_person(low):
                end, bonus = m.end() + after[j].end(), 0.7  # "15 people" for "how many civilians"
            elif people and low == "others" and _others_fated(sentence, m, rest, after[j].end()):
                end, bonus = m.end() + after[j].end(), 0.6  # "107 others were wounded" (not "250 others' fate")
            elif people and _names_a_fate(low, question, qstems):
                end, bonus = m.end() + after[j].end(), 0.6  # "Three killed including 2 women", "15 deaths"
            elif (
                people
                and fated
                and (_is_plural(word) or _ONE.fullmatch(num.strip()))
                and not (_a_people(low) or _is_person(low))
            ):
                continue  # "three rockets", "two attacks", "one tank": nothing that is killed or injured
            elif people and _is_plural(word) and not (_a_people(low) or stem(low) in heads):
                continue  # "5 new Ministers" is no count of refugees
            elif _is_plural(word) and _counts_other_thing(question, low):
                continue  # "800 rebels" is no count of ambulances
            elif low in ("percent", "%") or _is_plural(word) or (_ONE.fullmatch(num.strip()) and _is_noun(word)):
                end, bonus = m.end() + after[j].end(), 0.4
        if not bonus and everyone and _TOLL_OF.search(sentence, max(0, m.start() - 50), m.start()):
            bonus = 0.5  # "gave a death toll of 12", "the toll rose to 25": a toll is a count of the dead
        if not bonus and _after_asked_verb(sentence, m.start(), qstems) and _ENDS_CLAUSE.match(sentence, m.end()):
            bonus = 0.3  # "… and the SDF has lost at least 89": the question's verb says what it counts
        if not bonus and not re.search(r"[$£€%]|million|billion", num, re.I):
            continue  # a bare number counts nothing we can name
        if heads & _MONEY_STEMS and not _AMOUNT.search(sentence[m.start() : end + 12]):
            continue  # "how much money": "1,200 troops" is no sum
        text = sentence[m.start() : end]
        out.append(Span(m.start(), end, text, 0.5 + bonus))
    return out + _zero_spans(sentence, heads)


def _counted(
    sentence: str,
    start: int,
    after: list[re.Match],
    rest: str,
    heads: AbstractSet[str],
    qstems: AbstractSet[str],
    people: bool,
    fated: str,
) -> tuple[int, float] | None:
    """What the number at ``start`` counts, told by a headline's verb, the asked noun or, when the
    question (``fated``) asks what befell people, the verb after it ("25 were wounded")."""
    found = _headline_count(sentence, start, after, people) or _asked_noun(after, rest, heads, qstems, people)
    return found or (_told_fate(after, fated, qstems) if fated else None)


_BEFORE_FATE = frozenset("were was are is have has had been being reportedly also".split())


def _told_fate(after: list[re.Match], question: str, qstems: AbstractSet[str]) -> tuple[int, float] | None:
    """A bare number whose verb says what befell them, the asked fate ("25 were wounded", "55 injured"):
    (its end in the words after the number, bonus), or None."""
    for w in after:
        word = w.group(0).lower()
        if word in _BEFORE_FATE:
            continue
        return (w.end(), 0.6) if word in _FATE and _names_a_fate(word, question, qstems) else None
    return None


def _names_a_fate(word: str, question: str, qstems: AbstractSet[str]) -> bool:
    """A count told by what befell them ("eight died", "three killed"), or a toll ("reported 15 deaths")."""
    if word in ("deaths", "death"):
        return "killed" in _fates(question)
    return word in _FATE and (stem(word) in qstems or bool(_fates(word) & _fates(question)))


def _headline_count(sentence: str, start: int, after: list[re.Match], people: bool) -> tuple[int, float] | None:
    """A headline's count after its verb ("Mortar fire kills 12 wounds 50", "Bomb kills 12 in Homs"):
    the verb says what befell them, and a verb after it is the next count's, not what it counts."""
    before = re.findall(r"[\w'’-]+", sentence[max(0, start - 15) : start])[-1:]
    if not people or not before or before[0].lower() not in _HEADLINE_VERBS:
        return None
    nxt = after[0].group(0).lower() if after else ""  # "kills 12 in Homs", "kills 12 wounds 50"
    if nxt and nxt not in STOPWORDS and not (nxt in _HEADLINE_VERBS and after[1:2] and after[1].group(0)[0].isdigit()):
        return None
    return (0, 0.3)


_HEADLINE_VERBS = frozenset("kills kill wounds wound injures injure killing wounding injuring".split())


def _skip_count(sentence: str, m: re.Match, kind: str, given: AbstractSet, people_only: bool) -> bool:
    """A number that answers no count: one the question gives ("Of the 126 people killed, how many
    were children?"), or, asked how many were wounded, a share or a sum ("8% of chemical material")."""
    num = m.group(0)
    if _no_count(sentence, m) or {(n, kind) for n, _ in _numbers_of(num)} & given:
        return True
    return people_only and (kind == "share" or re.search(r"[$£€]", num) is not None)


def _people_asked(question: str, heads: AbstractSet[str]) -> bool:
    """ "How many were wounded?" counts people: "8%" or "$5 million" is no answer ("how much …?" may be)."""
    return re.search(r"\bhow many\b", question, re.I) is not None and not heads & (_SHARE_STEMS | _MONEY_STEMS)


_TOLL = stem("toll")
_ANYONE = frozenset(stem(w) for w in "people persons person individuals".split())  # a toll may be of rebels
_TOLL_OF = re.compile(
    r"\btolls?\s+(?:(?!on\b)[a-z]+\s+){0,4}?(?:of|to|at|was|is|reached|stood at|rose to|climbed to)\s+"
    r"(?:(?:at least|some|about|around|nearly|almost|more than|over)\s+)?$",
    re.I,
)
_BY_HOW_MUCH = re.compile(r"\bby how much\b", re.I)
_MONEY_STEMS = frozenset(
    stem(w) for w in "money cash funding funds budget cost costs price ransom compensation investment spending".split()
)
_AMOUNT = re.compile(r"[$£€]|\b(?:dollars?|euros?|pounds?|riyals?|lira|rubles?|yuan|yen|USD|EUR)\b", re.I)


# "lost at least 89.", "wounded 85 on Tuesday" (not "killed 28 and wounded 30 militants")
_ENDS_CLAUSE = re.compile(
    r"\s*(?:[.,;:)]|$)|\s+(?:on|in|at|during|since|after|before|when|while|near|across|overnight|yesterday|today)\b"
)


def _after_asked_verb(sentence: str, start: int, qstems: AbstractSet[str]) -> bool:
    """Is the number the object of a verb the question asks with ("has lost at least 89" for "how
    many had the SDF lost")?"""
    before = re.findall(r"[\w'’-]+", sentence[max(0, start - 30) : start])
    if not before or not re.search(r"(?:ed|ing|lost|killed|died)$", before[-1].lower()):
        return False
    return stem(before[-1].lower()) in qstems


_NUMERAL = re.compile(rf"\d[\d,]*|\b(?:{_NUM_WORD})\b", re.I)
_VAGUE_NUMERALS = frozenset("dozen dozens hundreds thousands millions billions several a few".split())


def _numbers_of(text: str) -> set[tuple[str, str]]:
    """The exact numbers a text states, each with its kind: a share, a length of time or a count
    ("at least 126 people" → ("126", "count"), "20 years" → ("20", "time"), "Seven" → ("seven",
    "count")); not vague ones ("hundreds", "several") nor years."""
    out = set()
    for m in _NUMERAL.finditer(text):
        n = m.group(0).replace(",", "").lower()
        if n and n not in _VAGUE_NUMERALS and not re.fullmatch(r"(?:19|20)\d\d", n):
            out.add((n, _kind_after(text, m.end())))
    return out


def _kind_after(text: str, end: int) -> str:
    nxt = re.match(r"\s?(%|percent|per cent|[a-z]+)", text[end:], re.I)
    word = nxt.group(1).lower() if nxt else ""
    return "share" if word in ("%", "percent", "per cent") else "time" if _UNIT_WORD.fullmatch(word) else "count"


_GIVEN_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s*[-–]\s*)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})(?:,?\s+(?:19|20)\d\d)?"
    rf"|\b(?:{_MONTH})\s+(?:of\s+)?(?:19|20)\d\d\b"
)


@lru_cache(maxsize=256)
def _given_numbers(question: str) -> frozenset[tuple[str, str]]:
    """The numbers the question itself gives, not its dates' or times' ("on 21-22 September",
    "by 6 p.m.") nor "one" ("the one that …"): what it already knows is not what it asks."""
    q = re.sub(_GIVEN_DATE, " ", question)
    q = re.sub(r"\b\d{1,2}(?:[:.]\d\d)?\s?[ap]\.?m\b\.?", " ", q, flags=re.I)
    q = _TIME_OF_DAY.sub(" ", _DATE.sub(" ", q))
    return frozenset(n for n in _numbers_of(q) if n[0] != "one")


_ONE_HAND = re.compile(r"\s+hand\b", re.I)  # "on the one hand": no count


def _no_count(sentence: str, m: re.Match) -> bool:
    """A year, a date's day, a model's number ("Tu-22M3", "F-16s", "MiG-29") or "on the one hand": no count."""
    if re.fullmatch(r"(?:19|20)\d\d", m.group(0).strip()) or _is_date_number(sentence, m.start(), m.end()):
        return True
    if m.group(0).strip().lower() == "one" and _ONE_HAND.match(sentence, m.end()):
        return True
    before = sentence[max(0, m.start() - 3) : m.start()]
    return bool(_MODEL_NUMBER.search(before) or _MODEL_NUMBER.match(sentence, m.end()))


_NOT_COUNTED_PAST = frozenset("as in on at by for from to with after before when while than that who which".split())


def _asked_noun(
    after: list[re.Match], rest: str, heads: AbstractSet[str], qstems: AbstractSet[str], people: bool
) -> tuple[int, float] | None:
    """The counted noun among the next three words, one the question names: (its end in ``rest``,
    bonus), or None. "800 rebels" for "how many rebels"; "a 17-day ordeal" for days."""
    found = None
    for i, w in enumerate(after[:3]):
        if w.group(0).lower() in _NOT_COUNTED_PAST:
            break  # "Hundreds dead as Islamic State seizes …": the counted noun comes before "as"
        ws = stem(w.group(0).lower())
        if ws in heads or ws + "s" in heads or (i == 0 and ws in qstems and not heads):
            if _modifies_next(w, after[i + 1 : i + 2], heads, rest):
                if people and not _names_people(after[i + 1].group(0)):
                    return found  # "two rebel groups" counts no rebel fighters
                return after[i + 1].end(), 0.4  # "two rebel groups" counts groups
            found = w.end(), 1.0 - 0.1 * i
            if w.group(0).lower().endswith("s"):
                return found  # the counted plural noun ends the span ("800 rebels", not "800 rebels left")
    return found


# "no deaths had been reported": a count of zero, when the noun is the one the question counts
_ZERO = re.compile(r"\b(?:no|zero|not a single)\s+([a-z]+)(?:\s+([a-z]+))?", re.I)


def _zero_spans(sentence: str, heads: AbstractSet[str]) -> list[Span]:
    out = []
    for m in _ZERO.finditer(sentence):
        for g in (1, 2):  # "no deaths", "no civilian deaths"
            if m.group(g) and stem(m.group(g).lower()) in heads:
                end = m.end(g)
                if g == 1 and m.group(2) and (_is_person(m.group(2)) or stem(m.group(2).lower()) == "death"):
                    end = m.end(2)  # "no civilian casualties"
                out.append(Span(m.start(), end, sentence[m.start() : end], 1.5))
                break
    return out


# People counted under another word than the question's ("15 people" for "how many civilians").
_PERSON_WORDS = """people persons person civilians civilian children child men man women woman residents villagers
    soldiers fighters troops militants rebels policemen officers members workers students patients victims
    casualties dead bodies refugees migrants passengers medics doctors nurses journalists teachers farmers
    worshippers pilgrims volunteers employees guards prisoners detainees hostages inhabitants youths boys girls
    babies infants relatives families tourists fans voters citizens adults commanders gunmen jihadists insurgents
    terrorists extremists attackers""".split()
_PERSON_STEMS = frozenset(stem(w) for w in _PERSON_WORDS)
# Stems these people share with things or acts ("villagers"/"villages", "officers"/"offices", "prisoners"/
# "prisons", "workers"/"works", "fighters"/"fighting"): a word of such a stem must be the person form itself.
_SHARED_STEMS = frozenset(
    stem(w)
    for w in "villagers officers farmers prisoners workers teachers commanders fighters medics guards attackers".split()
)
_PERSON_FORMS = frozenset(f for w in _PERSON_WORDS for f in (w, w[:-1] if w.endswith("s") else w + "s"))


def _is_person(word: str) -> bool:
    """Does ``word`` name people by one of the words above ("12 villagers", not "12 villages")?"""
    low = word.lower().rstrip("'’")
    s = stem(low)
    return s in _PERSON_STEMS and (s not in _SHARED_STEMS or low in _PERSON_FORMS)


_COMBATANT_STEMS = frozenset(
    stem(w)
    for w in (
        "soldiers fighters troops militants rebels gunmen jihadists insurgents terrorists extremists members officers "
        "commanders"
    ).split()
)
# units of length, weight, volume and area; a measure is one of them, money or a share
_UNITS = (
    r"kilomet(?:er|re)s?|km|miles?|met(?:er|re)s?|feet|foot|yards?|tonnes?|tons?|kilo(?:gram)?s?|kg|litres?|"
    r"liters?|acres?|hectares?"
)
_DISTANCE = re.compile(_UNITS)
_MEASURE = re.compile(rf"{_UNITS}|dollars?|euros?|pounds?|percent|%")


_SHARE_STEMS = frozenset(stem(w) for w in "percentage percent proportion share".split())
_MEASURE_STEMS = frozenset(
    stem(w)
    for w in "kilometres kilometers miles metres meters feet yards tonnes tons dollars euros pounds percent".split()
)


def _counts_other_thing(question: str, plural: str) -> bool:
    """Does the question count a named kind of thing ("how many ambulances") other than ``plural``?
    People are left to the person rules (they go by many names), but "how much" never counts them."""
    if _HOW_MUCH.search(question) and not (_MEASURE.fullmatch(plural.lower()) or _UNIT_WORD.fullmatch(plural.lower())):
        return True  # "how much explosive material …": "Six civilians", "three explosions" are no amount
    thing = _counted_thing(question)
    return thing is not None and stem(plural) != stem(thing)


_HOW_MUCH = re.compile(r"\bhow much\b", re.I)


@lru_cache(maxsize=512)  # one question, every candidate sentence
def _counted_thing(question: str) -> str | None:
    """The plural "how many" counts when it names no people ("how many fighter-bomber sorties" →
    "sorties"), or None."""
    m = re.search(r"\bhow many\s+((?:[\w'’-]+\s+){0,2}[\w'’-]+)", question, re.I)
    nouns = [w.lower() for w in m.group(1).split() if _is_plural(w)] if m else []
    if not nouns or _is_person(nouns[0]) or _a_people(nouns[0]):
        return None
    return nouns[0]


def _names_people(word: str) -> bool:
    """Does the word name people ("rebels", "Syrians", "evacuees") rather than a thing ("groups")?"""
    low = word.lower()
    return _is_person(low) or _a_people(low)


def _a_people(plural: str) -> bool:
    """A plural that names people by where they are from or what befell them ("Syrians", "evacuees")."""
    return bool(_DEMONYM.search(plural[:-1])) or plural.endswith("ees") or plural in ("protesters", "survivors")


def _counts_people(word: str, heads: AbstractSet[str]) -> bool:
    """Can ``word`` after a number count the people a question asks about? Not a measure, and not
    combatants when it asks about civilians."""
    return not (_MEASURE.fullmatch(word) or (stem(word) in _COMBATANT_STEMS and stem("civilians") in heads))


_FATE = frozenset("killed dead died wounded injured hurt executed missing kidnapped arrested detained".split())


def _others_fated(sentence: str, m: re.Match, rest: str, end: int) -> bool:
    """Does a fate befall "N others": told after them ("107 others were wounded") or right before the
    number ("killing 10 terrorists and injuring 20 others")?"""
    return bool(_OTHERS_FATED.match(rest, end) or _fate_before(sentence, Span(m.start(), m.end(), m.group(0), 0.0)))


# "… and 107 others were wounded": "others" counts people when a fate follows
_OTHERS_FATED = re.compile(
    # "… were (reportedly | reported) wounded"
    rf"\s+(?:(?:were|was|have been|had been|are)\s+)?(?:\w+ly\s+|reported\s+)?(?:{'|'.join(_FATE)})\b"
    # "… and 100 others sustained injuries"
    r"|\s+(?:have\s+|had\s+)?(?:sustained|suffered|received)\s+(?:\w+\s+)?(?:injuries|wounds)\b",
    re.I,
)
_IRREGULAR_PLURALS = frozenset("people children men women police personnel staff troops cattle".split())
_UNIT_WORD = re.compile(rf"(?:{_UNIT})")
_UNIT_STEMS = frozenset(stem(u) for u in "second minute hour day night week month year decade century".split())
_ONE = re.compile(r"(?:(?:only|just|at least)\s+)?(?:one|1|a single)", re.I)


_AMONG = re.compile(r"\s+(?:were|are|was|is)\s+among\b", re.I)
_MODEL_NUMBER = re.compile(r"[A-Za-z]-$|[A-Z]\d")
_PART_OF = re.compile(r"\b(?:including|included|include|among them|among whom|of them|of whom)\s+$", re.I)


_FATES = {
    "killed": frozenset(
        stem(w) for w in "killed kill killing dead died die death deaths lives executed martyrs martyred toll".split()
    ),
    "injured": frozenset(stem(w) for w in "injured injuring injuries wounded wounding hurt".split()),
    # not "fled" ("killed 60 civilians trying to flee"), "captured" or "released" (an airstrike released gas)
    "moved": frozenset(stem(w) for w in "evacuated evacuation evacuate displaced relocated".split()),
}
# another count joined to this one ("8,000 civilians and 800 rebels would be evacuated"): its verb is theirs
_JOINED_COUNT = re.compile(r"^\s*(?:and|or)\s+(?:(?:about|around|some|nearly|over)\s+)?\d[\d,]*\s+[\w'’-]+", re.I)


_POPULATION = re.compile(
    r"\b(?:home to|population of|populated by|inhabited by)\s+(?:(?:some|about|around|over)\s+)?$", re.I
)


# "half a million people are living under siege": how many live somewhere, not what befell them
_LIVING = re.compile(r"\s*(?:(?:are|were|is|was|still|now)\s+){0,2}(?:living|live|lived|residing|reside)\b", re.I)
_ASKS_POPULATION = re.compile(
    r"\b(?:populations?|populated|inhabit\w*|live[sd]?|living|home to|residents?|dwellers?)\b", re.I
)


@lru_cache(maxsize=512)
def _fates(question: str) -> frozenset[str]:
    """What the question says befell those it counts: killed, injured (or neither). A question that
    names two asks of the first after "how many" (and one joined to it: "killed or wounded"): "How
    many were wounded in the raid, which killed 16?" asks of the wounded; "of the wounded" is a group."""
    question = _DISPLACED_PEOPLE.sub(" ", question)  # "the displaced people killed": killed
    words = text_stems(question)
    kinds = frozenset(kind for kind, stems in _FATES.items() if words & stems)
    m = _HOW_MANY.search(question)
    if len(kinds) < 2 or m is None:
        return kinds
    toks = re.findall(r"[\w'’-]+|[,;]", question[m.end() :].lower())
    for i, w in enumerate(toks):
        kind = _fate_of(w)
        if kind and toks[max(0, i - 2) : i] != ["of", "the"]:
            joined = toks[i + 1 : i + 3]
            other = _fate_of(joined[1]) if len(joined) == 2 and joined[0] in ("and", "or") else None
            return frozenset(k for k in (kind, other) if k)
    return kinds


_HOW_MANY = re.compile(r"\bhow\s+many\b", re.I)


def _fate_of(word: str) -> str | None:
    return next((kind for kind, stems in _FATES.items() if stem(word) in stems), None)


def _told_after(count: str, tail: str) -> set[str]:
    """The fates a count and the clause right after it say befell them; the clause ends at the
    next count ("Three killed 12 others injured") as at a comma ("8,000" is one number)."""
    ends = r"[,;:.](?!\d)|\band\b"
    own = re.split(ends, count, maxsplit=1)
    if len(own) > 1:
        clause = own[0]
    else:
        clause = re.split(rf"{ends}|\s(?=\d)", tail, maxsplit=1)[0]
        if re.match(r"\s+\d", tail[len(clause) :]):  # "kill 10 civilians injure 16": "injure" is the 16's verb
            clause = re.sub(r"\b(?![a-z]+ed\b)[a-z]+\s*$", "", clause)  # ("12 killed 8 injured": not "killed")
        clause = f"{count} {clause}"
    clause = _DISPLACED_PEOPLE.sub(" ", clause)  # "30 others at a site where displaced families …": no fate
    return {kind for kind, stems in _FATES.items() if text_stems(clause) & stems}


# "displaced" before people names who they are, not what befell them in the count
_DISPLACED_PEOPLE = re.compile(
    r"\b(?:internally\s+)?displaced\s+(?=(?:people|persons|families|civilians|residents|children)\b)", re.I
)


def _other_fate(fates: AbstractSet[str], told: AbstractSet[str]) -> bool:
    """Does a count's clause say another fate befell them than the one asked ("… were injured" for
    "how many were killed")?"""
    return len(fates) == 1 and bool(told) and not told & fates


def _fate_before(sentence: str, sp: Span) -> set[str]:
    """The fates the two words right before a count name ("attack injures three civilians"), past a count
    listed before it ("raids killed 14 jihadists 5 civilians": the five were killed too)."""
    before = sentence[max(0, sp.start - 60) : sp.start]
    listed = _LISTED_BEFORE.search(before)
    before = before[: listed.start()] if listed else before[-25:]
    return _fates_in(" ".join(re.findall(r"[\w'’-]+", before)[-2:]))


_LISTED_BEFORE = re.compile(r"\b\d[\d,]*\s+[A-Za-z'’-]+\s*(?:,\s*|and\s+)?$")


def _done_to(fates: AbstractSet[str], sentence: str, sp: Span) -> bool:
    """Does the verb right before a count say another fate befell them ("attack injures three
    civilians" for "how many were killed")?"""
    told = _fate_before(sentence, sp)
    return len(fates) == 1 and bool(told) and not told & fates


def _fate_later(tail: str) -> set[str]:
    """The first fate named after a count, before any other number or the clause's end: "35 civilians,
    mostly schoolchildren and teachers, were killed and many more wounded" were killed."""
    for w in re.findall(r"[\w'’-]+|\d|[.;]", tail):
        if w[0].isdigit() or w in ".;":
            return set()
        kinds = {kind for kind, stems in _FATES.items() if stem(w.lower()) in stems}
        if kinds:
            return kinds
    return set()


def _after_count(sentence: str, end: int, width: int = 50) -> str:
    """What the sentence says right after a count, past another count joined to it by "and"."""
    after = sentence[end : end + 2 * width]
    return _JOINED_COUNT.sub("", after, count=1)[:width]


def _names_fate(span_text: str, qstems: AbstractSet[str]) -> bool:
    """A count that ends with the question's own verb of what befell them ("Three killed")."""
    last = re.findall(r"[\w'’-]+", span_text)[-1:]
    return bool(last) and last[0].lower() in _FATE and stem(last[0].lower()) in qstems


def _is_plural(word: str) -> bool:
    low = word.lower()
    return word.isalpha() and low not in STOPWORDS and (low.endswith("s") or low in _IRREGULAR_PLURALS)


def _is_noun(word: str) -> bool:
    """A content word that may be the counted noun after "one" ("one person")."""
    return word.isalpha() and word.lower() not in STOPWORDS and not word.lower().endswith(("ly", "ed"))


def counts_asked_noun(span_text: str, question: str) -> bool:
    """Does a count span end with the noun the question counts ("800 rebels" for "how many rebels")?"""
    last = re.findall(r"[\w'’-]+", span_text)[-1:]
    return bool(last) and stem(last[0].lower()) in head_words(question)


def _modifies_next(m: re.Match, nxt: list[re.Match], heads: AbstractSet[str], text: str) -> bool:
    """A singular word right before another plural noun modifies it: "rebel groups", "army units" (not
    "45 people, officials said")."""
    if m.group(0).lower().endswith("s") or not nxt or not text[m.end() : nxt[0].start()].isspace():
        return False
    w = nxt[0].group(0)
    return w.isalpha() and w.lower().endswith("s") and w.lower() not in STOPWORDS and stem(w.lower()) not in heads


def _is_date_number(sentence: str, s: int, e: int) -> bool:
    """A day of a month, a clock time or a year-like number rather than a count."""
    before, after = sentence[max(0, s - 12) : s], sentence[e : e + 12]
    if re.search(rf"(?:{_MONTH})\s*$", before) or re.match(rf"\s*(?:st|nd|rd|th)?\s*(?:{_MONTH})\b", after):
        return True
    return bool(re.match(r"\s?(?:am|pm|a\.m\.|p\.m\.|:\d\d)\b", after, re.I))


# "Since when …?" is answered by a time or by an event: "held up since crossing the Turkish border"
_PUBLISHED = re.compile(r"\b(?:published|updated|date of publication|posted)\s*(?:on|at)?\s*:?\s*$", re.I)
_ASKS_DAY = re.compile(r"\b(?:what|which) (?:day|date|weekday)\b", re.I)
_SINCE_WHEN = re.compile(r"\bsince when\b", re.I)
_SINCE = re.compile(r"\bsince\s+[^,.;:]{3,60}?(?=[,.;:]|\s+(?:and|but|according)\b|$)", re.I)


def _regex_spans(rx: re.Pattern, sentence: str, qstems: AbstractSet[str], base: float) -> list[Span]:
    return [Span(m.start(), m.end(), m.group(0), base) for m in rx.finditer(sentence) if _new_words(m.group(0), qstems)]


_LEADING = frozenset("the a an this that these those his her its their our my your but and or so yet as".split())
# Titles a name is usually given with ("Sen. Bernie Sanders", "Justice Clarence Thomas"): kept.
_HONORIFICS = frozenset(
    """sen sen. senator rep rep. justice president prince princess king queen dr dr. gov gov. governor mayor pope
    sir judge gen gen. general mr mr. mrs mrs. ms ms. lady lord captain capt capt. coach""".split()
)
_DEMONYM = re.compile(r"(?:ians?|eans?|cans?|ese|ish|ic)$")


_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())


def _before_a_date(words: list[str]) -> list[str]:
    """A run of capitalised words up to a date in it: "AFP Monday 3 Oct 2016" and "Hama Tuesday" (a
    dateline run into a name) end before the weekday, "Published October 4 2016" before the month."""
    for i, w in enumerate(words[1:], 1):
        low = w.lower().strip(".,")
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if low in _WEEKDAYS or (low in _MONTHS_WEEKDAYS and nxt[:1].isdigit()):
            return words[:i]
    # "Jul 2016 The US-led coalition": a dateline's month and year lead, no part of the name after them
    while len(words) > 2 and words[0].lower().strip(".,") in _MONTHS_WEEKDAYS and words[1].strip(".,").isdigit():
        words = words[2:]
        while words and words[0].strip(".,").isdigit():
            words = words[1:]
    return words


def _clean_name(text: str, start: int, person: bool) -> tuple[int, str] | None:
    """Drop leading function words ("The"), a possessive's tail ("Pence’s Indiana" → "Pence"), and
    for a person the role words before the name, keeping an honorific ("Russian Foreign Minister
    Sergei Lavrov" → "Sergei Lavrov", "Justice Clarence Thomas" stays). None if nothing name-like is
    left (a month, a weekday)."""
    words = _before_a_date(text.split())
    if words and words[0].lower().strip(".,") in _WEEKDAYS:
        words = words[1:]  # "Wednesday 03", "Monday Assad …": a dateline's day, no part of a name
    for i, w in enumerate(words):
        if re.search(r"[’']s$", w):
            words = words[: i + 1]
            words[-1] = words[-1][:-2]
            break
    drop = 0
    while drop < len(words) - 1 and words[drop].lower() in _LEADING:
        drop += 1
    if words and words[0].lower() in _LEADING and len(words) == 1:
        return None
    if person:
        roles = [i for i, w in enumerate(words) if w.lower().rstrip(",") in _TITLES or w in ("of", "the")]
        last = max(roles, default=-1)
        if 0 <= last < len(words) - 1:
            keep_title = words[last].lower() in _HONORIFICS
            drop = max(drop, last if keep_title else last + 1)
    words = words[drop:]
    calendar = _MONTHS_WEEKDAYS | ({""} if person else set())  # "August 20" is no person
    if not words or all(w.lower().strip(".,0123456789") in calendar for w in words):
        return None
    kept = " ".join(words)
    offset = text.find(kept)
    return (start + offset, kept) if offset >= 0 else None


_COMPOUND = re.compile(r"^[A-Z][\w'’.&]*-[a-z]+$")  # "Republican-led", "Michelin-starred": an adjective


def _without_compounds(s: int, text: str) -> tuple[int, str] | None:
    """Drop a leading or trailing capitalised compound adjective ("Republican-led House" → "House")."""
    words = text.split()
    while words and _COMPOUND.match(words[0]):
        words = words[1:]
    while words and _COMPOUND.match(words[-1]):
        words = words[:-1]
    if not words:
        return None
    kept = " ".join(words)
    return s + text.find(kept), kept


_COMPASS = re.compile(r"(?:north|south|east|west|central|upper|lower)(?:ern|east|west|eastern|western)?$", re.I)


def _headline_case(sentence: str, share: float = 0.9) -> bool:
    """Is the sentence a title in headline case (most of its longer words capitalised)?"""
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", sentence) if len(w) > 3]
    return len(words) >= 5 and sum(w[0].isupper() for w in words) >= share * len(words)


_AFTER_DATELINE = re.compile(rf"\b(?:{_MONTH})\.?\s+\d{{1,2}},?\s+\d{{4}}\s*$|\b(?:{_MONTH})\.?\s+\d{{4}}\s*$", re.I)
_TRAILING_ARTICLE = re.compile(r"(?:\s+\d[\d.,]*)+\s+[AI]$")


def _name_spans(
    sentence: str, qstems: AbstractSet[str], person: bool, heads: AbstractSet[str] = frozenset(), context: str = ""
) -> list[Span]:
    out = []
    headline = _headline_case(sentence)
    for m in _NAME.finditer(sentence):
        cleaned = _clean_name(m.group(0).rstrip(".,'’"), m.start(), person)
        cleaned = _without_compounds(*cleaned) if cleaned is not None else None
        if cleaned is None:
            continue
        s, text = cleaned
        if not _new_words(text, qstems) or _filed_from(sentence, s, text):
            continue
        article = _TRAILING_ARTICLE.search(text)  # "URL 0 46 A shelling …": "A" opens the next phrase
        if article and article.start() > 0 and re.match(r"\s+[a-z]", sentence[s + len(text) :]):
            text = text[: article.start()]
        if re.search(r"\s\d[\d.,]*$", text) and re.match(rf"\s+(?:[a-z]|(?:{_MONTH})\b)", sentence[s + len(text) :]):
            text = text.rstrip("0123456789.,").rstrip()  # "Nearly 4 million": a quantity, not part of a name
        words = text.split()
        if all(w.lower().rstrip(".") in _CALENDAR or w.isdigit() for w in words):
            continue  # "Fri 07", "Sept": a dateline, no name
        if not person and len(words) > 2 and words[1] == "of" and _is_role(words[0], heads):
            continue  # "CEO of Godfather's" (for "which candidate"): a role, not the thing's name
        score = 0.6 + (0.2 if " " in text else 0.0)
        after = sentence[s + len(text) : s + len(text) + 20]
        if person and (
            words[-1].lower() in _NOT_A_PERSON or _COMPASS.match(words[0]) or re.match(rf"\s+{_PLACE_KIND}\b", after)
        ):  # "United States", "Mazzeh Airbase", "Turmanin neighborhood": a place, no person
            score -= 0.5  # (an organisation may answer "who")
        # the sentence's first word, or a quotation's (“Fighters from outside the city met …”)
        first = not sentence[:s].strip(" \"“‘'(") or bool(re.search(r"[“\"‘]\s*$", sentence[:s]))
        first = first or bool(_AFTER_DATELINE.search(sentence[:s]))  # "26 October 2016 Warplanes …"
        lone_first = first and sum(w[:1].isupper() for w in words) == 1
        # "China said", "Brazil’s rate" (not "Officials said" where the reports also say "officials")
        speaks_or_owns = (_AFTER_SOURCE.match(after) or re.match(r"['’]s\b", after)) and (
            words[0].lower() not in _context_words(context)[1]
        )
        if lone_first and not _proper_elsewhere(words[0], context) and not speaks_or_owns:
            score -= 0.3  # a lone capitalised first word is as likely a common word ("Despite")
        if (
            _DEMONYM.search(text)
            and not text.endswith("s")
            and re.match(r"\s+[a-z]", after)
            and not _named(words, after)
        ):
            score -= 0.4  # "Puerto Rican singer", "American adults": an adjective ("the Russians have": a noun)
        if headline:
            score -= 0.4  # "Dozens Killed in Terrorist Missile Attack": every word capitalised, no name told apart
        if score >= 0.4 and not _is_number_word(text):  # "Two rebel groups": a count, no name
            out.append(Span(s, s + len(text), text, score))
    return out


def _named(words: list[str], after: str) -> bool:
    """A person's name that merely ends like a nationality ("Col. John Dorrian wrote", "Brian Adrian
    said"): a rank or title before it, or a verb of saying after it."""
    return words[0].lower() in _RANKS_AND_TITLES or bool(_AFTER_SOURCE.match(after))


_NOT_A_PERSON = frozenset(
    """states kingdom republic emirates city province county island islands sea ocean river airport
    airbase street square hospital school church mosque embassy""".split()
)


def _proper_elsewhere(word: str, context: str) -> bool:
    """The word is capitalised in the middle of a sentence of the passage: a name ("China hit back" in a
    passage that also says "tariffs on China"), not a capitalised first word ("Despite")."""
    return bool(context) and word in _context_words(context)[0]


@lru_cache(maxsize=32)
def _context_words(context: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words written capitalised mid-sentence, and the words written in lower case, in the reports
    an answer considers: read once per answer, not once per candidate name."""
    capitalised: set[str] = set()
    for token in re.findall(r"(?<=[a-z,;:(] )[A-Z][\w'’.&-]*", context):
        # every prefix that ends a word: "China’s" is also "China", "Al-Bab" also "Al"
        capitalised.update(token[: m.start()] for m in re.finditer(r"\b", token) if m.start() > 0)
        capitalised.add(token)
    lower: set[str] = set()
    for token in re.findall(r"(?<![\w'’-])[a-z][\w'’-]*", context):
        lower.update(token[: m.start()] for m in re.finditer(r"\b", token) if m.start() > 0)
    return frozenset(capitalised), frozenset(lower)


def _is_role(word: str, heads: AbstractSet[str]) -> bool:
    """A title word ("CEO", "President") that is not what the question asks for."""
    return word.lower() in _TITLES and stem(word.lower()) not in heads


def _place_spans(sentence: str, qstems: AbstractSet[str]) -> list[Span]:
    out = []
    for m in _LOCATIVE.finditer(sentence):
        name = _NAME.match(sentence, m.end())
        if not name:
            continue
        s = m.start(1) if m.group(1) else name.start()
        text = sentence[s : name.end()].rstrip(".,'’")
        kept = " ".join(_before_a_date(text.split()))  # "at Jul 262016 BEIRUT Syrian …": past the date
        if not kept or kept not in text:
            continue
        s, text = s + text.index(kept), kept
        cleaned = _without_compounds(s, text)  # "near the Daesh-controlled town": an adjective, no place
        if cleaned is None or _filed_from(sentence, *cleaned):
            continue
        s, text = cleaned
        if " " not in text and _DEMONYM.search(text) and re.match(r"\s+[a-z]", sentence[s + len(text) :]):
            continue  # "near the Turkish border": an adjective, no place
        if _new_words(text, qstems):
            out.append(Span(s, s + len(text), text, 1.2))
    return out


_DATELINE_CITY = re.compile(r"[A-Z]{3,}\s+[A-Z][a-z]")


def _filed_from(sentence: str, s: int, text: str) -> bool:
    """A dateline's city run into the first word after it ("Jul 26 2016 BEIRUT Syrian government forces
    …" → "BEIRUT Syrian"): where the report was filed, no name in the news."""
    return bool(_DATELINE_CITY.match(text)) and bool(re.search(r"(?:\d|^)\W*$", sentence[:s]))


def answer_spans(qtype: QType, sentence: str, question: str, context: str = "") -> list[Span]:
    """Spans of ``sentence`` that could answer a question of type ``qtype`` (none for untyped ones)."""
    qstems = text_stems(question)
    if qtype is QType.COUNT:
        return _count_spans(sentence, question, qstems)
    if qtype is QType.DURATION:
        return _regex_spans(_DURATION, sentence, qstems, 1.0)
    if qtype is QType.DATE:
        since = _regex_spans(_SINCE, sentence, qstems, 1.0) if _SINCE_WHEN.search(question) else []
        if _ASKS_TIME.search(question):  # "what time did …": a time of day, a date only at a pinch
            return _regex_spans(_TIME_OF_DAY, sentence, qstems, 1.5) + _regex_spans(_DATE, sentence, qstems, 0.5)
        dates = [  # "Published April 13 2017 An air strike on Tuesday …": the event's day is Tuesday
            Span(d.start, d.end, d.text, 0.3) if _PUBLISHED.search(sentence[: d.start]) else d
            for d in _regex_spans(_DATE, sentence, qstems, 1.0)
        ]
        if _ASKS_DAY.search(question):  # "on what day …": a bare year ("the 2013 agreement") tells no day
            dates = [d for d in dates if not _YEAR_ONLY.fullmatch(d.text)]
        return dates + since
    if qtype is QType.PERSON:
        victims = _victim_spans(sentence) if _WHO_FATED.search(question) else []
        return _name_spans(sentence, qstems, True, context=context) + victims
    if qtype is QType.PLACE:  # "President Daniel Noboa" is no place
        names = _name_spans(sentence, qstems, False, context=context)
        names = [sp for sp in names if not _is_role(sp.text.split()[0], frozenset())]
        spans = _place_spans(sentence, qstems) + names
        return [sp for sp in spans if not (_DATE.fullmatch(sp.text) or sp.text.lower() in _MONTHS_WEEKDAYS)]
    if qtype is QType.ENTITY:
        kinds = [sp for noun in asked_kind(question) for sp in _kind_spans(sentence, noun, qstems)]
        heads = head_words(question)
        quoted = [
            Span(m.start(1), m.end(1), m.group(1), 0.9)
            for m in _QUOTED_TITLE.finditer(sentence)
            if m.group(1)[:1].isupper() or m.group(1)[:1].isdigit()  # a title, not a quoted phrase (“landmark”)
        ]
        names = _name_spans(sentence, qstems, False, heads, context)
        # "what kind of market?": "a cattle market" first; a name may still answer ("what type of product?")
        return kinds + names + [q for q in quoted if _new_words(q.text, qstems)]
    return []


# "Who died when the bomb hit their home?": the dead may be told by who they were, not by name
_WHO_FATED = re.compile(
    r"\bwho\s+(?:(?:was|were|had been|has been|have been)\s+)?(?:died|killed|wounded|injured|hurt|the victims?)\b",
    re.I,
)
_KIN = "mothers?|fathers?|sons?|daughters?|wi(?:fe|ves)|husbands?|brothers?|sisters?|famil(?:y|ies)|relatives"
_PEOPLE_WORD = rf"(?:{'|'.join(sorted(_PERSON_FORMS, key=len, reverse=True))}|{_KIN})"
_HOW_MANY_OF = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+|her|his|their|several)"
_ONE_VICTIM = rf"(?:{_HOW_MANY_OF}\s+)?(?-i:[a-z][a-z-]*\s+)?{_PEOPLE_WORD}"  # "a young girl"
_VICTIMS = re.compile(
    rf"\b({_ONE_VICTIM}(?:\s*(?:,|and)\s+{_ONE_VICTIM}){{0,3}})\s+(?:(?:have|has|had|were|was)\s+)?(?:been\s+)?"
    r"(?:died|killed|wounded|injured|hurt)\b",
    re.I,
)


def _victim_spans(sentence: str) -> list[Span]:
    """ "One mother and her child have died …": who they were, for "who died …?"."""
    return [Span(m.start(1), m.end(1), m.group(1), 1.4) for m in _VICTIMS.finditer(sentence)]


_KIND_OF = re.compile(r"\b(?:what|which)\s+(?:kinds?|types?|sorts?|forms?)\s+of\s+([a-z][\w-]*)", re.I)
_AUX_WORDS = frozenset("is are was were has have had do does did will would can could".split())
_NOT_A_KIND = frozenset("a an the this that these those its his her their our some any another other such".split())


@lru_cache(maxsize=512)
def asked_kind(question: str) -> tuple[str, ...]:
    """The noun a "what kind/type of …" question asks to qualify ("what type of bomb" → "bomb"), and the
    word after it when that may be the noun instead ("which type of renewable energy" → "energy")."""
    m = _KIND_OF.search(question)
    if m is None:
        return ()
    nxt = re.match(r"\s+([a-z][\w-]*)", question[m.end() :])
    second = nxt.group(1).lower() if nxt else ""
    verbish = second in STOPWORDS or second.endswith(("ed", "ing")) or second in _AUX_WORDS
    return (m.group(1).lower(),) if not second or verbish else (m.group(1).lower(), second)


def is_kind_span(text: str, question: str) -> bool:
    """Is ``text`` the asked noun with the words that qualify it ("cattle market" for "what kind of market")?"""
    stems = [n[:-1] if n.endswith("s") else n for n in asked_kind(question)]
    return any(re.search(rf"\b{re.escape(n)}\w*$", text, re.I) for n in stems)


def _is_number_word(word: str) -> bool:
    return bool(re.fullmatch(_NUM_WORD, word, re.I))


def _kind_spans(sentence: str, noun: str, qstems: AbstractSet[str]) -> list[Span]:
    """The words that qualify ``noun`` where the sentence names it ("it struck a cattle market" → "cattle
    market"): up to two words before it, not a determiner, a function word, a number or a word of the question."""
    base = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
    out = []
    for m in re.finditer(rf"\b{re.escape(base)}(?:s|es)?\b", sentence, re.I):
        start = m.start()
        for w in reversed(list(re.finditer(r"[\w'’-]+", sentence[max(0, m.start() - 40) : m.start()]))[-2:]):
            low = w.group(0).lower()
            if (
                low in _NOT_A_KIND
                or low in STOPWORDS
                or low[0].isdigit()
                or stem(low) in qstems
                or _is_number_word(low)
            ):
                break
            start = max(0, m.start() - 40) + w.start()
        if start < m.start():
            out.append(Span(start, m.end(), sentence[start : m.end()], 1.2))
    return out


_WH = r"who|whom|whose|what|which|when|where|why|how"
_ASKED_PREP = re.compile(
    r"\b(from|against|with|by|for|to|towards|into|over|between)\s+(?:whom|who|what|which)\W*$", re.I
)
_ASKS_FIRST = re.compile(
    rf"\s*(?:(?:and|so|but)\s+)?(?:{_WH}|is|are|was|were|did|does|do|has|have|had|can|could|will|would)\b", re.I
)


_CARRIED = re.compile(r"\s*\([^()]*\)\s*$")


@lru_cache(maxsize=512)  # one question, every candidate sentence
def carried_stems(question: str) -> frozenset[str]:
    """Stems only a trailing bracket holds ("what dropped the bomb (MSF, Hama)"): the names a
    follow-up carries from the conversation (``rag.conversation``), not words the user typed now."""
    m = _CARRIED.search(question)
    if m is None or m.start() == 0:
        return frozenset()
    return frozenset(text_stems(m.group(0)) - text_stems(question[: m.start()]))


def typed_part(question: str) -> str:
    """The question without the bracket of names (and day) a follow-up carries: what the user typed."""
    return _CARRIED.sub("", question) or question


@lru_cache(maxsize=512)  # one question, every candidate sentence
def focus(question: str) -> str:
    """The part of a question that asks: its last sentence with a question word or mark (news quizzes
    lead with context: "NASA had to reschedule its launch. Where is the launchpad?"), from the question
    word after a leading framing clause ("From a policy standpoint, …, what is …?"), without the names
    a follow-up carries from the conversation ("what dropped the bomb (MSF, Hama)")."""
    question = _CARRIED.sub("", question) or question
    parts = [p for p in re.split(r"(?<=[.!?])\s+(?=[A-Z])", question.strip()) if p]
    for p in reversed(parts):
        if "?" in p or re.search(r"\b(who|whom|whose|what|which|when|where|why|how)\b", p, re.I):
            # "Given that …, what is …?" asks after the comma; "Which coalition …, where …?" asks first
            asked = None if _ASKS_FIRST.match(p) else re.search(rf",\s+(?:{_WH})\b", p, re.I)
            return p[asked.start() + 1 :].strip() if asked else p
    return question


@lru_cache(maxsize=64)
def _reports(context: str) -> tuple[str, ...]:
    return tuple(line for line in context.split("\n") if line.strip())


def _setting(name: str, context: str, share: float = 0.8, least: int = 4) -> bool:
    """Is ``name`` said in most of the reports found (``context``, one a line)? Then it is where
    they all are (a country, a region), not the one place a question asks for."""
    lines = _reports(context)
    if len(lines) < least:
        return False
    return sum(name in line for line in lines) >= share * len(lines)


# the count's own verb says they fled ("… have fled", not "… who had fled")
_FLED = re.compile(
    r"(?:(?!\b(?:who|that|which|whom|and|but)\b|\d)[^.;])*?"
    r"\b(?:have|has|had)\s+(?:\w+\s+)?(?:fled|been displaced|been forced)\b",
    re.I,
)


# a death toll told right before its count ("The death toll from the strikes has risen to 82 people")
_DEATH_TOLL = re.compile(
    r"\bdeath\s+toll\b[^.;]{0,90}?\b(?:rose|risen|rises|reached|reaches|climbed|stood|stands|is|was|of|at|to)\s+"
    r"(?:at\s+|to\s+)?(?:(?:about|around|at least|nearly|over|more than|some)\s+)?$",
    re.I,
)


_JOINED_AFTER = re.compile(r"\b(?:and|or)\s+(?:(?:their|his|her|its|the)\s+)?$", re.I)


def _parent_fate(sentence: str, sp: Span) -> set[str]:
    """The fates told of the count a part belongs to ("killing at least 3000 people including 955
    civilians": killed) or one joined to ("killed two women and their seven children"), from the three
    words before that count to this one."""
    head = sentence[max(0, sp.start - 20) : sp.start]
    if not (_PART_OF.search(head) or _JOINED_AFTER.search(head)):  # "… including 12", "… and their seven"
        return set()
    counts = list(re.finditer(rf"\d[\d,]*|\b(?:{_NUM_WORD})\b", sentence[: sp.start], re.I))
    if not counts:
        return set()
    at = counts[-1].start()
    words = re.findall(r"[\w'’-]+", sentence[:at])[-3:] + re.findall(r"[\w'’-]+", sentence[at : sp.start])
    told = _fates_in(" ".join(words))
    return told | ({"killed"} if _DEATH_TOLL.search(sentence[max(0, at - 120) : at]) else set())


_AMONG_BEFORE = re.compile(r"\bamong\b[^.;,]*$", re.I)
_AMONG_THE_N = re.compile(r"\bamong\s+(?:the\s+)?(\d[\d,]*)\s", re.I)


def _fates_in(text: str) -> set[str]:
    """The fates the words of the text name ("killed", "wounded" …)."""
    return {kind for kind, stems in _FATES.items() for w in re.findall(r"[\w'’-]+", text) if stem(w.lower()) in stems}


def _part_of_another_whole(sentence: str, sp: Span, question: str) -> bool:
    """Is the count a part ("among them 15 children") of a whole other than the one the question gives
    ("How many children were among the 17 civilians killed?")? Then it is another event's."""
    whole = _AMONG_THE_N.search(question)
    if whole is None or not _PART_OF.search(sentence[max(0, sp.start - 20) : sp.start]):
        return False
    counts = re.findall(r"\d[\d,]*", sentence[: sp.start])
    return bool(counts) and counts[-1].replace(",", "") != whole.group(1).replace(",", "")


def _of_the_asked_fate(spans: list[Span], sentence: str, question: str) -> list[Span]:
    """The counts of what befell people as the question asks: "six civilians were injured" counts
    no one killed, "home to a quarter of a million people" is a population."""
    fates = _fates(question)
    kept = []
    for sp in spans:
        # wide: "two members of Syria's (pro-regime militia) National Defence Forces were killed"
        told = _told_after(sp.text, _after_count(sentence, sp.end, 100))
        if _other_fate(fates, told):
            continue
        if _done_to(fates, sentence, sp) and not told & fates:
            continue  # "attack injures three civilians" (not "Three killed 12 others injured": their own verb)
        if not told and not _fate_before(sentence, sp) and _other_fate(fates, _fate_later(sentence[sp.end :])):
            continue  # "35 civilians mostly schoolchildren and teachers were killed and many more wounded"
        if _other_fate(fates, _parent_fate(sentence, sp)) and not told & fates:
            continue  # "killing at least 3000 people including 955 civilians": the 955 were killed too
        if _other_fate(fates, {"killed"}) and _DEATH_TOLL.search(sentence[max(0, sp.start - 120) : sp.start]):
            continue  # "the death toll … has risen to 82 people": no count of the wounded
        among = _AMONG_BEFORE.search(sentence[max(0, sp.start - 60) : sp.start])
        if among and _other_fate(fates, _fates_in(among.group(0))) and not told & fates:
            continue  # "among the 23 killed was a family of 10 people": the 10 were killed too
        if _part_of_another_whole(sentence, sp, question):
            continue  # "among the 17 civilians killed" asked; "killed 34 civilians among them 15 children"
        if fates and _FLED.match(_after_count(sentence, sp.end, 100)):
            continue  # "Thousands of civilians … have fled to villages": no count of the killed
        kept.append(sp)
    spans = kept
    asks_population = _ASKS_POPULATION.search(question) is not None
    if fates or not asks_population:  # "how many people left?" is no town's population
        spans = [sp for sp in spans if not _POPULATION.search(sentence[max(0, sp.start - 30) : sp.start])]
    if not asks_population:  # "how many were killed?": not "half a million people are living under siege"
        spans = [sp for sp in spans if not _LIVING.match(_after_count(sentence, sp.end))]
    return spans


_GROUP_ASKED = re.compile(r"\b(?i:how many)\s+((?:[A-Z][\w'’-]*\s+){1,3})[a-z][\w'’-]*")
_NOT_A_MODIFIER = frozenset("more other others of the more than some about around nearly over".split())


@lru_cache(maxsize=512)
def _asked_group(question: str) -> frozenset[str]:
    """The names that say whose members a count asks for ("How many Hizballah fighters …?" → hizballah),
    not a nationality ("How many Syrian soldiers …?" may be answered by "15 government soldiers")."""
    m = _GROUP_ASKED.search(question)
    if not m:
        return frozenset()
    words = [w for w in m.group(1).split() if w.lower() not in STOPWORDS]
    return frozenset(stem(w.lower()) for w in words if not _DEMONYM.search(w.lower()))


def _other_group(span_text: str, question: str) -> bool:
    """Does a count name another group than the one asked ("20 opposition fighters" for "how many
    Hizballah fighters")? Only when the count has a common word of its own between the number and
    its noun, and none of its words is the question's."""
    group = _asked_group(question)
    if not group:
        return False
    after = re.split(rf"\d[\d,.]*|\b(?:{_NUM_WORD})\b", span_text, flags=re.I)[-1]
    words = re.findall(r"[A-Za-z][\w'’-]*", after)[:-1]  # between the number and the counted noun
    mods = [w for w in words if w.lower() not in _NOT_A_MODIFIER and not _is_number_word(w)]
    # a name may be the asked group's other name ("120 ISIS fighters" for "how many Daesh fighters"):
    # only a common word says it is another group ("opposition fighters")
    other = [w for w in mods if w.islower()]
    return bool(other) and not any(stem(w.lower()) in text_stems(question) for w in mods)


# whose members a count asks for, by name: "How many SDF fighters", "How many fighters of the Kurdish People's
# Protection Units (YPG)"
_SIDE_ASKED = re.compile(
    r"\b(?i:how many)\s+(?:((?:[A-Z][\w'’-]*\s+){1,3})[a-z][\w'’-]*|[a-z][\w'’-]*\s+of\s+(?:the\s+)?"
    r"((?:[A-Z][\w'’-]*\s+){1,5}(?:\([A-Z]{2,}\))?))"
)
_FIGHT = (
    r"(?:clash(?:es|ed)?|fighting|fights?|battles?|battled|attacks?|attacked|raids?|strikes?|ambush(?:ed)?|offensive)"
)
_AGAINST = re.compile(
    rf"\b{_FIGHT}\s+(?:\w+\s+){{0,2}}?(?:with|against|by)\s+(?:the\s+)?((?:[\w'’-]+\s+){{0,3}}[\w'’-]+)"
)
_KILLER = re.compile(r"((?:[\w'’-]+\s+){1,4})(?:killed|kill|kills|killing)\s+(?:at least\s+|more than\s+|some\s+)?$")


@lru_cache(maxsize=512)
def _side_names(question: str) -> tuple[frozenset[str], frozenset[str]]:
    """The asked side's names as stems, nationality included ("kurdish", "ypg"), and its acronyms ("SDF")."""
    m = _SIDE_ASKED.search(question)
    if not m:
        return frozenset(), frozenset()
    words = re.findall(r"[\w'’-]+", m.group(1) or m.group(2))
    names = frozenset(stem(w.lower()) for w in words if w.lower() not in STOPWORDS and w[0].isupper())
    caps = [w for w in words if w[0].isupper() and not w.isupper()]
    initials = {"".join(w[0] for w in caps)} if len(caps) >= 2 else set()  # "Islamic State": IS
    return names, frozenset({w for w in words if w.isupper() and len(w) >= 2} | initials)


def _names_side(text: str, names: AbstractSet[str], acronyms: AbstractSet[str]) -> bool:
    """Does the text name the side: one of its names, or its acronym spelled out ("Syrian Democratic Forces")?"""
    caps = re.findall(r"[A-Z][\w'’-]*", text)
    if any(stem(w.lower()) in names or w in acronyms for w in caps):
        return True
    initials = "".join(w[0] for w in caps)
    return any(a in initials for a in acronyms)


def _other_side(sentence: str, sp: Span, question: str) -> bool:
    """Is the count of the asked side's enemy: the side named as whom they fought ("10 soldiers were killed in
    clashes with Islamic State jihadists" for "how many Islamic State fighters") or as who killed them ("the
    Syrian Democratic Forces killed 13 jihadists" for "how many SDF fighters")? Not when the count names it."""
    names, acronyms = _side_names(question)
    if not (names or acronyms) or _names_side(sp.text, names, acronyms):
        return False
    killer = _KILLER.search(sentence[max(0, sp.start - 60) : sp.start])
    if killer and _names_side(killer.group(1), names, acronyms):
        return True
    tail = sentence[sp.end : sp.end + 120]
    return any(_names_side(m.group(1), names, acronyms) for m in _AGAINST.finditer(tail))


_CREDIT_DATE = re.compile(rf"\s+(?:{_WEEKDAY})\s+\d")


def _credit(sentence: str, sp: Span) -> bool:
    """A name followed by a weekday and a date is a credit line ("… monitor AFP Wednesday 13 Jul 2016"):
    who filed the report, no place."""
    return _CREDIT_DATE.match(sentence, sp.end) is not None


def _owns_asked_place(sentence: str, sp: Span, qstems: AbstractSet[str]) -> bool:
    """Is the span the country or region of a place the question names ("Syria's Idlib", "Syrias Idlib"
    for "which town in Idlib")? It holds the asked place; it is not the place asked for."""
    # the owner is the span's first word past a compass word ("Syrias Idlib"; "northwestern Syria" owns none)
    first = re.match(rf"(?:{_COMPASS.pattern[:-1]}\s+)?([\w-]+)", sp.text, re.I)
    if first is None or stem(first.group(1).lower()) in qstems:
        return False
    end = sp.start + first.end()
    nxt = re.match(rf"(?:['’]s)?\s+(?:{_COMPASS.pattern[:-1]}\s+)?([A-Z][\w'’-]*)", sentence[end:], re.I)
    return nxt is not None and nxt.group(1)[0].isupper() and stem(nxt.group(1).lower()) in qstems


def _of_the_asked_kind(
    qtype: QType, spans: list[Span], sentence: str, question: str, qstems: AbstractSet[str]
) -> list[Span]:
    """A count of what befell whom the question asks about; a place that is neither the asked place's
    country nor a credit line."""
    if qtype is QType.COUNT:
        return [
            sp
            for sp in _of_the_asked_fate(spans, sentence, question)
            if not _other_group(sp.text, question) and not _other_side(sentence, sp, question)
        ]
    if qtype is QType.PLACE:
        size = _asked_size(head_words(question))
        return [
            sp
            for sp in spans
            if not _owns_asked_place(sentence, sp, qstems)
            and not _credit(sentence, sp)
            and not (size and _named_size(sentence, sp) not in (None, size))
        ]
    return spans


# a name that ends with the kind of body it is names that body, not a place
_BODY_NAME = re.compile(
    r"\b(?:Command|Council|Committee|Ministry|Agency|Observatory|Office|Front|Army|Forces?|Brigades?|Battalions?|"
    r"Party|Movement|Coalition|Network|News|Media|Organi[sz]ation|Union|Authority|Police|Company|Association)$"
)


# Places by size: a province is never the neighbourhood, village or town a question asks for, nor the reverse
_REGION_KINDS = frozenset(stem(w) for w in "province governorate region countryside country".split())
_LOCAL_KINDS = frozenset(stem(w) for w in "city town village neighborhood neighbourhood suburb quarter camp".split())


def _asked_size(heads: AbstractSet[str]) -> str | None:
    """ "region" or "local" when the question asks for one size of place ("which neighbourhood…")."""
    region, local = bool(heads & _REGION_KINDS), bool(heads & _LOCAL_KINDS)
    return None if region == local else "region" if region else "local"


def _named_size(sentence: str, sp: Span) -> str | None:
    """The size of place the sentence calls the span: the kind word right after it ("Idlib province") or
    before "of" right ahead of it ("the province of Idlib")."""
    words, prev = sp.text.split(), re.findall(r"[\w-]+", sentence[max(0, sp.start - 12) : sp.start])[-1:]
    if any(_COMPASS.match(w) for w in [*words[:1], *prev]) and not _COMPASS.match(words[-1]):
        return "region"  # "north Syria town", "northern Syria": a part of a country, whatever word follows
    nxt = re.match(r"\s+([A-Za-z]+)", sentence[sp.end :])
    before = re.search(r"\b([A-Za-z]+)\s+of\s+(?:the\s+)?$", sentence[max(0, sp.start - 30) : sp.start])
    for m in (nxt, before):
        word = stem(m.group(1).lower()) if m else ""
        if word in _REGION_KINDS:
            return "region"
        if word in _LOCAL_KINDS:
            return "local"
    return None


def best_span(qtype: QType, sentence: str, question: str, context: str = "") -> Span | None:
    """The span that best answers the question: the type's own preference, then closeness to the
    asking part's words, then shortness."""
    spans = answer_spans(qtype, sentence, question, context)
    if not spans:
        return None
    qstems = text_stems(focus(question)) or text_stems(question)
    heads = head_words(question)
    first_q = min(
        (m.start() for m in re.finditer(r"[\w'’-]+", sentence) if stem(m.group(0).lower()) in qstems), default=0
    )
    money = qtype is QType.COUNT and (not heads or bool(heads & _MONEY_STEMS))
    spans = _of_the_asked_kind(qtype, spans, sentence, question, qstems)
    if not spans:
        return None
    asks_speaker = bool(_REPORTING.search(question) or _SPEECH.search(question))
    direction = _direction(question) if qtype is QType.PLACE else None
    asked_prep = _ASKED_PREP.search(_CARRIED.sub("", question))  # "…, from whom?": the name after "from"

    def rank(sp: Span) -> tuple[float, int]:
        # a count that carries the asked noun itself ("800 rebels" for "how many rebels") is as near as can be
        counts_it = qtype is QType.COUNT and (counts_asked_noun(sp.text, question) or _names_fate(sp.text, qstems))
        near = 1.0 if counts_it else _proximity(sentence, sp.start, sp.end, qstems)
        has_head = 0.6 if heads & text_stems(sp.text) and qtype is QType.ENTITY else 0.0
        if qtype is QType.COUNT:  # "39 fighter-bomber sorties" before "35 helicopter sorties"
            has_head = 0.1 * len(heads & text_stems(sp.text))
        bonus = 0.0
        if qtype is not QType.COUNT:
            bonus += _placement(sentence, sp, heads, qstems, first_q, asked_prep)
            if qtype is QType.PERSON:
                bonus += _holds_role(sentence, sp, asked_noun(question))
            if _LISTENER.search(sentence[max(0, sp.start - 12) : sp.start]):
                bonus -= 0.6  # "a commander told Reuters": who was told, never who said it
            elif _attributes(sentence, sp):  # "CNN reports …": the answer to "who reported it?", else not
                bonus += 0.5 if asks_speaker else -0.6
            if qtype is QType.DURATION and _LASTED.search(sentence[max(0, sp.start - 30) : sp.start]):
                bonus += 0.5  # "lasted a week", "for 48 hours": how long it went on, not when
            if qtype is QType.PLACE and _setting(sp.text, context):
                bonus -= 0.6  # "in northwestern Syria" in a pile of Syria reports: the setting, not the answer
            if qtype is QType.PLACE and _BODY_NAME.search(sp.text):
                bonus -= 0.6  # "Aleppo Police Command" is a body, a place only at a pinch
            if direction:  # "to which town were they moved?": the place after "to", not after "from"
                told = _PREPOSITION.search(sentence[max(0, sp.start - 24) : sp.start])
                bonus += 0.0 if not told else 0.6 if told.group(1).lower() in direction else -0.4
        elif money and re.search(r"[$£€%]|percent|million|billion", sp.text, re.I):
            bonus += 0.6  # "how much" with no counted noun: an amount
        elif not counts_it and (
            _PART_OF.search(sentence[max(0, sp.start - 20) : sp.start]) or _AMONG.match(sentence, sp.end)
        ):  # "… including 2 women", "Ten children were among 48 killed": a part of another count (unless
            bonus -= 0.6  # it counts the asked noun: "among them eight children" for "how many children")
        return (sp.score + near + has_head + bonus, -len(sp.text))

    top = max(spans, key=rank)
    score = round(rank(top)[0], 4)
    if asks_several(question):
        top = _coordinated(sentence, top, spans)
    elif qtype is QType.COUNT:
        top = _groups_of_people(sentence, top, spans, heads, _counted_groups(question))
    return Span(top.start, top.end, top.text, score)


_GENERIC_PEOPLE = frozenset(stem(w) for w in "people persons individuals".split())
_AND_BETWEEN = re.compile(r"\s*(?:,\s*)?(?:and|as well as)\s+", re.I)


_COUNTED_PAIR = re.compile(r"\bhow many\s+([\w'’-]+)\s+(?:and|or)\s+([\w'’-]+)", re.I)


def _counted_groups(question: str) -> frozenset[str]:
    """The two groups a question counts together ("How many civilians and rebels …"), as stems."""
    m = _COUNTED_PAIR.search(question)
    pair = {stem(w.lower()) for w in m.groups()} if m else set()
    return frozenset(pair) if len(pair) == 2 and pair <= _PERSON_STEMS else frozenset()


def _groups_of_people(
    sentence: str, top: Span, spans: Sequence[Span], heads: AbstractSet[str], pair: AbstractSet[str] = frozenset()
) -> Span:
    """ "How many people …?" asked of "8,000 civilians and 800 rebels would be evacuated": the counts of
    two groups joined by "and" are one answer, not the one nearer the verb. Only when the question
    counts people at large, or names both groups ("how many civilians and rebels"): "how many rebels"
    is answered by the rebels' count alone."""
    named = {stem(w) for w in re.findall(r"[\w'’-]+", top.text.lower())}
    both = bool(pair & named)  # the question names both groups and this count is of one of them
    if not both and (not heads & _GENERIC_PEOPLE or heads & named):
        return top
    first, last = top, top
    for sp in sorted(spans, key=lambda sp: sp.start):
        if sp.end <= first.start and _AND_BETWEEN.fullmatch(sentence, sp.end, first.start) and _a_group(sp.text):
            first = sp
        elif sp.start >= last.end and _AND_BETWEEN.fullmatch(sentence, last.end, sp.start) and _a_group(sp.text):
            last = sp
    if (first is top and last is top) or not _a_group(top.text):
        return top
    return Span(first.start, last.end, sentence[first.start : last.end], top.score)


def _a_group(span_text: str) -> bool:
    """A count of people named by their group ("8,000 civilians", "800 rebels"), not a bare number."""
    last = re.findall(r"[\w'’-]+", span_text)[-1:]
    return bool(last) and _is_person(last[0]) and not last[0].isdigit()


_RANKS = frozenset("col col. lt lt. maj maj. capt capt. sgt sgt. gen gen. brig brig. cpl cpl. adm adm.".split())
_RANKS_AND_TITLES = _RANKS | _TITLES  # words that stand before a name ("spokesman Col. John Dorrian")


_APPOSITIVE_ROLE = re.compile(r"\s*,?\s*(?:the|a|an)\s+((?:[\w'’-]+\s+){0,4}[\w'’-]+)")


def _holds_role(sentence: str, sp: Span, role: str | None) -> float:
    """For "which spokesman …?" (``role``: the asked noun's stem): a name right after the role word
    (past a rank: "spokesman Col. John Dorrian") holds the role; one right before it ("Operation
    Inherent Resolve spokesman") is whose spokesman it is."""
    if not role:
        return 0.0
    after = re.match(r"\s*([\w'’-]+)", sentence[sp.end :])
    if after and stem(after.group(1).lower()) == role:
        return -0.5
    # "Abu Abdul Rahman al-Madani, the Al-Nusra Front commander in Lattakia": the name the role describes
    appos = _APPOSITIVE_ROLE.match(sentence, sp.end)
    if appos and any(stem(w.lower()) == role for w in appos.group(1).split()):
        return 0.5
    before = re.findall(r"[\w'’.-]+", sentence[max(0, sp.start - 40) : sp.start])
    while before and before[-1].lower() in _RANKS_AND_TITLES and stem(before[-1].lower()) != role:
        before.pop()
    return 0.5 if before and stem(before[-1].lower().rstrip(".,")) == role else 0.0


def _placement(
    sentence: str,
    sp: Span,
    heads: AbstractSet[str],
    qstems: AbstractSet[str],
    first_q: int,
    asked_prep: re.Match | None,
) -> float:
    """Where a name stands: next to the question's head noun ("Hamedan airbase", "the boyband One
    Direction"), or right before its other words, the subject of its verb ("Pier 1 Imports filed"); a
    name ahead of all of them is the subject. After "…, from whom?" only the name after "from" counts."""
    if asked_prep:
        lead = sentence[max(0, sp.start - 20) : sp.start]
        return 1.0 if re.search(rf"\b{asked_prep.group(1)}\s+(?:the\s+|an?\s+)?$", lead, re.I) else 0.0
    nxt = [stem(w.lower()) for w in re.findall(r"[\w'’-]+", sentence[sp.end : sp.end + 40])[:2]]
    before = re.findall(r"[\w'’-]+", sentence[max(0, sp.start - 40) : sp.start])[-2:]
    if len(before) == 2 and before[1].lower() == "of":
        before = before[:1]  # "the village of Hass": the head before "of"
    prev = [stem(w.lower()) for w in before[-1:]]
    bonus = 0.5 if any(covered(h, {*nxt[:1], *prev}) for h in heads) else 0.0  # "neighborhood" for "neighbourhood"
    bonus += 0.5 if heads and heads & _appositive(sentence, sp.end) else 0.0
    bonus += 0.3 if any(w in qstems for w in nxt) else 0.0
    return bonus + (0.15 if sp.end <= first_q else 0.0)


# Where-to and where-from questions ("To which town were they moved?", "Where did they flee from?")
_TO = re.compile(
    r"^\s*(?:to|into|towards?) (?:which|what|where)\b|\bwhere\b.*\b(?:taken|moved|sent|evacuated|headed|heading|"
    r"going|bound|transferred|relocated|deported|flee|fled|fleeing|go|end up|ended up)\b|\bto\s*\?\s*$",
    re.I,
)
_FROM = re.compile(r"^\s*from (?:which|what|where)\b|\bwhere\b.*\bfrom\s*\?\s*$", re.I)
# the preposition right before a place ("proximity to", "next to", "close to" say where, not where to)
_PREPOSITION = re.compile(
    r"(?<!proximity )(?<!next )(?<!close )(?<!closer )(?<!near )(?<!adjacent )(?<!due )(?<!according )"
    rf"\b(to|into|towards?|from|in|at|near)\s+(?:the\s+)?(?:{_PLACE_KIND} of\s+)?$",
    re.I,
)


@lru_cache(maxsize=512)  # one question, every candidate sentence
def _direction(question: str) -> frozenset[str] | None:
    """The prepositions that introduce the asked place, when the question asks where to or where from."""
    if _FROM.search(question):
        return frozenset({"from"})
    if _TO.search(question):
        return frozenset({"to", "into", "toward", "towards"})
    return None


_APPOSITIVE = re.compile(r"\s*(?:,|—|–| - )\s*(?:a|an|the)\s+([^,—–.;]{1,60})")


def _appositive(sentence: str, end: int) -> frozenset[str]:
    """Stems of the description set off right after a name, up to its first "of" ("Herman Cain — a one-time
    … candidate, …"; not "Liz Cheney, daughter of … Dick Cheney": that one describes the daughter)."""
    m = _APPOSITIVE.match(sentence, end)
    return text_stems(re.split(r"\bof\b", m.group(1))[0]) if m else frozenset()


_REPORTING = re.compile(r"\b(?:says?|said|report(?:s|ed)?|told|tells?|announced?|claim(?:s|ed)?|according)\b", re.I)
# other ways a question asks who spoke ("Who briefed reporters?", "Who was the spokesman?")
_SPEECH = re.compile(
    r"\b(?:brief(?:s|ed)?|spok(?:e|en)|speak(?:s|ing)?|spokes(?:man|woman|person)|explain(?:s|ed)?|"
    r"comment(?:s|ed)?|warn(?:s|ed)?|stat(?:es|ed)|quoted|"
    # "Who gave the toll?", "Who provided those figures?": the one who told them
    r"(?:gave|giv(?:e|es|en)|provid(?:e|es|ed)|releas(?:e|es|ed)|confirm(?:s|ed)?)\s+(?:the\s+|those\s+|these\s+|"
    r"its\s+|their\s+|this\s+|that\s+)?(?:death\s+|casualty\s+)?(?:tolls?|figures?|numbers?|tally|details|count|"
    r"estimates?|information))\b",
    re.I,
)
_AFTER_SOURCE = re.compile(r"\s+(?:says?|said|reports?|reported|told|quoted|cited|claims?|claimed)\b", re.I)
_LISTENER = re.compile(r"\b(?:told|tells|telling)\s+(?:the\s+)?$", re.I)
_BEFORE_SOURCE = re.compile(r"\baccording to\s+(?:the\s+)?$", re.I)  # not a bare "as": "such as France"


def _attributes(sentence: str, sp: Span) -> bool:
    """The name is who tells the news ("SANA reports", "Reuters said", "according to the BBC"), not
    what it is about: not the answer unless the question asks who said it."""
    return bool(
        _AFTER_SOURCE.match(sentence, sp.end) or _BEFORE_SOURCE.search(sentence[max(0, sp.start - 20) : sp.start])
    )


_SEVERAL = re.compile(
    r"\b(?:which|what|name|who are) (?:the )?(?:two|three|four|both)\b|\bboth\b"
    r"|\b(?:which|what) (?:[\w-]+ ){0,2}?[a-z]+(?:ie|[^s'])s (?:were|are|have|did|do)\b",  # "which neighborhoods were"
    re.I,
)
_JOINED = re.compile(r"\s*(?:,\s*and|,|and|&)\s*(?:the\s+)?", re.I)


def asks_several(question: str) -> bool:
    """The question asks for more than one thing ("Which two presidents…", "both teams")."""
    return bool(_SEVERAL.search(question))


def _coordinated(sentence: str, top: Span, spans: list[Span]) -> Span:
    """``top`` widened over the spans joined to it by "and", "&" or commas ("Thomas Jefferson and
    John Adams"): for a question that asks for several things, one of them is half an answer."""
    start, end = top.start, top.end
    grown = True
    while grown:
        grown = False
        for sp in spans:
            if sp.start >= end and _JOINED.fullmatch(sentence[end : sp.start]):
                end, grown = sp.end, True
            elif sp.end <= start and _JOINED.fullmatch(sentence[sp.end : start]):
                start, grown = sp.start, True
    return Span(start, end, sentence[start:end], top.score)
