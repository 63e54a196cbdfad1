"""Run an eval question set through a ``RagService``: retrieval ablations plus answers via ``ask``.

Answers go through ``RagService.ask`` and ``Answer.to_dict`` (exactly what ``POST /ask`` returns);
the retrieval ablations call ``service.retriever.retrieve`` with one batch of query vectors.
Nothing here is random, and every list is kept in question-file order, so two runs over the same
index give the same ``results.json``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import metrics as M
from .questions import EvalQuestion

# (name, mode, re-ranking stage or None): keyword and dense alone, fused, fused + the sentence
# rescoring (rerank.py), fused + the learned ranker (ranker.py, the service default)
ABLATIONS: tuple[tuple[str, str, str | None], ...] = (
    ("keyword", "keyword", None),
    ("dense", "dense", None),
    ("hybrid", "hybrid", None),
    ("hybrid+rescore", "hybrid", "sentence"),
    ("hybrid+learned", "hybrid", "learned"),
)
_STAGE_SUFFIX = {"sentence": "+rescore", "learned": "+learned"}
SWEEP = tuple(round(0.25 + 0.05 * i, 2) for i in range(11))  # abstain thresholds 0.25 … 0.75


@dataclass(slots=True)
class EvalConfig:
    top_k: int = 8  # passages per answer, as the API's default
    retrieval_depth: int = 30  # passages fetched for ranking metrics (≥ 10 articles after de-dup)
    ablations: bool = True
    show_failures: int = 60  # failed questions listed in report.md


Progress = Callable[[int, str], object]  # (total, description) -> a tqdm-like bar


class _NoBar:
    def update(self, n: int = 1) -> None: ...
    def close(self) -> None: ...


def _bar(progress: Progress | None, total: int, desc: str):
    return progress(total, desc) if progress else _NoBar()


def _ablation_name(mode: str, stage: str | None, as_of: bool) -> str:
    name = mode + _STAGE_SUFFIX.get(stage, f"+{stage}") if stage else mode
    return f"{name} +as_of" if as_of else name


def _passes_filters(p: dict, q: EvalQuestion) -> bool:
    """Does a returned passage respect the question's filters and its as_of bound? (Outlets match
    case-insensitively, or as one part of a combined "A/B/C" source line.)"""
    if q.sources:
        src = (p.get("source") or "").lower()
        if not any(s.lower() == src or s.lower() in src.split("/") for s in q.sources):
            return False
    if not (q.date_from or q.date_to or q.as_of):
        return True
    date = p.get("date")
    if date is None:
        return False
    upper = min(d for d in (q.date_to, q.as_of) if d) if (q.date_to or q.as_of) else None
    return not ((q.date_from and date < q.date_from) or (upper and date > upper))


def _answer_support(service) -> Callable[[str, Sequence], float | None] | None:
    """The live answerer's decision score (what it compares with ``abstain_below``), or None when the
    answerer has no ``decision`` (not the extractive one)."""

    def best(question: str, passages: Sequence) -> float | None:
        answerer = getattr(service, "_answerer_live", None)
        if answerer is None or not hasattr(answerer, "decision"):
            return None
        try:
            return round(float(answerer.decision(question, passages)), 4)
        except (AttributeError, TypeError):  # the answerer changed shape: no score, no sweep
            return None

    return best


def _cosine(service) -> M.Cosine:
    cache: dict[str, np.ndarray] = {}

    def vec(text: str) -> np.ndarray:
        if text not in cache:
            cache[text] = service.embedder.embed([text])[0]
        return cache[text]

    return lambda a, b: float(vec(a) @ vec(b))


def run_eval(
    service, questions: Sequence[EvalQuestion], config: EvalConfig | None = None, progress: Progress | None = None
) -> dict:
    """All metrics and per-question records for ``questions`` against ``service``'s index."""
    config = config or EvalConfig()
    records = _ask_all(service, questions, config, progress)
    retrieval, default_name = _retrieval_ablations(service, questions, records, config, progress)
    return {
        "summary": summarise(records, questions),
        "retrieval": retrieval,
        "default_ablation": default_name if default_name in retrieval else None,
        "answers": answer_metrics(records),
        "citations": citation_metrics(records),
        "abstention": M.abstention_summary(records),
        "threshold_sweep": threshold_sweep(records, service.answer_config.abstain_below),
        "failures": failure_summary(records),
        "config": _config_summary(service, config),
        "questions": records,
    }


def _config_summary(service, config: EvalConfig) -> dict:
    """The settings and index a run used, as recorded in ``results.json``."""
    return {
        "top_k": config.top_k,
        "retrieval_depth": config.retrieval_depth,
        "ablations": config.ablations,
        "show_failures": config.show_failures,
        "abstain_below": service.answer_config.abstain_below,
        "support_threshold": M.SUPPORT_THRESHOLD,
        "index_version": service.snapshot.version,
        "index_articles": service.snapshot.manifest.articles,
        "embedding_model": service.snapshot.manifest.embedding_model,
    }


def _body_lookup(store) -> Callable[[str], str | None]:
    """An article's body by id (None when the index lacks it), each fetched once."""
    bodies: dict[str, str | None] = {}

    def body_of(article_id: str) -> str | None:
        if article_id not in bodies:
            a = store.get_article(article_id)
            bodies[article_id] = a.body if a is not None else None
        return bodies[article_id]

    return body_of


def _ask_all(service, questions: Sequence[EvalQuestion], config: EvalConfig, progress: Progress | None) -> list[dict]:
    """One record per question, answered through the same path as ``POST /ask``."""
    from ..pipeline import AskRequest
    from ..retrieval.hybrid import Filters

    body_of = _body_lookup(service.snapshot.store)
    support_of = _answer_support(service)
    cosine = _cosine(service)
    records: list[dict] = []
    bar = _bar(progress, len(questions), "asking")
    for q in questions:
        filters = Filters(q.date_from, q.date_to, q.sources)
        answer = service.ask(AskRequest(question=q.question, top_k=config.top_k, filters=filters, as_of=q.as_of))
        out = answer.to_dict()
        records.append(_record(q, out, answer, body_of, support_of, cosine))
        bar.update(1)
    bar.close()
    return records


def _ablation_runs(
    default_mode: str, default_stage: str | None, ablations: bool, any_as_of: bool
) -> list[tuple[str, str | None, bool]]:
    """The retrieval runs as (mode, re-ranking stage, with as_of): every ablation, each also with the
    questions' as_of bounds when any has one; or only the service's default (with as_of when any has one)."""
    if not ablations:
        return [(default_mode, default_stage, any_as_of)]
    variants = [(m, r) for _, m, r in ABLATIONS]
    return [(m, r, a) for m, r in variants for a in ((False, True) if any_as_of else (False,))]


def _retrieval_ablations(
    service, questions: Sequence[EvalQuestion], records: list[dict], config: EvalConfig, progress: Progress | None
) -> tuple[dict[str, dict], str]:
    """Ranking metrics per retrieval run over the answerable questions with evidence (each record gets its
    ranks under ``retrieval``), and the name the service's default configuration has among them."""
    targets = [(i, q) for i, q in enumerate(questions) if q.answerable and q.evidence_ids]
    default = service.retriever.config
    default_stage = default.reranker if default.rerank else None
    any_as_of = any(q.as_of for _, q in targets)
    runs = _ablation_runs(default.mode, default_stage, config.ablations, any_as_of)
    vectors: np.ndarray = (
        service.embedder.embed([q.question for _, q in targets]) if targets else np.empty((0, 0), dtype=np.float32)
    )
    bar = _bar(progress, len(runs) * len(targets), "retrieval ablations")
    retrieval: dict[str, dict] = {}
    for mode, stage, with_as_of in runs:
        name = _ablation_name(mode, stage, with_as_of)
        rows = []
        for j, (i, q) in enumerate(targets):
            as_of = q.as_of if with_as_of else None
            scores, ranks = _retrieve_one(service, q, vectors[j], mode, stage, as_of, config.retrieval_depth)
            records[i].setdefault("retrieval", {})[name] = {
                "ranks": ranks,
                **{k: round(v, 4) for k, v in scores.items()},
            }
            rows.append((scores, ranks, len(set(q.evidence_ids))))
            bar.update(1)
        retrieval[name] = _ablation_summary(mode, stage, with_as_of, rows)
    bar.close()
    return retrieval, _ablation_name(default.mode, default_stage, any_as_of)


def _retrieve_one(
    service, q: EvalQuestion, vector: np.ndarray, mode: str, stage: str | None, as_of: str | None, depth: int
) -> tuple[dict[str, float], list[int]]:
    """One question's ranking scores and the (1-based, article-level) ranks of its evidence."""
    from ..retrieval.hybrid import Filters

    res = service.retriever.retrieve(
        q.question,
        top_k=depth,
        filters=Filters(q.date_from, q.date_to, q.sources),
        as_of=as_of,
        mode=mode,
        rerank=stage is not None,
        reranker=stage,
        query_vector=vector,
    )
    ranked = M.dedupe_articles(p.article_id for p in res.passages)
    scores = M.retrieval_scores(ranked, q.evidence_ids)
    ranks = sorted(ranked.index(e) + 1 for e in set(q.evidence_ids) if e in ranked)
    return scores, ranks


def _ablation_summary(
    mode: str, stage: str | None, with_as_of: bool, rows: list[tuple[dict[str, float], list[int], int]]
) -> dict:
    """Mean ranking metrics of one retrieval run, with its recall curve over the first ten articles."""
    curve = [M.mean(sum(r <= k for r in ranks) / n for _, ranks, n in rows) for k in range(1, 11)]
    return {
        "mode": mode,
        "rescore": stage is not None,
        "reranker": stage,
        "as_of": with_as_of,
        "n": len(rows),
        **{k: M.mean(s[k] for s, _, _ in rows) for k in [f"recall@{k}" for k in M.RECALL_KS] + ["mrr@10", "ndcg@10"]},
        "recall_curve": curve,
    }


def _record(q: EvalQuestion, out: dict, answer, body_of, support_of, cosine) -> dict:
    passages = out["passages"]
    ranked = M.dedupe_articles(p["article_id"] for p in passages)
    top3: list[dict] = []
    for p in passages:
        if p["article_id"] not in {t["article_id"] for t in top3}:
            top3.append({"article_id": p["article_id"], "title": p["title"], "date": p["date"]})
        if len(top3) == 3:
            break
    evidence_bodies = [b for b in (body_of(e) for e in q.evidence_ids) if b is not None]
    rec: dict = {
        **q.to_dict(),
        "abstained": bool(out["abstained"]),
        "answer": out["answer"],
        "citations": [{k: c[k] for k in ("n", "article_id", "chunk_id", "start", "end")} for c in out["citations"]],
        "top3": top3,
        "answer_evidence_rank": M.first_rank(ranked, q.evidence_ids) if q.evidence_ids else None,
        "evidence_missing": [e for e in q.evidence_ids if body_of(e) is None],
        "evidence_contains_gold": (
            any(M.contains_answer(b, q.answers) for b in evidence_bodies) if q.answerable and evidence_bodies else None
        ),
        "contains_gold": (
            bool(q.answerable and not out["abstained"] and M.contains_answer(out["answer"], q.answers))
            if q.answerable
            else None
        ),
        "first_contains_gold": (
            bool(q.answerable and not out["abstained"] and M.contains_answer(M.first_statement(out), q.answers))
            if q.answerable
            else None
        ),
        "answer_words": None if out["abstained"] else M.word_count(out["answer"]),
        "grounding": None if out["abstained"] else out.get("grounding"),
        "support_best": support_of(answer.rewritten_question or q.question, answer.passages) if support_of else None,
        "invalid_citations": M.citation_problems(out, body_of),
        "filter_violations": [p["article_id"] for p in passages if not _passes_filters(p, q)],
        "evidence_leaked": (
            sorted({p["article_id"] for p in passages} & set(q.evidence_ids)) if q.kind == "filtered_out" else []
        ),
    }
    if not out["abstained"]:
        cq = M.citation_quality(out, body_of, cosine)
        rec["citation_recall"], rec["citation_precision"] = cq["recall"], cq["precision"]
        rec["claims"], rec["uncited_claims"] = cq["claims"], cq["uncited_claims"]
        rec["claim_support"] = [c["support"] for c in cq["claim_results"]]
        rec["claim_methods"] = [c["method"] for c in cq["claim_results"]]
    rec["failure"] = classify_failure(rec)
    return rec


def classify_failure(r: dict) -> str | None:
    """One label per failed question (None when it passed)."""
    if r["invalid_citations"]:
        return "invalid citation"
    if r["filter_violations"] or r["evidence_leaked"]:
        return "filter not respected"
    if not r["answerable"]:
        return None if r["abstained"] else f"answered an unanswerable question ({r['kind']})"
    if r["contains_gold"]:
        return None
    retrieved = r["answer_evidence_rank"] is not None
    if not r["evidence_ids"]:
        return "abstained (no evidence id)" if r["abstained"] else "gold answer missing (no evidence id)"
    if r["abstained"]:
        if not retrieved:
            return "false abstention, evidence not retrieved"
        holds = "holds" if r["evidence_contains_gold"] else "lacks"
        return f"false abstention, evidence retrieved (its text {holds} the gold answer)"
    if not retrieved:
        return "answered without the evidence (retrieval miss)"
    if r["evidence_contains_gold"]:
        return "evidence retrieved, gold-bearing sentence not quoted"
    return "evidence retrieved, but its text lacks the gold answer"


def summarise(records: Sequence[dict], questions: Sequence[EvalQuestion]) -> dict:
    kinds = Counter(r["kind"] for r in records)
    ans = [r for r in records if r["answerable"]]
    return {
        "questions": len(records),
        "by_kind": dict(sorted(kinds.items())),
        "answerable_with_evidence": sum(1 for r in ans if r["evidence_ids"]),
        "answerable_without_evidence": sum(1 for r in ans if not r["evidence_ids"]),
        "evidence_missing_from_index": sum(1 for r in records if r["evidence_missing"]),
        "with_as_of": sum(1 for q in questions if q.as_of),
        "with_filters": sum(1 for q in questions if q.has_filters),
    }


def answer_metrics(records: Sequence[dict]) -> dict:
    ans = [r for r in records if r["answerable"]]
    subset = [r for r in ans if r["evidence_contains_gold"]]
    answered = [r for r in ans if not r["abstained"]]
    return {
        "answerable": len(ans),
        "contains_gold": M.rate(r["contains_gold"] for r in ans),
        "evidence_has_gold": len(subset),
        "contains_gold_evidence_has_gold": M.rate(r["contains_gold"] for r in subset),
        "contains_gold_when_answered": M.rate(r["contains_gold"] for r in answered),
        "first_contains_gold": M.rate(r["first_contains_gold"] for r in ans),
        "first_contains_gold_evidence_has_gold": M.rate(r["first_contains_gold"] for r in subset),
        "answer_words_median": M.median(r["answer_words"] for r in answered),
        "answer_words_mean": M.mean(r["answer_words"] for r in answered),
        "grounding_mean": M.mean(r["grounding"] for r in records if r["grounding"] is not None),
        "evidence_in_answer_passages": M.rate(r["answer_evidence_rank"] is not None for r in ans if r["evidence_ids"]),
    }


def citation_metrics(records: Sequence[dict]) -> dict:
    answered = [r for r in records if not r["abstained"]]
    ans = [r for r in answered if r["answerable"]]
    return {
        "answers_with_citations_checked": len(answered),
        "claims": sum(r["claims"] for r in answered),
        "uncited_claims": sum(r["uncited_claims"] for r in answered),
        "citation_recall": M.mean(r["citation_recall"] for r in answered),
        "citation_precision": M.mean(r["citation_precision"] for r in answered),
        "citation_recall_answerable": M.mean(r["citation_recall"] for r in ans),
        "citation_precision_answerable": M.mean(r["citation_precision"] for r in ans),
        "verbatim_claims": sum(r["claim_methods"].count("verbatim") for r in answered),
        "invalid_citations": sum(len(r["invalid_citations"]) for r in records),
        "answers_with_invalid_citations": sum(1 for r in records if r["invalid_citations"]),
        "filter_violations": sum(len(r["filter_violations"]) for r in records),
        "evidence_leaks": sum(len(r["evidence_leaked"]) for r in records),
    }


def threshold_sweep(records: Sequence[dict], current: float) -> list[dict]:
    """What abstaining below each threshold would give (the answerer abstains exactly when its best
    support is below ``abstain_below``; containment assumes the answers themselves are unchanged)."""
    scored = [r for r in records if r["support_best"] is not None]
    if not scored or any(r["abstained"] != (r["support_best"] < current) for r in scored):
        return []  # no score, or it does not decide abstention the way assumed: no sweep
    ans = [r for r in scored if r["answerable"]]
    un = [r for r in scored if not r["answerable"]]
    rows = []
    for t in sorted({*SWEEP, current}):
        rows.append(
            {
                "threshold": t,
                "current": t == current,
                "abstention_rate_unanswerable": M.rate(r["support_best"] < t for r in un),
                "false_abstention_rate": M.rate(r["support_best"] < t for r in ans),
                # below the current threshold, answers now abstained would appear: unknown content
                "contains_gold": M.rate(bool(r["contains_gold"]) and r["support_best"] >= t for r in ans)
                if t >= current
                else None,
            }
        )
    return rows


def failure_summary(records: Sequence[dict]) -> dict:
    counts = Counter(r["failure"] for r in records if r["failure"])
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
