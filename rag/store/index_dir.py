"""An index directory: one SQLite database plus immutable vector segments, LSM-style.

Layout (format 2)::

    INDEX/
      FORMAT                 "2"
      .lock                  writers take an exclusive flock: concurrent ingests queue up
      meta.sqlite (+ -wal)   articles, chunks (+ vectors), sentences, FTS5, and the manifests table
      segments/
        s000003-1a2b3c4d.faiss   a FAISS index; row i is chunk ids[i]
        s000003-1a2b3c4d.npz     its sorted chunk ids and per-row filter attributes (date, outlet)
        tombs-000007-….npy       chunk ids deleted since their segment was written

A commit (``IndexWriter``) writes the new segment and tombstone files first (fsynced, under
fresh names, never over an existing file), then commits ONE SQLite transaction holding the row
changes and the new manifest (which segments and which tombstone file make up the version).
That transaction is the commit point: a ``kill -9`` before it leaves orphan files, swept by the
next writer, and the previous version serving; after it, everything is durable. Adding 1,000
chunks writes one small segment and deleting them writes one tombstone list: nothing is copied.
Merges (``compact``) rewrite a few segments into one without their tombstoned rows, building
outside the writer lock and committing under it, so ingests never wait for a merge.

A snapshot (``IndexSnapshot``) is one manifest's segments and tombstones in memory, searched
by any number of threads at once; it is reference-counted so that a reload frees the old one
only when the last query using it lets go. Chunk ids are never reused, so a snapshot a moment
older than SQLite can only miss a chunk, never name a different one.

Format 1 (``versions/vNNNNNN/`` full copies switched by ``CURRENT``) is migrated on first open,
without re-embedding: vectors are stored in SQLite.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Self

import numpy as np

from .segments import SearchTuning, Segment, SegmentAttrs, UnsupportedFactory, normalize_factory, segment_factory
from .sqlite_store import SqliteStore, connect, migrate
from .vector_store import FilterMask, SegmentedVectors

FORMAT_VERSION = 2
FORMAT_NAME = "FORMAT"
SQLITE_NAME = "meta.sqlite"
SEGMENTS_DIR = "segments"
# format 1 only (read by the migration)
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
    segments: list[dict] = field(default_factory=list)  # {"name", "rows", "factory"}
    tombstones: str | None = None  # file name in segments/, or None
    tombstone_count: int = 0
    # Commit counter (the manifests table's key): a merge makes a new generation of the same version,
    # since the content is unchanged; ingests and deletes make a new version.
    generation: int = 0

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as e:
            raise IndexCorrupt(f"manifest {path} unreadable: {e}") from e

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError) as e:
            raise IndexCorrupt(f"manifest unreadable: {e}") from e

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def write(self, path: Path) -> None:
        _write_atomic(path, json.dumps(asdict(self), indent=2, sort_keys=True))

    @property
    def number(self) -> int:
        return int(self.version[1:]) if self.version[1:].isdigit() else 0

    def files(self) -> list[str]:
        """Every file in segments/ this version needs."""
        out = [f for s in self.segments for f in (f"{s['name']}.faiss", f"{s['name']}.npz")]
        return out + ([self.tombstones] if self.tombstones else [])


def _vname(n: int) -> str:
    return f"v{n:06d}"


# --- format and version --------------------------------------------------------------------------------
def index_format(root: Path) -> int | None:
    try:
        return int((root / FORMAT_NAME).read_text(encoding="utf-8").strip() or 0)
    except FileNotFoundError:
        return 1 if (root / "CURRENT").exists() else None
    except ValueError:
        return 0


def current_version(root: Path | str) -> str | None:
    """Name of the committed version ("v000003"), or None when there is none."""
    root = Path(root)
    fmt = index_format(root)
    if fmt == 1:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
        return name or None
    if fmt != FORMAT_VERSION or not (root / SQLITE_NAME).exists():
        return None
    try:
        conn = connect(root / SQLITE_NAME, readonly=True)
    except sqlite3.Error:
        return None
    try:
        latest = SqliteStore(conn).latest_manifest()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return Manifest.from_json(latest[1]).version if latest else None


def version_token(root: Path) -> str | None:
    """Change detector for readers polling for a newer committed version."""
    return current_version(root)


@contextlib.contextmanager
def locked(root: Path, name: str = ".lock", blocking: bool = True) -> Iterator[bool]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / name, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure_current_format(root: Path) -> None:
    """Migrate a format-1 index in place (under the writer lock); a no-op otherwise."""
    if index_format(root) != 1:
        return
    from .migrate_v1 import migrate_v1

    with locked(root):
        if index_format(root) == 1:
            migrate_v1(root)


# --- segments on disk -----------------------------------------------------------------------------------
def _new_name(prefix: str, n: int) -> str:
    return f"{prefix}{n:06d}-{uuid.uuid4().hex[:8]}"


def _load_segments(root: Path, manifest: Manifest, previous: dict[str, Segment] | None, verify: bool) -> list[Segment]:
    folder = root / SEGMENTS_DIR
    out = []
    for meta in manifest.segments:
        name = meta["name"]
        if previous and name in previous:  # immutable: reuse what an older snapshot loaded
            out.append(previous[name])
            continue
        if verify:
            for fname in (f"{name}.faiss", f"{name}.npz"):
                _verify_file(folder / fname, manifest.checksums.get(fname))
        try:
            out.append(Segment.load(folder, name))
        except FileNotFoundError:
            raise
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            raise IndexCorrupt(f"{folder / name} cannot be opened: {e}") from e
    return out


def _verify_file(path: Path, digest: str | None) -> None:
    if not path.exists():
        raise FileNotFoundError(str(path))
    try:
        actual = _sha256(path)
    except OSError as e:
        raise IndexCorrupt(f"{path} unreadable: {e.strerror or e}") from e
    if digest is not None and actual != digest:
        raise IndexCorrupt(f"{path} does not match its manifest checksum (truncated or corrupted)")


def _load_tombstones(root: Path, manifest: Manifest) -> np.ndarray:
    if not manifest.tombstones:
        return np.zeros(0, dtype=np.int64)
    path = root / SEGMENTS_DIR / manifest.tombstones
    try:
        return np.load(path, allow_pickle=False).astype(np.int64)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{path} unreadable: {e}") from e


def _save_tombstones(folder: Path, n: int, ids: np.ndarray) -> tuple[str, str]:
    name = _new_name("tombs-", n) + ".npy"
    with open(folder / name, "wb") as f:
        np.save(f, np.sort(ids.astype(np.int64)))
        f.flush()
        os.fsync(f.fileno())
    return name, _sha256(folder / name)


# --- snapshots ------------------------------------------------------------------------------------------
class RefCounted:
    """A snapshot's lifetime. The owner holds one reference (``close`` gives it up, once); each query
    holds one more (``acquire``/``release``, or ``hold``); the last release calls ``_free``."""

    version: str

    def _init_refs(self) -> None:
        self._refs = 1
        self._refs_lock = threading.Lock()
        self.closed = False

    def acquire(self) -> bool:
        with self._refs_lock:
            if self._refs <= 0:
                return False
            self._refs += 1
            return True

    def release(self) -> None:
        with self._refs_lock:
            self._refs -= 1
            last = self._refs == 0
        if last:
            self._free()

    @contextlib.contextmanager
    def hold(self) -> Iterator[Self]:
        if not self.acquire():
            raise IndexStoreError(f"snapshot {self.version} is closed")
        try:
            yield self
        finally:
            self.release()

    def close(self) -> None:
        """Give up the owner's reference (idempotent)."""
        with self._refs_lock:
            if self.closed:
                return
            self.closed = True
        self.release()

    def _free(self) -> None:
        """What the last release lets go of (nothing by default)."""


class IndexSnapshot(RefCounted):
    """One committed version, opened for reading: what retrieval and the API query.

    Thread-safe. ``hold()`` (or ``acquire``/``release``) keeps it open for the duration of a query;
    ``close()`` gives up the owner's reference, and resources go when the last holder lets go."""

    def __init__(
        self,
        root: Path,
        version: str,
        manifest: Manifest,
        store: SqliteStore,
        vectors: SegmentedVectors,
        owns_store: bool = True,
    ):
        self.root = root
        self.version = version
        self.manifest = manifest
        self.store = store
        self.vectors = vectors
        self._owns_store = owns_store
        self._init_refs()

    @classmethod
    def open(
        cls,
        root: Path | str,
        expected_model: str | None = None,
        verify: bool = True,
        *,
        store: SqliteStore | None = None,
        previous: IndexSnapshot | None = None,
        tuning: SearchTuning | None = None,
    ) -> IndexSnapshot:
        """Open the latest committed version. ``store`` shares an open SQLite reader; ``previous``
        lends its already loaded (immutable) segments, so a reload loads only new ones."""
        root = Path(root)
        own = store is None
        store = store or open_reader_store(root)
        assert store is not None
        try:
            return cls._open_latest(root, store, own, expected_model, verify, previous, tuning)
        except BaseException:
            if own:
                store.close()
            raise

    @classmethod
    def _open_latest(cls, root, store, own, expected_model, verify, previous, tuning) -> IndexSnapshot:
        prev_segments = previous.segments_by_name() if previous is not None else None
        for attempt in range(3):
            try:
                latest = store.latest_manifest()
            except sqlite3.DatabaseError as e:
                raise IndexCorrupt(f"{root / SQLITE_NAME}: {e}") from e
            if latest is None:
                raise IndexNotFound(f"no index at {root} (run `rag ingest PATH --index {root}` first)")
            manifest = Manifest.from_json(latest[1])
            _check_model(root, manifest, expected_model)
            try:
                segments = _load_segments(root, manifest, prev_segments, verify)
                tombs = _load_tombstones(root, manifest)
                break
            except FileNotFoundError as e:
                # a merge committed (and removed files of the version we read) while we opened it: retry
                if attempt == 2:
                    raise IndexCorrupt(f"{e.filename or e} is missing") from e
        vectors = SegmentedVectors(manifest.dim, segments, tombs, tuning or SearchTuning())
        return cls(root, manifest.version, manifest, store, vectors, owns_store=own)

    def segments_by_name(self) -> dict[str, Segment]:
        return {s.name: s for s in self.vectors.segments}

    # --- filters --------------------------------------------------------------------------------
    def allowed(self, date_from: str | None, date_to: str | None, sources: Sequence[str] | None) -> FilterMask | None:
        """The live chunks passing the filters, as per-segment row masks (None: no filter), computed from
        the segments' attribute columns: no chunk id is read from SQLite."""
        if not (date_from or date_to or sources):
            return None
        return self.vectors.filter_mask(date_from, date_to, sources)

    def _free(self) -> None:
        if self._owns_store:
            self.store.close()
        self.vectors = SegmentedVectors(self.manifest.dim, [], np.zeros(0, dtype=np.int64), self.vectors.tuning)


def open_reader_store(root: Path) -> SqliteStore:
    """A read-only store of an index (connections per thread), migrating a format-1 index first."""
    ensure_current_format(root)
    fmt = index_format(root)
    if fmt is None:
        raise IndexNotFound(f"no index at {root} (run `rag ingest PATH --index {root}` first)")
    if fmt != FORMAT_VERSION:
        raise IndexMismatch(f"index {root} has format {fmt}; this build reads {FORMAT_VERSION}")
    if not (root / SQLITE_NAME).exists():
        raise IndexCorrupt(f"{root / SQLITE_NAME} is missing")
    try:
        return SqliteStore.reader(root / SQLITE_NAME)
    except sqlite3.Error as e:
        raise IndexCorrupt(f"{root / SQLITE_NAME} cannot be opened: {e}") from e


def _check_model(root: Path, manifest: Manifest, expected_model: str | None) -> None:
    if expected_model and manifest.embedding_model != expected_model:
        raise IndexMismatch(
            f"index {root} was built with embedding model {manifest.embedding_model!r}, but this service "
            f"uses {expected_model!r}: re-ingest into a new index or set RAG_EMBEDDING_MODEL"
        )


def verify_version(vdir: Path, manifest: Manifest, deep: bool = False) -> None:
    """Format 1: check a version dir's files against its manifest (and, if ``deep``, SQLite integrity)."""
    for name, digest in manifest.checksums.items():
        path = vdir / name
        if not path.exists():
            raise IndexCorrupt(f"{path} is missing")
        _verify_file(path, digest)
    if deep:
        _integrity(vdir / SQLITE_NAME)


def _integrity(db: Path) -> None:
    if not db.exists():
        raise IndexCorrupt(f"{db} is missing")
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            res = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise IndexCorrupt(f"{db}: {e}") from e
    if res != "ok":
        raise IndexCorrupt(f"{db}: integrity check says {res}")


def check_index(root: Path | str) -> Manifest:
    """Deep check for ``rag check``: segment checksums, SQLite integrity, and counts that agree."""
    root = Path(root)
    _integrity(root / SQLITE_NAME) if index_format(root) == FORMAT_VERSION else None
    snap = IndexSnapshot.open(root, verify=True)
    try:
        m = snap.manifest
        if m.tombstones:
            _verify_file(root / SEGMENTS_DIR / m.tombstones, m.checksums.get(m.tombstones))
        n_articles, n_chunks = snap.store.counts()
        if (n_articles, n_chunks) != (m.articles, m.chunks) or snap.vectors.ntotal != n_chunks:
            raise IndexCorrupt(
                f"counts disagree: manifest {m.articles}/{m.chunks}, sqlite {n_articles}/{n_chunks}, "
                f"vectors {snap.vectors.ntotal}"
            )
        return m
    finally:
        snap.close()


# --- writing ---------------------------------------------------------------------------------------------
def orphans(root: Path, store: SqliteStore) -> list[Path]:
    """Files no kept manifest names (what a crashed writer or merge left), and merge folders no merge
    is using. Nothing a reader ever opens."""
    keep: set[str] = set()
    for _, body in store.manifest_bodies(1_000):
        keep.update(Manifest.from_json(body).files())
    folder = root / SEGMENTS_DIR
    if not folder.is_dir():
        return []
    out: list[Path] = []
    merging = None
    for p in sorted(folder.iterdir()):
        if p.is_dir() and p.name.startswith(".merge-"):
            if merging is None:
                with locked(root, ".merge.lock", blocking=False) as free:
                    merging = not free
            if not merging:
                out.append(p)
        elif p.name not in keep:
            out.append(p)
    return out


def _sweep(root: Path, store: SqliteStore) -> None:
    """Remove ``orphans``. Caller holds the writers' lock."""
    for p in orphans(root, store):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                p.unlink()


def _checkpoint(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


class IndexWriter:
    """Changes to the index, committed atomically on a clean exit of the ``with`` block or discarded.

    Writers queue on an exclusive lock; readers never wait for a writer (WAL) and keep serving the
    previous version until the commit."""

    def __init__(
        self, root: Path | str, embedding_model: str, dim: int, faiss_factory: str = "auto", keep_versions: int = 2
    ):
        self.root = Path(root)
        self.embedding_model = embedding_model
        self.dim = dim
        try:
            self.faiss_factory = normalize_factory(faiss_factory)
        except UnsupportedFactory as e:
            raise IndexMismatch(str(e)) from None
        self.keep_versions = max(1, keep_versions)
        self.store: SqliteStore | None = None
        self.prev: Manifest | None = None
        self.committed_version: str | None = None
        self._lock_cm: contextlib.AbstractContextManager | None = None
        self._added_ids: list[np.ndarray] = []
        self._added_vecs: list[np.ndarray] = []
        self._added_set: set[int] = set()
        self._dropped: set[int] = set()  # added, then removed again by the same writer
        self._removed: list[int] = []
        self._needs_rebuild = False
        self._discard = False

    # --- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> IndexWriter:
        self._lock_cm = locked(self.root)
        self._lock_cm.__enter__()
        try:
            self._open()
        except BaseException:
            self._close()
            raise
        return self

    def _open(self) -> None:
        fmt = index_format(self.root)
        if fmt == 1:
            from .migrate_v1 import migrate_v1

            migrate_v1(self.root)
        elif fmt is None:
            (self.root / SEGMENTS_DIR).mkdir(parents=True, exist_ok=True)
            for p in self.root.glob(SQLITE_NAME + "*"):  # leftovers of a first ingest that never committed
                p.unlink()
            _write_atomic(self.root / FORMAT_NAME, f"{FORMAT_VERSION}\n")
        elif fmt != FORMAT_VERSION:
            raise IndexMismatch(f"index {self.root} has format {fmt}; this build writes {FORMAT_VERSION}")
        (self.root / SEGMENTS_DIR).mkdir(exist_ok=True)
        self.store = SqliteStore(connect(self.root / SQLITE_NAME))
        self.store.conn.execute("PRAGMA journal_size_limit = 67108864")
        migrate(self.store.conn)
        _sweep(self.root, self.store)
        latest = self.store.latest_manifest()
        self.prev = Manifest.from_json(latest[1]) if latest else None
        if self.prev is not None:
            prev = self.prev
            if prev.embedding_model != self.embedding_model or prev.dim != self.dim:
                raise IndexMismatch(
                    f"index {self.root} was built with {prev.embedding_model!r} (dim {prev.dim}); "
                    f"refusing to add {self.embedding_model!r} vectors: use a new --index directory"
                )
            # only segments whose type the new policy changes are a reason to rebuild ("Flat" → "auto" is not)
            self._needs_rebuild = any(
                segment_factory(self.faiss_factory, s["rows"]) != s["factory"] for s in prev.segments
            )

    @property
    def needs_rebuild(self) -> bool:
        """True when the vectors must be rebuilt at commit (a new factory string)."""
        return self._needs_rebuild

    def discard(self) -> None:
        """Commit nothing on exit: the current version stays as it is."""
        self._discard = True
        self.committed_version = self.prev.version if self.prev else None

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None and not self._discard:
                self._commit()
        finally:
            self._close()

    def _close(self) -> None:
        if self.store is not None:
            with contextlib.suppress(Exception):
                self.store.conn.rollback()
            self.store.close()
            self.store = None
        if self._lock_cm is not None:
            self._lock_cm.__exit__(None, None, None)
            self._lock_cm = None

    # --- changes ---------------------------------------------------------------------------------
    def remove_chunks(self, ids: Sequence[int]) -> None:
        for i in ids:
            if int(i) in self._added_set:
                self._dropped.add(int(i))
            else:
                self._removed.append(int(i))

    def add_chunks(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        if len(ids):
            self._added_ids.append(np.asarray(ids, dtype=np.int64))
            self._added_set.update(int(i) for i in ids)
            self._added_vecs.append(np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim))

    # --- commit ------------------------------------------------------------------------------------
    def _commit(self) -> None:
        assert self.store is not None
        n = (self.prev.number if self.prev else 0) + 1
        gen = (self.prev.generation if self.prev else 0) + 1
        folder = self.root / SEGMENTS_DIR
        if self._needs_rebuild or self.prev is None:
            segs, checksums = self._rebuild(n) if self._needs_rebuild else self._new_segment(n, [], {})
            tomb_name, tomb_sum, tombs = None, None, np.zeros(0, dtype=np.int64)
        else:
            segs, checksums = self._new_segment(n, list(self.prev.segments), dict(self.prev.checksums))
            tombs = _load_tombstones(self.root, self.prev)
            tomb_name, tomb_sum = self.prev.tombstones, self.prev.checksums.get(self.prev.tombstones or "")
            if self._removed:
                tombs = np.union1d(tombs, np.array(self._removed, dtype=np.int64))
                tomb_name, tomb_sum = _save_tombstones(folder, n, tombs)
        if tomb_name:
            checksums[tomb_name] = tomb_sum or ""
        n_articles, n_chunks = self.store.counts()
        live = sum(s["rows"] for s in segs) - len(tombs)
        if live != n_chunks:
            raise IndexCorrupt(f"vector count {live} != chunk count {n_chunks}; not committing")
        _fsync_dir(folder)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            embedding_model=self.embedding_model,
            dim=self.dim,
            faiss_factory=self.faiss_factory,
            articles=n_articles,
            chunks=n_chunks,
            checksums=checksums,
            created=time.time(),
            version=_vname(n),
            segments=segs,
            tombstones=tomb_name,
            tombstone_count=len(tombs),
            generation=gen,
        )
        manifest.checksums = {f: checksums[f] for f in manifest.files()}
        self.store.record_manifest(gen, manifest.to_json(), self.keep_versions)
        self.store.conn.commit()  # the commit point
        self.committed_version = manifest.version
        _checkpoint(self.store.conn)
        _sweep(self.root, self.store)

    def _new_segment(self, n: int, segs: list[dict], checksums: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
        if not self._added_ids:
            return segs, checksums
        ids = np.concatenate(self._added_ids)
        vecs = np.concatenate(self._added_vecs)
        if self._dropped:
            keep = ~np.isin(ids, np.fromiter(self._dropped, dtype=np.int64))
            ids, vecs = ids[keep], vecs[keep]
        if not len(ids):
            return segs, checksums
        attrs = self.store.chunk_attrs(ids.tolist())  # type: ignore[union-attr]
        missing = [int(i) for i in ids if int(i) not in attrs]
        if missing:
            raise IndexCorrupt(f"{len(missing)} added chunks have no row (e.g. {missing[0]}); not committing")
        dates = [attrs[int(i)][0] for i in ids]
        sources = [attrs[int(i)][1] for i in ids]
        seg = Segment.build(
            _new_name("s", n), segment_factory(self.faiss_factory, len(ids)), ids, vecs,
            SegmentAttrs.from_rows(dates, sources),
        )  # fmt: skip
        checksums.update(seg.save(self.root / SEGMENTS_DIR))
        return [*segs, {"name": seg.name, "rows": len(seg), "factory": seg.factory}], checksums

    def _rebuild(self, n: int) -> tuple[list[dict], dict[str, str]]:
        """All vectors again from SQLite, as one segment of the configured type (a factory change)."""
        assert self.store is not None
        return _build_from_sqlite(self.root, self.store, self.faiss_factory, n)


def _build_from_sqlite(root: Path, store: SqliteStore, factory: str, n: int) -> tuple[list[dict], dict[str, str]]:
    parts = list(store.iter_chunk_rows())
    if not parts:
        return [], {}
    ids = np.concatenate([p[0] for p in parts])
    vecs = np.concatenate([p[1] for p in parts])
    dates = [d for p in parts for d in p[2]]
    sources = [s for p in parts for s in p[3]]
    seg = Segment.build(
        _new_name("s", n), segment_factory(factory, len(ids)), ids, vecs, SegmentAttrs.from_rows(dates, sources)
    )
    checksums = seg.save(root / SEGMENTS_DIR)
    return [{"name": seg.name, "rows": len(seg), "factory": seg.factory}], checksums
