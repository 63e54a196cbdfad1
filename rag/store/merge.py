"""Merging segments, LSM-style: the smallest segments when there are too many, and any segment with
too many deleted rows, are rewritten as one segment without their tombstoned rows.

The plan is made from the committed manifest, the merged segment is built in a private folder without
holding the writer lock (ingests go on meanwhile), and the result is committed under the lock, keeping
the tombstones of deletes that landed during the build. A merge changes no content: the manifest's
version stays, its generation moves on.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .index_dir import (
    FORMAT_VERSION,
    SEGMENTS_DIR,
    SQLITE_NAME,
    IndexSnapshot,
    Manifest,
    _checkpoint,
    _fsync_dir,
    _load_tombstones,
    _new_name,
    _save_tombstones,
    _sweep,
    index_format,
    locked,
)
from .segments import Segment, SegmentAttrs, normalize_factory, segment_factory
from .sqlite_store import SqliteStore, connect
from .vector_store import SegmentedVectors


@dataclass(frozen=True)
class MergePolicy:
    """When segments are merged (RAG_MAX_SEGMENTS, RAG_MERGE_DEAD_RATIO)."""

    max_segments: int = 8
    dead_ratio: float = 0.2  # a segment with more tombstoned rows than this is rewritten without them


def _plan(segs: list[dict], dead: dict[str, int], policy: MergePolicy) -> list[str]:
    """Names of the segments to merge into one (empty: nothing to do): LSM tiering, smallest first."""
    chosen = {s["name"] for s in segs if s["rows"] and dead.get(s["name"], 0) / s["rows"] > policy.dead_ratio}
    by_size = sorted(segs, key=lambda s: s["rows"] - dead.get(s["name"], 0))
    excess = len(segs) - policy.max_segments
    if excess > 0:
        chosen.update(s["name"] for s in by_size[: excess + 1])
    if len(chosen) == 1 and not dead.get(next(iter(chosen))):
        chosen = set()  # one segment alone is rewritten only to drop its dead rows
    return [s["name"] for s in segs if s["name"] in chosen]


def _dead_counts(segments: list[Segment], tombs: np.ndarray) -> dict[str, int]:
    return {s.name: int(s.id_mask(tombs).sum()) if len(tombs) else 0 for s in segments}


def compact(
    root: Path | str,
    faiss_factory: str = "auto",
    policy: MergePolicy | None = None,
    keep_versions: int = 2,
    previous: IndexSnapshot | None = None,
) -> str | None:
    """Merge segments if the policy says so; returns the new version, or None when nothing was due.

    Plans from the committed manifest, builds the merged segment without holding the writer lock
    (ingests go on), and commits under the lock, carrying over deletes that landed meanwhile. One
    merge at a time per index (a second caller returns None at once)."""
    root = Path(root)
    policy = policy or MergePolicy()
    factory = normalize_factory(faiss_factory)
    with locked(root, ".merge.lock", blocking=False) as got:
        if not got or index_format(root) != FORMAT_VERSION:
            return None
        snap = IndexSnapshot.open(root, verify=False, previous=previous)
        try:
            segs = snap.vectors.segments
            dead = _dead_counts(segs, snap.vectors.tombstones)
            names = _plan(snap.manifest.segments, dead, policy)
            if not names:
                return None
            n_next = snap.manifest.generation + 1
            merged, sums = _merge_segments(root, [s for s in segs if s.name in names], snap.vectors, factory, n_next)
        finally:
            snap.close()
        return _commit_merge(root, names, merged, sums, keep_versions)


def _merge_segments(
    root: Path, parts: list[Segment], vectors: SegmentedVectors, factory: str, n: int
) -> tuple[Segment | None, dict[str, str]]:
    """Build the merged segment into a private ``.merge-*`` folder (moved into place at commit)."""
    ids, vecs, dates, sources = [], [], [], []
    for seg in parts:
        live = vectors.live[vectors.segments.index(seg)]
        rows = np.flatnonzero(live) if live is not None else np.arange(len(seg))
        ids.append(seg.ids[rows])
        vecs.append(seg.vectors(rows))
        d, s = seg.attrs.take(rows)
        dates += d
        sources += s
    all_ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    if not len(all_ids):
        return None, {}
    seg = Segment.build(
        _new_name("s", n), segment_factory(factory, len(all_ids)), all_ids, np.concatenate(vecs),
        SegmentAttrs.from_rows(dates, sources),
    )  # fmt: skip
    tmp = root / SEGMENTS_DIR / f".merge-{seg.name}"
    tmp.mkdir()
    return seg, seg.save(tmp)


def _commit_merge(root: Path, names: list[str], merged: Segment | None, sums: dict[str, str], keep: int) -> str | None:
    with locked(root):
        store = SqliteStore(connect(root / SQLITE_NAME))
        try:
            latest = store.latest_manifest()
            m = Manifest.from_json(latest[1]) if latest else None
            tmp = root / SEGMENTS_DIR / f".merge-{merged.name}" if merged is not None else None
            if m is None or not set(names) <= {s["name"] for s in m.segments}:
                if tmp is not None:
                    shutil.rmtree(tmp, ignore_errors=True)
                return None  # someone else merged these meanwhile
            if tmp is not None:
                for f in merged.files:  # type: ignore[union-attr]
                    os.replace(tmp / f, root / SEGMENTS_DIR / f)
                tmp.rmdir()
            n = m.generation + 1
            segs = [s for s in m.segments if s["name"] not in names]
            if merged is not None:
                segs.append({"name": merged.name, "rows": len(merged), "factory": merged.factory})
            tombs = _load_tombstones(root, m)
            keep_tombs = _tombs_in(root, segs, merged, tombs)
            checksums = {f: c for f, c in m.checksums.items()}
            checksums.update(sums)
            tomb_name = None
            if len(keep_tombs):
                tomb_name, digest = _save_tombstones(root / SEGMENTS_DIR, n, keep_tombs)
                checksums[tomb_name] = digest
            _fsync_dir(root / SEGMENTS_DIR)
            new = Manifest(**{**asdict(m), "generation": n, "created": time.time(), "segments": segs})
            new.tombstones, new.tombstone_count = tomb_name, len(keep_tombs)
            new.checksums = {f: checksums[f] for f in new.files()}
            store.record_manifest(n, new.to_json(), keep)
            store.conn.commit()
            _checkpoint(store.conn)
            _sweep(root, store)
            return f"{new.version} generation {n}"
        finally:
            store.close()


def _tombs_in(root: Path, segs: list[dict], merged: Segment | None, tombs: np.ndarray) -> np.ndarray:
    """Tombstones that still name a row of one of ``segs`` (deletes that landed during the merge
    included); those of merged-away rows are dropped."""
    if not len(tombs):
        return tombs
    keep = np.zeros(len(tombs), dtype=bool)
    folder = root / SEGMENTS_DIR
    for s in segs:
        if merged is not None and s["name"] == merged.name:
            ids = merged.ids
        else:
            with np.load(folder / f"{s['name']}.npz", allow_pickle=False) as z:
                ids = z["ids"]
        pos = np.searchsorted(ids, tombs)
        ok = pos < len(ids)
        keep[ok] |= ids[pos[ok]] == tombs[ok]
    return tombs[keep]


def merge_due(snapshot: IndexSnapshot, policy: MergePolicy | None = None) -> bool:
    policy = policy or MergePolicy()
    dead = _dead_counts(snapshot.vectors.segments, snapshot.vectors.tombstones)
    return bool(_plan(snapshot.manifest.segments, dead, policy))
