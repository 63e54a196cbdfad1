"""Abstentions that say why in one line and list the nearest sources.

The reason comes from what the answerer looked for and did not find: a span of the asked type
("no report found gives a number for this"), or the question's key words ("none of the reports
found mentions “Patel”"). When filters or ``as_of`` left out reports that would match, the note
says how many (``excluded_note``), undated ones included.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Answer, Passage, Statement, render_statements
from .question_type import QType

_WANTED = {
    QType.COUNT: "a number",
    QType.DURATION: "a length of time",
    QType.DATE: "a date",
    QType.PERSON: "a name",
    QType.PLACE: "a place",
    QType.ENTITY: "a name",
}


def reason(qtype: QType, missing: Sequence[str], found_topic: bool) -> str:
    """One line: why the reports found don't answer."""
    if missing:
        words = ", ".join(f"“{w}”" for w in missing[:3])
        return f"The reports don't answer this: none of the reports found mentions {words}."
    if found_topic and qtype in _WANTED:
        return f"The reports don't answer this: the reports on this topic don't give {_WANTED[qtype]} for it."
    return "The reports don't answer this: no report found says it."


def abstention(passages: Sequence[Passage], why: str) -> Answer:
    statements = [Statement(why, [], 0.0, "note")]
    near: list[str] = []
    for p in passages:
        label = p.title if not p.source else f"{p.title} ({p.source.split('/')[0].strip()})"
        if label not in near:
            near.append(label)
        if len(near) == 3:
            break
    if near:
        statements.append(Statement("Nearest sources: " + "; ".join(f"“{t}”" for t in near) + ".", [], 0.0, "note"))
    return Answer(
        answer=render_statements(statements),
        abstained=True,
        citations=[],
        passages=list(passages),
        statements=statements,
        note=why,
    )


def excluded_note(answer: Answer, excluded: int, undated: int) -> None:
    """Add to an abstention how many matching reports the filters or ``as_of`` left out."""
    if not answer.abstained or excluded <= 0:
        return
    what = f"{excluded} report{'s' if excluded != 1 else ''}"
    extra = f" ({undated} of them undated)" if undated else ""
    line = f"Your date or outlet filters left out {what} that mention these words{extra}."
    answer.statements.insert(1, Statement(line, [], 0.0, "note"))
    answer.answer = render_statements(answer.statements)
    answer.note = f"{answer.note} {line}" if answer.note else line
