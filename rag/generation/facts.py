"""The checkable facts of a sentence: numbers, dates (months) and names.

A generated sentence may only state numbers, months and names that its cited passages hold. Each
is reduced to comparable forms on both sides: "8,000" and "eight thousand" → ``8000``, "August" and
"Aug" → ``month:8``, "Syrian" matches "Syria" (a name may carry a short suffix), "Assad's" → "assad".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text_terms import MONTH_ABBREVIATIONS, MONTHS, NUMBER_WORDS, STOPWORDS, stem

_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "m": 1_000_000, "billion": 10**9, "bn": 10**9}
_WORD_NUMBERS = NUMBER_WORDS
_MONTHS = {name: i for i, name in enumerate(MONTHS, start=1)} | MONTH_ABBREVIATIONS

_DIGITS = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(hundred|thousand|million|billion|bn|m)\b)?", re.I
)
_WORDS = "|".join(sorted((w for w in _WORD_NUMBERS if w not in ("zero", "one")), key=len, reverse=True))
_SPELLED = re.compile(
    rf"\b(?:(?P<n>{_WORDS})(?:[\s-](?P<u>one|two|three|four|five|six|seven|eight|nine))?|(?P<a>an?|one))"
    r"(?:\s+(?P<s>hundred|thousand|million|billion))?\b",
    re.I,
)
_FRACTION = re.compile(r"\b(?:an?\s+)?(half|quarter)\s+(?:of\s+)?an?\s+(million|billion)\b", re.I)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_ACRONYM_DOTS = re.compile(r"\b(?:[A-Z]\.){2,}")
_SENTENCE_START = re.compile(r"(?:^|[“\"‘(]\s*|[.!?]\s+)$")  # a sentence's or a quote's first word
# The few names English writes several ways; a name matches if any of its group occurs.
_ALIASES = [
    {"us", "usa", "america", "american", "united states"},
    {"uk", "britain", "british", "united kingdom"},
    {"un", "united nations"},
    {"eu", "european union"},
]
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# Words that open English sentences without naming anything; any other capitalised first word is
# checked like a name ("Iran is helping…" must not slip through for standing first).
_OPENERS = frozenset(
    """however meanwhile additionally also overall furthermore moreover instead still yet thus therefore later
    earlier finally first second third today yesterday separately elsewhere similarly likewise nonetheless
    nevertheless although though while since despite reportedly currently previously initially eventually
    yes in short specifically notably""".split()
)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _spell_iso_dates(text: str) -> str:
    """2016-08-20 → 20 Aug 2016, so its month is a month and not the number 8."""

    def spell(m: re.Match) -> str:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return m.group(0)
        return f"{int(m.group(3))} {_month_name(month)[:3]} {m.group(1)}"

    return _ISO_DATE.sub(spell, text)


def number_mentions(text: str) -> list[tuple[str, frozenset[str]]]:
    """Each number in ``text`` as (how it was written, the forms it may take)."""
    out: list[tuple[str, frozenset[str]]] = []
    text = _spell_iso_dates(text)
    for m in _DIGITS.finditer(text):
        base = float(m.group(1).replace(",", ""))
        forms = {_fmt(base)}
        if m.group(2):
            forms.add(_fmt(base * _SCALES[m.group(2).lower()]))
        out.append((m.group(0), frozenset(forms)))
    fractions = [m.span() for m in _FRACTION.finditer(text)]
    for m in _SPELLED.finditer(text):
        if m.group("a") and not m.group("s"):
            continue  # "a" / "one" alone is an article or a pronoun, not a count
        if any(s <= m.start() < e for s, e in fractions):
            continue  # the "a million" of "a quarter of a million"
        value = _WORD_NUMBERS.get((m.group("n") or "").lower(), 1) + _WORD_NUMBERS.get((m.group("u") or "").lower(), 0)
        if m.group("s"):
            value *= _SCALES[m.group("s").lower()]
        out.append((m.group(0), frozenset({_fmt(value)})))
    for m in _FRACTION.finditer(text):
        part = (0.5 if m.group(1).lower() == "half" else 0.25) * _SCALES[m.group(2).lower()]
        out.append((m.group(0), frozenset({_fmt(part)})))
    return out


def number_forms(text: str) -> set[str]:
    return {f for _, forms in number_mentions(text) for f in forms}


def _norm(word: str) -> str:
    return stem(word.lower().replace("’", "'"))


def name_mentions(text: str) -> list[str]:
    """Capitalised words that are not stop words or sentence openers ("However"): names, places,
    outlets, weekdays and months. Months come back as ``month:N``."""
    text = _ACRONYM_DOTS.sub(lambda m: m.group(0).replace(".", ""), _spell_iso_dates(text))
    out: list[str] = []
    for m in _WORD.finditer(text):
        w = m.group(0)
        low = w.lower().replace("’", "'")
        if low in _MONTHS and w[0].isupper():
            out.append(f"month:{_MONTHS[low]}")
            continue
        if not w[0].isupper() or low in STOPWORDS or len(w) < 2 or low in _WORD_NUMBERS or low in _SCALES:
            continue  # a number word is checked as a number
        if low in _OPENERS and _SENTENCE_START.search(text[: m.start()]):
            continue  # capitalised by position, not a name
        out.append(w)
    return out


@dataclass(slots=True)
class Evidence:
    """What a set of cited passages can vouch for."""

    numbers: set[str]
    words: set[str]  # normalised word forms (stems) of everything cited
    months: set[int]
    text: str = ""  # lower-cased, for names of several words ("united states")

    @classmethod
    def of(cls, texts: list[str]) -> Evidence:
        joined = _spell_iso_dates("\n".join(texts))
        plain = _ACRONYM_DOTS.sub(lambda m: m.group(0).replace(".", ""), joined)
        words = {_norm(w) for w in _WORD.findall(plain)}
        months = {_MONTHS[w.lower()] for w in _WORD.findall(plain) if w.lower() in _MONTHS}
        return cls(number_forms(joined), words, months, " ".join(plain.lower().split()))

    def has_number(self, forms: frozenset[str]) -> bool:
        return bool(forms & self.numbers)

    def has_name(self, name: str) -> bool:
        if name.startswith("month:"):
            return int(name[6:]) in self.months
        n = _norm(name)
        if n in self.words:
            return True
        for group in _ALIASES:
            if n in group or name.lower() in group:
                return any(a in self.words if " " not in a else a in self.text for a in group)
        # a demonym or inflection of a name the passage holds: Syria/Syrian, Russia/Russian, Iraq/Iraqi
        return len(n) >= 4 and any(
            len(w) >= 4 and abs(len(w) - len(n)) <= 3 and (w.startswith(n) or n.startswith(w)) for w in self.words
        )


def missing_facts(sentence: str, evidence: Evidence) -> list[str]:
    """The numbers, months and names of ``sentence`` that the evidence does not hold, as written."""
    missing = [written for written, forms in number_mentions(sentence) if not evidence.has_number(forms)]
    for name in name_mentions(sentence):
        if not evidence.has_name(name):
            missing.append(name if not name.startswith("month:") else _month_name(int(name[6:])))
    return list(dict.fromkeys(missing))


def _month_name(n: int) -> str:
    return next(k for k, v in _MONTHS.items() if v == n).capitalize()
