"""Disagreements: different reports give different values for the same count about the same event.

The slot comes from the question ("How many civilians were killed …" → a count of *civilians*
*killed*). In each report the finder looks for a number that counts that slot: it counts people
(the asked noun, a general word for people, or nothing before the verb: "22 dead"), and the verb
that tells what happened to them (the first after them, else the last before the number) is of
the asked kind (killed, not injured). Running totals ("since 2011") are left out. One value per
report.

Values are compared only between reports of one event, a place and a day: the day is read off
the sentence ("on Monday", against the report's date) or else is the report's date, give or take
a day; the place is the question's, and reports whose words around the count name other places
(or other towns of the asked place) tell of other events. Counts orders of magnitude apart are
not two estimates of one toll. Two or more values left → the reports differ, and every value is
shown with its reports, each quoted and cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Citation, Disagreement, DisagreementValue, Passage, Statement
from ..retrieval.names import name_keys_in
from ..retrieval.query_dates import DateWindow
from ..sentences import sentence_spans
from ..text_terms import NUMBER_WORDS, STOPWORDS, stem
from .event_dates import MULTI_DAY, EventDay, days_between, event_day, fmt_day, same_day
from .places import names_place, place_key, placed_in, places_in, question_places

# Verbs and nouns that say the same thing about a count, by kind (general English, any topic).
PREDICATES: dict[str, frozenset[str]] = {
    "killed": frozenset(
        "kill killed killing kills dead die died dies dying death deaths toll lives fatalities perished "
        "massacred slain execute executed executes executing murder murdered murders beheaded beheads "
        "martyred assassinated slaughtered".split()
    ),
    "injured": frozenset(
        "injure injured injuring injuries injury wound wounded wounding hurt harm harmed affected casualties".split()
    ),
    "displaced": frozenset("displace displaced flee fled fleeing homeless refugees".split()),
    "arrested": frozenset("arrest arrested arresting detain detained detaining detention jailed".split()),
    "evacuated": frozenset("evacuate evacuated evacuating evacuation evacuees".split()),
}
PEOPLE = frozenset("people persons person individuals others".split())

_WORDNUM = NUMBER_WORDS | {"hundred": 100, "thousand": 1000}
_QUALIFIER_WORDS = frozenset("at least more than over nearly almost about around some up to as many".split())
_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)?|[^\w\s]", re.U)
# A running total ("killed since 2011", "so far this year") is not the count of one event.
_CUMULATIVE = re.compile(
    r"\bsince\s+(?!(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|dawn|morning|"
    r"early|last night|the morning)\b)|\bso far\b|\bto date\b|\btotal of\b|"
    r"\bover the (?:past|last)\b|\bthis year\b|\bin (?:the )?(?:past|last) (?:\w+ )?(?:days|weeks?|months?|years?)\b|"
    + MULTI_DAY,
    re.I,
)
_TOLL = re.compile(
    r"\btoll\b[^.;]{0,90}?\b(?:to|at|of|reached|is|was|hit)\s+(?:at least |more than |over |nearly |about |"
    r"around |some |almost )?(\d[\d,]*)\b",
    re.I,
)
# a count told as an addition to another: "Nine other civilians", "another 27 people", "were also killed"
_ADDED = re.compile(r"\b(?:other|others|another|also|more(?!\s+than))\b", re.I)
_ADJ_SKIP = frozenset("more other local innocent unarmed civilian of the were was had been".split())
# words that may follow a bare count without it counting something else ("killed 15 including …")
_FOLLOWERS = frozenset("including among mostly most many mainly among others overnight".split())


@dataclass(frozen=True, slots=True)
class Slot:
    kind: str  # a key of PREDICATES, or the question's own verb stem
    verbs: frozenset[str]
    nouns: frozenset[str]  # stems of the counted noun(s) the question names; empty: any people
    label: str  # "civilians killed"


@dataclass(slots=True)
class Mention:
    passage: Passage
    value: int
    start: int  # body offsets of the quoted clause
    end: int
    quote: str
    exact_noun: bool
    day: EventDay
    score: float
    cut_before: bool = False  # the quote is part of a longer sentence
    cut_after: bool = False
    added: bool = False  # told as an addition to another count ("another 27", "nine other civilians")


_WEEK = 7  # a weekday named in a report ("on Saturday") is at most this many days before its date
_MAX_RATIO = 50  # counts further apart than this are not two estimates of one toll


@dataclass(slots=True)
class DisagreementConfig:
    max_reports: int = 8
    max_quote_chars: int = 180
    event_slack_days: int = 1
    headline_bonus: float = 0.3  # a count the report's title gives too is the report's own count
    lead_bonus: float = 0.1  # so is a count in the report's first lines …
    lead_chars: int = 400
    added_penalty: float = 0.1  # … and not one told as an addition ("nine other civilians", "also killed")


_AUX = frozenset("were was have has had been be being are is did do does got get will would reportedly".split())
_STOP_NOUN = frozenset("in on at during from by according after when since near across of to".split())
_AMONG = frozenset("among amongst".split())  # "children were among the civilians killed": children are counted
# verbs that tell who says so, not what happened ("were reported killed", "were said to have died")
_REPORTING = frozenset("reported said believed thought feared confirmed estimated alleged understood known".split())
_IRREGULAR = frozenset("left fled lost died fell took went came ran won made".split())
# "How many people did the Observatory say were killed": the words between "did" and the verb of saying
# name who counted, not what was counted
_ASKS_WHO_SAYS = frozenset("did do does".split())
_SAYS = frozenset("say report tell claim estimate put count record document confirm give".split())


def _without_who_says(words: list[str]) -> list[str]:
    """The words after "how many" less a clause naming who counted ("did the Syrian Observatory say") or
    who did it ("did the strike kill"): they are no part of what is counted."""
    for i, w in enumerate(words):
        if w in _ASKS_WHO_SAYS:
            ends = (j for j in range(i + 1, min(len(words), i + 7)) if words[j] in _SAYS or _kind_word(words[j]))
            j = next(ends, None)
            if j is None:
                return words
            return words[:i] + words[j + 1 if words[j] in _SAYS else j :]
    return words


def count_slot(question: str) -> Slot | None:
    """The count a question asks for ("How many civilians were killed …" → civilians, killed), or
    None when it asks for no count."""
    words = re.findall(r"[\w'-]+", question.lower())
    start = next(
        (i + 2 for i in range(len(words) - 1) if words[i : i + 2] in (["how", "many"], ["number", "of"])), None
    )
    if start is None:
        if "toll" in words:
            return Slot("killed", PREDICATES["killed"], frozenset(), "people killed")
        return None
    noun_words: list[str] = []
    verb = reporting = ""
    among = False
    for w in _without_who_says(words[start : start + 12])[:8]:
        among = among or w in _AMONG
        if among and _kind_word(w) is None and not (w.endswith("ed") or w in _IRREGULAR):
            continue  # past "among": only the fate is read
        if w in _REPORTING and noun_words and not reporting:
            reporting = w  # "were reported killed", "were said to have died": the fate comes next
            continue
        if _kind_word(w) is not None or (noun_words and (w.endswith("ed") or w in _IRREGULAR)):
            verb = w
            break
        if w in _AUX or (reporting and w == "to"):
            continue
        if reporting:  # "were reported missing": the word after the reporting verb is the fate
            verb = reporting if w in _STOP_NOUN or w in STOPWORDS else w
            break
        if w in _STOP_NOUN or len(noun_words) == 3:
            break
        if w not in STOPWORDS:
            noun_words.append(w)
    verb = verb or reporting  # "How many cases were reported?": the reporting is what is counted
    kind = _kind_word(verb) or next((_kind_word(w) for w in noun_words if _kind_word(w)), None)
    if kind is None and not verb:
        return None
    verbs = PREDICATES[kind] if kind else frozenset({verb, stem(verb)})
    nouns = frozenset(stem(w) for w in noun_words if w not in verbs and w not in PEOPLE)
    said = kind or verb  # "died" is asked as the kind "killed": "the number of people killed"
    label = " ".join([*noun_words[-1:], said]) if noun_words else f"people {said}"
    return Slot(kind or stem(verb), verbs, nouns, label.strip())


def _kind_word(word: str) -> str | None:
    return next((k for k, vs in PREDICATES.items() if word in vs), None) if word else None


def _number(tokens: list[str], i: int) -> tuple[int, int] | None:
    """(value, tokens used) of a number starting at ``tokens[i]``."""
    t = tokens[i].lower()
    if t[0].isdigit():
        digits = t.replace(",", "")
        if not digits.isdigit():
            return None
        return int(digits), 1
    if t in _WORDNUM and t != "zero":
        nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if nxt in ("hundred", "thousand") and t not in ("hundred", "thousand"):
            return _WORDNUM[t] * _WORDNUM[nxt], 2
        unit = tokens[i + 2].lower() if i + 2 < len(tokens) else ""
        if _WORDNUM[t] >= 20 and _WORDNUM[t] % 10 == 0 and nxt == "-" and 0 < _WORDNUM.get(unit, 0) < 10:
            return _WORDNUM[t] + _WORDNUM[unit], 3  # "fifty-one"
        return _WORDNUM[t], 1
    return None


def find_mentions(slot: Slot, sentence: str) -> list[tuple[int, int, int, bool]]:
    """(value, char start, char end, exact noun) of each number in ``sentence`` that counts ``slot``:
    the number counts people (the asked noun, a general word for people, or nothing before the
    verb: "22 dead"), and the verb that tells what happened to them is of the asked kind."""
    toks = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(sentence)]
    words = [t[0] for t in toks]
    low = [w.lower() for w in words]
    out = []
    skip_to = 0
    for i in range(len(low)):
        num = _number(words, i) if i >= skip_to else None
        if num is None:
            continue
        value, used = num
        skip_to = i + used
        if _is_date_or_year(low, i, value):
            continue
        noun_at, exact, other = _counted_noun(slot, words, i + used)
        if other:
            continue
        kind = _verb_kind(slot, low, noun_at if noun_at is not None else i + used - 1, i)
        if kind == slot.kind and (noun_at is not None or _verb_before(slot, low, i)):
            out.append((value, toks[i][1], toks[i + used - 1][2], exact))
    if slot.kind == "killed" and not out:
        for m in _TOLL.finditer(sentence):  # "the death toll … rose to 112"
            num = _number([m.group(1)], 0)
            if num is not None and not 1900 <= num[0] <= 2100:
                out.append((num[0], m.start(1), m.end(1), False))
    return out


def _counted_noun(slot: Slot, words: list[str], j: int) -> tuple[int | None, bool, bool]:
    """What the number before ``words[j]`` counts: (index of its noun or None, the asked noun?,
    something else?). Capitalised words between are adjectives ("100 Syrian civilians"). When the
    question names what it counts ("civilians"), a content word that is neither that nor a word
    for people means the number counts something else ("22 children", "18 lorries")."""
    for k in range(j, min(len(words), j + 4)):
        w = words[k].lower()
        if stem(w) in slot.nouns:
            return k, True, False
        if w in PEOPLE:
            return k, False, False
        if w in slot.verbs or _kind_of(slot, w) is not None:  # "22 dead": the verb right after the number
            return k - 1, False, False
        if words[k][:1].isupper() and w in STOPWORDS:
            break  # "… URL 215 The death toll …": a new sentence starts, the number counts nothing here
        title_case = k + 1 < len(words) and words[k + 1][:1].isupper()
        if (words[k][:1].isupper() and not title_case) or w in _ADJ_SKIP:
            continue  # "100 Syrian civilians"; but in a headline ("15 Medics Killed") every word is capitalised
        is_content = w[:1].isalpha() and w not in STOPWORDS and w not in _FOLLOWERS
        if is_content and not slot.nouns:
            return k, False, False  # the question asks about people in general: "12 workers" count
        return None, False, is_content
    return None, False, False


def _verb_kind(slot: Slot, low: list[str], after: int, number_at: int) -> str | None:
    """The kind of the verb that tells what happened to the counted people: the first one after
    them, up to a clause break ("5 others injured", "58 people were killed", "six civilians
    including a child were among at least 22 people killed"), else the last one before the number
    ("killed at least 85 civilians", "the death toll at 70"). After a verb right before the number,
    a participle or infinitive after the people describes them ("killed at least 60 civilians trying
    to flee", "killing 5 people fleeing"); "Three people killed five injured" still counts the
    injured five."""
    k = number_at - 1
    while k >= 0 and low[k] in _QUALIFIER_WORDS:
        k -= 1
    verb_right_before = k >= 0 and _kind_of(slot, low[k]) is not None
    including = False
    for k in range(after + 1, min(len(low), after + 13)):
        including = including or low[k] in ("including", "among")
        if low[k] in (",", ";", ".") or (low[k] == "and" and not including):
            break  # "and" inside "including women and children" ends no clause
        if verb_right_before and (low[k].endswith("ing") or low[k - 1] == "to"):
            continue
        kind = _kind_of(slot, low[k])
        if kind is not None and not (verb_right_before and _own_count(low, k + 1)):
            return kind
        if kind is not None:
            break  # "kill 10 civilians injure 16": the verb after has a count of its own
    for k in range(number_at - 1, max(-1, number_at - 7), -1):
        kind = _kind_of(slot, low[k])
        if kind is not None:
            return kind
    return None


def _own_count(low: list[str], k: int) -> bool:
    """Does a number follow at ``low[k]`` (after "at least", "some" …)?"""
    while k < len(low) and low[k] in _QUALIFIER_WORDS:
        k += 1
    return k < len(low) and (low[k][:1].isdigit() or (low[k] in _WORDNUM and low[k] != "zero"))


def _verb_before(slot: Slot, low: list[str], i: int) -> bool:
    """Is the number right after the asked verb ("killed at least 20 …")?"""
    k = i - 1
    while k >= 0 and low[k] in _QUALIFIER_WORDS:
        k -= 1
    return k >= 0 and i - k <= 4 and low[k] in slot.verbs


def _kind_of(slot: Slot, word: str) -> str | None:
    if word in slot.verbs:
        return slot.kind
    return next((k for k, vs in PREDICATES.items() if k != slot.kind and word in vs), None)


def _is_date_or_year(low: list[str], i: int, value: int) -> bool:
    if 1900 <= value <= 2100:
        return True
    nxt = low[i + 1] if i + 1 < len(low) else ""
    prev = low[i - 1] if i else ""
    months = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
    return nxt[:3] in months or (prev[:3] in months and value <= 31) or nxt in ("%", "percent", "km", "kilometres")


class DisagreementFinder:
    def __init__(self, config: DisagreementConfig | None = None):
        self.config = config or DisagreementConfig()

    def mentions(self, slot: Slot, passages: Sequence[Passage], exact: bool = False) -> list[Mention]:
        """The best mention of the slot in each report (exact noun first, then closeness to the question);
        with ``exact``, only those that count the slot's own noun when it names one."""
        found = self.all_mentions(slot, passages)
        return _one_per_article([m for m in found if m.exact_noun or not slot.nouns] if exact else found)

    def all_mentions(self, slot: Slot, passages: Sequence[Passage]) -> list[Mention]:
        """Every mention of the slot, best first (a sentence that two passages share counts once)."""
        best: dict[tuple[str, int], Mention] = {}
        for rank, p in enumerate(passages):
            sims = {e: c for _, e, c in p.sentences}
            headline = {v for v, *_ in find_mentions(slot, p.title)} if p.title else set()
            for s, e in sentence_spans(p.text):
                sentence = p.text[s:e]
                if _CUMULATIVE.search(sentence):
                    continue
                for value, vs, ve, exact in find_mentions(slot, sentence):
                    score = (1.0 if exact else 0.0) + sims.get(p.start + e, 0.0) - 0.01 * rank
                    added = _is_added(sentence, vs, ve)
                    score += self._prominence(value in headline, p.start + s, added)
                    at = (p.article_id, p.start + s + vs)
                    old = best.get(at)
                    if old is not None and old.score >= score:
                        continue
                    qs, qe = _clause(sentence, vs, ve, self.config.max_quote_chars)
                    day = event_day(sentence, p.date) or EventDay(p.date or "", False)
                    best[at] = Mention(
                        p,
                        value,
                        p.start + s + qs,
                        p.start + s + qe,
                        sentence[qs:qe],
                        exact,
                        day,
                        score,
                        qs > 0,
                        qe < len(sentence.rstrip()),
                        added,
                    )
        return sorted(best.values(), key=lambda m: -m.score)

    def _prominence(self, in_headline: bool, sentence_at: int, added: bool) -> float:
        """How much a count is the report's own: given by its title too, told in its lead, not told
        as an addition to another count."""
        cfg = self.config
        score = cfg.headline_bonus if in_headline else 0.0
        score += cfg.lead_bonus if sentence_at < cfg.lead_chars else 0.0
        return score - (cfg.added_penalty if added else 0.0)

    def _scope(self, question: str, passages: Sequence[Passage], window: DateWindow | None) -> _Scope | None:
        slot = count_slot(question)
        if slot is None:
            return None
        found = everything = [m for m in self.all_mentions(slot, passages) if m.day.day]
        places = question_places(question)
        asked = {k for p in places for k in places_in(f"in {p}")}
        texts = article_texts(passages)
        keys, common = _place_keys(everything, passages, asked)
        if places:
            linked = placed_in(" ".join(texts.values()), places)
            # a town the reports put in the asked place is no common word, however many name it: it is
            # where the event happened ("Qamishli" in five reports of a Hasakeh bombing)
            wide = (common - linked) | asked
            found = [m for m in found if _of_place(m, places, texts[m.passage.article_id], wide, linked)]
        if window is not None:
            # a report's best count (of the asked place) stands for it; another of its counts only when
            # it names an asked day (the best may tell of a day after them; the rest are often
            # background: "a mid-August attack")
            best = {m.passage.article_id: m for m in reversed(found)}
            found = [
                m
                for m in found
                if _of_window(m, window, self.config.event_slack_days, self.config.lead_chars)
                and (m is best[m.passage.article_id] or _names_asked_day(m, window))
            ]
        return _Scope(slot, _one_per_article(found), places, asked, texts, keys)

    def find(
        self, question: str, passages: Sequence[Passage], window: DateWindow | None = None
    ) -> tuple[Slot, list[Mention]] | None:
        """The slot and the mentions of one event, when they hold two or more different values.

        An event is a place and a day. The day is the question's (``window``) or else the best
        mention's; a report is of that day when its sentence names it ("on Tuesday") or, naming
        none, the report is dated that day or the next. The place is the question's, named in the
        report's title or the passage with the count (or a town the report puts in that place);
        without one, reports naming different places near their counts are of different events."""
        return self.find_with_day_counts(question, passages, window)[0]

    def find_with_day_counts(
        self, question: str, passages: Sequence[Passage], window: DateWindow | None = None
    ) -> tuple[tuple[Slot, list[Mention]] | None, list[Mention]]:
        """``find``, and the asked count as each report of the question's days and place gives it
        (one per report, best first), whether or not they tell of one incident: the reports are
        read once for both."""
        scope = self._scope(question, passages, window)
        if scope is None or not scope.found:
            return None, []
        event = self._event(scope, window)
        found = (scope.slot, event) if len({m.value for m in event}) >= 2 else None
        return found, _one_per_article(_day_reports_first(scope.found, window))

    def _event(self, scope: _Scope, window: DateWindow | None) -> list[Mention]:
        slack = self.config.event_slack_days
        anchor = max(scope.found, key=lambda m: _anchor_rank(m, window, scope.places))
        found = [m for m in scope.found if m is anchor or _same_day(anchor.day, m.day, slack)]
        keys, asked = scope.keys, scope.asked
        others = [
            m
            for m in found
            if m is not anchor
            and _same_count(anchor, m, keys[id(anchor)], keys[id(m)], asked, scope.texts)
            and not m.added  # "another 327 civilians", "also killed": more victims, not this toll
        ]
        return _one_per_article([anchor, *_day_reports_first(others, window)])[: self.config.max_reports]


@dataclass(slots=True)
class _Scope:
    """The counts of the asked slot in reports of the question's days and place, and what telling
    their incidents apart needs."""

    slot: Slot
    found: list[Mention]
    places: list[str]
    asked: set[str]  # place words of the question
    texts: dict[str, str]  # article id → its title and retrieved text
    keys: dict[int, set[str]]  # id(mention) → place words around its count


# matched at the end of the count (``match(sentence, ve)``: no "^", which would only match at 0)
_ADDED_AFTER = re.compile(r"\s*(?:[\w-]+\s+)?(?:other|others|more)\b|[^.;,]{0,25}?\balso\b", re.I)


def _is_added(sentence: str, vs: int, ve: int) -> bool:
    """A count (``sentence[vs:ve]``) told as an addition to another: "another 27", "also killed 27"
    before it, "nine other civilians" in it, "27 more", "… were also killed" right after it (not "…
    and others were injured")."""
    return bool(_ADDED.search(sentence[max(0, vs - 12) : ve]) or _ADDED_AFTER.match(sentence, ve))


def _day_reports_first(found: list[Mention], window: DateWindow | None) -> list[Mention]:
    """``found`` with the reports dated inside the question's days first (in their order), then the
    rest: when only one report per value is shown, the report of the asked day speaks for it rather
    than a later one that repeats (or revises) the count."""
    if window is None:
        return list(found)
    return sorted(found, key=lambda m: not (m.passage.date and window.start <= m.passage.date <= window.end))


def _same_day(a: EventDay, b: EventDay, slack: int) -> bool:
    """``same_day``, and a report that names no day tells of its own date or the days before it:
    never of a day after it ("on July 19" is not what a report of 18 July tells)."""
    if a.from_text != b.from_text:
        told, dated = (a, b) if a.from_text else (b, a)
        if told.day > dated.day:
            return False
    return same_day(a, b, slack)


def _anchor_rank(m: Mention, window: DateWindow | None, places: Sequence[str]) -> tuple:
    """Which count defines the event: its report's own, not one told as an addition; then one whose
    sentence names a day inside the question's, else
    one from a report dated inside it; then one naming the question's place next to the count;
    then the best scored (the asked noun, closest to the question)."""
    text_day = window is not None and m.day.from_text and window.start <= m.day.day <= window.end
    dated_in = window is not None and bool(m.passage.date) and window.start <= (m.passage.date or "") <= window.end
    near = bool(places) and names_place(_near(m, 80), places)
    return (not m.added, text_day, dated_in, near, m.score)


def _of_place(m: Mention, places: Sequence[str], text: str, wide: set[str], linked: set[str]) -> bool:
    """Is the count's report about the asked place? Its title or the passage with the count names
    it; or the passage names a town that the report itself puts in the asked place: one of its
    sentences names both ("Atareb is in the west of Aleppo province"); or that any retrieved report
    puts there in so many words (``linked``: "Khan Sheikhun in Idlib", ``places.placed_in``). Names
    most reports give (``wide``: the country, the asked place itself) link nothing."""
    if names_place(f"{m.passage.title} {m.passage.text}", places):
        return True
    towns = places_in(m.passage.text) - wide
    if not towns:
        return False
    if towns & linked:
        return True
    asked = {place_key(p) for p in places}
    return _linked(towns, asked, text)


def _linked(towns: set[str], asked: set[str], text: str) -> bool:
    """Does one sentence of ``text`` name one of ``towns`` and the asked place together?"""
    for s, e in sentence_spans(text):
        names = name_keys_in(text[s:e])
        if names & towns and names & asked:
            return True
    return False


def _place_keys(
    found: list[Mention], passages: Sequence[Passage], asked: set[str]
) -> tuple[dict[int, set[str]], set[str]]:
    """Place words around each count, less those a third or more of the retrieved reports name
    (the country, the region): they cannot tell two events apart. The asked place is kept. Also
    returns those common words."""
    keys = {id(m): places_in(_near(m, 80)) for m in found}
    texts = {p.article_id: p.text for p in passages}
    counts: dict[str, int] = {}
    for text in texts.values():
        for k in places_in(text):
            counts[k] = counts.get(k, 0) + 1
    common = {k for k, c in counts.items() if len(texts) >= 6 and c >= len(texts) / 3} - asked
    return {i: ks - common for i, ks in keys.items()}, common


def _same_count(
    anchor: Mention, m: Mention, here: set[str], there: set[str], asked: set[str], texts: dict[str, str]
) -> bool:
    """Could ``m`` count what ``anchor`` counts? Not when the words around the two counts name
    different places (or different towns of the asked place), nor when the counts are orders of
    magnitude apart (a running total, another count)."""
    if _roundup(anchor) != _roundup(m):
        return False  # "… killed in attacks in Damascus, its countryside, Aleppo, Homs and Quneitra": a tally
    town_a, town_b = here - asked, there - asked
    if town_a and town_b and not town_a & town_b and not _names_other(anchor, m, town_a, town_b, texts):
        return False
    if there and not there & (here | asked | _unplaced(anchor, here)) and (here or asked):
        return False
    lo, hi = sorted((max(anchor.value, 1), max(m.value, 1)))
    return hi <= _MAX_RATIO * lo


# four or more names in a row, the last after "and" ("Damascus its countryside Aleppo Homs Quneitra and Hasaka")
_LISTED = re.compile(r"\b[A-Z][a-z]+(?:(?:[\s,]+its countryside)?[\s,]+[A-Z][a-z]+){2,}[\s,]+and\s+[A-Z][a-z]+")


def _roundup(m: Mention) -> bool:
    """Is the count a tally over many places, named in a row ("in Damascus its countryside Aleppo Homs
    Quneitra and Hasaka")? It is no estimate of one incident's toll."""
    return _LISTED.search(m.quote) is not None


def _unplaced(anchor: Mention, here: set[str]) -> set[str]:
    """Without a place by its count ("in a town in northern Syria"), the places the anchor's own
    passage names ("rebel-held Atareb"): the town it means, most likely."""
    return set() if here else places_in(anchor.passage.text)


def _names_other(a: Mention, b: Mention, places_a: set[str], places_b: set[str], texts: dict[str, str]) -> bool:
    """Does either report name, anywhere, a place the other gives next to its count? Then the
    two places may be one (a town and its province, two spellings)."""
    keys_a = name_keys_in(texts[a.passage.article_id])
    keys_b = name_keys_in(texts[b.passage.article_id])
    return bool(places_b & keys_a or places_a & keys_b)


def article_texts(passages: Sequence[Passage]) -> dict[str, str]:
    """Each report's title and every retrieved passage of it: a report names a place when any of
    its passages does (the count may be in one chunk, "in Aleppo province" in another)."""
    out: dict[str, str] = {}
    for p in passages:
        out[p.article_id] = f"{out[p.article_id]} {p.text}" if p.article_id in out else f"{p.title} {p.text}"
    return out


def _one_per_article(found: list[Mention]) -> list[Mention]:
    seen: set[str] = set()
    out = []
    for m in found:
        if m.passage.article_id not in seen:
            seen.add(m.passage.article_id)
            out.append(m)
    return out


def _near(m: Mention, width: int = 300) -> str:
    """The text around a mention (the sentence and its neighbours)."""
    p = m.passage
    return p.text[max(0, m.start - p.start - width) : m.end - p.start + width]


def _names_asked_day(m: Mention, window: DateWindow) -> bool:
    return m.day.from_text and window.start <= m.day.day <= window.end


def _of_window(m: Mention, window: DateWindow, slack: int, lead_chars: int) -> bool:
    """A report of the question's days: its sentence names a day inside them, or the report is
    dated inside them (or up to ``slack`` days after; what day it tells is checked later). A
    sentence that names a day after them tells of that later day, whatever the report's date; one
    that names an earlier time without its day ("in July", "last week"), or a day more than a week
    before them, tells of that time."""
    if m.day.from_text and window.start <= m.day.day <= window.end:
        return True
    if m.day.from_text and (m.day.day > window.end or m.day.vague):
        return False  # a later day, or an earlier time ("In July a bomb killed 16") than the asked day
    if m.day.from_text and days_between(m.day.day, window.start) > _WEEK and m.start >= lead_chars:
        # a dated event of weeks or years before ("the massacre in Houla on May 25 2012"); in the
        # report's lead that date is its dateline, and the archive's date for it stands
        return False
    d = m.passage.date
    if not d:
        return False
    return window.start <= d and (d <= window.end or days_between(window.end, d) <= slack)


def _clause(sentence: str, vs: int, ve: int, limit: int) -> tuple[int, int]:
    """Offsets (in the sentence) of the clause around the number, at most ``limit`` characters."""
    if len(sentence) <= limit:
        s, e = 0, len(sentence)
    else:
        cuts = [0] + [m.end() for m in re.finditer(r"[,;:]\s+|\s+[—–-]\s+", sentence)] + [len(sentence)]
        s = max(c for c in cuts if c <= vs)
        e = min(c for c in cuts if c >= ve)
        if e - s > limit:
            s = max(s, sentence.rfind(" ", 0, max(0, vs - limit // 3)) + 1)
            e = min(e, s + limit)
            sp = sentence.rfind(" ", ve, e)
            e = sp if sp > ve else e
    seg = sentence[s:e]
    s += len(seg) - len(seg.lstrip())
    e -= len(seg) - len(seg.rstrip(" ,;:—–-"))
    return s, e


def fit(event: list[Mention], room: int, cited: set[int], per_value: bool = False) -> list[Mention]:
    """The mentions to show when only ``room`` more passages may be cited: one report per value
    first (no side is dropped while there is room for it), then more reports of each value (not
    with ``per_value``). Mentions in passages already cited cost nothing."""
    free = [m for m in event if m.passage.chunk_id in cited]
    rest = [m for m in event if m.passage.chunk_id not in cited]
    firsts: list[Mention] = []
    others: list[Mention] = []
    seen = {m.value for m in free}
    for m in rest:
        (others if m.value in seen else firsts).append(m)
        seen.add(m.value)
    take = (firsts if per_value else firsts + others)[: max(0, room)]
    chosen = {id(m) for m in free + take}
    return [m for m in event if id(m) in chosen]


# --- the answer part ------------------------------------------------------------------------------------


def compose_disagreement(
    slot: Slot, event: list[Mention], first_n: int, reuse: dict[tuple[str, int, int], int]
) -> tuple[list[Statement], list[Citation], Disagreement]:
    """Statements (kind ``disagreement``), the new citations (numbered from ``first_n``) and the
    structured ``Disagreement``: values by how many reports give them, each with every report."""
    by_value: dict[int, list[Mention]] = {}
    for m in event:
        by_value.setdefault(m.value, []).append(m)
    order = sorted(by_value, key=lambda v: (-len(by_value[v]), -max(m.score for m in by_value[v]), v))
    outlets = {m.passage.source for m in event if m.passage.source}
    who = "outlets" if len(outlets) > 1 else "reports"
    day = event[0].day
    when = f"on {fmt_day(day.day)}" if day.from_text else f"in reports of {fmt_day(day.day)}"
    sides = " vs. ".join(_value_label(by_value[v]) for v in order)
    intro = f"The {who} differ on the number of {slot.label} {when}: {sides}."
    statements = [Statement(intro, [], 1.0, "disagreement", paragraph=True)]
    citations: list[Citation] = []
    values: list[DisagreementValue] = []
    n = first_n
    for v in order:
        ns = []
        for k, m in enumerate(by_value[v]):
            cn = cited_as(m, reuse)
            if cn is None:
                cn = n
                citations.append(mention_citation(cn, m))
                reuse[(m.passage.article_id, m.start, m.end)] = cn
                n += 1
            ns.append(cn)
            text = mention_line(m, with_value=k == 0)
            # a new line per value; the first joins the intro, so every line ends with a citation
            statements.append(Statement(text, [cn], 1.0, "disagreement", paragraph=k == 0 and v != order[0]))
        values.append(DisagreementValue(str(v), ns))
    return statements, citations, Disagreement(slot.label, values)


def cited_as(m: Mention, cited: dict[tuple[str, int, int], int]) -> int | None:
    """The number of a citation already made (article, start, end) that quotes ``m``: the same span,
    or one of the same report covering most of it (the answer's first quote of the sentence may end
    a few words sooner than the mention's clause)."""
    if (key := (m.passage.article_id, m.start, m.end)) in cited:
        return cited[key]
    for (article_id, start, end), n in cited.items():
        shared = min(end, m.end) - max(start, m.start)
        if article_id == m.passage.article_id and shared * 2 >= m.end - m.start > 0:
            return n
    return None


def mention_line(m: Mention, with_value: bool = True, quote: bool = True) -> str:
    """ "12: Gazette (3 Mar 2021): “… killed 12 workers …”": the value, the report and its quote
    (without ``quote``, "quoted above": the answer gave it already)."""
    lead = f"{m.value}: " if with_value else ""
    who = f"{lead}{m.passage.source or m.passage.title[:60]} ({fmt_day(m.passage.date)})"
    if not quote:
        return f"{who}, quoted above"
    return f"{who}: “{'…' if m.cut_before else ''}{m.quote}{'…' if m.cut_after else ''}”"


def _value_label(ms: list[Mention]) -> str:
    n = len(ms)
    return f"{ms[0].value} ({n} report{'s' if n != 1 else ''})"


def mention_citation(n: int, m: Mention) -> Citation:
    return Citation.of(n, m.passage, m.start, m.end, m.quote, m.score)
