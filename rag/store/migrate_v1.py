"""Migration of a format-1 index (``versions/vNNNNNN/`` full copies switched by ``CURRENT``) to format 2.

Nothing is re-embedded: the vectors are in SQLite. The new files are written beside the old ones, and
writing FORMAT is the commit point; a crash before it leaves format 1 in place (and the next attempt
starts over).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from pathlib import Path

from .index_dir import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_NAME,
    SEGMENTS_DIR,
    SQLITE_NAME,
    Manifest,
    _build_from_sqlite,
    _fsync_dir,
    _write_atomic,
    verify_version,
)
from .segments import normalize_factory
from .sqlite_store import SqliteStore, connect, migrate


def migrate_v1(root: Path) -> None:
    """versions/vN/ (a full copy per version) → one WAL database + one segment. Caller holds the lock.

    Nothing is re-embedded: the vectors are in SQLite. The new files are written beside the old
    ones, and writing FORMAT is the commit point; a crash before it leaves format 1 in place."""
    version = (root / "CURRENT").read_text(encoding="utf-8").strip()
    vdir = root / "versions" / version
    old = Manifest.read(vdir / MANIFEST_NAME)
    verify_version(vdir, old)
    for p in root.glob(SQLITE_NAME + "*"):
        p.unlink()
    shutil.rmtree(root / SEGMENTS_DIR, ignore_errors=True)
    (root / SEGMENTS_DIR).mkdir()
    tmp = root / f".{SQLITE_NAME}.migrating"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    src = sqlite3.connect(f"file:{vdir / SQLITE_NAME}?mode=ro", uri=True)
    dst = sqlite3.connect(str(tmp))
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    conn = connect(tmp, wal=False)
    store = SqliteStore(conn)
    try:
        migrate(conn)
        factory = normalize_factory(old.faiss_factory)
        segs, checksums = _build_from_sqlite(root, store, factory, old.number)
        n_articles, n_chunks = store.counts()
        m = Manifest(FORMAT_VERSION, old.embedding_model, old.dim, factory, n_articles, n_chunks, checksums,
                     time.time(), old.version, segs, generation=old.number)  # fmt: skip
        store.record_manifest(old.number, m.to_json(), 2)
        conn.commit()
    finally:
        store.close()
    os.replace(tmp, root / SQLITE_NAME)
    _fsync_dir(root / SEGMENTS_DIR)
    _fsync_dir(root)
    _write_atomic(root / FORMAT_NAME, f"{FORMAT_VERSION}\n")  # the commit point
    shutil.rmtree(root / "versions", ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (root / "CURRENT").unlink()
