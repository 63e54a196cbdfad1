"""Rewrite a follow-up question with the conversation, deterministically and without an LLM.

"And how many rebels left?" after "What happened in Darayya?" carries too little to retrieve
the Darayya report. A question that looks like a follow-up (starts with and/what about/how
about, uses a pronoun with no name of its own, or is very short) gets the names and key
terms of the previous user turn appended for retrieval. Answer sentences are still chosen
against the user's own words plus those terms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .text_terms import STOPWORDS, content_terms, question_terms

_FOLLOWUP_START = re.compile(r"^\s*(and|but|also|so|then|what about|how about|and what|why|what else)\b", re.I)
_PRONOUN = re.compile(
    r"\b(it|they|them|their|there|that|this|these|those|he|she|him|her|its|the town|"
    r"the city|the deal|the truce|the attack|the report)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:[\s-][A-Z][\w'’-]+)*")


def _names(text: str) -> list[str]:
    out = []
    for m in _NAME.finditer(text):
        words = [w for w in re.split(r"\s+", m.group(0)) if w.lower() not in STOPWORDS]
        if words:
            out.append(" ".join(words))
    return out


def is_follow_up(question: str) -> bool:
    if _FOLLOWUP_START.search(question):
        return True
    has_own_name = any(n for n in _names(question[1:]) if len(n) > 2)  # skip the capitalised first word
    if _PRONOUN.search(question) and not has_own_name:
        return True
    return len(content_terms(question)) <= 2 and not has_own_name


def rewrite(question: str, history: Sequence[dict] | None) -> str:
    """The question to retrieve with: unchanged unless it is a follow-up with a previous user turn."""
    if not history:
        return question
    prev = next((h.get("content", "") for h in reversed(history) if h.get("role") == "user"), "")
    if not prev or not is_follow_up(question):
        return question
    own = {t for t in content_terms(question)}
    carry: list[str] = []
    for name in _names(prev):
        if name.lower() not in question.lower() and name not in carry:
            carry.append(name)
    for t in question_terms(prev):
        if t not in own and not any(t in n.lower() for n in carry) and t not in carry:
            carry.append(t)
    if not carry:
        return question
    return f"{question} ({' '.join(carry[:12])})"
