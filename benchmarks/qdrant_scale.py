"""Calibrate docs/scale.md: Qdrant's own engine (HNSW, payload indexes, quantization) on N MiniLM-like
vectors in one process, through ``qdrant-edge-py`` (Qdrant's Rust segment engine, embedded: the same
HNSW and quantization code as the server, minus the network).

    python benchmarks/qdrant_scale.py --n 200000 --vectors-from /work/cache/index-realtimeqa [--quantization scalar]

``qdrant-edge-py`` is not a dependency of the project: run this in any venv that has it and numpy.
Vectors: mixtures of real MiniLM chunk and sentence vectors read from a FAISS index's SQLite (so
they lie where MiniLM's do, not uniformly on the sphere) plus a little noise. Prints one JSON
object: build time (upsert, HNSW build), disk, process RSS, and query latency and recall@10
(against exact search) without a filter, with a date filter (10% and 1% of points) and with an
outlet filter.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np
import qdrant_edge as qe

DIM = 384
OUTLETS = 50


def real_vectors(index: Path) -> np.ndarray:
    db = next(p for p in [index / "meta.sqlite", *sorted(index.glob("versions/*/meta.sqlite"))] if p.exists())
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    chunks = [np.frombuffer(b, dtype=np.float32) for (b,) in conn.execute("SELECT vector FROM chunks")]
    sents = [
        np.frombuffer(b, dtype=np.float16).astype(np.float32) for (b,) in conn.execute("SELECT vector FROM sentences")
    ]
    return np.stack(chunks + sents)


def synth(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    i, j = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
    v = 0.8 * base[i] + 0.45 * base[j] + rng.normal(0, 0.25 / np.sqrt(DIM), (n, DIM)).astype(np.float32)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def quantization(kind: str):
    if kind == "scalar":
        return qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, quantile=0.99, always_ram=True)
    if kind == "binary":
        return qe.BinaryQuantizationConfig(always_ram=True)
    return None


def build(path: Path, vecs: np.ndarray, args, rng) -> tuple[qe.EdgeShard, dict]:
    cfg = qe.EdgeConfig(
        vectors={"dense": qe.EdgeVectorParams(size=DIM, distance=qe.Distance.Cosine, on_disk=args.on_disk)},
        hnsw_config=qe.HnswIndexConfig(
            m=args.m, ef_construct=args.ef_construct, full_scan_threshold=10_000, payload_m=args.m
        ),
        quantization_config=quantization(args.quantization),
        optimizers=qe.EdgeOptimizersConfig(default_segment_number=2, indexing_threshold=20_000),
    )
    shard = qe.EdgeShard.create(str(path), cfg)
    shard.update(qe.UpdateOperation.create_field_index("date_key", qe.IntegerIndexParams(lookup=False, range=True)))
    shard.update(qe.UpdateOperation.create_field_index("outlets", qe.PayloadSchemaType.Keyword))
    days = rng.integers(0, 3650, len(vecs))
    outlets = rng.integers(0, OUTLETS, len(vecs))
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(0, len(vecs), 5_000):
        pts = [
            qe.Point(
                id=s + k,
                vector={"dense": vecs[s + k].tolist()},
                payload={"date_key": int(days[s + k]), "outlets": [f"o{outlets[s + k]}"]},
            )
            for k in range(min(5_000, len(vecs) - s))
        ]
        shard.update(qe.UpdateOperation.upsert_points(pts))
    t_up, c_up = time.perf_counter() - t0, time.process_time() - c0
    while shard.optimize():
        pass
    shard.flush()
    t_all, c_all = time.perf_counter() - t0, time.process_time() - c0
    info = shard.info()
    return shard, {
        "upsert_s": round(t_up, 1),
        "upsert_cpu_s": round(c_up, 1),
        "build_s": round(t_all - t_up, 1),
        "build_cpu_s": round(c_all - c_up, 1),
        "segments": info.segments_count,
        "indexed": info.indexed_vectors_count,
        "points": info.points_count,
    }


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_queries(shard, queries: np.ndarray, flt, ef: int, exact_top: list | None, k: int = 10, ignore_q=False) -> dict:
    lat, hits = [], []
    qp = qe.QuantizationSearchParams(ignore=ignore_q, rescore=True)
    for q in queries:
        req = qe.QueryRequest(
            limit=50,
            query=qe.Query.Nearest(q.tolist(), using="dense"),
            filter=flt,
            params=qe.SearchParams(hnsw_ef=ef, quantization=qp),
            with_payload=False,
        )
        t = time.perf_counter()
        res = shard.query(req)
        lat.append((time.perf_counter() - t) * 1000)
        hits.append([p.id for p in res[:k]])
    out = {"p50_ms": round(float(np.percentile(lat, 50)), 2), "p95_ms": round(float(np.percentile(lat, 95)), 2)}
    if exact_top is not None:
        out["recall@10"] = round(
            float(np.mean([len(set(h) & set(e)) / max(len(e), 1) for h, e in zip(hits, exact_top)])), 4
        )
    return out


def exact(shard, queries, flt, k: int = 10) -> list:
    out = []
    for q in queries:
        req = qe.QueryRequest(
            limit=k,
            query=qe.Query.Nearest(q.tolist(), using="dense"),
            filter=flt,
            params=qe.SearchParams(exact=True),
            with_payload=False,
        )
        out.append([p.id for p in shard.query(req)])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--vectors-from", type=Path, required=True)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construct", type=int, default=100)
    ap.add_argument("--ef", type=int, default=64)
    ap.add_argument("--quantization", choices=["none", "scalar", "binary"], default="none")
    ap.add_argument("--on-disk", action="store_true", help="original vectors on disk (mmap)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    base = real_vectors(args.vectors_from)
    vecs = synth(base, args.n, rng)
    queries = synth(base, args.queries, np.random.default_rng(1))
    root = Path(tempfile.mkdtemp(prefix="qscale-", dir=args.dir))
    try:
        shard, built = build(root / "shard", vecs, args, rng)
        del vecs
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        filters = {
            "none": None,
            "date_10pct": qe.Filter(must=[qe.FieldCondition(key="date_key", range=qe.RangeFloat(gte=0, lt=365))]),
            "date_1pct": qe.Filter(must=[qe.FieldCondition(key="date_key", range=qe.RangeFloat(gte=0, lt=36.5))]),
            "outlet_2pct": qe.Filter(must=[qe.FieldCondition(key="outlets", match=qe.MatchValue("o7"))]),
        }
        q_exact = queries[: min(50, len(queries))]
        results = {}
        for name, flt in filters.items():
            truth = exact(shard, q_exact, flt)
            r = run_queries(shard, q_exact, flt, args.ef, truth)
            r.update({k: v for k, v in run_queries(shard, queries, flt, args.ef, None).items()})
            results[name] = r
            if args.quantization != "none":  # the same graph searched on the original vectors
                r = run_queries(shard, q_exact, flt, args.ef, truth, ignore_q=True)
                r.update({k: v for k, v in run_queries(shard, queries, flt, args.ef, None, ignore_q=True).items()})
                results[name + "_unquantized"] = r
        print(json.dumps({
            "n": args.n, "dim": DIM, "m": args.m, "ef_construct": args.ef_construct, "ef": args.ef,
            "quantization": args.quantization, "on_disk": args.on_disk, "cpus": os.cpu_count(),
            "loadavg": os.getloadavg(), **built, "disk_mb": round(du(root) / 2**20, 1), "max_rss_mb": round(rss_mb, 1),
            "queries": results,
        }))  # fmt: skip
        shard.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
