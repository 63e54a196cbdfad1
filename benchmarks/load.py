"""A bounded load test on loopback: N concurrent clients for a fixed time, then a summary.

    python benchmarks/load.py                       # starts `rag serve` on 127.0.0.1, 50 clients, 60 s
    python benchmarks/load.py --clients 10 --duration 15 --index /path/to/index
    python benchmarks/load.py --url http://127.0.0.1:8000   # target a running server instead

Each client (an asyncio task with its own keep-alive connection) loops: POST /ask and GET /search
in turn over a fixed set of questions, until the time is up; requests still in flight then finish
(each has a timeout), and the server it started is stopped. Only loopback addresses are accepted.
Prints total requests, errors, latency percentiles and throughput (``--json`` for one JSON object).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import ipaddress
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]

QUESTIONS = [
    "What happened in the election?",
    "Who won the vote?",
    "What did the government announce last week?",
    "Were there any protests?",
    "What did officials say about the economy?",
    "What happened after the flood?",
    "Which outlet reported the attack first?",
    "What are the latest casualty figures?",
]


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index: Path | None, startup_timeout: float = 180.0) -> tuple[subprocess.Popen, str]:
    port = free_port()
    # all clients share 127.0.0.1: the default per-client rate limit would measure itself, not the service
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "RAG_RATE_LIMIT_PER_MINUTE": "0"}
    if index is not None:
        env["RAG_INDEX"] = str(index)
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"error: the server exited with code {proc.returncode} (run `rag serve` to see why)")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"error: the server did not start in {startup_timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def client(i: int, url: str, deadline: float, timeout: float, out: list, errors: collections.Counter):
    async with httpx.AsyncClient(base_url=url, timeout=timeout) as c:
        k = i  # stagger: clients start at different questions and endpoints
        while time.monotonic() < deadline:
            q = QUESTIONS[k % len(QUESTIONS)]
            kind = "search" if k % 2 else "ask"
            t0 = time.perf_counter()
            try:
                if kind == "ask":
                    r = await c.post("/ask", json={"question": q})
                else:
                    r = await c.get("/search", params={"q": q, "top_k": 8})
                ok = r.status_code == 200
                if not ok:
                    errors[f"HTTP {r.status_code}"] += 1
            except httpx.HTTPError as e:
                ok = False
                errors[type(e).__name__] += 1
            out.append((kind, time.perf_counter() - t0, ok))
            k += 1


async def run_load(url: str, clients: int, duration: float, timeout: float) -> tuple[list, collections.Counter, float]:
    out: list[tuple[str, float, bool]] = []
    errors: collections.Counter = collections.Counter()
    t0 = time.monotonic()
    deadline = t0 + duration
    await asyncio.gather(*(client(i, url, deadline, timeout, out, errors) for i in range(clients)))
    return out, errors, time.monotonic() - t0


def summarize(out: list, errors: collections.Counter, elapsed: float, clients: int, duration: float) -> dict:
    def stats(rows):
        lat = sorted(d * 1000 for _, d, _ in rows)
        return {
            "requests": len(rows),
            "errors": sum(1 for *_, ok in rows if not ok),
            "p50_ms": round(percentile(lat, 50), 1),
            "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "max_ms": round(lat[-1], 1) if lat else None,
        }

    total = stats(out)
    return {
        "clients": clients,
        "duration_s": duration,
        "elapsed_s": round(elapsed, 1),
        **total,
        "req_per_s": round(len(out) / elapsed, 2) if elapsed else None,
        "error_kinds": dict(errors),
        "by_endpoint": {k: stats([r for r in out if r[0] == k]) for k in ("ask", "search")},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="target a running server (loopback only) instead of starting one")
    ap.add_argument(
        "--index",
        type=Path,
        help="index for the server it starts (default: $RAG_INDEX, or index/default, built from corpus/ on first run)",
    )
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.clients < 1 or args.duration <= 0:
        ap.error("--clients and --duration must be positive")
    if args.url and not is_loopback(args.url):
        ap.error(f"{args.url} is not a loopback address: this script only loads 127.0.0.1/::1/localhost")

    proc = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        proc, url = start_server(args.index)
    try:
        info = httpx.get(f"{url}/stats", timeout=10).json()
        out, errors, elapsed = asyncio.run(run_load(url, args.clients, args.duration, args.timeout))
    finally:
        if proc is not None:
            stop_server(proc)
    s = summarize(out, errors, elapsed, args.clients, args.duration)
    s["index"] = {"version": info.get("version"), "articles": info.get("articles"), "chunks": info.get("chunks")}
    if args.json:
        print(json.dumps(s))
        return 0
    print(
        f"target: {url} (index {s['index']['version']}, {s['index']['articles']} articles, "
        f"{s['index']['chunks']} chunks)"
    )
    print(f"clients: {s['clients']}, duration: {s['duration_s']:g} s (elapsed {s['elapsed_s']} s)")
    print(
        f"total requests: {s['requests']}, errors: {s['errors']}"
        + (f" ({', '.join(f'{k}: {v}' for k, v in s['error_kinds'].items())})" if s["error_kinds"] else "")
    )
    print(f"latency ms: p50 {s['p50_ms']}, p95 {s['p95_ms']}, p99 {s['p99_ms']}, max {s['max_ms']}")
    print(f"throughput: {s['req_per_s']} req/s")
    for k, e in s["by_endpoint"].items():
        print(
            f"  {k:7s} {e['requests']:6d} requests, {e['errors']} errors, p50 {e['p50_ms']} ms, "
            f"p95 {e['p95_ms']} ms, p99 {e['p99_ms']} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
