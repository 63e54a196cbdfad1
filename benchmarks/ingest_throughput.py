"""Ingest throughput: the whole pipeline beside the bare encoder, on exactly the same texts.

    .venv/bin/python benchmarks/ingest_throughput.py [--limit N] [--repeat R] [--mode interleaved|alternating] [--threads 1]

The pipeline is what ``rag ingest`` does: read FA-KES JSONL → clean → chunk → embed → write SQLite/FTS/
FAISS → commit a new version, into a fresh index directory. The baseline is
``SentenceTransformer.encode`` alone over the very texts the pipeline hands its embedder (chunk texts
and, when ingest stores them, sentence texts), with the same batch size, as one call would run them:
sorted by length, cut into batches. Both sides use the same loaded, warmed model. Throughput is chunks
per second of wall time; the ratio is pipeline ÷ encoder (target ≥ 0.9).

On a shared machine the load changes from minute to minute, so the two sides are interleaved:

* ``interleaved`` (default): each of the baseline's batches runs right after the pipeline's embed()
  call that completes its texts, and its time is taken off the pipeline's clock: both sides do the same
  kind of work within seconds of each other, so a change in load hits both alike.
* ``alternating``: whole runs back to back, order alternating (P B, B P, …); medians over ``--repeat``.

Pipeline stages (timed inside one ingest by wrapping the functions it calls):
  read    read_path: parse, clean, dedupe the JSONL
  chunk   sentence splitting + token counting + chunk packing (chunk_article, sentence_spans)
  embed   the embedder's embed() calls (the model itself, batched as ingest batches)
  write   the rest of ingest: copy-on-write setup, hashing, SQLite/FTS inserts, FAISS adds
  commit  IndexWriter._commit: FAISS save, fsync, checksums, manifest, CURRENT swap

It also counts the token positions each side makes the model compute (padding included), a
noise-free measure of encoder work: where that differs, the batching differs.

The pipeline runs with ``sentence_mode="alone"`` (every sentence through embed()) so that the bare
encoder can run exactly its texts; what pooling sentence vectors from the chunk pass (the default)
saves on top is measured by ``benchmarks/sentence_vectors.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "fa-kes" / "fa-kes-articles.jsonl"
WINDOW = 256  # MiniLM reads 256 positions, [CLS] and [SEP] included

import importlib  # noqa: E402

# not `import rag.ingest as ...`: the package binds the name `rag.ingest` to the function
ingest_mod = importlib.import_module("rag.ingest")
from rag.embedding import HashEmbedder  # noqa: E402
from rag.readers import read_path  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.store import index_dir  # noqa: E402


class Stopwatch:
    """Wall time (``t``) and this process's CPU time (``c``) per stage."""

    def __init__(self):
        self.t: dict[str, float] = {}
        self.c: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, stage: str):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.t[stage] = self.t.get(stage, 0.0) + time.perf_counter() - t0
            self.c[stage] = self.c.get(stage, 0.0) + time.process_time() - c0

    def wrap(self, stage: str, fn):
        def timed(*a, **kw):
            with self(stage):
                return fn(*a, **kw)

        return timed


def token_counter(embedder):
    """``embedder.count_tokens``, or, when an earlier encode() has changed it (rag/embedding.py shares
    the model's tokenizer, which encode() sets to pad and truncate), the same count on a private
    copy, so chunking is what a fresh ``rag ingest`` process does. Returns (counter, note or None)."""
    if embedder.count_tokens(["Short one.", "A longer sentence with quite a few more words."]) == [3, 10]:
        return embedder.count_tokens, None
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(embedder._model.tokenizer.backend_tokenizer.to_str())
    tok.no_truncation()
    tok.no_padding()
    return (
        (lambda texts: [len(e.ids) - 2 for e in tok.encode_batch(list(texts))] if texts else []),
        "embedder.count_tokens changes after encode() (rag/embedding.py shares the tokenizer); "
        "counting on a private copy, as a fresh `rag ingest` would",
    )


def encode_batches(texts: list[str], batch_size: int) -> list[list[str]]:
    """How one ``SentenceTransformer.encode`` call batches ``texts``: longest first (by characters)."""
    order = sorted(texts, key=len, reverse=True)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def positions(batches: list[list[str]], n_tokens: dict[str, int]) -> list[int]:
    """Token positions computed per batch: each is padded to its longest member."""
    return [len(b) * max(n_tokens[t] for t in b) for b in batches]


class Recorder:
    """Stands in for the embedder inside ingest: times and records each embed() call, and (when
    given a baseline) runs the baseline's batches in step with the pipeline's progress, off its clock."""

    def __init__(self, real, count_tokens, watch: Stopwatch, baseline=None):
        self.real, self.model_id, self.dim = real, real.model_id, real.dim
        self.count_tokens = count_tokens
        self.watch = watch
        self.calls: list[list[str]] = []
        self.baseline = baseline

    def embed(self, texts):
        self.calls.append(list(texts))
        with self.watch("embed"):
            out = self.real.embed(texts)
        if self.baseline is not None:
            with self.watch("baseline"):
                self.baseline.step(self.calls[-1])
        return out


class InterleavedBaseline:
    """The bare encoder's batches, each run right after the pipeline's embed() call that completes
    its texts: both sides then do the same kind of work (long chunk texts, short sentences) within
    seconds of each other, so a change in the machine's load hits both alike."""

    def __init__(self, model, batches: list[list[str]], calls: list[list[str]], batch_size: int, precision: str):
        self.model, self.batch_size, self.precision = model, batch_size, precision
        last_call = {t: i for i, c in enumerate(calls) for t in c}
        self.due: dict[int, list[list[str]]] = {}
        for b in batches:
            self.due.setdefault(max(last_call[t] for t in b), []).append(b)
        self.call = 0
        self.seconds = 0.0
        self.cpu = 0.0

    def step(self, pipeline_call: list[str]) -> None:
        for batch in self.due.pop(self.call, []):
            self._run(batch)
        self.call += 1

    def finish(self) -> None:
        for call in sorted(self.due):
            for batch in self.due.pop(call):
                self._run(batch)

    def _run(self, batch: list[str]) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        encode(self.model, batch, self.batch_size, self.precision)
        self.seconds += time.perf_counter() - t0
        self.cpu += time.process_time() - c0


def subset_file(data: Path, limit: int | None, tmp: Path) -> tuple[Path, int]:
    """The first lines of ``data`` that hold ``limit`` ingestible articles (all when None)."""
    if limit is None:
        return data, len(read_path(data).articles)
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    lo, hi = 1, len(lines)
    out = tmp / data.name
    while lo < hi:  # smallest prefix with >= limit articles (exact duplicates are skipped by the reader)
        mid = (lo + hi) // 2
        out.write_text("".join(lines[:mid]), encoding="utf-8")
        if len(read_path(out).articles) >= limit:
            hi = mid
        else:
            lo = mid + 1
    out.write_text("".join(lines[:lo]), encoding="utf-8")
    return out, len(read_path(out).articles)


def run_pipeline(src: Path, index: Path, embedder, count_tokens, settings: Settings, baseline=None) -> dict:
    watch = Stopwatch()
    rec = Recorder(embedder, count_tokens, watch, baseline)
    patches = {
        (ingest_mod, "chunk_article"): watch.wrap("chunk", ingest_mod.chunk_article),
        (index_dir.IndexWriter, "_commit"): watch.wrap("commit", index_dir.IndexWriter._commit),
    }
    if hasattr(ingest_mod, "sentence_spans"):
        patches[(ingest_mod, "sentence_spans")] = watch.wrap("chunk", ingest_mod.sentence_spans)
    saved = {k: getattr(*k) for k in patches}
    shutil.rmtree(index, ignore_errors=True)
    try:
        for (obj, name), fn in patches.items():
            setattr(obj, name, fn)
        t0, c0 = time.perf_counter(), time.process_time()
        with watch("read"):
            res = read_path(src)
        with watch("ingest"):
            report = ingest_mod.ingest(
                res.articles,
                index,
                rec,
                faiss_factory=settings.faiss_factory,
                chunk_tokens=settings.chunk_tokens,
                overlap=settings.chunk_overlap_sentences,
                batch_size=settings.embed_batch_size,
                skipped=res.skipped,
                sentence_mode="alone",  # every text through embed(), so the bare encoder can run the same
            )
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        for (obj, name), fn in saved.items():
            setattr(obj, name, fn)
    t = watch.t
    other = t.get("chunk", 0.0) + t.get("embed", 0.0) + t.get("commit", 0.0) + t.get("baseline", 0.0)
    stages = {
        "read": t["read"],
        "chunk": t.get("chunk", 0.0),
        "embed": t.get("embed", 0.0),
        "write": t["ingest"] - other,
        "commit": t.get("commit", 0.0),
    }
    d = report.to_dict()
    return {
        "total": total - t.get("baseline", 0.0),
        "cpu": cpu - watch.c.get("baseline", 0.0),
        "stages": stages,
        "calls": rec.calls,
        "texts": [x for c in rec.calls for x in c],
        "chunks": d["chunks_embedded"],
        "articles": d["added"],
        "sentences": d.get("sentences_embedded", 0),
    }


def dry_run(src: Path, index: Path, embedder, count_tokens, settings: Settings) -> list[list[str]]:
    """The pipeline's embed() calls, found with a fake embedder (chunking is the same, and cheap)."""
    fake = HashEmbedder(dim=embedder.dim, model_id=embedder.model_id)
    fake.count_tokens = count_tokens
    calls: list[list[str]] = []
    real_embed = fake.embed
    fake.embed = lambda texts: (calls.append(list(texts)), real_embed(texts))[1]
    shutil.rmtree(index, ignore_errors=True)
    res = read_path(src)
    ingest_mod.ingest(
        res.articles,
        index,
        fake,
        faiss_factory=settings.faiss_factory,
        chunk_tokens=settings.chunk_tokens,
        overlap=settings.chunk_overlap_sentences,
        batch_size=settings.embed_batch_size,
        skipped=res.skipped,
        sentence_mode="alone",
    )
    shutil.rmtree(index, ignore_errors=True)
    return calls


def encode(model, texts: list[str], batch_size: int, precision: str) -> None:
    """One bare ``encode`` call, in the number format the pipeline's embedder computes in."""
    from rag.embed_precision import computing_in

    with computing_in(precision):
        model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )


def run_encoder(model, texts: list[str], batch_size: int, precision: str) -> tuple[float, float]:
    """Wall and process CPU seconds of one ``encode`` call over ``texts``."""
    t0, c0 = time.perf_counter(), time.process_time()
    encode(model, texts, batch_size, precision)
    return time.perf_counter() - t0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="articles (default: all 792)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each side")
    ap.add_argument("--mode", choices=("interleaved", "alternating"), default="interleaved")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="FA-KES JSONL (or any JSONL of reports)")
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads (default: torch's own); with 1, CPU time is a load-proof measure",
    )
    ap.add_argument("--json", action="store_true", help="also print one JSON object of the results")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"error: {args.data} not found", file=sys.stderr)
        return 2

    import torch

    from rag.embedding import load_embedder

    if args.threads:
        torch.set_num_threads(args.threads)
    settings = Settings()
    bs = settings.embed_batch_size
    t0 = time.perf_counter()
    embedder = load_embedder(settings.embedding_model, bs, settings.embed_precision)
    model = embedder._model
    embedder.embed(["Warm-up: the model runs once before anything is timed."] * 8)
    counter, note = token_counter(embedder)
    load_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmpd:
        tmp = Path(tmpd)
        src, n_articles = subset_file(args.data, args.limit, tmp)
        print(
            f"data: {args.data.name}, {n_articles} articles; model {embedder.model_id} ({embedder.precision}; loaded and warmed in "
            f"{load_s:.1f} s, outside timing); torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}; "
            f"batch size {bs}; mode {args.mode}"
        )
        if note:
            print(f"note: {note}")
        calls = dry_run(src, tmp / "index", embedder, counter, settings)
        texts = [t for c in calls for t in c]
        n_tokens = {t: min(WINDOW, c + 2) for t, c in zip(texts, counter(texts))}
        base_batches = encode_batches(texts, bs)
        pipe_work = sum(sum(positions(encode_batches(c, bs), n_tokens)) for c in calls)
        base_work = sum(positions(base_batches, n_tokens))

        pipes: list[dict] = []
        encs: list[float] = []
        enc_cpu: list[float] = []
        for r in range(args.repeat):
            if args.mode == "interleaved":
                base = InterleavedBaseline(model, base_batches, calls, bs, embedder.precision)
                p = run_pipeline(src, tmp / "index", embedder, counter, settings, baseline=base)
                base.finish()
                pipes.append(p)
                encs.append(base.seconds)
                enc_cpu.append(base.cpu)
                print(
                    f"  run {r + 1}: pipeline {p['total']:7.1f} s, encoder {base.seconds:7.1f} s (interleaved)",
                    flush=True,
                )
            else:
                for side in ("pipeline", "encoder") if r % 2 == 0 else ("encoder", "pipeline"):
                    if side == "pipeline":
                        pipes.append(run_pipeline(src, tmp / "index", embedder, counter, settings))
                    else:
                        wall, cpu = run_encoder(model, texts, bs, embedder.precision)
                        encs.append(wall)
                        enc_cpu.append(cpu)
                    print(
                        f"  run {r + 1}: {side:8s} {pipes[-1]['total'] if side == 'pipeline' else encs[-1]:7.1f} s",
                        flush=True,
                    )
            if pipes[-1]["texts"] != texts:
                print("error: the pipeline embedded other texts than its dry run", file=sys.stderr)
                return 1

    p = min(pipes, key=lambda x: x["total"])
    chunks, n_texts = p["chunks"], len(texts)
    pipe_s = statistics.median(x["total"] for x in pipes)
    enc_s = statistics.median(encs)
    ratio = enc_s / pipe_s
    print(
        f"texts embedded per run: {n_texts} = {chunks} chunks + {p['sentences']} sentences "
        f"({len(calls)} embed() calls); {p['articles']} articles"
    )
    for label, secs in (
        (f"encoder  (encode only, same texts, batch {bs})", enc_s),
        ("pipeline (read → commit)", pipe_s),
    ):
        print(f"{label:<44} {secs:7.1f} s  {chunks / secs:6.2f} chunks/s  {n_texts / secs:6.1f} texts/s")
    cpu_ratio = statistics.median(enc_cpu) / statistics.median(x["cpu"] for x in pipes)
    print(f"ratio pipeline/encoder: {ratio:.3f}  (target >= 0.9; wall time, median of {args.repeat} run(s) each)")
    print(
        f"ratio by process CPU time: {cpu_ratio:.3f}  (encoder {statistics.median(enc_cpu):.1f} s, pipeline "
        f"{statistics.median(x['cpu'] for x in pipes):.1f} s; with --threads 1 other load barely moves it)"
    )
    total = sum(p["stages"].values())
    print("pipeline stages: " + ", ".join(f"{k} {v:.2f} s ({100 * v / total:.1f}%)" for k, v in p["stages"].items()))
    print(f"embed stage {p['stages']['embed']:.1f} s vs bare encoder {min(encs):.1f} s on the same texts")
    print(
        f"token positions the model computes (padding included): pipeline {pipe_work}, encoder {base_work} "
        f"({pipe_work / base_work:.2f}x); without padding {sum(n_tokens[t] for t in texts)}"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "articles": p["articles"],
                    "chunks": chunks,
                    "texts": n_texts,
                    "mode": args.mode,
                    "encoder_s": encs,
                    "pipeline_s": [x["total"] for x in pipes],
                    "ratio": ratio,
                    "encoder_cpu_s": enc_cpu,
                    "pipeline_cpu_s": [x["cpu"] for x in pipes],
                    "cpu_ratio": cpu_ratio,
                    "stages": p["stages"],
                    "positions": {"pipeline": pipe_work, "encoder": base_work},
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
