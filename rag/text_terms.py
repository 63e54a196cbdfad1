"""Content words of a text: shared by keyword search, rescoring and answer support checks."""

from __future__ import annotations

import html
import re
from collections.abc import Set as AbstractSet
from functools import lru_cache

STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off
on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves said says say according told tell
what's who's which one ones many much did does according reportedly reported report reports s t
i'm i've i'd i'll you're you've you'd you'll he's he'd he'll she's she'd she'll it's it'd it'll we're we've we'd
we'll they're they've they'd they'll that's there's here's where's when's how's why's let's isn't aren't wasn't
weren't don't doesn't didn't won't wouldn't can't couldn't shouldn't hasn't haven't hadn't
among amongst within without across onto upon toward towards via per
""".split()
)

# Words that frame a question rather than name what it is about ("how long", "how many").
QUESTION_WORDS = frozenset(
    "long many much kind sort type exactly approximately roughly happen happened name "
    "happening latest recent recently news update updates development developments "
    "summary summarise summarize timeline get gets got getting gotten "
    "ultimately eventually actually really basically roundup roundups".split()
)

# The one list of calendar words (month numbers are 1 + the index in MONTHS).
MONTHS = "january february march april may june july august september october november december".split()
MONTH_ABBREVIATIONS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
                       "oct": 10, "nov": 11, "dec": 12}  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: a regex alternation of every month name and abbreviation (lower case: compile with re.I)
MONTH_PATTERN = "|".join([*MONTHS, *MONTH_ABBREVIATIONS])
_MONTHS = frozenset([*MONTHS, *MONTH_ABBREVIATIONS, "yesterday", "today"])


def is_date_word(term: str) -> bool:
    """Month names, years and day numbers: the part of a question retrieval turns into a date window."""
    if term in _MONTHS:
        return True
    return term.isdigit() and ((len(term) == 4 and term[:2] in ("19", "20")) or 1 <= int(term) <= 31)


# A tag: "<" then a letter or "/" ("x < 5" and "<5 km" are text), closed before the next "<".
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,1000}>")


def plain_text(text: str) -> str:
    """A question as a person reads it: markup copied from a web page dropped ("Opponents of <a
    href=...>UK</a>" asks about the UK, not about "href"), entities decoded; a text with neither
    comes back unchanged."""
    plain = html.unescape(_TAG.sub("", text)) if "<" in text or "&" in text else text
    return plain if plain == text else " ".join(plain.split())


_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


# "U.N." is one word ("un"), not the letters "u" and "n". The search starts with a literal dot: ~7x
# cheaper than "[A-Z]\.", and most texts have no acronym.
_ACRONYM = re.compile(r"\.[A-Z]\.")
_ACRONYMS = re.compile(r"(?:[A-Z]\.){2,}")


def tokens(text: str) -> list[str]:
    if _ACRONYM.search(text):
        text = _ACRONYMS.sub(lambda m: m.group(0).replace(".", ""), text)
    return _TOKEN.findall(text.lower().replace("’", "'"))  # the whole text at once: ~2x faster than per token


# Irregular past forms of common English verbs, read as their base ("What did it fly over?" against "a
# drone that flew over"). Only forms that are rarely another word ("left", "saw", "found", "lay" are not
# here). Each entry: the base, then its past forms.
_IRREGULAR = {
    form: entry.split()[0]
    for entry in """
    arise arose arisen | begin began begun | break broke broken | bring brought | build built |
    buy bought | catch caught | choose chose chosen | come came | dig dug | draw drew drawn |
    drive drove driven | eat ate eaten | fall fell fallen | feed fed | feel felt | fight fought |
    flee fled | fly flew flown | forget forgot forgotten | freeze froze frozen | give gave given |
    go went gone | grow grew grown | hang hung | hear heard | hide hid hidden | hold held |
    keep kept | know knew known | lead led | lose lost | make made | mean meant | meet met |
    pay paid | rise rose risen | run ran | see seen | seek sought | sell sold | send sent |
    shoot shot | sink sank sunk | sit sat | speak spoke spoken | spend spent | stand stood |
    steal stole stolen | strike struck | swear swore sworn | take took taken | teach taught |
    tear tore torn | think thought | throw threw thrown | understand understood | wear wore worn |
    win won | withdraw withdrew withdrawn | withstand withstood | write wrote written |
    overtake overtook overtaken | undertake undertook undertaken | forbid forbade forbidden |
    shake shook shaken
    """.split("|")
    for form in entry.split()[1:]
}


def is_past_form(word: str) -> bool:
    """A verb's past form or participle ("killed", "broken", "took")."""
    w = word.lower()
    return w in _IRREGULAR or (w.endswith("ed") and len(w) > 4)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'rebels'/'rebel', 'evacuate'/'evacuated'/'evacuating',
    'hit'/'hitting'; an irregular past form is its verb's base ('flew' → 'fly'). Query-side only:
    the index stores words, so changing it needs no re-index."""
    if word in _IRREGULAR:
        return stem(_IRREGULAR[word])
    w = word
    if w.endswith("'s"):
        w = w[:-2]
    for suf in ("ations", "ation", "ings", "ing", "edly", "ies", "ied", "ers", "er", "ed", "es", "s", "ly"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            if suf in ("ies", "ied"):
                return w[: -len(suf)] + "y"
            w = w[: -len(suf)]
            break
    else:
        suf = ""
    if suf == "ly" and w.endswith("ical"):
        return w[:-2]  # "strategically", "historically": "strategic", "historic"
    if w.endswith("ian") and len(w) > 5:
        return w[:-1]  # "Syrian" is of "Syria", "Russians" of "Russia" (and "civilian" stems as "civilia")
    if suf in ("ing", "ed") and len(w) > 3 and w[-1] == w[-2] and w[-1] in "bdgmnprt":
        return w[:-1]  # "hitting", "planned": "hit", "plan" (not "killed": "kill")
    if not suf and w.endswith("e") and len(w) > 4:
        return w[:-1]  # "struggle", "evacuate", "truce" as "struggling", "evacuated", "truces" stem
    return w


def content_terms(text: str) -> list[str]:
    """Lower-cased, stop-word-free tokens in order (numbers kept)."""
    return [t for t in tokens(text) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]


@lru_cache(maxsize=8192)  # ~350 texts an answer; a few MB at most
def text_stems(text: str) -> frozenset[str]:
    """The stems of a text's content words, cached: one answer tokenises the same passages and
    sentences several times over (ranker features, answer coverage, span scoring)."""
    return frozenset(stem(t) for t in content_terms(text))


# "the next day", "the day before": when, relative to what the conversation was about, not words to find
_RELATIVE_DAY = re.compile(
    r"\b(?:the\s+)?(?:next|following|previous)\s+day\b|\b(?:the|that)\s+day\s+(?:before|after|earlier|later)\b"
    r"|\bthat\s+(?:same\s+)?day\b",
    re.I,
)


# Phrasal verbs a question uses where reports write one word ("What body did the SDF set up?" against
# "SDF establish …"): the word is searched, not "set" (general English, query side only).
_PHRASAL = (
    (re.compile(r"\b(?:set|sets|setting)\s+up\b", re.I), "establish"),
    (re.compile(r"\b(?:kick|kicks|kicked|kicking)\s+in\b", re.I), "effect"),
    (re.compile(r"\b(?:pull|pulls|pulled|pulling)\s+out\b", re.I), "withdraw"),
    (re.compile(r"\b(?:hold|holds|held|holding)\s+out\b", re.I), "withstand"),
    (re.compile(r"\bmeant\s+to\b", re.I), "aim"),
)


def question_terms(text: str) -> list[str]:
    """Content words of a question, without the words that only frame it."""
    if "day" in text.lower():
        text = _RELATIVE_DAY.sub(" ", text)
    for rx, word in _PHRASAL:
        text = rx.sub(word, text)
    return [t for t in content_terms(text) if t not in QUESTION_WORDS]


def fts_query(text: str, max_terms: int = 32) -> str:
    """An FTS5 OR-query of the question's content words, each quoted so no word is read as syntax."""
    seen: list[str] = []
    for t in question_terms(text):
        t = t.replace('"', "")
        if t and t not in seen:
            seen.append(t)
    return " OR ".join(f'"{t}"' for t in seen[:max_terms])


# Words news uses for one another, in general English: a capital for its country's government
# ("Moscow" for Russia), and a few near-synonyms. A question's word counts as said where a report
# says one of its aliases; the keyword search also looks for them. Groups, not a thesaurus: each
# line is one meaning.
_ALIAS_GROUPS = (
    "ceasefire truce armistice cessation",
    "negotiate negotiated negotiations brokered mediated",
    "killed died dead deaths",
    "wounded injured",
    "phone telephone",
    "start begin commence",
    "push advance",
    "think believe suspect",
    "talk speak",
    "aircraft planes jets warplanes",
    "rebels fighters insurgents",
    "liberate liberated liberation freed",
    "isis isil daesh",
    # one word, two spellings (British and American)
    "neighbourhood neighborhood",
    "defence defense",
    "organisation organization",
    "programme program",
    "labour labor",
    "armoured armored",
    "kilometre kilometer",
    "agreement deal accord pact",
    "soldiers troops",
    "children kids",
    "envoy representative ambassador emissary",
    "evacuate evacuated evacuation",
    "prolong extend",
    "rebuild restore",
    "aware know knew",
    "help assistance",
    "washington us america american",
    "moscow russia russian kremlin",
    "damascus syria syrian",
    "beijing china chinese",
    "tehran iran iranian",
    "ankara turkey turkish",
    "kyiv kiev ukraine ukrainian",
    "london britain british uk",
    "paris france french",
    "berlin germany german",
    "baghdad iraq iraqi",
    "riyadh saudi",
    "jerusalem israel israeli",
    "cairo egypt egyptian",
    "kabul afghanistan afghan",
    "pyongyang korea",
    "tokyo japan japanese",
    "brussels eu",
)
ALIASES: dict[str, frozenset[str]] = {}
ALIAS_WORDS: dict[str, tuple[str, ...]] = {}
for _group in _ALIAS_GROUPS:
    _words = _group.split()
    for _w in _words:
        _others = [o for o in _words if o != _w]
        ALIASES[stem(_w)] = ALIASES.get(stem(_w), frozenset()) | {stem(o) for o in _others}
        ALIAS_WORDS[_w] = tuple(_others)


def covered(term: str, words: AbstractSet[str]) -> bool:
    """Is the stemmed question term said in ``words`` (stems), itself or by an alias?"""
    return term in words or bool(ALIASES.get(term, frozenset()) & words)


# Numbers written as words, up to the tens ("twelve", "forty"): counts in reports and questions.
NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
} | {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i >= 2}
