"""The default answerer: extractive, no LLM. Every sentence it writes is a verbatim quote.

It scores the sentences of the retrieved passages against the question (what share of the
question's weighted content words the sentence and its passage cover, how well the passage
was retrieved, and whether the sentence holds the *kind* of thing asked for: a number for
"how many", a date for "when"…), then composes 1-4 quoted sentences, each introduced by its
outlet and report date and followed by ``[n]``. "What happened" questions become a timeline
ordered by report date; a sentence that denies what another asserts is shown beside it with
who said each. When the best support is below the threshold it abstains and lists the
nearest sources instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..models import Answer, Citation, Passage, Statement, render_statements
from ..sentences import sentence_spans
from ..text_terms import content_terms, is_date_word, stem
from .question_type import QType, has_answer_type, question_type

TermWeights = Callable[[str], dict[str, float]]


class Answerer(Protocol):
    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """Compose a cited answer (or an abstention) from retrieved passages."""
        ...


@dataclass(slots=True)
class AnswerConfig:
    # Support of the best sentence (see ``support``) below which it abstains. Calibrated on RealTime
    # QA dev (eval/README.md): at 0.36, 18% of answerable questions abstain, 93% of off-topic ones do.
    abstain_below: float = 0.36
    max_sentences: int = 4
    max_quote_chars: int = 320
    passages_considered: int = 6
    keep_ratio: float = 0.8  # extra sentences must score ≥ this × the best


@dataclass(slots=True)
class Candidate:
    passage: Passage
    start: int  # offsets into the article body
    end: int
    text: str
    coverage: float  # of the question by this sentence
    context: float  # of the question by the sentence's passage (title + text)
    typed: bool
    score: float
    rank: int
    semantic: float = 0.0


# A photo or map caption ("Situation map of Darayya … [26/8/2016, map via …]") names a place but
# states nothing: fine as date evidence, poor as an answer.
_CAPTION = re.compile(r"\[[^\]]*\d[^\]]*\]\s*$|^(situation\s+)?maps?\b|^(file\s+)?photo\b", re.I)
_DENIAL = re.compile(r"\b(not|no|denied|denies|deny|never|false|untrue|rejected|refuted)\b", re.I)
_ELLIPSIS = "…"
_BULLETS = "•·▪‣◦*-–—>"


def _fmt_date(p: Passage) -> str:
    if not p.date:
        return "undated"
    d = dt.date.fromisoformat(p.date).strftime("%-d %b %Y")
    return f"{d}, date inferred from the text" if p.date_inferred else d


def _lead(p: Passage) -> str:
    title = p.title if len(p.title) <= 80 else p.title[:80].rsplit(" ", 1)[0] + "…"
    who = p.source or f"“{title}”"
    return f"{who} ({_fmt_date(p)})"


def _coverage(q: dict[str, float], words: set[str]) -> float:
    total = sum(q.values())
    return sum(w for t, w in q.items() if t in words) / total if total else 0.0


class ExtractiveAnswerer:
    def __init__(self, term_weights: TermWeights | None = None, config: AnswerConfig | None = None):
        self.term_weights = term_weights or (lambda qs: {stem(t): 1.0 for t in content_terms(qs)})
        self.config = config or AnswerConfig()

    # --- scoring ------------------------------------------------------------------------------
    def candidates(self, question: str, passages: Sequence[Passage]) -> list[Candidate]:
        q = self.term_weights(question)
        qtype = question_type(question)
        top = passages[: self.config.passages_considered]
        if not top:
            return []
        best_score = max(p.score for p in top) or 1.0
        seen: set[tuple[str, int]] = set()
        out: list[Candidate] = []
        # In a report from the date window the question names ("on August 16, 2016"), the date words
        # are answered by the report's date: only the rest of the question must be covered.
        q_undated = {t: w for t, w in q.items() if not is_date_word(t)}
        for rank, p in enumerate(top):
            qp = q_undated if "window" in p.scores and len(q_undated) < len(q) else q
            ctx_words = {stem(t) for t in content_terms(f"{p.title} {p.text}")}
            context = _coverage(qp, ctx_words) if qp else 1.0
            rel = max(0.0, p.score / best_score) if best_score > 0 else 0.0
            sims = {e: c for _, e, c in p.sentences}  # by end offset: a stripped bullet moves only the start
            for s, e in sentence_spans(p.text):
                while s < e and (p.text[s] in _BULLETS or p.text[s].isspace()):
                    s += 1  # quote a list item without its bullet
                key = (p.article_id, p.start + s)
                if key in seen:
                    continue  # overlapping chunks repeat sentences
                seen.add(key)
                text = p.text[s:e]
                if len(text) < 20 or not re.search(r"[^\W\d_]{3}", text):
                    continue  # captions' fragments, bullets, bare numbers
                words = {stem(t) for t in content_terms(text)}
                cov = _coverage(qp, words) if qp else 1.0
                # the sentence's own cosine to the question if retrieval stored one, else the lexical share
                sem = sims.get(p.start + e, cov)
                typed = has_answer_type(qtype, text, question)
                score = (
                    0.35 * sem
                    + 0.25 * cov
                    + 0.15 * context
                    + 0.15 * rel
                    + (0.1 if typed else 0.0)
                    - 0.01 * rank
                    - (0.15 if _CAPTION.search(text) else 0.0)
                )
                out.append(Candidate(p, p.start + s, p.start + e, text, cov, context, typed, score, rank, sem))
        out.sort(key=lambda c: -c.score)
        return out

    @staticmethod
    def support(c: Candidate) -> float:
        """How well the question is supported by this sentence in its passage: meaning (cosine of
        the sentence to the question) and words (the passage must cover the question's key words,
        the sentence a fair share of them). In [0, 1]; compared with ``abstain_below``."""
        return 0.4 * c.semantic + 0.35 * c.context + 0.25 * c.coverage

    # --- composing --------------------------------------------------------------------------------
    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        cands = self.candidates(question, passages)
        if not cands:
            return self._abstain(passages)
        best_support = max(self.support(c) for c in cands[:5])
        if best_support < self.config.abstain_below:
            return self._abstain(passages)
        qtype = question_type(question)
        events = qtype is QType.EVENTS
        best = next(c for c in cands if self.support(c) >= self.config.abstain_below)
        chosen = [best]
        limit = self.config.max_sentences if events else min(3, self.config.max_sentences)
        floor = best.score * (0.6 if events else self.config.keep_ratio)
        # every further sentence must be nearly as well supported as the best one, and of the asked type
        support_floor = max(self.config.abstain_below, 0.8 * best_support)
        eligible = [
            c
            for c in cands[1:]
            if c.score >= floor and self.support(c) >= support_floor and c.typed and not _CAPTION.search(c.text)
        ]
        if events:  # a timeline prefers different reports, then more from the same ones
            eligible.sort(key=lambda c: c.passage.article_id == best.passage.article_id)
        # The sentence right after the best one often holds what the question asks ("…reopened the
        # investigation. They raided a home in Henderson."): it may join on the passage's support.
        nxt = next(
            (
                c
                for c in cands
                if c.passage.article_id == best.passage.article_id
                and c.start > best.end
                and c.passage.start <= best.end
                and not c.passage.text[best.end - c.passage.start : c.start - c.passage.start].strip()
            ),
            None,
        )
        if (
            nxt is not None
            and self.support(nxt) >= 0.8 * self.config.abstain_below
            and not events
            and not _CAPTION.search(nxt.text)
        ):
            eligible.insert(0, nxt)
        for c in eligible:
            if len(chosen) >= limit:
                break
            if any(
                _redundant(c.text, o.text) or (c.passage.article_id == o.passage.article_id and c.start == o.start)
                for o in chosen
            ):
                continue
            chosen.append(c)
        conflict = None if events else self._conflict(chosen, cands)
        if conflict is not None and conflict not in chosen:
            chosen = chosen[: limit - 1] + [conflict]
        if events:
            chosen.sort(key=lambda c: (c.passage.date or "9999", c.passage.article_id, c.start))
        elif conflict is not None:
            chosen.sort(key=lambda c: bool(_DENIAL.search(c.text)))  # the claim first, then its denial
        return self._compose(question, chosen, passages, conflict)

    def _conflict(self, chosen: list[Candidate], cands: list[Candidate]) -> Candidate | None:
        """A strong candidate that denies (or asserts) what a chosen sentence asserts (or denies)."""
        for c in chosen:
            c_denies = bool(_DENIAL.search(c.text))
            c_words = {stem(t) for t in content_terms(c.text)}
            for o in cands[:12]:
                if o is c or (o.start == c.start and o.passage.article_id == c.passage.article_id):
                    continue
                if bool(_DENIAL.search(o.text)) == c_denies or o.score < 0.6 * c.score:
                    continue
                o_words = {stem(t) for t in content_terms(o.text)}
                shared = c_words & o_words
                if (
                    len(shared) >= 3
                    and len(shared) >= 0.3 * min(len(c_words), len(o_words))
                    and o.coverage >= 0.5 * c.coverage
                ):
                    return o
        return None

    def _compose(
        self, question: str, chosen: list[Candidate], passages: Sequence[Passage], conflict: Candidate | None
    ) -> Answer:
        q = self.term_weights(question)
        statements: list[Statement] = []
        citations: list[Citation] = []
        for n, c in enumerate(chosen, start=1):
            start, end, pre, post = _trim(c, q, self.config.max_quote_chars)
            body_quote = c.passage.text[start - c.passage.start : end - c.passage.start]
            quote_shown = f"{_ELLIPSIS if pre else ''}{body_quote}{_ELLIPSIS if post else ''}"
            lead = _lead(c.passage)
            if conflict is not None and c is conflict:
                lead = f"In contrast, {lead}"
            statements.append(Statement(f"{lead}: “{quote_shown}”", [n], 1.0, "quote", paragraph=True))
            p = c.passage
            citations.append(
                Citation(
                    n=n,
                    article_id=p.article_id,
                    title=p.title,
                    source=p.source,
                    date=p.date,
                    date_inferred=p.date_inferred,
                    date_evidence=p.date_evidence,
                    url=p.url,
                    quote=body_quote,
                    chunk_id=p.chunk_id,
                    start=start,
                    end=end,
                    score=round(float(c.score), 4),
                )
            )
        return Answer(
            answer=render_statements(statements),
            abstained=False,
            citations=citations,
            passages=list(passages),
            statements=statements,
            grounding=1.0,
        )

    def _abstain(self, passages: Sequence[Passage]) -> Answer:
        text = "The reports don't answer this."
        near = []
        for p in passages[:3]:
            if p.title not in near:
                near.append(p.title)
        if near:
            text += " The nearest sources are: " + "; ".join(f"“{t}”" for t in near) + "."
        return Answer(
            answer=text,
            abstained=True,
            citations=[],
            passages=list(passages),
            statements=[Statement(text, [], 0.0, "note")],
        )


def _redundant(a: str, b: str) -> bool:
    wa, wb = set(content_terms(a)), set(content_terms(b))
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) > 0.7


_CLAUSE = re.compile(r"(?<=[,;:—–])\s+|\s+(?=[—–]\s)")


def _trim(c: Candidate, q: dict[str, float], limit: int) -> tuple[int, int, bool, bool]:
    """Body offsets of the part of a long sentence to quote: the clause window covering most of
    the question within ``limit`` characters. Returns (start, end, cut_before, cut_after)."""
    if len(c.text) <= limit:
        return c.start, c.end, False, False
    cuts = [0] + [m.end() for m in _CLAUSE.finditer(c.text)] + [len(c.text)]
    pieces = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    best, best_span = -1.0, (0, min(len(c.text), limit))
    for i in range(len(pieces)):
        for j in range(i, len(pieces)):
            s, e = pieces[i][0], pieces[j][1]
            if e - s > limit:
                break
            cov = _coverage(q, {stem(t) for t in content_terms(c.text[s:e])})
            if cov > best:
                best, best_span = cov, (s, e)
    s, e = best_span
    if e - s > limit or best < 0:  # no clause boundary: cut at a word boundary
        e = c.text.rfind(" ", 0, limit) if " " in c.text[:limit] else limit
        s = 0
    seg = c.text[s:e]
    s += len(seg) - len(seg.lstrip())
    e -= len(seg) - len(seg.rstrip(" ,;:—–"))
    return c.start + s, c.start + e, s > 0, e < len(c.text)
