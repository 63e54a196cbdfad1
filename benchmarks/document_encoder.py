"""Could ingests embed documents with the int8 ONNX MiniLM (the question encoder) instead of fp32 torch?
CPU time of both on the same stored chunks, one thread each, and the cosine between their vectors.

    .venv/bin/python benchmarks/document_encoder.py --index <an index of long reports, e.g. FA-KES> [--limit 200]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=200)
    args = ap.parse_args(argv)
    import torch

    from rag.embedding import MINILM_ID, OnnxMiniLMEmbedder, make_embedder

    con = sqlite3.connect(f"file:{args.index / 'meta.sqlite'}?mode=ro", uri=True)
    texts = [r[0] for r in con.execute("SELECT text FROM chunks ORDER BY id LIMIT ?", (args.limit,))]
    torch.set_num_threads(1)
    encoders = {"torch fp32": make_embedder(MINILM_ID), "onnx int8": OnnxMiniLMEmbedder(threads=1)}
    vectors = {}
    print(f"{len(texts)} chunks, mean {sum(map(len, texts)) / max(1, len(texts)):.0f} characters, one thread each")
    for name, enc in encoders.items():
        enc.embed(texts[:4])  # warm-up
        cpu = time.process_time()
        vectors[name] = enc.embed(texts)
        print(f"{name}: {time.process_time() - cpu:.2f} CPU-s")
    cos = (vectors["torch fp32"] * vectors["onnx int8"]).sum(axis=1)
    print(f"cosine fp32 vs int8: min {cos.min():.4f}, mean {cos.mean():.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
