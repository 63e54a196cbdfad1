"""Sentence-aware chunking sized to the embedder, with exact character offsets.

Every chunk satisfies ``article.body[chunk.start:chunk.end] == chunk.text`` so a quote can
be shown and highlighted exactly. Chunks are whole sentences packed up to ``max_tokens``
(counted with the embedder's own tokenizer), overlapping by ``overlap`` sentences so an
answer that straddles a boundary is still found whole in one chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .models import Article, Chunk
from .sentences import sentence_spans

TokenCounter = Callable[[Sequence[str]], list[int]]


def whitespace_token_counter(texts: Sequence[str]) -> list[int]:
    """Cheap stand-in for a tokenizer (≈ words × 1.3, as WordPiece splits rarer words)."""
    return [int(len(t.split()) * 1.3) + 1 for t in texts]


def _split_long(body: str, start: int, end: int, n_tokens: int, max_tokens: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries into roughly equal pieces."""
    pieces = -(-n_tokens // max_tokens)
    length = end - start
    out, s = [], start
    for i in range(1, pieces):
        cut = start + length * i // pieces
        space = body.rfind(" ", s + 1, cut + 1)
        if space <= s:
            space = body.find(" ", cut, end)
        if space == -1 or space >= end:
            break
        out.append((s, space))
        s = space + 1
    out.append((s, end))
    return [(a, b) for a, b in out if b > a]


def chunk_article(
    article: Article,
    count_tokens: TokenCounter = whitespace_token_counter,
    max_tokens: int = 200,
    overlap: int = 1,
) -> list[Chunk]:
    body = article.body
    spans = sentence_spans(body)
    if not spans:
        return []
    counts = count_tokens([body[s:e] for s, e in spans])
    units: list[tuple[int, int, int]] = []  # (start, end, tokens)
    for (s, e), n in zip(spans, counts):
        if n > max_tokens:
            for a, b in _split_long(body, s, e, n, max_tokens):
                units.append((a, b, max(1, n * (b - a) // max(1, e - s))))
        else:
            units.append((s, e, n))

    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and (j == i or total + units[j][2] <= max_tokens):
            total += units[j][2]
            j += 1
        start, end = units[i][0], units[j - 1][1]
        chunks.append(Chunk(article.id, len(chunks), start, end, body[start:end]))
        if j >= len(units):
            break
        # step forward, keeping `overlap` sentences, but always make progress
        i = max(i + 1, j - overlap)
    return chunks


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What the embedder sees: title and date give context, but never enter the quote."""
    head = article.title
    if article.date:
        head = f"{head} ({article.date})"
    return f"{head}\n{chunk.text}" if head else chunk.text
