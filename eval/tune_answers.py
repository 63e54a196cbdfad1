"""Tune the extractive answerer's abstention on the *tune* part of RealTime QA (question text alone).

    python eval/tune_answers.py --index index/realtimeqa [--limit 400] [--part tune]

Retrieval runs once per question (cached in ``eval/out/tune-answers/passages.pkl``); the answerer
then runs over the cached passages for every threshold, so a sweep costs seconds. Prints, per
``abstain_below``: answer contains gold (where the evidence holds it), first sentence contains
gold, false abstention, and abstention on the no-answer and filtered-out questions. Never run it
with ``--part report``: the report part is for the figures in eval/README.md only.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.answering.extractive import AnswerConfig, ExtractiveAnswerer  # noqa: E402
from rag.eval import metrics as M  # noqa: E402
from rag.eval.convert import convert_realtimeqa  # noqa: E402
from rag.eval.questions import parse_question  # noqa: E402
from rag.eval.splits import select  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "realtimeqa"


def retrieve_all(args) -> list[tuple]:
    """(question, passages, evidence body) per question, cached."""
    from rag.pipeline import RagService
    from rag.retrieval.hybrid import Filters
    from rag.settings import Settings

    cache = args.out / f"passages-{args.part}-{args.limit}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    records, _ = convert_realtimeqa(args.data)
    qs = [parse_question({k: v for k, v in r.items() if k != "as_of"}, r["id"]) for r in records]
    qs = select(qs, args.part)[: args.limit]
    service = RagService(Settings(index=args.index))
    store = service.snapshot.store
    rows = []
    for i, q in enumerate(qs):
        res = service.retriever.retrieve(q.question, top_k=8, filters=Filters(q.date_from, q.date_to, q.sources))
        bodies = [a.body for a in (store.get_article(e) for e in q.evidence_ids) if a is not None]
        weights = service.retriever.question_weights(q.question)
        rows.append((q, res.passages, bodies, weights))
        if i % 50 == 0:
            print(f"retrieved {i}/{len(qs)}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(rows))
    return rows


def score(rows: list[tuple], config: AnswerConfig) -> dict:
    out: dict[str, list[bool]] = {"contains": [], "first": [], "false_abstain": [], "no_answer": [], "filtered": []}
    out["direct_right"] = []  # of the answers led by a direct answer (evidence holds the gold): is it the gold?
    for q, passages, bodies, weights in rows:
        answerer = ExtractiveAnswerer(term_weights=lambda _q, w=weights: w, config=config)
        a = answerer.answer(q.question, passages).to_dict()
        if q.answerable:
            out["false_abstain"].append(a["abstained"])
            if any(M.contains_answer(b, q.answers) for b in bodies):
                ok = not a["abstained"]
                out["contains"].append(ok and M.contains_answer(a["answer"], q.answers))
                out["first"].append(ok and M.contains_answer(M.first_statement(a), q.answers))
                if ok and a.get("direct_answer"):
                    out["direct_right"].append(M.contains_answer(a["direct_answer"]["text"], q.answers))
        elif q.kind == "no_answer":
            out["no_answer"].append(a["abstained"])
        elif q.kind == "filtered_out":
            out["filtered"].append(a["abstained"])
    return {k: (round(sum(v) / len(v), 3), len(v)) if v else None for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "index" / "realtimeqa")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "tune-answers")
    ap.add_argument("--part", choices=["tune", "report"], default="tune")
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--thresholds", default="0.3,0.34,0.38,0.42,0.46")
    ap.add_argument("--margins", default="0.1")
    ap.add_argument(
        "--direct", default="", help="direct_min_score values to sweep for name/place spans, e.g. 0,2.2,99 (99: none)"
    )
    args = ap.parse_args(argv)
    rows = retrieve_all(args)
    base = AnswerConfig()
    for m in (float(x) for x in args.margins.split(",")):
        for t in (float(x) for x in args.thresholds.split(",")):
            r = score(rows, replace(base, abstain_below=t, untyped_margin=m))
            print(f"abstain_below={t} untyped_margin={m}: " + "; ".join(f"{k} {v}" for k, v in r.items()))
    for d in (float(x) for x in args.direct.split(",") if x):
        r = score(rows, replace(base, direct_min_score=dict.fromkeys(("entity", "place", "person"), d)))
        print(f"direct_min_score={d}: " + "; ".join(f"{k} {v}" for k, v in r.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
