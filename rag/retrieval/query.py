"""Query understanding: what a question asks for, as weighted keyword terms.

Nothing here knows a corpus. It reads the shape of English questions, including quiz style
("Which country scrapped…", "This artist is…", "Name the company that…"):

- question words, the time frame ("this week", "recently") and the answer's *type* ("country",
  "company") are not what the report says: a report names Denmark, not "which country". They
  leave the keyword query (the type word is kept at a low weight for the ranker);
- names (capitalised words inside a sentence, acronyms) and numbers are what a report about the
  same event must repeat, so they weigh more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text_terms import ALIAS_WORDS, QUESTION_WORDS, STOPWORDS, is_date_word, stem, tokens

NAME_WEIGHT = 2.0
NUMBER_WEIGHT = 2.0
TYPE_WEIGHT = 0.3

# Words that introduce what a quiz question asks for: "which country", "this artist", "name the …".
_FRAMES = frozenset("which what whose this these that name identify".split())
# Common answer-type nouns of factual questions (English, any topic).
TYPE_NOUNS = frozenset(
    """
country countries nation state states city cities town region province capital island continent company companies
firm brand business retailer bank network platform app apps website service organization organisation agency group
team club league sport event person people man woman official politician leader president senator lawmaker athlete
player artist singer actor actress musician band author writer director celebrity star figure film movie show series
book song album game product item food drink animal species disease virus vaccine drug law bill measure program
programme policy amendment holiday day month year word term title award prize record number amount percent
percentage share thing one place location site area landmark building
""".split()
)
# Words that only place a question in time; the date itself is handled by query_dates.
TIME_WORDS = frozenset(
    "week weeks weekend month months year years day days recently recent currently current upcoming "
    "latest new newly ago earlier later soon".split()
)

_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+(?:[.,]\d+)*", re.UNICODE)
_SENTENCE_START = re.compile(r"(?:^|[.?!:;\"“”]\s*)$")


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    question: str
    weights: dict[str, float]  # stemmed term -> weight (names and numbers up, type words down)
    names: frozenset[str]  # stems of the question's names
    numbers: frozenset[str]  # numbers as written, thousands separators dropped
    answer_type: str | None  # "country" in "Which country…"
    keywords: tuple[str, ...]  # raw words for the keyword search, most telling first

    def fts_query(self, max_terms: int = 32) -> str:
        """An FTS5 OR-query of the keywords and then their aliases ("Moscow": "russia"), each quoted
        so no word is read as syntax."""
        words = list(self.keywords[:max_terms])
        words += [a for t in words for a in ALIAS_WORDS.get(t.lower(), ())]
        return " OR ".join(f'"{t}"' for t in dict.fromkeys(words))


def _names(question: str) -> set[str]:
    """Lower-cased words written with a capital inside a sentence, and acronyms anywhere."""
    out: set[str] = set()
    for m in _WORD.finditer(question):
        w = m.group(0)
        if not w[0].isupper():
            continue
        at_start = bool(_SENTENCE_START.search(question[: m.start()]))
        low = w.lower().replace("’", "'")
        if low in STOPWORDS or low in _FRAMES:
            continue
        if (w.isupper() and len(w) > 1) or not at_start:
            out.add(low)
    return out


def _answer_type(words: list[str]) -> tuple[str | None, int | None]:
    """The type noun of a "which/what/this … X" frame within three words, and its position."""
    for i, w in enumerate(words):
        if w in _FRAMES:
            for j in range(i + 1, min(i + 4, len(words))):
                if words[j] in TYPE_NOUNS:
                    return words[j], j
                if words[j] in STOPWORDS and words[j] not in ("the", "a", "an"):
                    break
    return None, None


def parse_query(question: str) -> ParsedQuery:
    words = tokens(question)
    names = _names(question)
    answer_type, type_at = _answer_type(words)
    weights: dict[str, float] = {}
    numbers: set[str] = set()
    order: list[tuple[float, int, str]] = []
    for i, w in enumerate(words):
        if w in STOPWORDS or w in QUESTION_WORDS or w in _FRAMES or (len(w) < 2 and not w.isdigit()):
            continue
        if _NUMBER.match(w):
            # a year or a day of the month is mostly the date window's business (query_dates)
            weight = 1.0 if is_date_word(w) else NUMBER_WEIGHT
            numbers.add(w.replace(",", ""))
        elif w in names:
            weight = NAME_WEIGHT
        elif i == type_at:
            weight = TYPE_WEIGHT
        elif w in TIME_WORDS:
            continue
        else:
            weight = 1.0
        s = stem(w)
        if weight > weights.get(s, 0.0):
            weights[s] = weight
        order.append((weight, i, w))
    keywords = tuple(dict.fromkeys(w.replace('"', "") for weight, _, w in sorted(order, key=lambda x: (-x[0], x[1]))))
    keywords = tuple(k for k in keywords if k and (k != answer_type or len(keywords) == 1))
    return ParsedQuery(
        question=question,
        weights=weights,
        names=frozenset(stem(n) for n in names),
        numbers=frozenset(numbers),
        answer_type=answer_type,
        keywords=keywords,
    )
