"""What an interrupted writer leaves in an index directory, found and (safely) removed.

A killed ingest or merge (``kill -9``, power loss) can leave segment or tombstone files that no
committed manifest names, or a ``.merge-*`` build folder; a format-1 index can hold
``versions/.tmp-*`` copies. None of them is ever read, and the next writer sweeps them; ``rag check``
reports them and ``rag check --repair`` removes them without waiting for an ingest. Removal takes
the writers' lock without blocking, so a running ingest's files are never touched.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from .index_dir import SQLITE_NAME, locked, orphans
from .sqlite_store import SqliteStore


@dataclass(frozen=True)
class Leftover:
    path: Path
    size: int  # bytes
    what: str


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _what(p: Path) -> str:
    if p.name.startswith(".merge-"):
        return "build folder of an interrupted merge"
    if p.name.startswith(".tmp-"):
        return "temp copy of an interrupted ingest (format 1)"
    return "file of an interrupted ingest or merge, named by no committed version"


def find_leftovers(root: Path) -> list[Leftover]:
    """Everything under ``root`` a crashed writer left behind (nothing a reader uses)."""
    found = sorted((root / "versions").glob(".tmp-*")) if (root / "versions").is_dir() else []
    if (root / SQLITE_NAME).is_file():
        store = SqliteStore.reader(root / SQLITE_NAME)
        try:
            found += orphans(root, store)
        finally:
            store.close()
    return [Leftover(p, _size(p), _what(p)) for p in found]


def remove_leftovers(root: Path) -> list[Leftover] | None:
    """Remove what ``find_leftovers`` lists; None (and nothing removed) while an ingest is running."""
    with locked(root, blocking=False) as held:
        if not held:
            return None
        found = find_leftovers(root)
        for item in found:
            if item.path.is_dir():
                shutil.rmtree(item.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    item.path.unlink()
        return found
