"""The prompt: retrieved passages numbered [1]..[k] with title, outlet and date, within a token budget.

The model is asked for short sentences, each followed by the numbers of the passages it rests on,
and for "the reports don't say" when they don't. The conversation history goes in as chat messages,
so the model resolves follow-ups itself; the passages and the question are the last user message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Passage, day_label
from .client import Message

SYSTEM = """You answer questions about news reports using only the numbered reports given to you.
Rules:
- Write a short answer: one to four plain sentences, no headings, no lists.
- End every sentence with the number of the report it comes from in square brackets, like [1] or [2][3].
- Every number, date, name and place you write must appear in the report you cite.
- Say when a report says something (e.g. "Reuters reported on 10 Sep 2016 that ...") if it helps.
- If the reports do not answer the question, reply only: The reports don't say.
- Never use knowledge from outside the reports."""

NO_ANSWER = "The reports don't say."
# Our earlier answers carry [n] markers numbered for their own passages: they would mislead the model.
_OLD_MARKERS = re.compile(r"\s*\[\d+\]")


def date_label(p: Passage) -> str:
    """'26 Aug 2016', marked when the date was read off the text rather than given; never invented."""
    d = day_label(p.date)
    return f"{d} (date inferred from the text)" if p.date and p.date_inferred else d


def source_line(p: Passage) -> str:
    """Title — outlet, date: how a passage is named in the prompt and in source lists."""
    who = f" — {p.source}" if p.source else ""
    return f"{p.title}{who}, {date_label(p)}"


def estimate_tokens(text: str) -> int:
    """About 4 characters a token for English with BPE vocabularies: the budget needs no tokenizer."""
    return len(text) // 4 + 1


@dataclass(slots=True)
class Prompt:
    messages: list[Message]
    passages: list[Passage]  # the passages numbered in the prompt: [n] is passages[n - 1]


def _fit(passages: Sequence[Passage], budget_tokens: int) -> list[tuple[Passage, str]]:
    """Passages in retrieval order while they fit; the first one is cut to the budget if it alone is over."""
    out: list[tuple[Passage, str]] = []
    used = 0
    for p in passages:
        text = p.text
        cost = estimate_tokens(source_line(p)) + estimate_tokens(text) + 4
        if used + cost > budget_tokens:
            if out:
                break
            text = text[: max(0, (budget_tokens - estimate_tokens(source_line(p)) - 4) * 4)].rsplit(" ", 1)[0]
            cost = budget_tokens
        out.append((p, text))
        used += cost
    return out


def build_prompt(
    question: str,
    passages: Sequence[Passage],
    history: Sequence[dict] | None = None,
    budget_tokens: int = 1800,
    max_history: int = 6,
) -> Prompt:
    fitted = _fit(passages, budget_tokens)
    blocks = [f"[{n}] {source_line(p)}\n{text}" for n, (p, text) in enumerate(fitted, start=1)]
    user = "Reports:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}"
    messages: list[Message] = [{"role": "system", "content": SYSTEM}]
    for turn in list(history or [])[-max_history:]:
        role, content = turn.get("role"), turn.get("content")
        if role in ("user", "assistant") and isinstance(content, str) and content.strip():
            text = _OLD_MARKERS.sub("", content) if role == "assistant" else content
            messages.append({"role": role, "content": text})
    messages.append({"role": "user", "content": user})
    return Prompt(messages, [p for p, _ in fitted])
