"""Write an eval run to a folder: ``results.json``, ``report.md`` and the PNG plots it embeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = "results.json"
REPORT = "report.md"
PLOTS = {"recall": "recall_at_k.png", "support": "support_hist.png", "sweep": "threshold_sweep.png"}


def _f(v, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _one_line(text: str, limit: int = 600) -> str:
    s = " ".join(text.split()).replace("|", "\\|")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def write_outputs(results: dict, out_dir: Path | str, *, questions_path: str = "", index_path: str = "") -> dict:
    """Write results.json, the plots and report.md; returns {kind: path}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = {"questions_file": questions_path, "index": index_path, **results}
    (out / RESULTS).write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    plots = write_plots(results, out)
    (out / REPORT).write_text(render_report(results, plots), encoding="utf-8")
    return {"results": str(out / RESULTS), "report": str(out / REPORT), **{k: str(out / v) for k, v in plots.items()}}


# --- plots -----------------------------------------------------------------------------------------------


def write_plots(results: dict, out: Path) -> dict[str, str]:
    """PNG plots (matplotlib, Agg backend); {} when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {}
    made: dict[str, str] = {}
    for key, plot in (("recall", _plot_recall), ("support", _plot_support), ("sweep", _plot_sweep)):
        fig = plot(plt, results)
        if fig is None:
            continue
        fig.tight_layout()
        # no version stamp: identical runs give identical files
        fig.savefig(out / PLOTS[key], dpi=110, metadata={"Software": None})
        plt.close(fig)
        made[key] = PLOTS[key]
    return made


def _plot_recall(plt: Any, results: dict) -> Any:
    """recall@k for k = 1..10, one line per retrieval ablation; None without ablations."""
    if not results["retrieval"]:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    colors: dict[str, str] = {}
    for name, r in results["retrieval"].items():  # one colour per configuration, dashed with as_of
        color = colors.setdefault(name.removesuffix(" +as_of"), f"C{len(colors)}")
        ax.plot(
            range(1, 11),
            r["recall_curve"],
            marker="o",
            markersize=3,
            color=color,
            linestyle="--" if r["as_of"] else "-",
            label=name,
        )
    ax.set_xlabel("k (articles, after de-duplication)")
    ax.set_ylabel("recall@k")
    ax.set_xticks(range(1, 11))
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Retrieval recall@k per ablation")
    return fig


def _plot_support(plt: Any, results: dict) -> Any:
    """Histograms of the answer support score, answerable vs unanswerable; None without scores."""
    qs = [q for q in results["questions"] if q.get("support_best") is not None]
    if not qs:
        return None
    thr = results["config"]["abstain_below"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    bins = [i / 40 for i in range(41)]
    for label, answerable, color in (("answerable", True, "tab:blue"), ("unanswerable", False, "tab:red")):
        vals = [q["support_best"] for q in qs if q["answerable"] == answerable]
        if vals:
            ax.hist(
                vals,
                bins=bins,
                alpha=0.55,
                color=color,
                label=f"{label} (n={len(vals)})",
                weights=[1 / len(vals)] * len(vals),
            )
    ax.axvline(thr, color="black", linestyle=":", label=f"abstain_below = {thr}")
    ax.set_xlabel("answer support of the best sentence (the score compared with abstain_below)")
    ax.set_ylabel("share of questions")
    ax.legend(fontsize=8)
    ax.set_title("Support score: answerable vs unanswerable")
    return fig


def _plot_sweep(plt: Any, results: dict) -> Any:
    """Abstention and containment rates against abstain_below; None without a sweep."""
    sweep = results.get("threshold_sweep") or []
    if not sweep:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ts = [r["threshold"] for r in sweep]
    for key, label in (
        ("abstention_rate_unanswerable", "abstains on unanswerable"),
        ("false_abstention_rate", "abstains on answerable (false)"),
        ("contains_gold", "answer contains gold (answerable)"),
    ):
        pts = [(t, r[key]) for t, r in zip(ts, sweep) if r[key] is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", markersize=3, label=label)
    ax.axvline(results["config"]["abstain_below"], color="black", linestyle=":", label="current")
    ax.set_xlabel("abstain_below")
    ax.set_ylabel("rate")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Abstention threshold sweep")
    return fig


# --- report.md ------------------------------------------------------------------------------------------------


def retrieval_table(results: dict) -> list[str]:
    rows = [
        "| ablation | n | recall@1 | recall@5 | recall@10 | MRR@10 | nDCG@10 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results["retrieval"].items():
        mark = " (default)" if name == results.get("default_ablation") else ""
        rows.append(
            f"| {name}{mark} | {r['n']} | {_f(r['recall@1'])} | {_f(r['recall@5'])} | "
            f"{_f(r['recall@10'])} | {_f(r['mrr@10'])} | {_f(r['ndcg@10'])} |"
        )
    return rows


def headline(results: dict) -> list[str]:
    """The figures worth a glance, one per line (also printed by ``rag eval``)."""
    a, c, ab = results["answers"], results["citations"], results["abstention"]
    lines = [
        f"answer contains gold: {_f(a['contains_gold'])} of {a['answerable']} answerable; "
        f"{_f(a['contains_gold_evidence_has_gold'])} of {a['evidence_has_gold']} whose evidence contains it",
        f"citation precision {_f(c['citation_precision'])}, recall {_f(c['citation_recall'])} "
        f"over {c['answers_with_citations_checked']} answers ({c['claims']} claims, {c['uncited_claims']} uncited)",
        f"invalid citations: {c['invalid_citations']}; filter violations: {c['filter_violations']}; "
        f"evidence leaks: {c['evidence_leaks']}",
        f"abstention on unanswerable: {_f(ab['abstention_rate_unanswerable'])} of {ab['unanswerable']}; "
        f"false abstention on answerable: {_f(ab['false_abstention_rate'])} of {ab['answerable']}",
        f"first sentence contains gold: {_f(a.get('first_contains_gold'))} of answerable; "
        f"{_f(a.get('first_contains_gold_evidence_has_gold'))} whose evidence contains it",
        f"answer words: median {_f(a.get('answer_words_median'))}, mean {_f(a.get('answer_words_mean'))}; "
        f"grounding: mean {_f(a.get('grounding_mean'))}",
    ]
    kinds = [k for k in ab if k.startswith("abstention_rate_") and k != "abstention_rate_unanswerable"]
    if len(kinds) > 1:
        lines.append("abstention by kind: " + ", ".join(f"{k[len('abstention_rate_') :]} {_f(ab[k])}" for k in kinds))
    return lines


def render_report(results: dict, plots: dict[str, str]) -> str:
    L = _report_header(results)
    L += _retrieval_section(results, plots)
    L += _answers_section(results)
    L += _sweep_section(results, plots)
    L += _failures_section(results)
    return "\n".join(L).rstrip() + "\n"


def _report_header(results: dict) -> list[str]:
    """Title, what was run against which index, the question mix and the headline figures."""
    s, cfg = results["summary"], results["config"]
    L: list[str] = [f"# Eval report: {Path(results.get('questions_file') or 'questions').name}", ""]
    L += [
        f"Index `{results.get('index', '')}` ({cfg['index_version']}, {cfg['index_articles']} articles, "
        f"{cfg['embedding_model']}). Answers via `RagService.ask` with top_k={cfg['top_k']}, "
        f"abstain_below={cfg['abstain_below']}; ranking metrics over the top {cfg['retrieval_depth']} passages. "
        f"Metric definitions: `eval/README.md`.",
        "",
    ]
    kinds = ", ".join(f"{k}: {v}" for k, v in s["by_kind"].items())
    L += [
        f"**{s['questions']} questions** ({kinds}); answerable with evidence ids: {s['answerable_with_evidence']}, "
        f"without: {s['answerable_without_evidence']} (answer metrics only); with as_of: {s['with_as_of']}; "
        f"with filters: {s['with_filters']}."
    ]
    if s["evidence_missing_from_index"]:
        L += [f"**{s['evidence_missing_from_index']} questions cite evidence ids that are not in the index.**"]
    L += ["", *[f"- {h}" for h in headline(results)], ""]
    return L


def _retrieval_section(results: dict, plots: dict[str, str]) -> list[str]:
    L = [
        "## Retrieval",
        "",
        "Answerable questions with evidence ids; binary relevance on article ids, passages de-duplicated by "
        "article. `+as_of` applies each question's `as_of` (questions without one run unchanged).",
        "",
    ]
    if results["retrieval"]:
        L += retrieval_table(results)
    else:
        L += ["No answerable question has evidence ids."]
    if "recall" in plots:
        L += ["", f"![recall@k per ablation]({plots['recall']})"]
    return L


def _answers_section(results: dict) -> list[str]:
    """The answer and citation metrics table of the default configuration."""
    s, a, c, ab = results["summary"], results["answers"], results["citations"], results["abstention"]
    L = [
        "",
        "## Answers (default configuration, via `RagService.ask`)",
        "",
        "| metric | value | n |",
        "|---|---:|---:|",
        f"| answer contains a gold answer (all answerable) | {_f(a['contains_gold'])} | {a['answerable']} |",
        f"| … where the evidence text contains the gold answer | {_f(a['contains_gold_evidence_has_gold'])} | "
        f"{a['evidence_has_gold']} |",
        f"| … among answered (not abstained) answerable | {_f(a['contains_gold_when_answered'])} | "
        f"{a['answerable'] - ab['abstained_answerable']} |",
        f"| evidence among the answer's passages | {_f(a['evidence_in_answer_passages'])} | "
        f"{s['answerable_with_evidence']} |",
        f"| citation precision (all answers given) | {_f(c['citation_precision'])} | "
        f"{c['answers_with_citations_checked']} |",
        f"| citation recall (all answers given) | {_f(c['citation_recall'])} | {c['answers_with_citations_checked']} |",
        f"| citation precision / recall (answerable) | {_f(c['citation_precision_answerable'])} / "
        f"{_f(c['citation_recall_answerable'])} | |",
        f"| claims (verbatim / uncited) | {c['claims']} ({c['verbatim_claims']} / {c['uncited_claims']}) | |",
        f"| **invalid citations** (must be 0) | {c['invalid_citations']} | "
        f"{c['answers_with_invalid_citations']} answers |",
        f"| filter violations / evidence leaks (must be 0) | {c['filter_violations']} / {c['evidence_leaks']} | |",
        f"| abstention rate on unanswerable | {_f(ab['abstention_rate_unanswerable'])} | {ab['unanswerable']} |",
    ]
    for k, v in ab.items():
        if k.startswith("abstention_rate_") and k != "abstention_rate_unanswerable":
            L += [f"| … {k.removeprefix('abstention_rate_')} | {_f(v)} | |"]
    L += [f"| false abstention rate on answerable | {_f(ab['false_abstention_rate'])} | {ab['answerable']} |"]
    return L


def _sweep_section(results: dict, plots: dict[str, str]) -> list[str]:
    """The abstention threshold sweep table (when swept), then the support and sweep plots."""
    L: list[str] = []
    sweep = results.get("threshold_sweep") or []
    if sweep:
        L += [
            "",
            "### Abstention threshold sweep",
            "",
            "The answerer abstains exactly when its best sentence's support is below `abstain_below`, so the "
            "abstention columns are exact for any threshold; containment is shown only at or above the current "
            "threshold (answers below it were never composed).",
            "",
            "| abstain_below | abstains on unanswerable | false abstention | contains gold |",
            "|---:|---:|---:|---:|",
        ]
        for r in sweep:
            t = f"**{r['threshold']}**" if r["current"] else str(r["threshold"])
            L += [
                f"| {t} | {_f(r['abstention_rate_unanswerable'])} | {_f(r['false_abstention_rate'])} | "
                f"{_f(r['contains_gold'])} |"
            ]
    for key, alt in (("support", "support score histogram"), ("sweep", "threshold sweep")):
        if key in plots:
            L += ["", f"![{alt}]({plots[key]})"]
    return L


def _failures_section(results: dict) -> list[str]:
    """Failure patterns with counts, then the failed questions (up to ``show_failures``) by pattern and id."""
    L = ["", "## Failures", ""]
    if results["failures"]:
        L += ["| pattern | questions |", "|---|---:|"]
        L += [f"| {k} | {v} |" for k, v in results["failures"].items()]
    else:
        L += ["None."]
    failed = [q for q in results["questions"] if q.get("failure")]
    failed.sort(key=lambda q: (list(results["failures"]).index(q["failure"]), q["id"]))
    limit = results["config"].get("show_failures", 60)
    if failed:
        L += ["", f"### Failed questions ({min(limit, len(failed))} of {len(failed)}, by pattern then id)", ""]
    for q in failed[:limit]:
        L += _failed_question(q)
    return L


def _failed_question(q: dict) -> list[str]:
    """One failed question: pattern, gold, evidence, what was retrieved and answered, invalid citations."""
    L = [
        f"**{q['id']}** ({q['kind']}) — {_one_line(q['question'], 240)}  ",
        f"pattern: {q['failure']}; gold: {_one_line('; '.join(q['answers']), 120) or '–'}; "
        f"evidence: {', '.join(q['evidence_ids']) or '–'} (rank in answer passages: "
        f"{_f(q['answer_evidence_rank'])})  ",
    ]
    for p in q["top3"]:
        L += [f"- retrieved: {_one_line(p['title'], 90)} (`{p['article_id']}`, {p['date'] or 'undated'})"]
    L += [f"- answer: {_one_line(q['answer'])}"]
    for problem in q["invalid_citations"]:
        L += [f"- invalid citation: {problem}"]
    L += [""]
    return L
