"""What an interrupted writer leaves in an index directory, found and (safely) removed.

A killed ingest (``kill -9``, power loss) can leave ``versions/.tmp-*`` (a private copy it was
changing, as big as the index), a version renamed into place but never made ``CURRENT``, or a
``.CURRENT.*`` temp file. None of them is ever read, and the next writer sweeps them; ``rag check``
reports them and ``rag check --repair`` removes them without waiting for an ingest. Removal takes
the writers' lock without blocking, so a running ingest's temp copy is never touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .index_dir import current_version

LOCK_NAME = ".lock"  # the same file ``IndexWriter`` locks


@dataclass(frozen=True)
class Leftover:
    path: Path
    size: int  # bytes
    what: str


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def find_leftovers(root: Path) -> list[Leftover]:
    """Everything under ``root`` a crashed writer left behind (nothing a reader uses)."""
    out: list[Leftover] = []
    versions = root / "versions"
    if versions.is_dir():
        for p in sorted(versions.glob(".tmp-*")):
            out.append(Leftover(p, _size(p), "temp copy of an interrupted ingest"))
        cur = current_version(root)
        if cur is not None and cur[1:].isdigit():
            for p in sorted(versions.glob("v*")):
                if p.is_dir() and p.name[1:].isdigit() and int(p.name[1:]) > int(cur[1:]):
                    out.append(Leftover(p, _size(p), "version written but never made current"))
    for p in sorted(root.glob(".CURRENT.*")):
        out.append(Leftover(p, _size(p), "temp file of an interrupted switch"))
    return out


@contextlib.contextmanager
def _writer_lock(root: Path) -> Iterator[bool]:
    """True while we hold the writers' lock; False (at once) when an ingest holds it."""
    with open(root / LOCK_NAME, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def remove_leftovers(root: Path) -> list[Leftover] | None:
    """Remove what ``find_leftovers`` lists; None (and nothing removed) while an ingest is running."""
    with _writer_lock(root) as held:
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
