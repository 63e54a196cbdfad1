"""Resolve a follow-up question with the conversation, deterministically and without an LLM.

A conversation's state is what its turns were about: the names and the asked-about noun of each
user question (as resolved), the direct answer of each reply, and the articles each reply cited
(``article_ids`` / ``citations`` of an assistant turn, when the client sends them back). With it:

- ellipsis — "And the civilians?" after "How many rebels left Darayya?" is searched as "How many
  civilians left Darayya?" (the fragment replaces the noun the previous question asked about; a
  name replaces the previous question's last name);
- pronouns — "he/she" become the person the previous answer named, "they/them" the previous
  question's plural noun, and the previous turns' names are carried along ("Where were they
  taken? (Darayya)");
- slots — "And on 17 July?", "According to Reuters?", "And in Idlib?" replace the previous
  question's date (keeping its year), source or place ("in/at/from X"), or add one;
- the day — the last date a question named ("on 12 June 2016") is carried with the names, so
  "How many children were among them?" searches that day's reports first (never for "When …?");
- a question whose own names are no place and no day (who says so: "What toll did the Syrian
  Observatory give for it?") keeps its words and carries the names and the day; one that names
  its own place and day, or a name and no pronoun ("Why does Aleppo matter?"), is left alone.

Turns are resolved in order, so turn 3 builds on what turn 2 was resolved to. ``avoid_repeat``
keeps a reply from repeating the previous one word for word. Only English function words are used,
never a corpus's vocabulary.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .answering.display import canonical
from .answering.naming import asked_sources
from .answering.places import question_places
from .answering.question_type import QType, question_type
from .answering.spans import best_span
from .models import Answer, Passage, Statement, render_statements
from .retrieval.outlets import named_outlets, outlet_key
from .text_terms import (
    MONTH_PATTERN,
    MONTHS,
    NUMBER_WORDS,
    STOPWORDS,
    WEEKDAYS,
    content_terms,
    plain_text,
    question_terms,
    stem,
)

_LEAD = re.compile(
    r"^\s*(?:and|but|also|so|then|what about|how about|and what about|and how about|what else)\b[\s,]*", re.I
)
_PRONOUNS = r"it|its|they|them|their|theirs|he|him|his|she|her|hers|there|those|these|this|that"
_PRONOUN = re.compile(rf"\b({_PRONOUNS})\b", re.I)
_NAME = re.compile(
    r"\b[A-Z][\w'’-]+(?:[\s-](?:(?:al|el|ez|az|as|ash|ad|ar|an|de|of|for|bin|ibn|van|von)[\s-])?[A-Z][\w'’-]+)*"
)  # "Deir ez-Zor", "Ras al-Ain", "Syrian Observatory for Human Rights": one name
_WH_HEAD = re.compile(r"\b(?:how (?:many|much)|which|what|whose)\s+([a-z][\w'’-]*)", re.I)
_THAT_THING = re.compile(r"\b(?:that|this)\s+([a-z][\w'’-]*)")
_DEFINITE = re.compile(r"\bthe\s+([a-z][\w'’-]*)", re.I)
# the plural subject after an auxiliary: "Where would civilians from Darayya be taken?"
_AUX_SUBJECT = re.compile(
    r"\b(?:would|will|were|was|are|is|did|do|does|could|can|should|had|have|has)\s+([a-z][\w'’-]*s)\b"
)
_POSSESSIVE = re.compile(r"['’]s?$")
_VERBISH = re.compile(r"\b(?:is|are|was|were|did|does|do|has|have|had|will|would|can|could|\w+ed)\b", re.I)


_CALENDAR = frozenset([*WEEKDAYS, *MONTHS])
_CALENDAR_WORD = "(?:" + "|".join(w.capitalize() for w in _CALENDAR) + ")"
# The date and the source a question names: slots a fragment can refill ("And on 17 July?",
# "And according to Reuters?").
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_DATE_SLOT = re.compile(
    rf"\b(?:on|in|during)\s+(?:(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?)?(?:{MONTH_PATTERN})\.?"
    rf"(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+(?:19|20)\d\d)?|(?:19|20)\d\d)\b",
    re.I,
)
_SOURCE_SLOT = re.compile(
    r"\b(?:according to|reported by|as reported by|per)\s+(?:the\s+)?[\w'’&.-]+(?:\s+[\w'’&.-]+){0,3}", re.I
)
_PLACE_SLOT = re.compile(
    r"\b(?:in(?:\s+and\s+around)?|at|from|near|around|outside)\s+(?:the\s+)?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3}"
)


def _names(text: str) -> list[str]:
    """Capitalised names, without a sentence's capitalised first word, stop words, days and months."""
    out = []
    for m in _NAME.finditer(text):
        run = re.split(r"\s+", m.group(0))
        if m.start() == 0 and len(run) == 1:
            continue  # "Where …", "Which …": the first word of a question
        words = [w for w in run if w.lower() not in STOPWORDS | _CALENDAR]
        if words:
            out.append(" ".join(words))
    return out


@dataclass(slots=True)
class State:
    """What the conversation so far was about."""

    question: str = ""  # the previous user question, as resolved
    earlier: list[str] = field(default_factory=list)  # the user questions before it, as resolved
    names: list[str] = field(default_factory=list)  # most recent last
    person: str | None = None  # the person the previous answer named
    named: str | None = None  # the name the last reply led with (what "it" is after "which group…?")
    article_ids: list[str] = field(default_factory=list)
    answer: str = ""  # the previous reply's text
    date: str | None = None  # the last date with its year a user question named ("12 June 2016")


@dataclass(slots=True)
class Resolution:
    query: str  # what to search with
    follow_up: bool
    prefer_articles: list[str]


def is_follow_up(question: str, state: State | None = None) -> bool:
    """Does the question lean on the conversation (a lead like "and", a pronoun, a fragment) rather
    than name what it is about?"""
    own_names = _names(question)
    if _LEAD.match(question) or _SOURCE_SLOT.fullmatch(question.strip(" ?.!")):
        return True
    if _PRONOUN.search(question) and not own_names:
        return True
    if state is not None and state.question and not own_names and not _names_place_or_day(question):
        return True  # "What toll did the local civil defence official give?": the event asked about before
    if state is not None and _THIS_PLACE.search(question):
        return True  # "Where in Syria is that town?": a place the conversation named
    if state is not None and _THAT_THING.search(question):
        previous = {stem(t) for t in content_terms(state.question)}
        if any(stem(m.group(1).lower()) in previous for m in _THAT_THING.finditer(question)):
            return True  # "How does SANA describe that force?": the force the last question asked about
    if state is not None and not own_names:
        previous = {stem(t) for t in content_terms(state.question)}
        if any(stem(m.group(1).lower()) in previous for m in _DEFINITE.finditer(question)):
            return True  # "the truce", "the town": a thing the previous question named
        if _THE_PLACE.search(question):
            return True  # "Why does the town matter?" after a question about Darayya
    # "Which town was hit hardest?": a short question that names nothing is about what came before
    short = _SHORT_IN_CONVERSATION if state is not None and state.question else 2
    return len(question_terms(question)) <= short and not own_names and not _YEAR.search(question)


_SHORT_IN_CONVERSATION = 4
# a word that points back at something named before ("it", "they", "there" as a place), not "is there …"
_REFERS = re.compile(
    r"\b(?:it|its|they|them|their|he|him|his|she|her)\b|(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )"
    r"\bthere\b(?!\s+(?:is|are|was|were|has|have|had|been)\b)",
    re.I,
)
# a date that names its year ("12 June 2016", "June 2016"): what a thread of questions is about, in time
_DATED = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?)?(?:{MONTH_PATTERN})\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?,?\s+(?:19|20)\d\d\b",
    re.I,
)


_THE_THING = re.compile(r"\bthe\s+(?!(?:19|20)\d\d)[a-z][\w'’-]*")  # "the bomber": one spoken of before


def leans_on(question: str, state: State) -> bool:
    """A question with names of its own that still leans on the conversation: "What death toll did
    the United States later give for it?", "What did the Syrian Observatory say the Russian jets
    used?", "Who spoke for the YPG?" — who says so is named, not the event (no place, no day, and
    something spoken of before or a verb of saying). "Why does Aleppo matter?" asks afresh. Its
    words are kept (they find the sentence); the conversation's names and day are carried."""
    if not state.question or _anchored(question):
        return False
    if _REFERS.search(question):
        return True
    return not _names_place_or_day(question) and bool(_THE_ANY.search(question) or _ATTRIBUTES.search(question))


# "the Observatory", "the Russian jets": something spoken of before; "say", "according to": who says so
_THE_ANY = re.compile(r"\bthe\s+[\w'’-]", re.I)
_ATTRIBUTES = re.compile(
    r"\b(?:says?|said|according to|describe[sd]?|call(?:s|ed)?|claim(?:s|ed)?|count(?:s|ed)?|report(?:s|ed)?|"
    r"give[sn]?|gave|accuse[sd]?|blame[sd]?|den(?:y|ies|ied)|confirm(?:s|ed)?|spoke|speak)\b",
    re.I,
)


def _with_year(query: str, date: str | None) -> str:
    year = _YEAR.search(date or "")
    day = _DATE_SLOT.search(query)
    if year is None or day is None or _YEAR.search(query) or not re.search(r"\d", day.group(0)):
        return query
    return f"{query[: day.end()]} {year.group(0)}{query[day.end() :]}"


def _names_place_or_day(question: str) -> bool:
    return bool(question_places(question) or _DATE_SLOT.search(question) or _YEAR.search(question))


def _new_place_or_day(question: str, state: State) -> bool:
    """Does the question name a day, or a place the conversation has not named ("How far is it from the
    city of Aleppo?" in a conversation about a village of Aleppo province keeps its day)?"""
    known = {n.lower() for n in state.names}
    places = [p for p in question_places(question) if p.lower() not in known]
    return bool(places or _DATE_SLOT.search(question) or _YEAR.search(question))


def _anchored(question: str) -> bool:
    """A question that names both a place and a date of its own asks afresh, pronoun or not."""
    return bool(question_places(question)) and bool(_DATE_SLOT.search(question) or _YEAR.search(question))


def _head(question: str) -> str | None:
    """The noun the question asks about: after "how many/which/what", else its first "the X"."""
    for rx in (_WH_HEAD, _DEFINITE, _AUX_SUBJECT):
        for m in rx.finditer(question):
            word = m.group(1)
            if word.lower() not in STOPWORDS and not _VERBISH.fullmatch(word) and not _POSSESSIVE.search(word):
                return word  # "which country's border": the border is asked, "country's" no plural
    return None


def _ellipsis(fragment: str, previous: str, outlets: Sequence[str] = ()) -> str | None:
    """The previous question with the fragment put in its place, or None when it is no fragment."""
    frag = fragment.strip(" ?.!")
    if _is_outlet(frag, outlets):
        frag = f"according to {frag}"  # "And Reuters?": the index's outlet, not a place
    slotted = _refill_slot(frag, previous)
    if slotted is not None:
        return slotted
    again = _ask_again(frag, previous)
    if again is not None:
        return again
    fate = _other_participle(frag, previous)
    if fate is not None:
        return fate
    if _PREP_WH.fullmatch(frag):  # "Against whom?", "To ensure what?": the previous question, asked further
        bare = _without_carried(previous)
        return f"{bare.rstrip(' ?.!')}, {frag[:1].lower()}{frag[1:]}?{previous[len(bare) :]}"
    if (
        not frag
        or len(frag.split()) > 4
        or _VERBISH.search(frag)
        or re.search(r"\b(?:who|whom|whose|what|when|where|why|how|which)\b", frag, re.I)
    ):
        return None
    frag = re.sub(r"^the\s+", "", frag, flags=re.I)
    source = _SOURCE_SLOT.search(previous)
    names = [n for n in _names(previous) if not (source and n in source.group(0))]  # a place, not the source
    if frag[:1].isupper() and names:
        # "And Idlib?" replaces the last name; "And the SDF?" after a question that names the SDF
        # beside another (who lost how many) asks it of the SDF: the other name gives way
        others = [n for n in names if n.lower() != frag.lower()]
        if not others:
            return None
        if len(others) < len(names):  # the fragment was named already: the first other name gives way
            old, i = others[0], previous.find(others[0])
        else:
            old, i = names[-1], previous.rfind(names[-1])
        return previous[:i] + frag + previous[i + len(old) :]
    head = _head(previous)
    if head is None or _PLACE_SLOT.fullmatch(frag):  # "in Hasakeh" is a place, never the thing asked about
        return None
    return re.sub(rf"\b{re.escape(head)}\b", frag, previous, count=1)


_BARE_WH = re.compile(
    r"(?:when|where|why|who|how(?:\s+(?:many|much|long|often))?"
    r"|(?:(?:on|in|at|by)\s+)?(?:what|which)\s+(?:day|date|time|year|month|hour))(?:\s+(?:exactly|then|so))?",
    re.I,
)
_LEADING_WH = re.compile(r"^\s*(?:how\s+(?:many|much|long|often)|who|whom|what|which|when|where|why|how)\b\s*", re.I)


_COUNT_FRAGMENT = re.compile(
    r"(?:and\s+)?(?:the\s+)?(?:(?:death|casualty)\s+)?(?:toll|casualties|deaths|number|figure|count)", re.I
)
_WHAT_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?:the\s+)?([^,?]+),\s*", re.I)


def _ask_again(frag: str, previous: str) -> str | None:
    """A bare question word ("When?", "Why?", "How many?") asks the previous question again with it:
    "Who announced the deal?" then "When?" is "When announced the deal?" (a word list to search
    and to type the answer by, not a sentence)."""
    counted = _COUNT_FRAGMENT.fullmatch(frag)  # "Death toll?" after "When was the attack?"
    if counted:
        frag = "How many were killed in" if re.search(r"toll|casualt|deaths", frag, re.I) else "How many in"
    elif not _BARE_WH.fullmatch(frag):
        return None
    about = _WHAT_ABOUT.match(previous)  # "What about the Peshmerga, how many villages did they free?"
    asked = previous[about.end() :] if about else previous
    rest = _LEADING_WH.sub("", asked, count=1)
    if rest == asked:
        return None
    if counted:
        rest = _LEADING_AUX.sub("", rest)  # "How many were killed in the attack?", not "… in was the attack?"
    again = f"{frag[:1].upper()}{frag[1:]} {rest.rstrip()}"
    if about:  # keep what it was about, beside the names carried already: "(Daesh, Rai, Peshmerga)"
        again = f"{again[:-1]}, {about.group(1)})" if again.endswith(")") else f"{again} ({about.group(1)})"
    return again


_PARTICIPLE = re.compile(r"^(?:[Tt]he\s+)?([a-z]{2,}ed)$")  # lower case: "And the Red?" names, "and wounded" asks
_ASKED_PARTICIPLE = re.compile(
    r"\b(?:were|was|been|are|is|got|get|left)\s+(?:\w+ly\s+)?([a-z]+ed)\b|\b(died)\b"
    r"|\bhow many\s+(?:[a-z]+\s+)?([a-z]+ed)\b",  # "… how many killed", "how many people injured"
    re.I,
)


_PREP_WH = re.compile(
    r"(?:(?:and|but)\s+)?(?:against|between|with|for|from|by|on|in|into|at|about|towards?|over|under|after|before|"
    r"since|until|to(?:\s+[a-z]+)?)\s+(?:whom|who|what|which(?:\s+[a-z]+)?|where|when)",
    re.I,
)


_ASKS_CIRCUMSTANCE = re.compile(r"^\s*(?:and\s+)?(?:where|when|why|how)\b(?!\s+(?:many|much)\b)", re.I)
_FATES = frozenset("killed wounded injured displaced arrested detained kidnapped executed evacuated".split())
_HOW_MANY = re.compile(r"\bhow (?:many|much)\b", re.I)


def _other_participle(frag: str, previous: str) -> str | None:
    """ "And wounded?" after "How many were killed in …?" asks the same of the wounded: the fragment's
    participle replaces the previous question's ("killed" → "wounded")."""
    m = _PARTICIPLE.match(frag)
    if m and _ASKS_CIRCUMSTANCE.match(previous):
        return None  # "And the injured?" after "Where exactly did the bombs go off?": an earlier count
    if m and m.group(1) in _FATES and not _HOW_MANY.search(previous):
        # "And the injured?" after "Which village was attacked, killing two?" asks how many were injured
        rest = _LEADING_AUX.sub("", _LEADING_WH.sub("", previous, count=1))
        return f"How many were {m.group(1)} in {rest.strip()}" if rest != previous else None
    old = _ASKED_PARTICIPLE.search(previous) if m else None
    g = (old.lastindex or 0) if old is not None else 0
    if m is None or old is None or old.group(g).lower() == m.group(1):
        return None
    verb = m.group(1)
    if old.group(g).lower() == "died":  # "How many died?" → "How many were wounded?"
        verb = f"were {verb}"
    return previous[: old.start(g)] + verb + previous[old.end(g) :]


def _is_outlet(frag: str, outlets: Sequence[str]) -> bool:
    """Is the whole fragment the name of one of the index's outlets ("Reuters", "the Daily Sabah")?"""
    if not outlets or len(frag.split()) > 4 or not named_outlets(f"according to {frag}", outlets):
        return False
    names = [part for credit in outlets for part in [credit, *credit.split("/")] if part.strip()]
    return outlet_key(re.sub(r"^the\s+", "", frag, flags=re.I)) in {outlet_key(n) for n in names}


def _refill_slot(frag: str, previous: str) -> str | None:
    """The previous question with its date, source or place replaced by the fragment's ("And on 17
    July?" keeps the year it had; "In Idlib?" replaces the first "in/at/from X"), or given one
    (a date or a source); None when the fragment is none of these."""
    frag = (
        frag[:1].lower() + frag[1:]
        if re.match(r"(?:According|Reported|As|Per|On|In|At|From|Near|During)\b", frag)
        else frag
    )
    if _PLACE_SLOT.fullmatch(frag) and not _DATE_SLOT.fullmatch(frag):
        places = [m for m in _PLACE_SLOT.finditer(previous) if not _DATE_SLOT.match(previous, m.start())]
        if places:
            return previous[: places[0].start()] + frag + previous[places[0].end() :]
        bare = _without_carried(previous)  # "What about in Douma?" asks the last question again, there
        return f"{bare.rstrip(' ?.!')} {frag}?{previous[len(bare) :]}"
    for slot in (_DATE_SLOT, _SOURCE_SLOT):
        if not slot.fullmatch(frag):
            continue
        old = slot.search(previous)
        if old is None:
            return f"{previous.rstrip(' ?.!')} {frag}?"
        year = _YEAR.search(old.group(0))
        if slot is _DATE_SLOT and year and not _YEAR.search(frag):
            frag = f"{frag} {year.group(0)}"
        return previous[: old.start()] + frag + previous[old.end() :]
    return None


def _topic(question: str) -> str | None:
    """The thing a question is about: its first "a/an X [Y]" phrase ("Who did the government reach a
    truce with?" is about "the truce"), else its first "the X [Y]" ("the chemical attack"), stopping at
    a function word."""
    found: dict[bool, str] = {}
    # "the September cessation of hostilities": a month or weekday says when, not what
    for m in re.finditer(rf"\b(a|an|the)\s+((?:{_CALENDAR_WORD}\s+)?(?:[a-z][\w'’-]*\s*){{1,2}})", question):
        words = []
        for w in m.group(2).split():
            if w.lower() in _CALENDAR:
                continue
            if w.lower() in STOPWORDS or _VERBISH.fullmatch(w):
                break
            words.append(w)
        last = words[-1].lower() if words else ""
        if not last or last in _TIME_WORDS:  # "the next day" is when, not what "it" is
            continue
        if last in _PLURALS or (last.endswith("s") and not last.endswith("ss")):
            continue  # "the people", "the suicide bombings": "they", never "it"
        found.setdefault(m.group(1).lower() != "the", "the " + " ".join(words))
    return found.get(True) or found.get(False)


_PLURALS = frozenset("people children men women police personnel staff militia clergy".split())
_TIME_WORDS = frozenset("day days week weeks month months year years time morning night evening weekend".split())
_PLACE_WORDS = (
    r"town|city|village|place|area|country|region|province|district|camp|base|airbase|suburb|"
    r"neighbou?rhood|hospital|school|market|mosque|prison|airport|port|bridge|street|square|site|facility|building"
)
_ASKED_PLACE = re.compile(  # "which village", "which IS-held village", "what Kurdish-majority city"
    rf"^\s*(?:and\s+)?where\b|\b(?:which|what)\s+(?:[a-z]+\s+|(?-i:[\w'’]+-[a-z]+)\s+)?(?:{_PLACE_WORDS})\b", re.I
)
_THE_PLACE = re.compile(rf"\bthe\s+(?:{_PLACE_WORDS})\b", re.I)
_THIS_PLACE = re.compile(rf"\b(?:that|this)\s+(?:{_PLACE_WORDS})\b", re.I)
_THAT_PLACE = re.compile(
    rf"\b(?:that|this|the same)\s+(?:{_PLACE_WORDS})\b|"
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?!\s+(?:is|are|was|were|has|have|had)\b)",
    re.I,
)


def _substitute_pronouns(question: str, state: State) -> str:
    """he/she → the person the previous answer named; they/them → the previous question's plural noun;
    it → the name the last reply gave to a "which X" question, else the previous question's topic."""
    head = _head(state.question)
    plural = f"the {head}" if head and (head.lower().endswith("s") or head.lower() in _PLURALS) else None
    asked_name = re.search(r"\b(?:which|what)\s+[a-z]", state.question, re.I)  # "which group…?": it = the answer
    # "In which village was the school hit?" then "Who called it an outrage?": it is the strike, not the
    # village ("there" is the village)
    asked_place = _ASKED_PLACE.search(_without_carried(state.question))
    thing = state.named if asked_name and state.named and not asked_place else _topic(state.question)

    if state.named and _ASKED_PLACE.search(state.question):  # "Where were they taken?" → "Sahnaya": then
        # "Who controls that town?" → "… Sahnaya", "Who lives there?" → "… in Sahnaya" ("Is there …?" stays)
        named = state.named
        question = _THAT_PLACE.sub(lambda m: f"in {named}" if m.group(0).lower() == "there" else named, question)

    which = _WHICH_HEAD.search(_without_carried(state.question))
    heads = [w for w in which.group(1).split() if w.islower() and w not in STOPWORDS] if which else []
    said = "|".join(map(re.escape, heads))
    that = re.search(rf"\b(?:that|this|the same)\s+(?:{said})\b", question, re.I) if heads else None
    # "Which Kurdish force …?" → "…and the Asayish, the military wing…": "that force" is the name the
    # reply led with, else the best of its first quote
    answered = (state.named or _name_in_quote(state.question, state.answer, 0.0, names=True)) if that else None
    if that and answered:
        question = question[: that.start()] + answered + question[that.end() :]

    role = _ROLE_PHRASE.search(_without_carried(state.question))  # "what toll did the Homs governor give?"
    if role and not state.person and _ASKS_NAME.match(question):  # "What's his name?": who the governor is
        return f"Who is {role.group(0)}?"

    def sub(m: re.Match) -> str:
        w = m.group(0)
        low = w.lower()
        if low in ("he", "she", "him", "her") and state.person:
            return state.person
        if low in ("they", "them") and plural:
            return plural
        if low == "it" and thing:
            return thing
        if low == "its" and thing:
            return f"{thing}’s"
        return w

    question = re.sub(r"\b(he|she|him|her|they|them|it|its)\b", sub, question, flags=re.I)
    clause = _what_was_asked(state.question)
    if clause and _THAT_END.search(question):  # "Who announced that?": what the last question asked about
        question = _THAT_END.sub(f" {clause}?", question)
    return question


# a person the question names by office ("the Homs governor", "the army's spokesman"): who "he" is next
_ROLE_PHRASE = re.compile(
    r"\bthe\s+(?:[\w'’-]+\s+){0,2}?(?:governor|mayor|minister|president|spokesman|spokeswoman|spokesperson|envoy|"
    r"ambassador|commander|leader|director|chairman|chief|head|emir|official|activist|monitor|secretary)\b",
    re.I,
)
_ASKS_NAME = re.compile(
    r"^\s*(?:(?:and|so)\s+)?(?:what(?:['’]s|\s+is|\s+was)\s+(?:his|her)\s+(?:full\s+)?name|who\s+(?:is|was)\s+(?:he|she))"
    r"\s*\??\s*$",
    re.I,
)
_WHICH_HEAD = re.compile(  # "which Kurdish force", "what news agency": the words that name what was asked
    r"\b(?:[Ww]hich|[Ww]hat)\s+((?:(?!(?:did|does|do|is|are|was|were|has|have|had)\b)[\w'’-]+\s+){1,3})"
)
_THAT_END = re.compile(r"\s+(?:that|this)\s*\?\s*$", re.I)
_LEADING_AUX = re.compile(r"^\s*(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could)\s+", re.I)


def _without_carried(question: str) -> str:
    """A resolved question without the names carried after it ("… taken? (Darayya)")."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", question)


def _what_was_asked(previous: str) -> str:
    """The previous question without its question word, auxiliary and carried names: "How long did
    Washington and Moscow agree to extend the truce?" → "Washington and Moscow agree to extend the truce"."""
    bare = re.sub(r"^\s*(?:by|for|in|on|at|to|from|with|since|until)\s+", "", _without_carried(previous), flags=re.I)
    rest = _LEADING_WH.sub("", bare, count=1)
    rest = re.sub(r"^(?:[a-z]+\s+)?(?=(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could)\b)", "", rest)
    return _LEADING_AUX.sub("", rest).strip(" ?.!")


def resolve_one(question: str, state: State, outlets: Sequence[str] = ()) -> Resolution:
    """``question`` completed from ``state``; ``outlets`` (the index's) tell a bare outlet name ("And
    Reuters?") from a place."""
    if not state.question:
        return Resolution(question, False, [])
    if not is_follow_up(question, state):
        if not leans_on(question, state):
            return Resolution(_own_day(question, state), False, [])
        return Resolution(_carried(question, question, state), True, list(state.article_ids))
    other = _another_figure(question, state)
    if other is not None:
        return Resolution(other, True, list(state.article_ids))
    lead = _LEAD.match(question)
    rest = question[lead.end() :] if lead else question
    fragment = lead or len(question.split()) <= 4 or _SOURCE_SLOT.fullmatch(rest.strip(" ?.!"))
    query = _ellipsis(rest, state.question, outlets) if fragment else None
    for earlier in reversed(state.earlier[-2:] if fragment and query is None else []):
        query = _ellipsis(rest, earlier, outlets)  # "And the rebels?" after a question it cannot refill
        if query is not None:
            break
    if query is None:
        query = _carried(_substitute_pronouns(question, state), question, state)
    return Resolution(query, True, list(state.article_ids))


_ANOTHER_FIGURE = re.compile(
    r"\b(?:higher|lower|larger|smaller|different|other|another|updated|later|new)\s+(?:[a-z]+\s+)?"
    r"(?:estimates?|figures?|tolls?|counts?|numbers?|tall(?:y|ies))\b",
    re.I,
)
_FIRST_NUMBER = re.compile(rf"\d[\d,]*|\b(?:{'|'.join(NUMBER_WORDS)})\b", re.I)


def _another_figure(question: str, state: State) -> str | None:
    """ "Were there higher estimates?" after "How many civilians …?" answered "eight civilians" asks the
    same count again, other than eight (a number the question gives is never its answer)."""
    if not _ANOTHER_FIGURE.search(question) or not re.search(r"\bhow many\b", state.question, re.I):
        return None
    lead = state.answer.split("\n", 1)[0]
    value = _FIRST_NUMBER.search(lead) if not lead.startswith(("“", '"', "The reports")) else None
    if value is None:
        return None
    bare = _without_carried(state.question)
    return f"{bare.rstrip(' ?.!')}, other than {value.group(0)}?{state.question[len(bare) :]}"


def _carried(query: str, question: str, state: State) -> str:
    """``query`` with the conversation's last names (and its day) it lacks, in brackets; a day it
    names without a year ("on 10 August") takes the year the conversation was about."""
    shifted = _next_or_previous_day(query, state.date)
    query = _with_year(shifted or query, state.date)
    have = query.lower()
    gone = _replaced_places(question, state)
    gone |= _earlier_sources(question, state)
    carry = [n for n in reversed(state.names) if n.lower() not in have and n not in gone]
    carry = list(dict.fromkeys(carry))[:3]
    # "How many children were among them?": of the day asked before ("When …?" is not answered by it)
    # ("the day before": the day stepped to is in the query already)
    # "And in Idlib, where …?": another place at the same time
    moved = bool(gone) and not (_DATE_SLOT.search(question) or _YEAR.search(question))
    dated = bool(state.date) and not shifted and (moved or not _new_place_or_day(question, state))
    if dated and state.date and state.date.lower() not in have and question_type(question) is not QType.DATE:
        carry.append(state.date)
    return f"{query.rstrip()} ({', '.join(carry)})" if carry else query


def _own_day(question: str, state: State) -> str:
    """A question about a place of its own on a day of the conversation's: "What happened in Manbij the day
    before?" after a question of 16 August 2016 asks of 15 August 2016; "… that day" of 16 August 2016."""
    if not state.date or _DATE_SLOT.search(question) or _YEAR.search(question):
        return question
    shifted = _next_or_previous_day(question, state.date)
    if shifted:
        return shifted
    same = _SAME_DAY.search(question)
    return f"{question[: same.start()]}on {state.date}{question[same.end() :]}" if same else question


_SAME_DAY = re.compile(r"\b(?:on\s+)?(?:that|the same)\s+day\b", re.I)
_NEXT_OR_PREVIOUS = re.compile(
    r"\b(?:on\s+)?the\s+(?:(day before|previous day|day earlier)|(day after|next day|following day|day later))\b", re.I
)


_DAYS_LATER = re.compile(
    r"\b(two|three|four|five|six|seven|\d)\s+days\s+(later|after|earlier|before)\b(?!\s+(?:the|a|an|its|his|her|their)\b)",
    re.I,
)
_THE_NTH = re.compile(rf"\b(?:on\s+)?the\s+(\d{{1,2}})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:{MONTH_PATTERN}))", re.I)


def _next_or_previous_day(query: str, date: str | None) -> str | None:
    """ "The day before, which town …?" after a question of 16 August 2016 asks of 15 August 2016;
    "What did they set up on the 15th?", of 15 August 2016."""
    m = _NEXT_OR_PREVIOUS.search(query) or _DAYS_LATER.search(query) or _THE_NTH.search(query)
    day = _as_day(date) if m and date else None
    if m is None or day is None:
        return None
    if m.re is _THE_NTH:
        try:
            day = day.replace(day=int(m.group(1)))
        except ValueError:  # "on the 31st" of a 30-day month
            return None
    elif m.re is _DAYS_LATER:  # "Two days later …"
        n = int(m.group(1)) if m.group(1).isdigit() else NUMBER_WORDS[m.group(1).lower()]
        day += dt.timedelta(days=n if m.group(2).lower() in ("later", "after") else -n)
    else:
        day += dt.timedelta(days=-1 if m.group(1) else 1)
    on = "On" if m.start() == 0 else "on"
    return f"{query[: m.start()]}{on} {day.day} {day:%B %Y}{query[m.end() :]}"


def _as_day(text: str) -> dt.date | None:
    cleaned = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b|,|\bof\b", " ", text)
    for fmt in ("%d %B %Y", "%B %d %Y", "%d %b %Y", "%b %d %Y"):
        try:
            return dt.datetime.strptime(" ".join(cleaned.split()), fmt).date()
        except ValueError:
            continue
    return None  # "August 2016": no day to step from


def _sources(question: str) -> list[str]:
    """The sources a question asks about ("did SANA say", "according to the Syrian Observatory")."""
    return asked_sources(_without_carried(question))


def _earlier_sources(question: str, state: State) -> set[str]:
    """ "And what toll did the Observatory give?" after "How many did SANA say …?" asks another
    source: the earlier question's source is not carried along (its place and day are)."""
    if not _sources(question):
        return set()
    before = {src for q in [*state.earlier, state.question] for src in _sources(q)}
    return {n for n in state.names if n in before}  # "SANA", not "Homs" of "the Homs governor"


_IN_ANOTHER_PLACE = re.compile(r"^\s*(?:(?:and|but|now)\s+)?(?:in|at|near|around)\s+(?:the\s+)?([^,?]+),\s*", re.I)


def _replaced_places(question: str, state: State) -> set[str]:
    """ "What about Aleppo, which neighborhood got hit?" after a question about a village in the Homs
    countryside moves to Aleppo: the places the earlier questions named are not carried along."""
    about = _WHAT_ABOUT.match(question) or _IN_ANOTHER_PLACE.match(question)  # "And in Idlib, where …?"
    if about is None or not about.group(1)[:1].isupper():
        return set()
    return {p for q in [*state.earlier, state.question] for p in question_places(_without_carried(q))}


def _turn_articles(turn: dict) -> list[str]:
    ids = list(turn.get("article_ids") or [])
    for c in turn.get("citations") or []:
        aid = c.get("article_id") if isinstance(c, dict) else None
        if aid and aid not in ids:
            ids.append(aid)
    return ids


def _person_in(answer: str) -> str | None:
    """The first line of a reply (its direct answer) when it is a name: what "he"/"she"/"it" refer to next."""
    first = re.sub(r"\s*\[\d+\]", "", answer.split("\n", 1)[0]).strip()
    words = first.split()
    particle = re.compile(r"^(?:al|el|de|da|di|bin|ibn|van|von)(?:-|$)")
    if any(w.lower().strip(",.") in _CALENDAR for w in words):
        return None  # "Thursday", "26 August": a time, not what "it" or "he" is
    if 1 <= len(words) <= 5 and all(w[:1].isupper() or particle.match(w) for w in words):
        return first
    return None


def _name_in_quote(question: str, reply: str, least: float = 1.5, names: bool = False) -> str | None:
    """The place a reply's first quote gives for a where-question that got no direct answer ("Where
    was the fighting heaviest?" → "…very intense in the Ramousah area…": "Ramousah"), for "there";
    with ``names`` also the name for a which-question ("Which Kurdish force …?"), for "that force". A
    span scoring ``least`` or more (its type, how close it is to the question's words)."""
    quote = re.search(r"“(.+?)”", reply)
    qtype = QType.PLACE if _ASKED_PLACE.search(question) else question_type(question)  # "Which hospital …?"
    named = names and qtype is QType.ENTITY and _WHICH_HEAD.search(question) is not None
    if quote is None or not (qtype is QType.PLACE or named):
        return None
    span = best_span(qtype, quote.group(1).strip("…"), question)
    return span.text if span is not None and span.score >= least else None


def conversation_state(history: Sequence[dict] | None, outlets: Sequence[str] = ()) -> State:
    """Replay the history's user turns, each resolved with the turns before it."""
    state = State()
    typed_lower = False
    for turn in history or []:
        content = turn.get("content") or ""
        if turn.get("role") == "user":
            typed_lower = not re.search(r"[A-Z]", content[1:])  # no capital but perhaps the first letter
            res = resolve_one(content, state, outlets)
            if state.question:
                state.earlier.append(state.question)
            state.question = res.query
            dated = _DATED.search(res.query)
            state.date = dated.group(0) if dated else state.date
            # the question's own names are the most recent, after those it carried in brackets
            carried = res.query[len(_without_carried(res.query)) :]
            new = list(dict.fromkeys([*_names(carried), *_names(_without_carried(res.query))]))
            state.names = [n for n in state.names if n not in new] + new
        elif turn.get("role") == "assistant":
            if typed_lower:  # "leave darayya": what the reply writes as a name ("Darayya") is one
                asked = " " + re.sub(r"[^\w'’-]+", " ", _without_carried(state.question).lower()) + " "
                state.names += [
                    n
                    for n in _names(content)
                    if f" {n.lower()} " in asked
                    and n not in state.names
                    and re.search(rf"[a-z,;] {re.escape(n)}\b", content)
                ]  # a name inside a sentence, not a quote's capitalised first word ("“Aid convoys …")
            state.answer = content
            state.named = _person_in(content)
            state.person = state.named or state.person
            state.named = state.named or _name_in_quote(state.question, content)
            state.article_ids = _turn_articles(turn) or state.article_ids
    return state


def resolve(question: str, history: Sequence[dict] | None, outlets: Sequence[str] = ()) -> Resolution:
    """The question to search with (as plain text), and the articles the conversation was about."""
    return resolve_one(plain_text(question), conversation_state(history, outlets), outlets)


def rewrite(question: str, history: Sequence[dict] | None, outlets: Sequence[str] = ()) -> str:
    """The question to retrieve with: unchanged unless it is a follow-up with a previous user turn."""
    return resolve(question, history, outlets).query


# --- using the state when answering ---------------------------------------------------------------


def prefer_articles(
    passages: Sequence[Passage], article_ids: Sequence[str], within: float = 0.7, question: str = ""
) -> list[Passage]:
    """Passages of the articles the conversation already cited move to the front, when they were
    retrieved with at least ``within`` × the best score: a follow-up is most likely about them. A
    follow-up that names nothing of its own ("How many people were killed?") is about the report
    the last answer led with: its passages lead, scored as the best (re-ranker scores of a short
    question say little of which report it means)."""
    if not article_ids or not passages:
        return list(passages)
    top = max(p.score for p in passages)
    wanted = set(article_ids)
    lead: list[Passage] = []
    if question and not _names(_without_carried(question)) and top > 0:
        lead = [dataclasses.replace(p, score=max(p.score, top)) for p in passages if p.article_id == article_ids[0]]
    if lead:  # the other cited reports are weighed against the rest
        passages = [p for p in passages if p.article_id != article_ids[0]]
        top = max((p.score for p in passages), default=0.0)
    near = [p for p in passages if p.article_id in wanted and (top <= 0 or p.score >= within * top)]
    return lead + near + [p for p in passages if p not in near]


def _last_reply(history: Sequence[dict] | None) -> str:
    return next((t.get("content") or "" for t in reversed(history or []) if t.get("role") == "assistant"), "")


def avoid_repeat(answer: Answer, history: Sequence[dict] | None) -> Answer:
    """Never the previous reply word for word: when the new answer gives the same direct answer from
    quotes the previous reply already showed, say so briefly ("Same answer as before: 48 hours [1]")."""
    previous = _last_reply(history)
    if not previous or answer.abstained or not answer.statements:
        return answer
    # the previous reply's statements, one a line, without their markers
    shown = {canonical(re.sub(r"(?:\s*\[\d+\])+\s*$", "", line)) for line in previous.splitlines()}
    first = answer.statements[0]
    shown_before = all(canonical(s.text) in shown for s in answer.statements if s.kind != "note")
    if not shown_before:
        return answer
    brief = [
        Statement("Same answer as before:", [], 0.0, "note"),
        Statement(first.text, first.citations, first.support, first.kind),
    ]
    answer.statements = brief
    answer.citations = [c for c in answer.citations if c.n in first.citations]
    answer.answer = render_statements(brief)
    answer.note = "The previous reply already answers this."
    return answer
