"""Timelines, disagreements and casualty counts on FA-KES: questions built from the dev annotations, asked through
``RagService.ask`` (the ``/ask`` path), scored as defined in eval/README.md.

    python eval/fakes.py [--index /work/cache/index-fakes] [--data ../shared/data/fa-kes]
                         [--part tune|report] [--limit N]
                         [--kind timeline|disagreement|casualty|day_count|day_reports|all]
                         [--out eval/out/fakes] [--json]

Needs an index of ``fa-kes-articles.jsonl`` (``rag ingest … --index DIR``; ids are the corpus rows).
Exits 0 with one line when the data or the index is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.eval import fakes as F  # noqa: E402
from rag.eval.splits import select  # noqa: E402
from rag.store.index_dir import current_version  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "fa-kes"


def _ask(service, question: str) -> tuple[dict, float]:
    from rag.pipeline import AskRequest

    t = time.perf_counter()
    out = service.ask(AskRequest(question=question)).to_dict()
    return out, (time.perf_counter() - t) * 1000


def _run(service, questions, score, meta, show: bool) -> tuple[list[dict], list[float]]:
    records, times = [], []
    for i, q in enumerate(questions, 1):
        out, ms = _ask(service, q.question)
        rec = score(q, out, meta)
        rec["question"], rec["answer"] = q.question, out["answer"]
        records.append(rec)
        times.append(ms)
        if show:
            print(f"\r{i}/{len(questions)}", end="", file=sys.stderr, flush=True)
    if show and questions:
        print(file=sys.stderr)
    return records, times


def _median(xs: list[float]) -> float | None:
    return round(sorted(xs)[len(xs) // 2], 1) if xs else None


def _report(results: dict) -> str:
    lines = ["# FA-KES: timelines and disagreements", "", f"part: {results['part'] or 'all'}", ""]
    for kind in ("timeline", "disagreement", "casualty", "day_count", "day_reports"):
        if kind in results:
            lines += [f"## {kind}", "", "| metric | value |", "|---|---:|"]
            lines += [f"| {k} | {v} |" for k, v in results[kind]["summary"].items()]
            lines += [""]
    for r in results.get("timeline", {}).get("questions", []):
        if (r["in_period"] is not None and r["in_period"] < 1) or r["coverage"] < 0.6 or not r["chronological"]:
            lines += [f"- `{r['id']}` in_period={r['in_period']} coverage={r['coverage']:.2f} outside={r['outside']}"]
    for r in results.get("disagreement", {}).get("questions", []):
        if (r["disagree"] and not r["both_sides"]) or r["false_pairs"] or (not r["disagree"] and r["claimed"]):
            lines += [f"- `{r['id']}` gold={r['gold_values']} shown={r['values_shown']} claimed={r['claimed_values']}"]
    for r in results.get("casualty", {}).get("questions", []):
        if r["count"] != "0" and not r["first"]:
            lines += [f"- `{r['id']}` count={r['count']} contains={r['contains']} cites_report={r['cites_report']}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=Path("/work/cache/index-fakes"))
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--part", choices=["tune", "report"], help="only that half (rag/eval/splits.py)")
    ap.add_argument(
        "--kind", choices=["timeline", "disagreement", "casualty", "day_count", "day_reports", "all"], default="all"
    )
    ap.add_argument("--limit", type=int)
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "fakes")
    ap.add_argument("--json", action="store_true", help="print the summaries as one JSON object")
    args = ap.parse_args(argv)
    ann_path, art_path = args.data / F.ANNOTATIONS_FILE, args.data / F.ARTICLES_FILE
    if not (ann_path.is_file() and art_path.is_file()):
        print(f"skipped: FA-KES data not found in {args.data}", file=sys.stderr)
        return 0
    if current_version(args.index) is None:
        print(f"skipped: no index at {args.index} (rag ingest {art_path} --index {args.index})", file=sys.stderr)
        return 0
    from rag.pipeline import RagService
    from rag.settings import Settings

    articles = F.read_jsonl(art_path)
    annotations = F.index_ids(F.read_jsonl(ann_path), articles)
    meta = F.article_meta(articles)
    service = RagService(Settings(index=args.index))
    results: dict = {"part": args.part, "index_version": service.snapshot.version}
    kinds = {
        "timeline": (F.timeline_questions, F.score_timeline, F.timeline_summary),
        "disagreement": (F.disagreement_questions, F.score_disagreement, F.disagreement_summary),
        "casualty": (F.casualty_questions, F.score_casualty, F.casualty_summary),
        "day_count": (F.day_count_questions, F.score_day_count, F.casualty_summary),
        "day_reports": (F.day_report_questions, F.score_day_reports, F.day_reports_summary),
    }
    for kind, (build, score, summarise) in kinds.items():
        if args.kind not in (kind, "all"):
            continue
        questions = select(build(annotations), args.part)[: args.limit]
        records, times = _run(service, questions, score, meta, not args.json)
        results[kind] = {"summary": {**summarise(records), "ask_ms_p50": _median(times)}, "questions": records}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    (args.out / "report.md").write_text(_report(results), encoding="utf-8")
    summaries = {k: results[k]["summary"] for k in kinds if k in results}
    print(json.dumps(summaries, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
