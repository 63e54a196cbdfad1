"""What a stronger embedder costs per question: ``RagService.ask`` in-process, one thread, the same
questions against indexes built with different embedding models, in one run (so a busy machine
shows in every row). Pair it with the quality figures of ``eval/train_ranker.py`` / ``rag eval``.

    .venv/bin/python benchmarks/embedders.py --index /work/cache/rtqa2 --index /work/cache/rtqa-mpnet

Each index is served with its own model (the one in its manifest; MiniLM questions go through the
int8 encoder, the service default). Questions: the first ``--questions`` RealTime QA questions of the
report part, asked by their text alone, after ``--warmup`` unmeasured ones. Prints one line per index:
model, chunks, p50 / p95 of ``ask`` wall time, and the median of each stage the service times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.eval.questions import load_questions  # noqa: E402
from rag.eval.splits import select  # noqa: E402

QUESTIONS = ROOT / "eval" / "out" / "realtimeqa-questions.jsonl"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def measure(index: Path, questions: list[str], warmup: int) -> dict:
    from rag.pipeline import AskRequest, RagService
    from rag.settings import Settings
    from rag.store import IndexSnapshot

    snap = IndexSnapshot.open(index)
    model, chunks = snap.manifest.embedding_model, snap.manifest.chunks
    snap.close()
    service = RagService(Settings(index=index, embedding_model=model))
    for q in questions[:warmup]:
        service.ask(AskRequest(question=q))
    times, stages = [], {}
    for q in questions[warmup:]:
        t = time.perf_counter()
        out = service.ask(AskRequest(question=q))
        times.append((time.perf_counter() - t) * 1000)
        for k, v in (out.timings_ms or {}).items():
            stages.setdefault(k, []).append(v)
    service.close()
    return {
        "model": model,
        "chunks": chunks,
        "p50_ms": round(pct(times, 50), 1),
        "p95_ms": round(pct(times, 95), 1),
        "stages_p50_ms": {k: round(statistics.median(v), 1) for k, v in sorted(stages.items())},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, action="append", required=True, help="repeat: one per model")
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--file", type=Path, default=QUESTIONS)
    args = ap.parse_args(argv)
    if not args.file.is_file():
        print(f"no question file {args.file}: run eval/convert_realtimeqa.py first", file=sys.stderr)
        return 0
    qs = [q.question for q in select(load_questions(args.file), "report")][: args.questions + args.warmup]
    for index in args.index:
        print(json.dumps({"index": str(index), **measure(index, qs, args.warmup)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
