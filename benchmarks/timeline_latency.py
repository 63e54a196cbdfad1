"""/ask latency of timeline questions over a real server at ≥ 10k chunks, one client.

A timeline question takes another path than a single fact: every report of the asked period
(a hard date filter, up to 40 reports), one sentence per report, grouping by event. This
benchmark times it beside single-fact questions and GET /health in the same run, so a busy
machine shows in all three.

The index (built once at ``index/bench-timeline``): the 804 FA-KES articles, plus
``--copies`` copies of them with new ids and dates moved on by 20, 40, … years, so every
period keeps FA-KES's density of reports while the index passes 10k chunks. Copies reuse the
stored vectors (the embedded text has no date), so only the first ingest embeds anything, and
with ``--from`` an existing FA-KES index is copied instead.

    .venv/bin/python benchmarks/timeline_latency.py [--requests 200] [--from /work/cache/index-fakes]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

FAKES = ROOT.parent / "shared" / "data" / "fa-kes" / "fa-kes-articles.jsonl"
SINGLE = [
    "Who carried out the chemical attack in Khan Sheikhoun?",
    "Where did the car bomb explode?",
    "What did SANA report about Deir ez-Zor?",
    "Which group controls Raqqa?",
]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def shifted(copy: int) -> list[dict]:
    """The FA-KES records of one copy: ids ``<row>~<copy>``, dates ``20 × copy`` years later."""
    out = []
    for line in FAKES.open(encoding="utf-8"):
        rec = json.loads(line)
        if copy:
            rec["row"] = f"{rec['row']}~{copy}"
            y, rest = rec["date"].split("-", 1)
            rec["date"] = f"{int(y) + 20 * copy}-{rest}"
        out.append(rec)
    return out


def build(index: Path, copies: int, source: Path | None) -> None:
    if source is not None and index_format(source) is not None:
        shutil.copytree(source, index)
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for k in range(copies + 1):
            f = Path(tmp) / f"fakes-{k}.jsonl"
            f.write_text("".join(json.dumps(r) + "\n" for r in shifted(k)), encoding="utf-8")
            files.append(str(f))
        print(f"building {index} (FA-KES + {copies} shifted copies) …", file=sys.stderr)
        cmd = [sys.executable, "-m", "rag.cli", "ingest", *files, "--index", str(index), "--no-progress"]
        subprocess.run(cmd, check=True, cwd=ROOT)


def timeline_questions(copies: int) -> list[str]:
    """'What happened in {place} in {month}?' for every place-month with 3-20 reports, in every copy."""
    import datetime as dt
    from collections import Counter

    months = Counter((r["location"], r["date"][:7]) for r in shifted(0) if r.get("location"))
    out = []
    for k in range(copies + 1):
        for (place, month), n in sorted(months.items()):
            if 3 <= n <= 20:
                y, m = month.split("-")
                when = dt.date(int(y) + 20 * k, int(m), 1).strftime("%B %Y")
                out.append(f"What happened in {place.title()} in {when}? Give me a timeline.")
    return out


def serve(index: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "RAG_INDEX": str(index), "RAG_LOG_REQUESTS": "false", "RAG_RATE_LIMIT_PER_MINUTE": "0"}
    log = tempfile.TemporaryFile()
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT), f"http://127.0.0.1:{port}"


def measure(url: str, timelines: list[str], n: int, warmup: int) -> dict[str, list[float]]:
    """Interleaved: timeline, single fact, /health, so load changes hit all three alike."""
    out: dict[str, list[float]] = {"timeline": [], "single": [], "health": [], "reports": []}
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(600):
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        out["chunks"] = [client.get("/stats").json()["chunks"]]
        for i in range(warmup + n):
            for kind, q in (("timeline", timelines[i % len(timelines)]), ("single", SINGLE[i % len(SINGLE)])):
                t = time.perf_counter()
                r = client.post("/ask", json={"question": q})
                ms = (time.perf_counter() - t) * 1000
                r.raise_for_status()
                if i >= warmup:
                    out[kind].append(ms)
                    if kind == "timeline":
                        out["reports"].append(len({c["article_id"] for c in r.json()["citations"]}))
            t = time.perf_counter()
            client.get("/health")
            if i >= warmup:
                out["health"].append((time.perf_counter() - t) * 1000)
    return out


def measure_cpu(index: Path, timelines: list[str], n: int, warmup: int) -> dict[str, list[float]]:
    """In this process, one thread: wall and CPU time of ``RagService.ask`` per question. CPU time
    hardly moves with other load on the machine, so it is the figure to compare between runs."""
    import torch

    from rag.pipeline import AskRequest, RagService
    from rag.settings import Settings

    torch.set_num_threads(1)
    service = RagService(Settings(index=index))
    out: dict[str, list[float]] = {"timeline": [], "single": [], "timeline_cpu": [], "single_cpu": []}
    for i in range(warmup + n):
        for kind, q in (("timeline", timelines[i % len(timelines)]), ("single", SINGLE[i % len(SINGLE)])):
            t, c = time.perf_counter(), time.process_time()
            service.ask(AskRequest(q))
            if i >= warmup:
                out[kind].append((time.perf_counter() - t) * 1000)
                out[f"{kind}_cpu"].append((time.process_time() - c) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=ROOT / "index" / "bench-timeline")
    ap.add_argument("--from", dest="source", type=Path, help="an existing FA-KES index to start from (copied)")
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--cpu", action="store_true", help="in this process, one thread: wall and CPU time per ask")
    args = ap.parse_args()
    if not FAKES.is_file():
        print(f"skipped: {FAKES} is absent")
        return 0
    if index_format(args.index) is None:
        build(args.index, args.copies, args.source)
    if args.cpu:
        res = measure_cpu(args.index, timeline_questions(args.copies), args.requests, args.warmup)
        print(f"{args.requests} asks of each kind in this process, 1 thread; p50 / p95 ms")
        for kind in ("timeline", "single"):
            print(
                f"{kind:10} wall {pct(res[kind], 50):7.1f} / {pct(res[kind], 95):7.1f}   "
                f"CPU {pct(res[kind + '_cpu'], 50):7.1f} / {pct(res[kind + '_cpu'], 95):7.1f}"
            )
        return 0
    proc, url = serve(args.index)
    try:
        res = measure(url, timeline_questions(args.copies), args.requests, args.warmup)
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"index: {res['chunks'][0]} chunks; {args.requests} requests of each kind, 1 client, {os.cpu_count()} CPUs")
    print(f"{'':24}{'p50 ms':>9}{'p95 ms':>9}")
    for kind, label in (("timeline", "/ask timeline"), ("single", "/ask single fact"), ("health", "GET /health")):
        print(f"{label:24}{pct(res[kind], 50):9.1f}{pct(res[kind], 95):9.1f}")
    ratio = pct(res["timeline"], 50) / pct(res["single"], 50)
    print(f"timeline / single-fact p50: {ratio:.2f}; reports cited per timeline: {statistics.mean(res['reports']):.1f}")
    print(f"target: timeline p50 <= 150 ms: {'met' if pct(res['timeline'], 50) <= 150 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
