"""Fit the learned ranking stage (rag/retrieval/ranker.py) on the ``tune`` part; report on ``report``.

    python eval/train_ranker.py --index INDEX [--questions FILE] [--out FILE]
                                [--limit N] [--data ../shared/data/realtimeqa]

For every answerable question with evidence, the retriever produces exactly the head the ranker
sees when serving (``Retriever.candidates``: both searches, fused, the first ``rerank_depth``
with their sentences' cosines), and ``features.passage_features`` turns it into rows; a row is
positive when its article is the question's evidence. A logistic regression (scikit-learn) is
fitted on the question-alone view of the tune part, its regularisation chosen by two-fold
cross-validation inside the tune part (by MRR@10); then ``date_scale`` (how much the window and
recency bonuses count against the model's log-odds) is chosen on the tune part asked with
``as_of``. The report part is scored once, at the end, and written beside the weights.
Features never name a passage or a question, so nothing can be memorised.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.embedding import load_embedder  # noqa: E402
from rag.eval import metrics as M  # noqa: E402
from rag.eval.questions import EvalQuestion, load_questions  # noqa: E402
from rag.eval.splits import split_of  # noqa: E402
from rag.retrieval.features import FEATURES, passage_features  # noqa: E402
from rag.retrieval.hybrid import Filters, RetrievalConfig, Retriever  # noqa: E402
from rag.retrieval.query import parse_query  # noqa: E402
from rag.retrieval.ranker import LinearModel, weights_path  # noqa: E402
from rag.store import IndexSnapshot  # noqa: E402

C_GRID = (0.01, 0.1, 1.0, 10.0)
DATE_GRID = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
DEPTH = 30  # ranked passages scored, as rag eval does


@dataclass(slots=True)
class Head:
    """One question's candidates as the ranker sees them."""

    x: np.ndarray  # features
    y: np.ndarray  # 1 where the passage's article is evidence
    dates: np.ndarray  # window + recency bonus
    fused: np.ndarray  # the order before re-ranking (fused + date score)
    articles: list[str]
    tail: list[str]  # articles of the candidates after the head, in order
    evidence: list[str]


def heads(retriever: Retriever, questions: list[EvalQuestion], vectors: np.ndarray, as_of: bool) -> list[Head]:
    depth = retriever.config.rerank_depth
    out = []
    for q, v in zip(questions, vectors):
        passages, _, _ = retriever.candidates(
            q.question, DEPTH, Filters(q.date_from, q.date_to, q.sources), q.as_of if as_of else None, None, v, depth
        )
        head = passages[:depth]
        x = passage_features(parse_query(q.question), head, retriever.idf, retriever.config.candidates)
        out.append(
            Head(
                x=x,
                y=np.array([p.article_id in q.evidence_ids for p in head], dtype=bool),
                dates=np.array([p.scores.get("window", 0.0) + p.scores.get("recency", 0.0) for p in head]),
                fused=np.array([p.score for p in head]),
                articles=[p.article_id for p in head],
                tail=[p.article_id for p in passages[depth:]],
                evidence=list(q.evidence_ids),
            )
        )
    return out


def scores_of(hs: list[Head], score) -> dict[str, float]:
    """Mean retrieval metrics when each head is ordered by ``score(head)`` (rag eval's definitions)."""
    rows = []
    for h in hs:
        order = np.argsort(-score(h), kind="stable")
        ranked = [h.articles[i] for i in order] + h.tail
        rows.append(M.retrieval_scores(ranked[:DEPTH], h.evidence))
    return {k: round(M.mean(r[k] for r in rows), 4) for k in rows[0]} if rows else {}


def fit(hs: list[Head], c: float) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    use = [h for h in hs if h.y.any()]  # a head without its evidence teaches nothing about order
    x = np.vstack([h.x for h in use])
    y = np.concatenate([h.y for h in use])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit((x - mean) / scale, y)
    return LinearModel(FEATURES, mean, scale, lr.coef_[0], float(lr.intercept_[0]))


def model_score(model: LinearModel, date_scale: float | None = None):
    ds = model.date_scale if date_scale is None else date_scale
    return lambda h: model.decision(h.x) + ds * h.dates


def choose_c(hs: list[Head]) -> tuple[float, dict]:
    """Two-fold cross-validation inside the tune part: the C with the best mean MRR@10."""
    a, b = hs[::2], hs[1::2]
    cv = {}
    for c in C_GRID:
        sa, sb = scores_of(b, model_score(fit(a, c))), scores_of(a, model_score(fit(b, c)))
        cv[c] = {k: round((sa[k] + sb[k]) / 2, 4) for k in sa}
        print(f"  C={c}: cross-validated on tune {cv[c]}", file=sys.stderr)
    best = max(C_GRID, key=lambda c: cv[c]["mrr@10"])
    return best, cv[best]


def choose_date_scale(model: LinearModel, hs: list[Head]) -> float:
    results = {d: scores_of(hs, model_score(model, d)) for d in DATE_GRID}
    for d, r in results.items():
        print(f"  date_scale={d}: tune +as_of {r}", file=sys.stderr)
    return max(DATE_GRID, key=lambda d: (results[d]["recall@5"], results[d]["mrr@10"]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "index" / "realtimeqa")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "out" / "realtimeqa-questions.jsonl")
    ap.add_argument("--out", type=Path, help="default: the shipped weights for the index's embedding model")
    ap.add_argument("--limit", type=int, help="only the first N questions of the file")
    args = ap.parse_args(argv)
    if not args.questions.is_file():
        print(f"no question file {args.questions}: run eval/convert_realtimeqa.py first", file=sys.stderr)
        return 2
    qs = [q for q in load_questions(args.questions, args.limit) if q.answerable and q.evidence_ids]
    snap = IndexSnapshot.open(args.index)
    args.out = args.out or weights_path(snap.manifest.embedding_model)
    embedder = load_embedder(snap.manifest.embedding_model)
    retriever = Retriever(snap, embedder, RetrievalConfig(rerank=False))  # not the weights being replaced
    parts = {p: [q for q in qs if split_of(q.id) == p] for p in ("tune", "report")}
    vecs = {p: embedder.embed([q.question for q in parts[p]]) for p in parts}
    print(f"{len(parts['tune'])} tune, {len(parts['report'])} report questions", file=sys.stderr)
    tune = heads(retriever, parts["tune"], vecs["tune"], as_of=False)
    c, cv = choose_c(tune)
    model = fit(tune, c)
    tune_dated = heads(retriever, parts["tune"], vecs["tune"], as_of=True)
    model = LinearModel(**{**_fields(model), "date_scale": choose_date_scale(model, tune_dated)})
    report = {}
    for dated in (False, True):
        hs = heads(retriever, parts["report"], vecs["report"], as_of=dated)
        name = "+as_of" if dated else "question alone"
        report[name] = {"fused": scores_of(hs, lambda h: h.fused), "learned": scores_of(hs, model_score(model))}
    out = {
        **model.to_dict(),
        "C": c,
        "trained_on": {
            "part": "tune",
            "questions": len(tune),
            "questions_file": args.questions.name,
            "index_articles": snap.manifest.articles,
            "embedding_model": snap.manifest.embedding_model,
        },
        "cross_validated_on_tune": cv,
        "report_part": report,
    }
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"C": c, "date_scale": model.date_scale, "cv_tune": cv, "report": report}, indent=1))
    return 0


def _fields(m: LinearModel) -> dict:
    return {k: getattr(m, k) for k in ("features", "mean", "scale", "coef", "intercept", "date_scale")}


if __name__ == "__main__":
    sys.exit(main())
