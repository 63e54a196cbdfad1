"""The generative answerer: prompt the user's LLM, verify each sentence, release only verified ones.

``events`` yields a ``Released`` statement as soon as the model has finished a sentence and the
sentence passed verification, then one ``Final`` with the whole ``Answer``. Citations are renumbered
1..m in the order the kept sentences first cite them, so every ``[n]`` the user sees has its citation,
whose quote is the passage's supporting sentence(s) (verbatim body offsets).

When nothing the model said survives (or the model failed: unreachable, slow, an HTTP error,
garbage), the extractive answer passed in as ``fallback`` is returned with a one-line ``note`` and the
removed sentences; if the model fails after some sentences were released, those stand and the note
says the answer was cut short.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..models import Answer, Citation, Passage, RemovedSentence, Statement, render_statements
from .claims import Claim, ClaimStream
from .client import Generator, GeneratorError
from .prompt import build_prompt
from .verify import Checker, Verifier, is_no_answer


@dataclass(slots=True)
class Sources:
    """The retrieved passages, known before the model writes anything."""

    passages: list[Passage]


@dataclass(slots=True)
class Released:
    """A verified statement, with the citations it is the first to cite."""

    index: int
    statement: Statement
    citations: list[Citation]


@dataclass(slots=True)
class Final:
    """The whole answer; its first ``released`` statements were already released."""

    answer: Answer
    released: int
    timings_ms: dict[str, float] = field(default_factory=dict)


GenEvent = Sources | Released | Final


@dataclass(slots=True)
class GenerationConfig:
    passage_tokens: int = 1800  # prompt budget for the numbered passages
    max_history: int = 6  # conversation turns passed to the model


class _Citations:
    """Prompt numbers → citation numbers in first-use order, with each citation's supporting quote."""

    def __init__(self, passages: list[Passage]):
        self.passages = passages
        self.by_prompt: dict[int, int] = {}
        self.citations: list[Citation] = []

    def cite(
        self, prompt_numbers: Sequence[int], spans: dict[int, tuple[int, int]]
    ) -> tuple[list[int], list[Citation]]:
        numbers, new = [], []
        for pn in prompt_numbers:
            if pn not in self.by_prompt:
                p = self.passages[pn - 1]
                s, e = spans[pn]
                c = Citation.of(len(self.citations) + 1, p, p.start + s, p.start + e, p.text[s:e], p.score)
                self.by_prompt[pn] = c.n
                self.citations.append(c)
                new.append(c)
            numbers.append(self.by_prompt[pn])
        return numbers, new


@dataclass
class _Run:
    """The state of one answer being generated."""

    checker: Checker
    cites: _Citations
    statements: list[Statement] = field(default_factory=list)
    removed: list[RemovedSentence] = field(default_factory=list)
    released: int = 0
    new_citations: list[Citation] = field(default_factory=list)
    verify_ms: float = 0.0

    @property
    def generated(self) -> list[Statement]:
        return [s for s in self.statements if s.kind == "generated"]


class GenerativeAnswerer:
    def __init__(self, generator: Generator, verifier: Verifier, config: GenerationConfig | None = None):
        self.generator = generator
        self.verifier = verifier
        self.config = config or GenerationConfig()

    def events(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[dict] | None,
        fallback: Answer,
        stream: bool = True,
        passage_vectors: dict[int, np.ndarray] | None = None,
    ) -> Iterator[Released | Final]:
        if not passages:  # nothing to cite: the extractive answer already says so
            yield Final(fallback, 0)
            return
        prompt = build_prompt(question, passages, history, self.config.passage_tokens, self.config.max_history)
        run = _Run(self.verifier.session(prompt.passages, passage_vectors), _Citations(prompt.passages))
        error: str | None = None
        t0 = time.perf_counter()
        try:
            pieces = (
                self.generator.stream(prompt.messages) if stream else iter([self.generator.complete(prompt.messages)])
            )
            claims = ClaimStream()
            for piece in pieces:
                yield from self._judge_all(claims.feed(piece), run)
            yield from self._judge_all(claims.close(), run)
        except GeneratorError as e:
            error = str(e)
        timings = {
            "generate": round((time.perf_counter() - t0) * 1000 - run.verify_ms, 2),
            "verify": round(run.verify_ms, 2),
        }
        yield self._finish(run, list(passages), fallback, error, timings)

    def _judge_all(self, claims: list[Claim], run: _Run) -> Iterator[Released]:
        if len(claims) > 1:
            t = time.perf_counter()
            run.checker.prime([c.text for c in claims])
            run.verify_ms += (time.perf_counter() - t) * 1000
        for claim in claims:
            yield from self._judge(claim, run)

    def _judge(self, claim: Claim, run: _Run) -> Iterator[Released]:
        t = time.perf_counter()
        try:
            st, new = self._statement(claim, run)
        finally:
            run.verify_ms += (time.perf_counter() - t) * 1000
        if st is None or any(s.text == st.text for s in run.statements):
            return  # removed, or the model repeated itself
        run.statements.append(st)
        run.new_citations.extend(new)
        if not run.generated:
            return  # a lone "the reports don't say" waits: without a verified sentence the fallback is shown
        for i in range(run.released, len(run.statements)):
            yield Released(i, run.statements[i], run.new_citations if i == len(run.statements) - 1 else [])
        run.released, run.new_citations = len(run.statements), []

    @staticmethod
    def _statement(claim: Claim, run: _Run) -> tuple[Statement | None, list[Citation]]:
        if is_no_answer(claim.text) and run.checker.holds_facts(claim.text):
            return Statement(claim.text, [], 0.0, "note"), []  # an honest gap: said, citing nothing
        verdict, measure = run.checker.verify(claim)
        if not verdict.ok or measure is None:
            run.removed.append(RemovedSentence(claim.raw or claim.text, verdict.reason or "not supported"))
            return None, []
        numbers, new = run.cites.cite(verdict.cited, measure.spans)
        return Statement(claim.text, numbers, verdict.support, "generated"), new

    def _finish(
        self, run: _Run, passages: list[Passage], fallback: Answer, error: str | None, timings: dict[str, float]
    ) -> Final:
        if not run.generated:
            why = error or (
                "no sentence of it was supported by the cited reports"
                if run.removed
                else "the language model found no answer in the reports"
            )
            answer = replace(
                fallback,
                answer_mode="extractive",
                note=f"The generated answer was not used: {why}.",
                removed=list(run.removed),
            )
            return Final(answer, 0, timings)
        generated = run.generated
        answer = Answer(
            answer=render_statements(run.statements),
            abstained=False,
            citations=run.cites.citations,
            passages=passages,
            statements=run.statements,
            grounding=round(min(s.support for s in generated), 4),
            answer_mode="generative",
            note=f"The generated answer was cut short: {error}." if error else None,
            removed=list(run.removed),
        )
        return Final(answer, run.released, timings)
