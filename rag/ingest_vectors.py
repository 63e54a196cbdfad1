"""What an ingest must embed, and how: chunk texts, and the sentence vectors used for rescoring.

A sentence's vector is pooled from the pass over the chunk that first holds it whole (its tokens
read the chunk around them, so "the town" and "he" carry what they stand for), at no cost beyond
the chunk pass; embedding every sentence on its own cost about as much again as the chunks
(``benchmarks/embedding_split.py``). A sentence no chunk holds whole (an over-long one split into
pieces), one cut off by the model's token limit, or any sentence under an embedder that cannot
pool spans (the hashing fake) is embedded on its own. Every vector is keyed by a hash of what made
it, so an unchanged chunk or sentence is never embedded twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .embedding import Embedder
from .models import Chunk

SENTENCE_MODES = ("in-chunk", "alone")


def emb_hash(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()


@dataclass(slots=True)
class SentencePlan:
    """One article's sentences: spans in the body, texts, vector hashes, and where each is pooled
    from: ``(chunk hash, start, end)`` in that chunk's embedding text, or ``None`` (embedded alone)."""

    spans: list[tuple[int, int]]
    texts: list[str]
    hashes: list[str]
    sources: list[tuple[str, int, int] | None]


def plan_sentences(
    model_id: str,
    body: str,
    spans: list[tuple[int, int]],
    chunks: list[Chunk],
    chunk_texts: list[str],
    chunk_hashes: list[str],
    pooled: bool,
) -> SentencePlan:
    texts = [body[s:e] for s, e in spans]
    plan = SentencePlan(spans, texts, [], [])
    for (s, e), text in zip(spans, texts):
        source = _source(s, e, chunks, chunk_texts, chunk_hashes) if pooled else None
        plan.sources.append(source)
        key = f"sentence-in-chunk\x00{source[0]}\x00{source[1]}:{source[2]}" if source else "sentence\x00" + text
        plan.hashes.append(emb_hash(model_id, key))
    return plan


def _source(
    s: int, e: int, chunks: list[Chunk], chunk_texts: list[str], chunk_hashes: list[str]
) -> tuple[str, int, int] | None:
    """The first chunk holding the sentence whole, and the sentence's place in its embedding text
    (which may start with the title: the chunk's text is always its tail)."""
    for chunk, text, h in zip(chunks, chunk_texts, chunk_hashes):
        if chunk.start <= s and e <= chunk.end and text.endswith(chunk.text):
            at = len(text) - len(chunk.text) - chunk.start
            return h, at + s, at + e
    return None


@dataclass
class EmbedWork:
    """``passes``: chunk hash → (embedding text, [(sentence hash, start, end)] to pool from its pass);
    ``alone``: hash → text embedded on its own. ``chunks``: how many chunk vectors are new."""

    passes: dict[str, tuple[str, list[tuple[str, int, int]]]] = field(default_factory=dict)
    alone: dict[str, str] = field(default_factory=dict)
    chunks: int = 0

    def add_chunk(self, h: str, text: str, pooled: bool) -> None:
        self.chunks += 1
        if pooled:
            self.passes.setdefault(h, (text, []))
        else:
            self.alone[h] = text

    def add_sentence(self, h: str, text: str, source: tuple[str, int, int] | None, chunk_text: str | None) -> None:
        if source is None or chunk_text is None:
            self.alone[h] = text
        else:
            self.passes.setdefault(source[0], (chunk_text, []))[1].append((h, source[1], source[2]))


Bar = Callable[[int], None]


def pool_passes(cached: dict[str, np.ndarray], work: EmbedWork, embedder: Embedder, batch_size: int, tick: Bar) -> int:
    """Run the chunk passes shortest first (each batch pads to a like length); store each chunk's
    vector and its sentences' pooled vectors in ``cached``. A sentence that could not be pooled
    goes to ``work.alone``. Returns how many sentence vectors were pooled."""
    items = sorted(work.passes.items(), key=lambda kv: len(kv[1][0]))
    pooled = 0
    for i in range(0, len(items), batch_size):
        part = items[i : i + batch_size]
        vecs, rows = embedder.embed_with_spans(  # type: ignore[attr-defined]
            [text for _, (text, _) in part], [[(lo, hi) for _, lo, hi in spans] for _, (_, spans) in part]
        )
        for (h, (text, spans)), v, span_rows in zip(part, vecs, rows):
            cached[h] = v
            for (sh, lo, hi), row in zip(spans, span_rows):
                if row.any():
                    cached[sh] = row
                    pooled += 1
                else:
                    work.alone[sh] = text[lo:hi]
        tick(len(part))
    return pooled
