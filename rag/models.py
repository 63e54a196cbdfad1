"""Typed records that flow through the pipeline: Article → Chunk → Passage → Answer.

Plain dataclasses: the core never depends on the web layer. The API turns them into
pydantic schemas at its own boundary (``rag/api/schemas.py``).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


@dataclass(slots=True)
class Article:
    """One report. ``date`` is ISO ``YYYY-MM-DD`` or None — never guessed.

    When the date was not given as metadata but read off the text (a photo caption
    ``[26/8/2016]``, a heading), ``date_inferred`` is True and ``date_evidence`` holds
    the exact text it came from, so the UI can say "date inferred from: …".
    """

    id: str
    title: str
    body: str
    source: str = ""
    date: str | None = None
    date_inferred: bool = False
    date_evidence: str | None = None
    url: str | None = None

    def content_hash(self) -> str:
        """Hash of everything that affects chunks or their metadata.

        Re-ingesting an article whose hash is unchanged embeds nothing.
        """
        h = hashlib.sha256()
        for part in (
            self.title,
            self.body,
            self.source,
            self.date or "",
            str(self.date_inferred),
            self.date_evidence or "",
            self.url or "",
        ):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()

    def real_title(self) -> str:
        """The title if it says something the body does not: a title derived from the body's
        first words (for records that have none) returns ""."""
        title = self.title.rstrip("…").strip()
        if not title or self.body.lstrip().startswith(title):
            return ""
        return self.title

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Chunk:
    """A span of an article body. Invariant: ``article.body[start:end] == text``."""

    article_id: str
    ordinal: int
    start: int
    end: int
    text: str


@dataclass(slots=True)
class Passage:
    """A retrieved chunk with the metadata a citation needs."""

    chunk_id: int
    article_id: str
    title: str
    source: str
    date: str | None
    date_inferred: bool
    date_evidence: str | None
    url: str | None
    text: str
    start: int
    end: int
    score: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)
    # (start, end, cosine to the question) of each sentence, body offsets; filled by retrieval
    sentences: list[tuple[int, int, float]] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("scores", None)
        d.pop("sentences", None)
        return d


@dataclass(slots=True)
class Citation:
    """``quote`` is verbatim: ``article.body[start:end] == quote``."""

    n: int
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

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Answer:
    answer: str
    abstained: bool
    citations: list[Citation]
    passages: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)
    rewritten_question: str | None = None

    def to_dict(self) -> dict:
        return {
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "timings_ms": self.timings_ms,
            "rewritten_question": self.rewritten_question,
        }


@dataclass(slots=True)
class SkippedRecord:
    """A record a reader or the ingest could not use, and why (one line)."""

    where: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)
