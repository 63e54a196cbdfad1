"""A bounded load test on loopback: one client, then N concurrent clients, while ingests land.

    python benchmarks/load.py --build-index index/load10k           # 50 clients x 60 s, 20-article ingests
    python benchmarks/load.py --clients 10 --duration 15 --index /path/to/index --single-duration 10
    python benchmarks/load.py --url http://127.0.0.1:8000 --ingest-batch 0   # a running server, reads only

Each client (an asyncio task with its own keep-alive connection) loops over a mixed workload until the time
is up: POST /ask and GET /search (4 in 10 each), GET /stats and GET /articles/{id} (1 in 10 each). The same
loop runs first with ONE client (``--single-duration`` seconds) and then with ``--clients``; both figures
are printed side by side with their ratio. During the concurrent phase, batches of ``--ingest-batch`` new
FA-KES articles are POSTed to /ingest one after another (each is embedded for real), and at the end
/stats must count exactly the articles that landed. Only loopback addresses are accepted; the server it
starts (with a write token) is stopped at the end.

``--build-index PATH`` makes a ~10k-chunk index without embedding anything: the RealTime QA index
(/work/cache/index-realtimeqa) copied, plus every passage again under a second id (vectors reused by
content hash).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
TOKEN = "load-benchmark-token"

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
# the mixed workload, in the order each client cycles through it (4 ask, 4 search, 1 stats, 1 article)
MIX = ["ask", "search", "ask", "search", "stats", "ask", "search", "ask", "search", "article"]


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


def build_index(path: Path, data: Path = DATA, source: Path = Path("/work/cache/index-realtimeqa")) -> None:
    """~10k chunks with no embedding: the RealTime QA index plus each passage again under another id."""
    if path.exists():
        return
    passages = data / "realtimeqa" / "realtimeqa-evidence-passages.jsonl"
    if not source.exists() or not passages.exists():
        raise SystemExit(f"error: --build-index needs {source} and {passages}")
    shutil.copytree(source, path)
    print(f"building {path}: {source} + a second copy of every passage …", file=sys.stderr)
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(passages), "--index", str(path), "--id-prefix", "dup-",
         "--json", "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    report = json.loads(out.stdout)
    print(f"  added {report['added']}, embedded {report['chunks_embedded']} chunks", file=sys.stderr)


def start_server(index: Path | None, workers: int, startup_timeout: float = 300.0) -> tuple[subprocess.Popen, str]:
    port = free_port()
    # all clients share 127.0.0.1: the default per-client rate limit would measure itself, not the service
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "RAG_API_TOKEN": TOKEN}
    env.update(RAG_LOG_REQUESTS="false", RAG_RATE_LIMIT_PER_MINUTE="0")
    if index is not None:
        env["RAG_INDEX"] = str(index)
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        cmd + ["--workers", str(workers)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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


async def request(c: httpx.AsyncClient, kind: str, k: int, article_ids: list[str]) -> httpx.Response:
    q = QUESTIONS[k % len(QUESTIONS)]
    if kind == "ask":
        return await c.post("/ask", json={"question": q})
    if kind == "search":
        return await c.get("/search", params={"q": q, "top_k": 8})
    if kind == "stats":
        return await c.get("/stats")
    return await c.get(f"/articles/{article_ids[k % len(article_ids)]}")


async def client(i: int, url: str, deadline: float, timeout: float, out: list, errors: collections.Counter, ids):
    """One client's loop; returns when its last request (started before the deadline) is answered."""
    async with httpx.AsyncClient(base_url=url, timeout=timeout) as c:
        k = i  # stagger: clients start at different questions and endpoints
        while time.monotonic() < deadline:
            kind = MIX[k % len(MIX)]
            t0 = time.perf_counter()
            try:
                r = await request(c, kind, k, ids)
                ok = r.status_code == 200
                if not ok:
                    errors[f"{kind} HTTP {r.status_code}"] += 1
            except httpx.HTTPError as e:
                ok = False
                errors[f"{kind} {type(e).__name__}"] += 1
            out.append((kind, time.perf_counter() - t0, ok))
            k += 1


def ingest_batches(path: Path, size: int) -> list[bytes]:
    """FA-KES articles, ``size`` per batch, as JSONL bodies (new ids: they embed for real)."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return [("\n".join(lines[i : i + size]) + "\n").encode() for i in range(0, len(lines) - size + 1, size)]


async def ingester(url: str, deadline: float, batches: list[bytes], log: list, t0: float):
    """POST one batch after another until the deadline; records (start, end, status, added) from t0."""
    async with httpx.AsyncClient(base_url=url, timeout=600) as c:
        for body in batches:
            if time.monotonic() >= deadline:
                return
            a = time.monotonic() - t0
            try:
                r = await c.post(
                    "/ingest?filename=batch.jsonl", content=body,
                    headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"},
                )  # fmt: skip
                added = r.json().get("added", 0) if r.status_code == 200 else 0
                log.append((a, time.monotonic() - t0, r.status_code, added))
            except httpx.HTTPError as e:
                log.append((a, time.monotonic() - t0, type(e).__name__, 0))


async def run_load(url, clients, duration, timeout, ids, batches=()) -> tuple[list, collections.Counter, float, list]:
    out: list[tuple[str, float, bool]] = []
    errors: collections.Counter = collections.Counter()
    ingests: list = []
    t0 = time.monotonic()
    deadline = t0 + duration
    # an ingest still running at the deadline is awaited, but the clients' time stops with the clients
    ing = asyncio.create_task(ingester(url, deadline, list(batches), ingests, t0)) if batches else None
    await asyncio.gather(*(client(i, url, deadline, timeout, out, errors, ids) for i in range(clients)))
    elapsed = time.monotonic() - t0
    if ing is not None:
        await ing
    return out, errors, elapsed, ingests


def stats(rows) -> dict:
    lat = sorted(d * 1000 for _, d, _ in rows)
    return {
        "requests": len(rows),
        "errors": sum(1 for *_, ok in rows if not ok),
        "p50_ms": round(percentile(lat, 50), 1),
        "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "max_ms": round(lat[-1], 1) if lat else None,
    }


def summarize(out: list, errors: collections.Counter, elapsed: float, clients: int, duration: float) -> dict:
    return {
        "clients": clients,
        "duration_s": duration,
        "elapsed_s": round(elapsed, 1),
        **stats(out),
        "req_per_s": round(len(out) / elapsed, 2) if elapsed else None,
        "error_kinds": dict(errors),
        "by_endpoint": {k: stats([r for r in out if r[0] == k]) for k in ("ask", "search", "stats", "article")},
    }


def some_article_ids(url: str) -> list[str]:
    ids: list[str] = []
    for q in QUESTIONS:
        r = httpx.get(f"{url}/search", params={"q": q, "top_k": 5}, timeout=60)
        ids += [p["article_id"] for p in r.json().get("passages", [])]
    return list(dict.fromkeys(ids)) or ["none"]


def server_cpu_s(pid: int | None) -> float:
    """CPU seconds used so far by the server and its worker processes (Linux /proc)."""
    if pid is None:
        return float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                f = (p / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(p.name)] = (int(f[1]), (int(f[11]) + int(f[12])) / tick)  # ppid, utime + stime
    todo, total = [pid], 0.0
    while todo:
        cur = todo.pop()
        total += stats.get(cur, (0, 0.0))[1]
        todo += [k for k, (ppid, _) in stats.items() if ppid == cur]
    return total


def phase(args, url, clients, duration, ids, batches=(), pid=None) -> tuple[dict, list]:
    cpu0, mine0 = server_cpu_s(pid), time.process_time()
    out, errors, elapsed, ingests = asyncio.run(run_load(url, clients, duration, args.timeout, ids, batches))
    s = summarize(out, errors, elapsed, clients, duration)
    if out:  # the load generator shares the machine: what it costs is part of the picture
        s["client_cpu_ms_per_request"] = round((time.process_time() - mine0) * 1000 / len(out), 1)
    if pid is not None and out:
        s["server_cpu_ms_per_request"] = round((server_cpu_s(pid) - cpu0) * 1000 / len(out), 1)
    return s, ingests


def run(args, url: str, pid: int | None = None) -> dict:
    info = httpx.get(f"{url}/stats", timeout=30).json()
    ids = some_article_ids(url)
    res: dict = {"index": {k: info.get(k) for k in ("version", "articles", "chunks")}}
    # warm-up, long enough for the server to finish loading its ingest model in the background
    asyncio.run(run_load(url, 1, args.warmup, args.timeout, ids))
    if args.single_duration > 0:
        res["single"], _ = phase(args, url, 1, args.single_duration, ids, pid=pid)
    batches = ingest_batches(args.ingest_data, args.ingest_batch) if args.ingest_batch > 0 else []
    res["concurrent"], ingests = phase(args, url, args.clients, args.duration, ids, batches, pid)
    if "single" in res and res["single"]["req_per_s"]:
        res["throughput_ratio"] = round(res["concurrent"]["req_per_s"] / res["single"]["req_per_s"], 2)
    if batches:
        res["ingests"] = ingest_summary(url, info, ingests)
    return res


def ingest_summary(url: str, before: dict, ingests: list) -> dict:
    time.sleep(1.5)  # the watchers of other workers poll every 0.5 s
    after = httpx.get(f"{url}/stats", timeout=30).json()
    ok = [x for x in ingests if x[2] == 200]
    added = sum(x[3] for x in ok)
    return {
        "posted": len(ingests),
        "landed": len(ok),
        "landed_in_40s": sum(1 for x in ok if x[1] <= 40),
        "seconds_each": [round(x[1] - x[0], 1) for x in ingests],
        "articles_added": added,
        "stats_articles_before": before.get("articles"),
        "stats_articles_after": after.get("articles"),
        "stats_correct": after.get("articles") == before.get("articles", 0) + added,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="target a running server (loopback only) instead of starting one")
    ap.add_argument("--index", type=Path, help="index for the server it starts (default: $RAG_INDEX)")
    ap.add_argument("--build-index", type=Path, help="make a ~10k-chunk index here (if missing) and use it")
    ap.add_argument("--workers", type=int, default=1, help="server worker processes (rag serve --workers)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of concurrent load (default 60)")
    ap.add_argument("--single-duration", type=float, default=20.0, help="seconds of one-client load first (0: skip)")
    ap.add_argument("--ingest-batch", type=int, default=20, help="articles per POST /ingest during the load (0: none)")
    ap.add_argument("--data", type=Path, default=DATA, help="the shared data folder (default ../shared/data)")
    ap.add_argument("--ingest-data", type=Path, help="JSONL of new articles (default: FA-KES from --data)")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds")
    ap.add_argument("--warmup", type=float, default=15.0, help="seconds of one-client warm-up, not measured")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.clients < 1 or args.duration <= 0:
        ap.error("--clients and --duration must be positive")
    if args.url and not is_loopback(args.url):
        ap.error(f"{args.url} is not a loopback address: this script only loads 127.0.0.1/::1/localhost")
    args.ingest_data = args.ingest_data or args.data / "fa-kes" / "fa-kes-articles.jsonl"
    if args.ingest_batch > 0 and not args.ingest_data.exists():
        ap.error(f"{args.ingest_data} not found (or pass --ingest-batch 0)")
    if args.build_index:
        build_index(args.build_index, args.data)
        args.index = args.build_index
    proc = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        proc, url = start_server(args.index, args.workers)
    try:
        res = run(args, url, proc.pid if proc else None)
    finally:
        if proc is not None:
            stop_server(proc)
    res["workers"] = args.workers
    res["load_avg_1min"] = os.getloadavg()[0]
    print(json.dumps(res) if args.json else report(res, url))
    return 0


def report(r: dict, url: str) -> str:
    ix = r["index"]
    lines = [f"target: {url} ({r['workers']} worker(s); index {ix['version']}, {ix['articles']} articles, "
             f"{ix['chunks']} chunks)"]  # fmt: skip
    for name in ("single", "concurrent"):
        if name not in r:
            continue
        s = r[name]
        lines.append(
            f"{name:10s} {s['clients']:3d} clients {s['elapsed_s']:5.1f} s: {s['requests']:6d} requests, "
            f"{s['errors']} errors, {s['req_per_s']} req/s, p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms"
        )
        for k, e in s["by_endpoint"].items():
            lines.append(
                f"    {k:8s} {e['requests']:6d} requests, {e['errors']} errors, p50 {e['p50_ms']} ms, p95 {e['p95_ms']} ms"
            )
        if "server_cpu_ms_per_request" in s:
            lines.append(f"    server CPU per request: {s['server_cpu_ms_per_request']} ms (ingests included)")
        if "client_cpu_ms_per_request" in s:
            lines.append(f"    load generator CPU per request: {s['client_cpu_ms_per_request']} ms")
        if s["error_kinds"]:
            lines.append(f"    errors: {s['error_kinds']}")
    if "throughput_ratio" in r:
        lines.append(f"throughput, concurrent / single: {r['throughput_ratio']}x")
    if "ingests" in r:
        g = r["ingests"]
        lines.append(
            f"ingests: {g['landed']} of {g['posted']} landed ({g['landed_in_40s']} within 40 s), seconds each "
            f"{g['seconds_each']}; /stats {g['stats_articles_before']} → {g['stats_articles_after']} articles "
            f"(+{g['articles_added']}): {'correct' if g['stats_correct'] else 'WRONG'}"
        )
    lines.append(f"load average (1 min) at the end: {r['load_avg_1min']:.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
