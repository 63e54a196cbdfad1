"""Convert RealTime QA (../shared/data/realtimeqa) to the eval question schema (eval/README.md).

    python eval/convert_realtimeqa.py [--data DIR] [--out FILE]

Writes eval/out/realtimeqa-questions.jsonl by default: eval/out/ is git-ignored, because the
RealTime QA text has no license and must not be committed. Exits 0 with one line when the data
is absent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.eval.convert import PASSAGES_FILE, QUESTIONS_FILE, convert_realtimeqa, write_jsonl  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "realtimeqa"
DEFAULT_OUT = ROOT / "eval" / "out" / "realtimeqa-questions.jsonl"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the RealTime QA files")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="question file to write")
    args = ap.parse_args(argv)
    missing = [f for f in (QUESTIONS_FILE, PASSAGES_FILE) if not (args.data / f).is_file()]
    if missing:
        print(f"skipped: RealTime QA data not found ({args.data / missing[0]})", file=sys.stderr)
        return 0
    records, notes = convert_realtimeqa(args.data)
    write_jsonl(records, args.out)
    for k, v in notes.items():
        print(f"{k}: {v}", file=sys.stderr)
    print(f"wrote {len(records)} questions to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
