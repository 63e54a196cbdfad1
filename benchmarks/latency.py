"""/ask latency over a real server at ≥ 10k chunks, one client.

Builds (once) an index of FA-KES + RealTime QA passages from ../shared/data at
``index/bench`` with ``RAG_CHUNK_TOKENS=96`` (to pass 10k chunks with this much text), starts
``rag serve`` on 127.0.0.1, and sends questions one at a time. Printed beside the /ask
figures, measured in the same run: GET /health (the HTTP round trip alone) and the bare
query embedding (the one model call an /ask makes), so the cost of everything else is visible.

    .venv/bin/python benchmarks/latency.py [--requests 300] [--index index/bench]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.store.index_dir import index_format  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
FAKES = DATA / "fa-kes" / "fa-kes-articles.jsonl"
RTQA_PASSAGES = DATA / "realtimeqa" / "realtimeqa-evidence-passages.jsonl"
RTQA_QUESTIONS = DATA / "realtimeqa" / "realtimeqa-questions.dev.jsonl"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def build(index: Path) -> None:
    env = {**os.environ, "RAG_CHUNK_TOKENS": "96"}
    print(f"building {index} from FA-KES + RealTime QA passages (minutes) …", file=sys.stderr)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rag.cli",
            "ingest",
            str(FAKES),
            str(RTQA_PASSAGES),
            "--index",
            str(index),
            "--no-progress",
        ],
        env=env,
        check=True,
    )


def questions(n: int) -> list[str]:
    rng = random.Random(7)
    qs = [json.loads(line)["question_sentence"] for line in RTQA_QUESTIONS.open()]
    syria = [
        "How many civilians were killed in Aleppo?",
        "What happened in Idlib in April 2017?",
        "Who carried out the chemical attack in Khan Sheikhoun?",
        "How many people died in the Raqqa airstrikes?",
        "What did SANA report about Deir ez-Zor?",
        "Where did the car bomb explode?",
    ]
    rng.shuffle(qs)
    out = []
    for i in range(n):
        out.append(syria[i % len(syria)] if i % 4 == 0 else qs[i % len(qs)])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=ROOT / "index" / "bench")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=20)
    args = ap.parse_args()
    if not DATA.is_dir():
        print("skipped: ../shared/data is absent")
        return 0
    if index_format(args.index) is None:
        build(args.index)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    # one client sends hundreds of questions: the default per-client rate limit would refuse most
    env = {**os.environ, "RAG_INDEX": str(args.index), "RAG_LOG_REQUESTS": "false", "RAG_RATE_LIMIT_PER_MINUTE": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            for _ in range(600):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            stats = client.get("/stats").json()
            qs = questions(args.warmup + args.requests)
            for q in qs[: args.warmup]:
                client.post("/ask", json={"question": q})
            ask_ms, health_ms, stages, errors = [], [], {}, 0
            for q in qs[args.warmup :]:
                t = time.perf_counter()
                r = client.post("/ask", json={"question": q})
                ask_ms.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    errors += 1
                    continue
                for k, v in r.json()["timings_ms"].items():
                    stages.setdefault(k, []).append(v)
                t = time.perf_counter()
                client.get("/health")
                health_ms.append((time.perf_counter() - t) * 1000)
    finally:
        proc.terminate()
        proc.wait(10)

    from rag.embedding import load_query_embedder  # the bare model call /ask makes, in this process
    from rag.settings import Settings

    settings = Settings()
    emb = load_query_embedder(stats["model"], settings.query_encoder, settings.query_encoder_threads)
    emb.embed(["warm up"])
    embed_ms = []
    for q in qs[args.warmup :]:
        t = time.perf_counter()
        emb.embed([q])
        embed_ms.append((time.perf_counter() - t) * 1000)

    print(
        f"index: {stats['articles']} articles, {stats['chunks']} chunks ({stats['faiss_factory']}), "
        f"{args.requests} sequential requests, 1 client, {os.cpu_count()} CPUs"
    )
    print(f"{'':22}{'p50 ms':>9}{'p95 ms':>9}")
    print(f"{'POST /ask':22}{pct(ask_ms, 50):9.1f}{pct(ask_ms, 95):9.1f}   (errors: {errors})")
    print(f"{'GET /health (HTTP)':22}{pct(health_ms, 50):9.1f}{pct(health_ms, 95):9.1f}")
    print(f"{'bare query embedding':22}{pct(embed_ms, 50):9.1f}{pct(embed_ms, 95):9.1f}")
    print(
        "server-side stages, median / p95 ms: "
        + ", ".join(f"{k} {statistics.median(v):.1f}/{pct(v, 95):.1f}" for k, v in stages.items())
    )
    print(
        f"target p50 <= 30 ms, p95 <= 80 ms: {'met' if pct(ask_ms, 50) <= 30 and pct(ask_ms, 95) <= 80 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
