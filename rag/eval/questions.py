"""The eval question file: one JSON object per line (schema in ``eval/README.md``).

``load_questions`` validates every line and raises ``QuestionFileError`` with a one-line
message naming the line, so the CLI can report it without a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("answerable", "off_topic", "filtered_out", "no_answer")


class QuestionFileError(ValueError):
    """A question file that cannot be used (one line: where and why)."""


@dataclass(slots=True)
class EvalQuestion:
    id: str
    question: str
    answers: list[str] = field(default_factory=list)
    evidence_ids: list[str] = field(default_factory=list)
    answerable: bool = True
    as_of: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    sources: list[str] | None = None
    kind: str = "answerable"  # answerable | off_topic | filtered_out | no_answer (derived when absent)

    @property
    def has_filters(self) -> bool:
        return bool(self.date_from or self.date_to or self.sources)

    def to_dict(self) -> dict:
        d = {
            "id": self.id,
            "question": self.question,
            "answers": self.answers,
            "evidence_ids": self.evidence_ids,
            "answerable": self.answerable,
            "kind": self.kind,
        }
        if self.as_of:
            d["as_of"] = self.as_of
        if self.has_filters:
            d["filters"] = {"date_from": self.date_from, "date_to": self.date_to, "sources": self.sources}
        return d


def _date(value, where: str, name: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise QuestionFileError(f"{where}: {name} must be a YYYY-MM-DD string")
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise QuestionFileError(f"{where}: {name} {value!r} is not a YYYY-MM-DD date") from None


def _str_list(value, where: str, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise QuestionFileError(f"{where}: {name} must be a list of strings")
    return [v for v in value if v.strip()]


def parse_question(rec: dict, where: str) -> EvalQuestion:
    if not isinstance(rec, dict):
        raise QuestionFileError(f"{where}: expected a JSON object")
    qid = rec.get("id")
    if not isinstance(qid, (str, int)) or str(qid).strip() == "":
        raise QuestionFileError(f"{where}: missing id")
    question = rec.get("question")
    if not isinstance(question, str) or not question.strip():
        raise QuestionFileError(f"{where}: missing question")
    answerable = rec.get("answerable", True)
    if not isinstance(answerable, bool):
        raise QuestionFileError(f"{where}: answerable must be true or false")
    answers = _str_list(rec.get("answers"), where, "answers")
    if answerable and not answers:
        raise QuestionFileError(f"{where}: an answerable question needs at least one answer")
    filters = rec.get("filters") or {}
    if not isinstance(filters, dict):
        raise QuestionFileError(f"{where}: filters must be an object")
    unknown = set(filters) - {"date_from", "date_to", "sources"}
    if unknown:
        raise QuestionFileError(f"{where}: unknown filter {sorted(unknown)[0]!r}")
    q = EvalQuestion(
        id=str(qid).strip(),
        question=question.strip(),
        answers=answers,
        evidence_ids=_str_list(rec.get("evidence_ids"), where, "evidence_ids"),
        answerable=answerable,
        as_of=_date(rec.get("as_of"), where, "as_of"),
        date_from=_date(filters.get("date_from"), where, "filters.date_from"),
        date_to=_date(filters.get("date_to"), where, "filters.date_to"),
        sources=_str_list(filters.get("sources"), where, "filters.sources") or None,
    )
    kind = rec.get("kind")
    if kind is None:
        kind = "answerable" if answerable else ("filtered_out" if q.evidence_ids and q.has_filters else "off_topic")
    if kind not in KINDS:
        raise QuestionFileError(f"{where}: kind must be one of {', '.join(KINDS)}")
    if (kind == "answerable") != answerable:
        raise QuestionFileError(f"{where}: kind {kind!r} disagrees with answerable={answerable}")
    q.kind = kind
    return q


def load_questions(path: Path | str, limit: int | None = None) -> list[EvalQuestion]:
    """Questions in file order (the first ``limit`` of them). Ids must be unique."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise QuestionFileError(f"no such question file: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise QuestionFileError(f"cannot read {path}: {getattr(e, 'strerror', None) or type(e).__name__}") from None
    out: list[EvalQuestion] = []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path.name} line {n}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise QuestionFileError(f"{where}: invalid JSON ({e.msg})") from None
        q = parse_question(rec, where)
        if q.id in seen:
            raise QuestionFileError(f"{where}: duplicate id {q.id!r}")
        seen.add(q.id)
        out.append(q)
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise QuestionFileError(f"{path}: no questions")
    return out
