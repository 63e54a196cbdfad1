"""Run the hand-checked seed questions (eval/seed_questions.jsonl) against the bundled corpus.

    python eval/seed.py [--index index/seed] [--out eval/out/seed] [--no-ablations] [--json]

Builds ``index/seed`` from corpus/ first if it does not exist (a few seconds).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.store.index_dir import current_version  # noqa: E402

QUESTIONS = ROOT / "eval" / "seed_questions.jsonl"


def rag(*args: str) -> int:
    return subprocess.call([sys.executable, "-m", "rag.cli", *args], cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "index" / "seed")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "seed")
    ap.add_argument("--no-ablations", action="store_true")
    ap.add_argument("--json", action="store_true", help="print one JSON object (no progress bars)")
    args = ap.parse_args(argv)
    if current_version(args.index) is None:
        rc = rag("ingest", str(ROOT / "corpus"), "--index", str(args.index), "--no-progress")
        if rc:
            return rc
    cmd = ["eval", str(QUESTIONS), "--index", str(args.index), "--out", str(args.out)]
    if args.no_ablations:
        cmd.append("--no-ablations")
    if args.json:
        cmd.append("--json")
    return rag(*cmd)


if __name__ == "__main__":
    sys.exit(main())
