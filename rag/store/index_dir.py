"""An index directory: immutable committed versions, switched atomically.

Layout::

    INDEX/
      CURRENT                 name of the committed version ("v000003"), replaced by rename
      .lock                   writers take an exclusive flock: concurrent ingests queue up
      versions/v000003/
        meta.sqlite           articles, chunks (+ vectors), FTS5
        vectors.faiss         FAISS index keyed by chunk id
        manifest.json         format version, model id, dim, counts, sha256 of both files

An ingest copies the current version into ``versions/.tmp-*``, changes the copy, writes its
manifest, and only then renames it into place and swaps ``CURRENT``. A crash (even
``kill -9``) at any point before that rename leaves the previous version untouched and
serving; leftover temp dirs are swept by the next writer. Readers open a version and keep it,
so an ingest never disturbs a query in flight.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .sqlite_store import SqliteStore, connect, migrate
from .vector_store import FaissVectorStore

FORMAT_VERSION = 1
SQLITE_NAME = "meta.sqlite"
FAISS_NAME = "vectors.faiss"
MANIFEST_NAME = "manifest.json"


class IndexStoreError(RuntimeError):
    """Base for index problems that deserve a one-line message, not a traceback."""


class IndexNotFound(IndexStoreError):
    pass


class IndexMismatch(IndexStoreError):
    pass


class IndexCorrupt(IndexStoreError):
    pass


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@dataclass
class Manifest:
    format_version: int
    embedding_model: str
    dim: int
    faiss_factory: str
    articles: int
    chunks: int
    checksums: dict[str, str]
    created: float
    version: str = ""

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as e:
            raise IndexCorrupt(f"manifest {path} unreadable: {e}") from e

    def write(self, path: Path) -> None:
        _write_atomic(path, json.dumps(self.__dict__, indent=2, sort_keys=True))


def current_version(root: Path) -> str | None:
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def version_token(root: Path) -> str | None:
    """Cheap change detector for readers polling for a newer committed version."""
    return current_version(root)


class IndexSnapshot:
    """One committed version opened read-only: what retrieval and the API query."""

    def __init__(self, root: Path, version: str, manifest: Manifest, store: SqliteStore, vectors: FaissVectorStore):
        self.root = root
        self.version = version
        self.manifest = manifest
        self.store = store
        self.vectors = vectors

    @classmethod
    def open(cls, root: Path | str, expected_model: str | None = None, verify: bool = True) -> IndexSnapshot:
        root = Path(root)
        for _ in range(3):
            version = current_version(root)
            try:
                return cls._open_version(root, version, expected_model, verify)
            except IndexCorrupt:
                # A writer may have committed (and garbage-collected the version we were reading)
                # while we opened it: that is not corruption, so retry with the new CURRENT.
                if current_version(root) == version:
                    raise
        return cls._open_version(root, current_version(root), expected_model, verify)

    @classmethod
    def _open_version(cls, root: Path, version: str | None, expected_model: str | None, verify: bool) -> IndexSnapshot:
        if version is None:
            raise IndexNotFound(f"no index at {root} (run `rag ingest PATH --index {root}` first)")
        vdir = root / "versions" / version
        manifest = Manifest.read(vdir / MANIFEST_NAME)
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatch(
                f"index {root} has format {manifest.format_version}; this build reads "
                f"{FORMAT_VERSION}: re-ingest into a new index"
            )
        if expected_model and manifest.embedding_model != expected_model:
            raise IndexMismatch(
                f"index {root} was built with embedding model {manifest.embedding_model!r}, but this service "
                f"uses {expected_model!r}: re-ingest into a new index or set RAG_EMBEDDING_MODEL"
            )
        if verify:
            verify_version(vdir, manifest)
        try:
            store = SqliteStore(connect(vdir / SQLITE_NAME, readonly=True))
            vectors = FaissVectorStore.load(vdir / FAISS_NAME, manifest.faiss_factory)
        except (sqlite3.DatabaseError, RuntimeError) as e:
            raise IndexCorrupt(f"index {root} version {version} cannot be opened: {e}") from e
        return cls(root, version, manifest, store, vectors)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.store.conn.close()


def verify_version(vdir: Path, manifest: Manifest, deep: bool = False) -> None:
    """Check both files against the manifest's checksums (and, if ``deep``, SQLite integrity)."""
    for name, digest in manifest.checksums.items():
        path = vdir / name
        if not path.exists():
            raise IndexCorrupt(f"{path} is missing")
        try:
            actual = _sha256(path)
        except OSError as e:
            raise IndexCorrupt(f"{path} unreadable: {e.strerror or e}") from e
        if actual != digest:
            raise IndexCorrupt(f"{path} does not match its manifest checksum (truncated or corrupted)")
    if deep:
        conn = sqlite3.connect(f"file:{vdir / SQLITE_NAME}?mode=ro", uri=True)
        try:
            res = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise IndexCorrupt(f"{vdir / SQLITE_NAME}: {e}") from e
        finally:
            conn.close()
        if res != "ok":
            raise IndexCorrupt(f"{vdir / SQLITE_NAME}: integrity check says {res}")


class IndexWriter:
    """A private copy of the current version, committed atomically or thrown away.

    Use as a context manager: leaving the block with an exception discards the copy.
    """

    def __init__(
        self, root: Path | str, embedding_model: str, dim: int, faiss_factory: str = "Flat", keep_versions: int = 2
    ):
        self.root = Path(root)
        self.embedding_model = embedding_model
        self.dim = dim
        self.faiss_factory = faiss_factory
        self.keep_versions = keep_versions
        self._lock_file = None
        self.tmp: Path | None = None
        self.store: SqliteStore | None = None
        self.vectors: FaissVectorStore | None = None
        self._needs_rebuild = False
        self._discard = False
        self.committed_version: str | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> IndexWriter:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "versions").mkdir(exist_ok=True)
        self._lock_file = open(self.root / ".lock", "a+")
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        self._sweep_temp()
        self.tmp = self.root / "versions" / f".tmp-{uuid.uuid4().hex}"
        self.tmp.mkdir()
        prev = current_version(self.root)
        if prev is not None:
            pdir = self.root / "versions" / prev
            manifest = Manifest.read(pdir / MANIFEST_NAME)
            if manifest.embedding_model != self.embedding_model or manifest.dim != self.dim:
                raise IndexMismatch(
                    f"index {self.root} was built with {manifest.embedding_model!r} (dim {manifest.dim}); "
                    f"refusing to add {self.embedding_model!r} vectors: use a new --index directory"
                )
            verify_version(pdir, manifest)
            src = sqlite3.connect(f"file:{pdir / SQLITE_NAME}?mode=ro", uri=True)
            dst = sqlite3.connect(str(self.tmp / SQLITE_NAME))
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
            if manifest.faiss_factory == self.faiss_factory:
                self.vectors = FaissVectorStore.load(pdir / FAISS_NAME, self.faiss_factory)
            else:  # index type changed by configuration: rebuild from the stored vectors
                self._needs_rebuild = True
        self.store = SqliteStore(connect(self.tmp / SQLITE_NAME))
        migrate(self.store.conn)
        if self.vectors is None:
            self.vectors = FaissVectorStore.empty(self.dim, self.faiss_factory)
            self._needs_rebuild = self._needs_rebuild or prev is not None
        return self

    @property
    def needs_rebuild(self) -> bool:
        """True when the FAISS index must be rebuilt at commit (e.g. a new factory string)."""
        return self._needs_rebuild

    def discard(self) -> None:
        """Commit nothing on exit: the current version stays as it is."""
        self._discard = True
        self.committed_version = current_version(self.root)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None and not self._discard:
                self._commit()
        finally:
            if self.store is not None:
                with contextlib.suppress(Exception):
                    self.store.conn.close()
            if self.tmp is not None and self.tmp.exists():
                shutil.rmtree(self.tmp, ignore_errors=True)
            if self._lock_file is not None:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
                self._lock_file.close()

    # --- changes ---------------------------------------------------------------------------------
    def remove_chunks(self, ids: list[int]) -> None:
        if not ids or self._needs_rebuild:
            return
        try:
            self.vectors.remove(np.array(ids, dtype=np.int64))
        except RuntimeError:  # e.g. HNSW cannot remove: rebuild from stored vectors at commit
            self._needs_rebuild = True

    def add_chunks(self, ids: list[int], vectors: np.ndarray) -> None:
        if not ids or self._needs_rebuild:
            return
        if not self.vectors.index.is_trained:
            self._needs_rebuild = True
            return
        self.vectors.add(np.array(ids, dtype=np.int64), vectors)

    # --- commit ------------------------------------------------------------------------------------
    def _commit(self) -> None:
        self.store.conn.commit()
        if self._needs_rebuild:
            ids, vecs = self.store.all_vectors(self.dim)
            self.vectors = FaissVectorStore.build(self.dim, self.faiss_factory, ids, vecs)
        n_articles, n_chunks = self.store.counts()
        if self.vectors.ntotal != n_chunks:
            raise IndexCorrupt(f"vector count {self.vectors.ntotal} != chunk count {n_chunks}; not committing")
        self.store.conn.close()
        self.store = None
        self.vectors.save(self.tmp / FAISS_NAME)
        for name in (SQLITE_NAME, FAISS_NAME):
            with open(self.tmp / name, "rb") as f:
                os.fsync(f.fileno())
        prev = current_version(self.root)
        n = int(prev[1:]) + 1 if prev else 1
        version = f"v{n:06d}"
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            embedding_model=self.embedding_model,
            dim=self.dim,
            faiss_factory=self.faiss_factory,
            articles=n_articles,
            chunks=n_chunks,
            checksums={name: _sha256(self.tmp / name) for name in (SQLITE_NAME, FAISS_NAME)},
            created=time.time(),
            version=version,
        )
        manifest.write(self.tmp / MANIFEST_NAME)
        final = self.root / "versions" / version
        if final.exists():  # an uncommitted leftover of a writer killed after its rename (never read)
            shutil.rmtree(final)
        os.replace(self.tmp, final)
        _fsync_dir(final.parent)
        self.tmp = None
        _write_atomic(self.root / "CURRENT", version + "\n")  # the commit point
        self.committed_version = version
        self._gc(version)

    def _sweep_temp(self) -> None:
        """Remove what a crashed writer left (we hold the lock, so no writer is running): temp
        copies, versions renamed into place but never made CURRENT, and CURRENT temp files."""
        for p in (self.root / "versions").glob(".tmp-*"):
            shutil.rmtree(p, ignore_errors=True)
        cur = current_version(self.root)
        if cur is not None and cur[1:].isdigit():
            for p in (self.root / "versions").glob("v*"):
                if p.is_dir() and p.name[1:].isdigit() and int(p.name[1:]) > int(cur[1:]):
                    shutil.rmtree(p, ignore_errors=True)
        for p in self.root.glob(".CURRENT.*"):
            with contextlib.suppress(OSError):
                p.unlink()

    def _gc(self, keep: str) -> None:
        versions = sorted(
            p for p in (self.root / "versions").iterdir() if p.is_dir() and p.name.startswith("v") and p.name != keep
        )
        for p in versions[: max(0, len(versions) - self.keep_versions + 1)]:
            shutil.rmtree(p, ignore_errors=True)
