"""The JSON contract of the HTTP API (bots, the web chat and the eval all use it)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_date(v: str | None) -> str | None:
    if v is None:
        return v
    try:
        return dt.date.fromisoformat(v).isoformat()
    except (TypeError, ValueError):
        raise ValueError(f"{v!r} is not a date in YYYY-MM-DD form") from None


def _check_order(date_from: str | None, date_to: str | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise ValueError(f"date_from ({date_from}) is after date_to ({date_to}): the range is empty")


class FiltersIn(_Strict):
    date_from: str | None = Field(None, description="Only reports dated on or after (YYYY-MM-DD).")
    date_to: str | None = Field(None, description="Only reports dated on or before (YYYY-MM-DD).")
    sources: list[str] | None = Field(None, max_length=50, description="Only these outlets.")

    _dates = field_validator("date_from", "date_to")(_check_date)

    @model_validator(mode="after")
    def _order(self):
        _check_order(self.date_from, self.date_to)
        return self


class TurnCitation(BaseModel):
    """A citation of an earlier reply, sent back as ``/ask`` returned it (other keys are ignored)."""

    model_config = ConfigDict(extra="ignore")
    article_id: str = Field(..., max_length=500)


class Turn(_Strict):
    role: Literal["user", "assistant"]
    content: str = Field(..., max_length=20000)
    article_ids: list[str] | None = Field(
        None, max_length=50, description="Assistant turns: the articles the reply cited (a follow-up prefers them)."
    )
    citations: list[TurnCitation] | None = Field(
        None, max_length=50, description="Assistant turns: the reply's citations, as /ask returned them."
    )


class AskIn(_Strict):
    question: str = Field(..., min_length=1, max_length=2000)
    top_k: int = Field(8, ge=1, le=50)
    filters: FiltersIn | None = None
    as_of: str | None = Field(
        None,
        description="Answer as if on this date (YYYY-MM-DD): later reports are "
        "excluded, newer ones preferred, 'last week' is relative to it.",
    )
    history: list[Turn] | None = Field(None, max_length=50)
    generate: bool | None = Field(
        None,
        description="Generated answer through the configured LLM (default when RAG_LLM_BASE_URL is set); "
        "false: the extractive answer (verbatim quotes).",
    )

    _as_of = field_validator("as_of")(_check_date)

    @field_validator("question")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("question is blank")
        return v


class SearchQuery(BaseModel):
    """``GET /search`` query parameters (unknown parameters are ignored, as caches add some)."""

    q: str = Field(..., min_length=1, max_length=2000, description="The search text.")
    top_k: int = Field(8, ge=1, le=50)
    date_from: str | None = Field(None, description="Only reports dated on or after (YYYY-MM-DD).")
    date_to: str | None = Field(None, description="Only reports dated on or before (YYYY-MM-DD).")
    source: list[str] | None = Field(None, max_length=50, description="Only these outlets (repeatable).")
    as_of: str | None = Field(None, description="Search as if on this date (YYYY-MM-DD).")

    _dates = field_validator("date_from", "date_to", "as_of")(_check_date)

    @field_validator("q")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("q is blank")
        return v

    @model_validator(mode="after")
    def _order(self):
        _check_order(self.date_from, self.date_to)
        return self


class PassageOut(BaseModel):
    article_id: str
    title: str
    source: str
    date: str | None
    date_inferred: bool
    date_evidence: str | None
    url: str | None
    quote: str
    chunk_id: int
    start: int
    end: int
    score: float


class CitationOut(PassageOut):
    n: int


class StatementOut(BaseModel):
    text: str = Field(..., description="The sentence, without its [n] markers.")
    citations: list[int] = Field(..., description="Numbers n of the citations that support it.")
    support: float = Field(..., description="0-1: how well the cited passages support it (1 = verbatim quote).")
    kind: str = Field(
        ...,
        description="direct | quote | context | generated | timeline | disagreement | counts (other counts "
        "of the asked place and day, not a disagreement) | note (cites nothing).",
    )
    paragraph: bool = Field(False, description="Starts a new line in the rendered answer.")


class DirectAnswerOut(BaseModel):
    text: str = Field(..., description="The shortest span that answers the question.")
    citation: int | None = Field(None, description="The citation n it is taken from.")


class RemovedOut(BaseModel):
    text: str
    reason: str


class DisagreementValueOut(BaseModel):
    value: str
    citations: list[int]


class DisagreementOut(BaseModel):
    slot: str = Field(..., description="What the reports disagree on, e.g. 'people killed'.")
    values: list[DisagreementValueOut]


class TimelineEntryOut(BaseModel):
    date: str | None
    text: str
    citations: list[int]
    outlets: list[str] = []
    date_inferred: bool = False


class AskOut(BaseModel):
    answer: str = Field(..., description="The statements rendered as text with [n] markers.")
    abstained: bool
    citations: list[CitationOut]
    passages: list[PassageOut]
    timings_ms: dict[str, float]
    rewritten_question: str | None = None
    statements: list[StatementOut] = []
    direct_answer: DirectAnswerOut | None = None
    grounding: float = Field(0.0, description="0-1: how well the whole answer is supported (eval/README.md).")
    answer_mode: str = Field("extractive", description="extractive | generative")
    note: str | None = Field(None, description="A one-line note, e.g. why the generative answer fell back.")
    removed: list[RemovedOut] = Field([], description="Generated sentences that failed verification.")
    disagreements: list[DisagreementOut] = []
    timeline: list[TimelineEntryOut] = []


class ArticleOut(BaseModel):
    id: str
    title: str
    source: str
    date: str | None
    date_inferred: bool
    date_evidence: str | None
    url: str | None
    body: str


class SearchOut(BaseModel):
    query: str
    passages: list[PassageOut]
    timings_ms: dict[str, float]


class SourceCount(BaseModel):
    source: str
    articles: int


class StatsOut(BaseModel):
    articles: int
    chunks: int
    model: str
    dim: int
    faiss_factory: str
    version: str
    date_min: str | None
    date_max: str | None
    sources: list[SourceCount]


class ErrorOut(BaseModel):
    error: str
    detail: list | str | None = None


class SkippedOut(BaseModel):
    where: str
    reason: str


class IngestOut(BaseModel):
    added: int
    updated: int
    unchanged: int
    deleted: int = 0
    skipped: list[SkippedOut]
    notes: list[SkippedOut] = Field(
        [], description="What was changed in records that were kept, e.g. a non-http(s) url dropped."
    )
    chunks_embedded: int
    chunks_reused: int = 0
    sentences_embedded: int = Field(0, description="New sentence vectors (for rescoring and answer choice).")
    sentences_pooled: int = Field(
        0, description="How many of them were pooled from their chunk's pass instead of embedded alone."
    )
    version: str | None = None
    ids: list[str] = []


class DeletedOut(BaseModel):
    deleted: str
    version: str | None = None
