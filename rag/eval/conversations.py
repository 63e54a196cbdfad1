"""Multi-turn eval: conversations asked turn by turn through ``RagService.ask`` with their history.

A conversation file is JSONL, one conversation a line (``//`` lines are comments)::

    {"id": "conv-darayya", "turns": [{"question": "How many rebels left Darayya?", "answers": ["800"],
      "evidence_ids": ["seed-…"]}, {"question": "And the civilians?", …}]}

Each turn is asked with the turns before it as ``history`` (the user's own words; each reply with
the article ids it cited, as the web page sends them back). A turn is *right* when its answer
contains a gold answer (the normalised test of ``metrics.contains_answer``) and cites an evidence
report; a *verbatim repeat* is a reply equal to the previous reply. Split by conversation id
(``splits.split_of``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import metrics as M
from .questions import QuestionFileError


@dataclass(slots=True)
class Turn:
    question: str
    answers: list[str]
    evidence_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Conversation:
    id: str
    turns: list[Turn]


def load_conversations(path: Path | str) -> list[Conversation]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise QuestionFileError(f"cannot read {path}: {e.strerror or type(e).__name__}") from None
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            rec = json.loads(line)
            turns = [Turn(t["question"], list(t["answers"]), list(t.get("evidence_ids") or [])) for t in rec["turns"]]
            out.append(Conversation(str(rec["id"]), turns))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise QuestionFileError(f"{path.name} line {n}: not a conversation ({type(e).__name__}: {e})") from None
    return out


def run_conversation(service, conv: Conversation, top_k: int = 8) -> list[dict]:
    from ..pipeline import AskRequest

    history: list[dict] = []
    previous = None
    rows = []
    for i, turn in enumerate(conv.turns, start=1):
        ans = service.ask(AskRequest(question=turn.question, top_k=top_k, history=list(history) or None))
        cited = [c.article_id for c in ans.citations]
        contains = not ans.abstained and M.contains_answer(ans.answer, turn.answers)
        right_report = bool(set(cited) & set(turn.evidence_ids)) if turn.evidence_ids else True
        repeat = previous is not None and ans.answer.strip() == previous.strip()
        rows.append(
            {
                "conversation": conv.id,
                "turn": i,
                "question": turn.question,
                "rewritten_question": ans.rewritten_question,
                "answer": ans.answer,
                "abstained": ans.abstained,
                "contains_gold": contains,
                "right_report": right_report,
                "verbatim_repeat": repeat,
                "right": contains and right_report and not repeat,
            }
        )
        history += [
            {"role": "user", "content": turn.question},
            {"role": "assistant", "content": ans.answer, "article_ids": list(dict.fromkeys(cited))},
        ]
        previous = ans.answer
    return rows


def summarise_turns(rows: Sequence[dict]) -> dict:
    return {
        "conversations": len({r["conversation"] for r in rows}),
        "turns": len(rows),
        "turns_right": M.rate(r["right"] for r in rows),
        "contains_gold": M.rate(r["contains_gold"] for r in rows),
        "right_report": M.rate(r["right_report"] for r in rows),
        "verbatim_repeats": sum(r["verbatim_repeat"] for r in rows),
        "abstained": sum(r["abstained"] for r in rows),
        "follow_up_turns_right": M.rate(r["right"] for r in rows if r["turn"] > 1),
    }
