"""Typed records that flow through the pipeline: Article → Chunk → Passage → Answer.

Plain dataclasses: the core never depends on the web layer. The API turns them into
pydantic schemas at its own boundary (``rag/api/schemas.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field


def day_label(iso: str | None) -> str:
    """An ISO date as readers see it ("26 Aug 2016"); "undated" for none, a non-ISO value as it is."""
    if not iso:
        return "undated"
    try:
        return dt.date.fromisoformat(iso).strftime("%-d %b %Y")
    except ValueError:
        return iso


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
        """The public (``/ask``, ``/search``) form: the chunk text is ``quote``; scores stay internal."""
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "date": self.date,
            "date_inferred": self.date_inferred,
            "date_evidence": self.date_evidence,
            "url": self.url,
            "quote": self.text,
            "chunk_id": self.chunk_id,
            "start": self.start,
            "end": self.end,
            "score": self.score,
        }


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

    @classmethod
    def of(cls, n: int, passage: Passage, start: int, end: int, quote: str, score: float) -> Citation:
        """Citation ``n`` of ``quote`` = ``passage``'s article body ``[start:end]``."""
        p = passage
        return cls(
            n=n, article_id=p.article_id, title=p.title, source=p.source, date=p.date,
            date_inferred=p.date_inferred, date_evidence=p.date_evidence, url=p.url, quote=quote,
            chunk_id=p.chunk_id, start=start, end=end, score=round(float(score), 4),
        )  # fmt: skip

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Statement:
    """One sentence of an answer with the citations that support it.

    ``support`` (0-1) says how well the cited passages support ``text``: 1.0 for a verbatim quote,
    a measured score for a generated sentence. ``kind`` says what role it plays: ``direct`` (the
    direct answer), ``quote``, ``context`` (the sentence a pronoun-led quote needs), ``generated``,
    ``timeline``, ``disagreement``, ``counts`` (other counts of the asked place and day, listed but not
    claimed as a disagreement) or ``note`` (our own words, citing nothing, e.g. why we abstain).
    ``paragraph`` starts it on a new line when the answer text is rendered.
    """

    text: str
    citations: list[int] = field(default_factory=list)
    support: float = 1.0
    kind: str = "quote"
    paragraph: bool = False

    def rendered(self) -> str:
        marks = "".join(f"[{n}]" for n in self.citations)
        return f"{self.text} {marks}" if marks else self.text

    def to_dict(self) -> dict:
        return asdict(self)


def render_statements(statements: list[Statement]) -> str:
    """The answer text: the statements in order, each followed by its ``[n]`` markers."""
    out = ""
    for i, st in enumerate(statements):
        if i:
            out += "\n" if st.paragraph else " "
        out += st.rendered()
    return out


@dataclass(slots=True)
class DirectAnswer:
    """The shortest span that answers the question (a number, a name, a place, a date, yes/no),
    taken from the passage that citation ``citation`` quotes."""

    text: str
    citation: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class RemovedSentence:
    """A generated sentence that failed verification, and why; it never reaches the user."""

    text: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class DisagreementValue:
    value: str
    citations: list[int]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Disagreement:
    """Different reports give different values for the same slot (a toll, a date, who holds a town)."""

    slot: str
    values: list[DisagreementValue]

    def to_dict(self) -> dict:
        return {"slot": self.slot, "values": [v.to_dict() for v in self.values]}


@dataclass(slots=True)
class TimelineEntry:
    """One event of a timeline: ten reports of one attack are one entry ``reported by`` several outlets."""

    date: str | None
    text: str
    citations: list[int]
    outlets: list[str] = field(default_factory=list)
    date_inferred: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Answer:
    """What ``ask`` returns. ``answer`` is the rendered text of ``statements`` (kept for old clients);
    the web page and new clients read ``statements``."""

    answer: str
    abstained: bool
    citations: list[Citation]
    passages: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)
    rewritten_question: str | None = None
    statements: list[Statement] = field(default_factory=list)
    direct_answer: DirectAnswer | None = None
    grounding: float = 0.0
    answer_mode: str = "extractive"
    note: str | None = None
    removed: list[RemovedSentence] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The ``/ask`` JSON contract (also what the eval scores)."""
        return {
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "timings_ms": self.timings_ms,
            "rewritten_question": self.rewritten_question,
            "statements": [s.to_dict() for s in self.statements],
            "direct_answer": self.direct_answer.to_dict() if self.direct_answer else None,
            "grounding": self.grounding,
            "answer_mode": self.answer_mode,
            "note": self.note,
            "removed": [r.to_dict() for r in self.removed],
            "disagreements": [d.to_dict() for d in self.disagreements],
            "timeline": [t.to_dict() for t in self.timeline],
        }


@dataclass(slots=True)
class SkippedRecord:
    """A record a reader or the ingest could not use, and why (one line)."""

    where: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)
