"""Where an ingest's embedding CPU goes: the chunk vectors against the sentence vectors.

Chunks and sentences are made from N FA-KES articles exactly as `rag ingest` makes them, then each
set is embedded with the fp32 MiniLM on one torch thread and its CPU time printed (issue 12: how much
an ingest would save if sentence vectors came from elsewhere).

    .venv/bin/python benchmarks/embedding_split.py [--articles 20] [--skip 100]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ARTICLES = ROOT.parent / "shared" / "data" / "fa-kes" / "fa-kes-articles.jsonl"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=20)
    ap.add_argument("--skip", type=int, default=100, help="start this many articles into the file")
    args = ap.parse_args(argv)
    if not ARTICLES.exists():
        print(f"embedding_split: {ARTICLES} not found; nothing to measure")
        return 0
    import torch

    from rag.chunking import chunk_article, embedding_text
    from rag.embedding import SentenceTransformerEmbedder
    from rag.models import Article
    from rag.sentences import sentence_spans

    torch.set_num_threads(1)
    emb = SentenceTransformerEmbedder()
    with open(ARTICLES, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f][args.skip : args.skip + args.articles]
    arts = [
        Article(
            id=str(r["row"]),
            title=r.get("title") or "",
            body=r.get("content") or "",
            source=r.get("source") or "",
            date=r.get("date"),
        )
        for r in rows
    ]
    chunks = [embedding_text(a, c) for a in arts for c in chunk_article(a, emb.count_tokens, 200, 1)]
    sentences = [a.body[s:e] for a in arts for s, e in sentence_spans(a.body)]
    emb.embed(chunks[:2])  # warm up
    print(f"{len(arts)} articles: {len(chunks)} chunks, {len(sentences)} sentences")
    cpu = {}
    for name, texts in (("chunks", chunks), ("sentences", sentences)):
        start = time.process_time()
        emb.embed(texts)
        cpu[name] = time.process_time() - start
        tokens = sum(emb.count_tokens(texts))
        print(f"{name:>9}: {cpu[name]:6.2f} CPU-s, {tokens} tokens")
    print(f"sentences' share of the embedding CPU: {cpu['sentences'] / (cpu['chunks'] + cpu['sentences']):.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
