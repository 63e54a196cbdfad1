"""Sentence-aware chunking sized to the embedder, with exact character offsets.

Every chunk satisfies ``article.body[chunk.start:chunk.end] == chunk.text`` so a quote can
be shown and highlighted exactly. Chunks are whole sentences packed up to ``max_tokens``
(counted with the embedder's own tokenizer), overlapping by ``overlap`` sentences so an
answer that straddles a boundary is still found whole in one chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .models import Article, Chunk
from .sentences import sentence_spans, trim_space

TokenCounter = Callable[[Sequence[str]], list[int]]


def whitespace_token_counter(texts: Sequence[str]) -> list[int]:
    """Cheap stand-in for a tokenizer (≈ words × 1.3, as WordPiece splits rarer words)."""
    return [int(len(t.split()) * 1.3) + 1 for t in texts]


def _cut_near(body: str, lo: int, target: int, hi: int) -> int:
    """A whitespace position in ``(lo, hi)`` nearest before (else after) ``target``; ``target``
    itself when the stretch has no whitespace at all (a URL, unspaced scripts)."""
    i = target
    while i > lo and not body[i].isspace():
        i -= 1
    if i > lo:
        return i
    i = target
    while i < hi and not body[i].isspace():
        i += 1
    return i if i < hi else target


def _split_long(
    body: str, start: int, end: int, n_tokens: int, count_tokens: TokenCounter, max_tokens: int, depth: int = 0
) -> list[tuple[int, int, int]]:
    """Cut an over-long sentence into ``(start, end, tokens)`` pieces of at most ``max_tokens``
    tokens (re-counted, not estimated), at whitespace where there is any."""
    if n_tokens <= max_tokens or end - start <= 1 or depth > 32:
        return [(start, end, n_tokens)]
    pieces = -(-n_tokens // max_tokens)
    cuts = [start]
    for i in range(1, pieces):
        cut = _cut_near(body, cuts[-1], start + (end - start) * i // pieces, end)
        if cuts[-1] < cut < end:
            cuts.append(cut)
    if len(cuts) == 1:
        cuts.append((start + end) // 2)
    cuts.append(end)
    spans = [t for t in (trim_space(body, a, b) for a, b in zip(cuts, cuts[1:])) if t[1] > t[0]]
    out: list[tuple[int, int, int]] = []
    for (a, b), n in zip(spans, count_tokens([body[a:b] for a, b in spans])):
        out += _split_long(body, a, b, n, count_tokens, max_tokens, depth + 1)
    return out


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
            units += _split_long(body, s, e, n, count_tokens, max_tokens)
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
        # The next chunk repeats this one's last `overlap` units, but only as many as fit beside
        # unit j: a chunk of nothing but overlap would be a redundant copy of part of this one.
        k = max(i + 1, j - overlap)
        while k < j and sum(u[2] for u in units[k : j + 1]) > max_tokens:
            k += 1
        i = k
    return chunks


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What the embedder sees: a real title gives the chunk its topic, but never enters the quote.

    A title derived from the body's first words (as for passages that have none) would only
    repeat them, and a date string only adds noise to the vector (measured on RealTime QA:
    dense recall@5 0.80 without either, 0.77 with both), so neither is prepended.
    """
    title = article.real_title()
    return f"{title}\n{chunk.text}" if title else chunk.text
