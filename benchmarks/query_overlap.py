"""What overlapping the question's embedding with the keyword search buys, in-process, one thread asking.

The hybrid search embeds the question on a pool thread while the asking thread runs the keyword search
and fetches the keyword hits' rows (``rag/retrieval/hybrid.py``). This asks the same questions with that
overlap and with the embedding done first on the asking thread, in alternating blocks of 20 in one run
(so machine noise falls on both), and prints p50/p95 of ``RagService.ask`` for each.

    .venv/bin/python benchmarks/query_overlap.py [--index index/bench] [--questions 400]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import Future
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=ROOT / "index" / "bench")
    ap.add_argument("--questions", type=int, default=400)
    args = ap.parse_args()
    from latency import DATA, questions  # the same question mix as benchmarks/latency.py

    if not DATA.is_dir() or not args.index.is_dir():
        print("skipped: needs ../shared/data and an index (benchmarks/latency.py builds index/bench)")
        return 0
    os.environ["RAG_INDEX"] = str(args.index)
    import rag.retrieval.hybrid as hybrid
    from rag.pipeline import AskRequest, RagService
    from rag.settings import Settings

    overlapped = hybrid.embed_in_background

    def first(embedder, text: str) -> Future:  # the embedding done on the asking thread, before the keywords
        done: Future = Future()
        done.set_result(embedder.embed([text])[0])
        return done

    service = RagService(Settings(), watch=False)
    qs = questions(args.questions + 20)
    for q in qs[:20]:
        service.ask(AskRequest(question=q))
    times: dict[str, list[float]] = {"overlapped": [], "embedding first": []}
    blocks = [qs[20 + i : 40 + i] for i in range(0, args.questions, 20)]
    for b, block in enumerate(blocks):
        order = ["overlapped", "embedding first"] if b % 2 == 0 else ["embedding first", "overlapped"]
        for name in order:
            hybrid.embed_in_background = overlapped if name == "overlapped" else first
            for q in block:
                t = time.perf_counter()
                service.ask(AskRequest(question=q))
                times[name].append((time.perf_counter() - t) * 1000)
    hybrid.embed_in_background = overlapped
    for name, xs in times.items():
        xs.sort()
        print(
            f"{name:16} p50 {statistics.median(xs):6.1f} ms   p95 {xs[int(0.95 * (len(xs) - 1))]:6.1f} ms   ({len(xs)} asks)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
