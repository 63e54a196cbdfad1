"""Regenerate ``corpus/seed/`` (one front-matter Markdown file per article) from the raw dump.

    python eval/make_seed_corpus.py [DUMP] [OUT_DIR]

The bundled corpus is derived data: rerun this after changing the seed reader, never hand-edit
the output. Stale ``*.md`` files are removed first so a renamed article leaves no orphan.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.readers import read_path  # noqa: E402
from rag.readers.frontmatter import write_corpus  # noqa: E402

DEFAULT_DUMP = ROOT.parent / "shared" / "seeds" / "syria-iraq-reports.txt"
DEFAULT_OUT = ROOT / "corpus" / "seed"


def main(argv: list[str]) -> int:
    dump = Path(argv[1]) if len(argv) > 1 else DEFAULT_DUMP
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    result = read_path(dump, fmt="seed")
    for s in result.skipped:
        print(f"skipped {s.where}: {s.reason}", file=sys.stderr)
    if not result.articles:
        print(f"no articles read from {dump}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.md"):
        old.unlink()
    for p in write_corpus(result.articles, out):
        print(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
