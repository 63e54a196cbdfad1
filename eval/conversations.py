"""Score multi-turn conversations over the seed reports (eval/seed_conversations.jsonl).

    python eval/conversations.py [--index index/seed] [--part tune|report] [--out eval/out/conversations] [--json]

Builds ``index/seed`` from corpus/ first if it does not exist. Prints turns right (answer contains
the gold answer and cites the right report), verbatim repeats, and every turn with its rewritten
question; writes ``results.json``. Metric definitions: eval/README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.eval.conversations import load_conversations, run_conversation, summarise_turns  # noqa: E402
from rag.eval.splits import select  # noqa: E402
from rag.store.index_dir import current_version  # noqa: E402

CONVERSATIONS = ROOT / "eval" / "seed_conversations.jsonl"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "index" / "seed")
    ap.add_argument("--conversations", type=Path, default=CONVERSATIONS)
    ap.add_argument("--part", choices=["tune", "report"])
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "conversations")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if current_version(args.index) is None:
        cmd = [sys.executable, "-m", "rag.cli", "ingest", str(ROOT / "corpus"), "--index", str(args.index)]
        if subprocess.call([*cmd, "--no-progress"], cwd=ROOT):
            return 1
    from rag.pipeline import RagService
    from rag.settings import Settings

    convs = select(load_conversations(args.conversations), args.part)
    service = RagService(Settings(index=args.index))
    rows = [r for c in convs for r in run_conversation(service, c)]
    summary = summarise_turns(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(
        json.dumps({"summary": summary, "turns": rows}, indent=1, ensure_ascii=False)
    )
    if args.json:
        print(json.dumps(summary))
        return 0
    for r in rows:
        mark = "ok " if r["right"] else "BAD"
        print(f"{mark} {r['conversation']}#{r['turn']}: {r['question']}  →  {r['rewritten_question'] or '(as asked)'}")
        print("    " + r["answer"].replace("\n", "\n    "))
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
