"""Names matched across spellings (Hasakeh, Hasaka, Hassakeh, al-Hasakah; Deir Ezzor, Deir ez-Zor).

Transliterated names of places and people vary from outlet to outlet, so a keyword match on
the question's spelling misses reports. Two names match when their consonant skeletons do:
lower case, letters only, a leading article ("al-", "el-") dropped, vowels after the first
letter dropped, doubled letters collapsed, a final "h" dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass
from functools import lru_cache

from ..text_terms import stem

_WORD = re.compile(r"[^\W\d_]+", re.U)
ARTICLE = re.compile(r"^(al|el|ez|as|ad|ar|an)$")
_CAPITALISED = re.compile(r"\b(?:(?:al|el|ez|az|as|ad|ar|an)-[\w'’-]+|[A-Z][\w'’-]*)")


@lru_cache(maxsize=50_000)
def name_key(name: str) -> str:
    """The consonant skeleton of a name ("Hasakeh" and "Hasaka" → "hsk")."""
    words = [w.lower() for w in _WORD.findall(name)]
    words = [w for w in words if not ARTICLE.match(w)] or words
    joined = "".join(words)
    if not joined:
        return ""
    key = joined[0] + re.sub(r"[aeiouy]", "", joined[1:])
    key = re.sub(r"(.)\1+", r"\1", key)
    return key[:-1] if key.endswith("h") and len(key) > 3 else key


def name_keys_in(text: str, longest: int = 3) -> set[str]:
    """Skeletons of every run of one to ``longest`` adjacent capitalised words of ``text``."""
    spans = [(m.start(), m.end(), m.group(0)) for m in _CAPITALISED.finditer(text)]
    out: set[str] = set()
    for i in range(len(spans)):
        words = [spans[i][2]]
        out.add(name_key(words[0]))
        for j in range(i + 1, min(len(spans), i + longest)):
            if text[spans[j - 1][1] : spans[j][0]].strip(" -"):
                break  # not adjacent
            words.append(spans[j][2])
            out.add(name_key(" ".join(words)))
    return out - {""}


def capitalised_runs(text: str, longest: int = 3) -> list[str]:
    """Maximal runs of up to ``longest`` adjacent capitalised words ("Deir Ezzor", "Khan Sheikhoun")."""
    spans = [(m.start(), m.end(), m.group(0)) for m in _CAPITALISED.finditer(text)]
    out: list[str] = []
    run: list[tuple[int, int, str]] = []
    for sp in spans:
        if run and (text[run[-1][1] : sp[0]].strip(" -") or len(run) == longest):
            out.append(" ".join(w for _, _, w in run))
            run = []
        run.append(sp)
    if run:
        out.append(" ".join(w for _, _, w in run))
    return out


@dataclass(frozen=True, slots=True)
class Name:
    """A name among a question's words ("Deir Ezzor"), to be matched in any spelling."""

    key: str  # its skeleton (``name_key``)
    stems: frozenset[str]  # the words it is made of
    prefixes: tuple[str, ...]  # first letters of its words: a cheap test before the skeleton one


def topic_names(question: str, terms: Sequence[str]) -> list[Name]:
    """The capitalised runs of the question made only of ``terms`` (its topic words)."""
    stems = {stem(t) for t in terms}
    out: list[Name] = []
    for run in capitalised_runs(question):
        words = [w.lower() for w in run.replace("-", " ").split()]
        if words and {stem(w) for w in words} <= stems:
            prefixes = tuple(w[:3] for w in words if len(w) >= 3)
            out.append(Name(name_key(run), frozenset(stem(w) for w in words), prefixes))
    return out


def respelled(text: str, found: Set[str], names: Sequence[Name]) -> set[str]:
    """The words of each name that ``text`` gives in another spelling ("Raqa" for "Raqqa", "Hasaka"
    for "Hasakeh") and that ``found`` (the stems matched as spelled) lacks."""
    low = text.lower()
    out: set[str] = set()
    for n in names:
        if not n.stems <= found and any(pf in low for pf in n.prefixes) and n.key in name_keys_in(text):
            out |= n.stems - found
    return out


def present_in(text: str, stems: Set[str], names: Sequence[Name]) -> set[str]:
    """The stems a text holds (as substrings of its lower case: fast, and "Idlib's" counts), and
    the words of a name it gives in another spelling."""
    low = text.lower()
    found = {s for s in stems if (s in low if len(s) > 3 else re.search(rf"\b{re.escape(s)}\b", low))}
    return found | respelled(text, found, names)
