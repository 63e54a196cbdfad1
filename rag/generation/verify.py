"""Sentence-by-sentence verification of a generated answer against the passages it cites.

A claim is kept only if
1. it cites at least one passage that was retrieved and numbered in the prompt (other numbers are dropped);
2. every number, month and name in it occurs in the cited passage(s) (``facts.py``);
3. its content is close to them: ``support = w · lexical + (1 − w) · semantic`` ≥ ``min_support``, where
   ``lexical`` is the share of its content words found in the cited passages and ``semantic`` the best
   cosine (the loaded embedder) between it and a sentence of, or the whole of, a cited passage.
   ``w`` and ``min_support`` were measured on RealTime QA's tune part (docs/llm.md, eval/verify_support.py).
A passage a claim cites needlessly (the claim holds without it and it alone does not support it) is
dropped from its citations, so each remaining citation supports its sentence.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..embedding import Embedder
from ..models import Passage
from ..sentences import sentence_spans
from ..text_terms import content_terms, stem
from .claims import Claim
from .facts import Evidence, missing_facts, number_forms
from .prompt import source_line

_NO_ANSWER = re.compile(
    r"^\W*(?:but\s+|however,?\s+)?(?:the\s+|these\s+|those\s+)?(?:\w+\s+)?"
    r"(?:reports?|sources?|articles?|passages?|texts?|documents?)\s+(?:\w+\s+)?"
    r"(?:do(?:es)?n['’]?t|do(?:es)? not|never)\s+(?:\w+\s+)?"
    r"(?:say|mention|state|specify|answer|report|include|contain|provide|give|address|cover|tell)\b"
    r"|^\W*(?:there\s+is\s+)?no (?:information|mention|details?)\b",
    re.I,
)


def is_no_answer(text: str) -> bool:
    """ "The reports don't say (who …)": an honest gap, not a claim. Only the sentence's opening counts,
    so "Reuters reports the army doesn't say…" is still a claim to verify."""
    return len(text.split()) <= 25 and bool(_NO_ANSWER.search(text))


class LockedEmbedder:
    """An embedder shared with retrieval: its tokenizer must not run in two threads at once."""

    def __init__(self, inner: Embedder, lock: threading.RLock | threading.Lock):
        self._inner, self._lock = inner, lock
        self.model_id, self.dim = inner.model_id, inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self._inner.embed(texts)


@dataclass(slots=True)
class VerifyConfig:
    min_support: float = 0.56  # both fitted on RealTime QA tune: eval/verify_support.py, docs/llm.md
    lexical_weight: float = 0.1


@dataclass(slots=True)
class Measure:
    lexical: float
    semantic: float
    missing: list[str]
    spans: dict[int, tuple[int, int]]  # prompt number → (start, end) in passage.text that supports it


@dataclass(slots=True)
class Verdict:
    ok: bool
    cited: list[int]  # prompt numbers kept: retrieved, and each needed
    support: float
    reason: str | None = None
    invalid: list[int] = field(default_factory=list)  # numbers that name no passage


def _marks(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _report_word(numbers: Sequence[int]) -> str:
    return "report" if len(numbers) == 1 else "reports"


Units = tuple[list[tuple[int, int]], np.ndarray]  # spans in passage.text (the whole passage last), unit vectors


class VectorStoreLike(Protocol):
    def chunk_vectors(self, chunk_ids: Sequence[int], dim: int) -> dict[int, np.ndarray]: ...


def stored_passage_vectors(store: VectorStoreLike, passages: Sequence[Passage], dim: int) -> dict[int, np.ndarray]:
    """The index's vector of each passage (by chunk id), so verification never embeds a whole passage
    again. Its sentences are embedded each on its own when the passage is first cited: the support
    threshold was measured on such vectors, and the index's own sentence vectors are pooled in the
    context of their chunk (``rag/ingest_vectors.py``), which scores a close paraphrase lower."""
    return store.chunk_vectors([p.chunk_id for p in passages], dim)


class Verifier:
    def __init__(self, embedder: Embedder, config: VerifyConfig | None = None):
        self.embedder = embedder
        self.config = config or VerifyConfig()

    def session(self, passages: Sequence[Passage], vectors: dict[int, np.ndarray] | None = None) -> Checker:
        """A checker for one answer: ``[n]`` is ``passages[n - 1]``; ``vectors`` are stored passage vectors
        by chunk id (see ``stored_passage_vectors``); the rest is embedded once, when first cited."""
        return Checker(self, list(passages), vectors or {})


class Checker:
    def __init__(self, verifier: Verifier, passages: list[Passage], vectors: dict[int, np.ndarray]):
        self.v = verifier
        self.passages = passages
        self._stored = vectors
        self._units: dict[int, Units] = {}
        self._vectors: dict[str, np.ndarray] = {}

    def prime(self, texts: Sequence[str]) -> None:
        """Embed sentences known together (a whole completion) in one batch."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            self._vectors.update(zip(todo, self.v.embedder.embed(todo)))

    def vector(self, text: str) -> np.ndarray:
        self.prime([text])
        return self._vectors[text]

    # --- what one passage offers -------------------------------------------------------------------
    def _passage_units(self, n: int) -> Units:
        """Sentence spans of passage ``n`` (plus the whole passage, last) and their unit vectors."""
        if n not in self._units:
            p = self.passages[n - 1]
            spans = sentence_spans(p.text)
            whole = self._stored.get(p.chunk_id)
            texts = [p.text[s:e] for s, e in spans] + ([p.text] if whole is None else [])
            vecs = self.v.embedder.embed(texts)
            if whole is not None:
                vecs = np.vstack([vecs, np.asarray(whole, dtype=np.float32)[None, :]])
            self._units[n] = ([*spans, (0, len(p.text))], vecs)
        return self._units[n]

    def _evidence_texts(self, numbers: Sequence[int]) -> list[str]:
        out = []
        for n in numbers:
            p = self.passages[n - 1]
            out += [source_line(p), p.date or "", p.text]
        return out

    def holds_facts(self, text: str) -> bool:
        """Whether every number, month and name of ``text`` occurs in some passage of the prompt (a
        "the reports don't say who …" must not smuggle in a name of its own)."""
        return not missing_facts(text, Evidence.of(self._evidence_texts(range(1, len(self.passages) + 1))))

    # --- measuring -----------------------------------------------------------------------------------
    def measure(self, text: str, numbers: Sequence[int], vector: np.ndarray | None = None) -> Measure:
        """How well passages ``numbers`` (1-based, all valid) support ``text``."""
        evidence = Evidence.of(self._evidence_texts(numbers))
        terms = {stem(t) for t in content_terms(text) if not t.isdigit() and len(t) > 2}
        lexical = len(terms & evidence.words) / len(terms) if terms else 0.0
        vec = self.vector(text) if vector is None else vector
        semantic, spans = -1.0, {}
        for n in numbers:
            units, vecs = self._passage_units(n)
            sims = vecs @ vec
            semantic = max(semantic, float(sims.max()))
            spans[n] = self._support_span(n, text, units, sims)
        return Measure(lexical, max(0.0, semantic), missing_facts(text, evidence), spans)

    def _support_span(self, n: int, text: str, units: list[tuple[int, int]], sims: np.ndarray) -> tuple[int, int]:
        """The passage sentence closest to ``text``, widened to the sentences holding its numbers."""
        sentences = units[:-1] or units
        best = max(range(len(sentences)), key=lambda i: sims[i])
        s, e = sentences[best]
        wanted = number_forms(text)
        ptext = self.passages[n - 1].text
        for a, b in sentences:
            if wanted & number_forms(ptext[a:b]):
                s, e = min(s, a), max(e, b)
        return (s, e) if e - s <= 700 else sentences[best]

    def support(self, m: Measure) -> float:
        w = self.v.config.lexical_weight
        return round(w * m.lexical + (1 - w) * m.semantic, 4)

    # --- the verdict --------------------------------------------------------------------------------
    def verify(self, claim: Claim) -> tuple[Verdict, Measure | None]:
        k = len(self.passages)
        valid = [n for n in claim.cited if 1 <= n <= k]
        invalid = [n for n in claim.cited if not 1 <= n <= k]
        if not valid:
            reason = (
                f"cites {_marks(invalid)}, but only {_marks([1])}–{_marks([k])} were retrieved"
                if invalid and k > 1
                else f"cites {_marks(invalid)}, which names no retrieved report"
                if invalid
                else "cites no report"
            )
            return Verdict(False, [], 0.0, reason, invalid), None
        vec = self.vector(claim.text)
        m = self.measure(claim.text, valid, vec)
        if m.missing:
            what = ", ".join(f"“{x}”" for x in m.missing[:4])
            verb = "is" if len(m.missing) == 1 else "are"
            reason = f"{what} {verb} not in the cited {_report_word(valid)} {_marks(valid)}"
            return Verdict(False, valid, self.support(m), reason, invalid), m
        support = self.support(m)
        if support < self.v.config.min_support:
            reason = (
                f"the cited {_report_word(valid)} {_marks(valid)} {'does' if len(valid) == 1 else 'do'} not support it "
                f"(support {support:.2f}, needs {self.v.config.min_support:.2f})"
            )
            return Verdict(False, valid, support, reason, invalid), m
        needed = self._needed(claim.text, valid, vec) if len(valid) > 1 else valid
        if needed != valid:
            m = self.measure(claim.text, needed, vec)
            support = self.support(m)
        return Verdict(True, needed, support, None, invalid), m

    def _needed(self, text: str, cited: list[int], vec: np.ndarray) -> list[int]:
        """Drop a cited passage when the claim holds without it and it does not support the claim alone."""
        keep = list(cited)
        for n in cited:
            rest = [x for x in keep if x != n]
            if not rest:
                break
            without = self.measure(text, rest, vec)
            alone = self.measure(text, [n], vec)
            holds = not without.missing and self.support(without) >= self.v.config.min_support
            if holds and (alone.missing or self.support(alone) < self.v.config.min_support):
                keep = rest
        return keep
