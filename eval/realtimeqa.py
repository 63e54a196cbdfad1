"""Run the eval on RealTime QA: build the index if missing, convert the questions, score them.

    python eval/realtimeqa.py [--limit N] [--index index/realtimeqa] [--out eval/out/realtimeqa]
                              [--part tune|report] [--no-ablations] [--json] [--question-only]

``--question-only`` asks every question by its text alone (no ``as_of``; the filtered re-asks keep
their date filter), as a user who names no date would.

The index of the 5,019 evidence passages takes a few minutes to embed on a small CPU; it is
built once (``rag ingest ... --index index/realtimeqa``) and reused. Exits 0 with one line when
../shared/data is absent.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.eval.convert import PASSAGES_FILE, QUESTIONS_FILE, convert_realtimeqa, write_jsonl  # noqa: E402
from rag.store.index_dir import current_version  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "realtimeqa"
QUESTIONS = ROOT / "eval" / "out" / "realtimeqa-questions.jsonl"


def rag(*args: str) -> int:
    return subprocess.call([sys.executable, "-m", "rag.cli", *args], cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, help="only the first N questions (a mix of all kinds)")
    ap.add_argument("--index", type=Path, default=ROOT / "index" / "realtimeqa")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "realtimeqa")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--part", choices=["tune", "report"], help="only that half (rag/eval/splits.py)")
    ap.add_argument("--no-ablations", action="store_true")
    ap.add_argument("--json", action="store_true", help="print one JSON object (no progress bars)")
    ap.add_argument("--question-only", action="store_true", help="ask without as_of (question text alone)")
    args = ap.parse_args(argv)
    if not all((args.data / f).is_file() for f in (QUESTIONS_FILE, PASSAGES_FILE)):
        print(f"skipped: RealTime QA data not found in {args.data}", file=sys.stderr)
        return 0
    if current_version(args.index) is None:
        print(f"building {args.index} from {PASSAGES_FILE} (a few minutes) …", file=sys.stderr)
        rc = rag(
            "ingest",
            str(args.data / PASSAGES_FILE),
            "--index",
            str(args.index),
            *(["--no-progress"] if args.json else []),
        )
        if rc:
            return rc
    records, _ = convert_realtimeqa(args.data)
    questions = QUESTIONS
    if args.question_only:
        records = [{k: v for k, v in r.items() if k != "as_of"} for r in records]
        questions = QUESTIONS.with_name("realtimeqa-questions-text-only.jsonl")
    write_jsonl(records, questions)
    cmd = ["eval", str(questions), "--index", str(args.index), "--out", str(args.out)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    if args.part:
        cmd += ["--part", args.part]
    if args.no_ablations:
        cmd.append("--no-ablations")
    if args.json:
        cmd.append("--json")
    return rag(*cmd)


if __name__ == "__main__":
    sys.exit(main())
