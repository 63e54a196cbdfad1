"""Immutable vector segments: the unit an index is made of, LSM-style.

A segment is a FAISS index over some chunks, written once and never changed: row ``i`` of the
index is chunk ``ids[i]`` (ids sorted), so row masks double as id filters and no id map is
needed. Beside the index it keeps each row's filter attributes (the article's date and outlet,
dictionary-coded), so a filtered query computes its allowed rows with numpy instead of pulling
chunk ids out of SQLite. Deleted chunks are tombstoned by the snapshot, not removed here;
merges (``index_dir.compact``) write new segments without them.

Index types (``factory``): ``Flat`` (exact), ``HNSW<M>``, ``IVF<n>,Flat`` and
``IVF<n>,PQ<m>`` (always with an exact refine stage, ``,RFlat``). Every type keeps the raw
vectors (``reconstruct_batch``), which exact search over a narrow filter and merges use.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

AUTO = "auto"
# Under "auto", segments below this many rows are exact (Flat); larger ones use AUTO_ANN. Measured
# with benchmarks/scale.py (benchmarks/README.md): a Flat scan of 50k MiniLM vectors takes a few ms.
AUTO_ANN_MIN_ROWS = 50_000
AUTO_ANN = "HNSW32"


class UnsupportedFactory(ValueError):
    pass


def normalize_factory(factory: str) -> str:
    """Canonical form of a configured factory string; PQ always gets an exact refine stage."""
    f = (factory or "Flat").replace(" ", "")
    if f.lower() == AUTO:
        return AUTO
    if f.startswith("IDMap2,") or f.startswith("IDMap,"):
        f = f.split(",", 1)[1]
    if f == "Flat" or re.fullmatch(r"HNSW\d+(,Flat)?", f) or re.fullmatch(r"IVF\d+,Flat", f):
        return f
    m = re.fullmatch(r"(IVF\d+,PQ\d+(x\d+)?(fs)?)(,RFlat|,Refine\(Flat\))?", f)
    if m:
        return m.group(1) + ",RFlat"
    raise UnsupportedFactory(
        f"unsupported RAG_FAISS_FACTORY {factory!r}: use auto, Flat, HNSW<M>, IVF<n>,Flat or IVF<n>,PQ<m>"
    )


def kind_of(factory: str) -> str:
    """'flat' | 'hnsw' | 'ivf' (IVF-Flat or IVF-PQ with refine)."""
    if factory.startswith("HNSW"):
        return "hnsw"
    if factory.startswith("IVF"):
        return "ivf"
    return "flat"


def _ivf_lists(factory: str) -> int:
    m = re.match(r"IVF(\d+)", factory)
    return int(m.group(1)) if m else 0


def segment_factory(policy: str, rows: int) -> str:
    """The index type a segment of ``rows`` rows gets under the configured ``policy``.

    Small segments are exact whatever the policy: building an ANN index over a few thousand
    rows buys nothing, and an IVF quantizer needs ~39 training points per list."""
    policy = normalize_factory(policy)
    if policy == AUTO:
        return AUTO_ANN if rows >= AUTO_ANN_MIN_ROWS else "Flat"
    if kind_of(policy) == "ivf" and rows < 39 * _ivf_lists(policy):
        return "Flat"
    return policy


@dataclass(frozen=True)
class SearchTuning:
    """Query-time parameters (RAG_HNSW_EF_SEARCH, RAG_IVF_NPROBE, RAG_EXACT_FILTER_MAX)."""

    ef_search: int = 256
    nprobe: int = 32
    refine_k_factor: int = 16  # PQ candidates re-ranked exactly per wanted result
    exact_max: int = 20_000  # a filter allowing at most this many rows of a segment: exact search
    ann_cap: int = 4096  # ef/nprobe are raised up to this before falling back to exact search


@dataclass
class SegmentAttrs:
    """Per-row filter attributes, dictionary-coded; -1 = undated (never passes a date filter)."""

    dates: list[str]  # sorted distinct date strings: codes compare as the strings do in SQL
    date_code: np.ndarray  # int32 per row
    sources: list[str]
    source_code: np.ndarray  # int32 per row

    @classmethod
    def from_rows(cls, dates: Sequence[str | None], sources: Sequence[str | None]) -> SegmentAttrs:
        distinct = sorted({d for d in dates if d})
        dpos = {d: i for i, d in enumerate(distinct)}
        srcs = sorted({s or "" for s in sources})
        spos = {s: i for i, s in enumerate(srcs)}
        return cls(
            distinct,
            np.array([dpos[d] if d else -1 for d in dates], dtype=np.int32),
            srcs,
            np.array([spos[s or ""] for s in sources], dtype=np.int32),
        )

    def take(self, rows: np.ndarray) -> tuple[list[str | None], list[str]]:
        """The raw (date, source) values of ``rows`` (for merging segments)."""
        dates = [self.dates[c] if c >= 0 else None for c in self.date_code[rows].tolist()]
        sources = [self.sources[c] for c in self.source_code[rows].tolist()]
        return dates, sources

    def mask(self, date_from: str | None, date_to: str | None, sources: Sequence[str] | None) -> np.ndarray:
        """Rows passing the filters, with exactly the semantics of ``SqliteStore._filter_sql``."""
        n = len(self.date_code)
        out = np.ones(n, dtype=bool)
        if date_from or date_to:
            lo = bisect_left(self.dates, date_from) if date_from else 0
            hi = bisect_right(self.dates, date_to) - 1 if date_to else len(self.dates) - 1
            out &= (self.date_code >= lo) & (self.date_code <= hi)
        if sources:
            table = np.array([source_matches(s, sources) for s in self.sources], dtype=bool)
            out &= table[self.source_code] if len(table) else False
        return out


def source_matches(source: str, wanted: Sequence[str]) -> bool:
    """An outlet matches case-insensitively, or as one part of a combined 'A/B/C' credit line."""
    src = (source or "").lower()
    return any(src == w.lower() or f"/{w.lower()}/" in f"/{src}/" for w in wanted)


def search_params(name: str, **fields: object) -> faiss.SearchParameters:
    """``faiss.<name>(**fields)``, looked up by name because faiss's bundled stubs lack SearchParametersHNSW
    and the keyword constructor its Python wrappers give every SearchParameters class."""
    cls = getattr(faiss, name)
    return cls(**fields)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


class Segment:
    """One immutable segment, loaded in memory (see the module docstring)."""

    def __init__(self, name: str, factory: str, ids: np.ndarray, attrs: SegmentAttrs, index: faiss.Index):
        self.name = name
        self.factory = factory
        self.kind = kind_of(factory)
        self.ids = ids
        self.attrs = attrs
        self.index = index
        self.dim = index.d

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def files(self) -> tuple[str, str]:
        return f"{self.name}.faiss", f"{self.name}.npz"

    # --- building and files ------------------------------------------------------------------------
    @classmethod
    def build(cls, name: str, factory: str, ids: np.ndarray, vectors: np.ndarray, attrs: SegmentAttrs) -> Segment:
        order = np.argsort(ids, kind="stable")
        ids = np.ascontiguousarray(ids[order], dtype=np.int64)
        vectors = np.ascontiguousarray(vectors[order], dtype=np.float32)
        attrs = SegmentAttrs(attrs.dates, attrs.date_code[order], attrs.sources, attrs.source_code[order])
        index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
        if not index.is_trained:
            rng = np.random.default_rng(0)
            n_train = min(len(vectors), max(64 * _ivf_lists(factory), 50_000))
            sample = vectors[np.sort(rng.choice(len(vectors), n_train, replace=False))]
            index.train(sample)
        for i in range(0, len(vectors), 100_000):  # bounded temporary memory
            index.add(vectors[i : i + 100_000])
        seg = cls(name, factory, ids, attrs, index)
        seg._prepare()
        return seg

    def _prepare(self) -> None:
        ivf = faiss.try_extract_index_ivf(self.index)
        if ivf is not None and self.kind == "ivf" and "RFlat" not in self.factory:
            ivf.make_direct_map()  # IVF-Flat rows are reconstructed through the direct map

    def save(self, folder: Path) -> dict[str, str]:
        """Write both files (fsynced); returns their sha256 by file name."""
        fa, fn = self.files
        faiss.write_index(self.index, str(folder / fa))
        a = self.attrs
        with open(folder / fn, "wb") as f:
            np.savez(
                f,
                ids=self.ids,
                date_code=a.date_code,
                source_code=a.source_code,
                dates=np.array(a.dates, dtype=str),
                sources=np.array(a.sources, dtype=str),
                factory=np.array(self.factory),
            )
        for name in (fa, fn):
            _fsync(folder / name)
        return {name: _sha256(folder / name) for name in (fa, fn)}

    @classmethod
    def load(cls, folder: Path, name: str) -> Segment:
        with np.load(folder / f"{name}.npz", allow_pickle=False) as z:
            ids = z["ids"]
            attrs = SegmentAttrs(
                [str(x) for x in z["dates"].tolist()],
                z["date_code"],
                [str(x) for x in z["sources"].tolist()],
                z["source_code"],
            )
            factory = str(z["factory"])
        # Flat and HNSW vectors are memory-mapped: worker processes serving the same index share those
        # pages through the page cache instead of each holding a copy (files are never changed in place).
        flags = faiss.IO_FLAG_MMAP_IFC if kind_of(factory) in ("flat", "hnsw") else 0
        index = faiss.read_index(str(folder / f"{name}.faiss"), flags)
        if index.ntotal != len(ids):
            raise ValueError(f"segment {name}: {index.ntotal} vectors for {len(ids)} ids")
        seg = cls(name, factory, ids, attrs, index)
        seg._prepare()
        return seg

    # --- rows --------------------------------------------------------------------------------------
    def id_mask(self, ids: np.ndarray) -> np.ndarray:
        """Boolean row mask of the given (any order) ids."""
        m = np.zeros(len(self.ids), dtype=bool)
        if len(ids) and len(self.ids):
            pos = np.searchsorted(self.ids, ids)
            ok = pos < len(self.ids)
            pos, sel = pos[ok], ids[ok]
            m[pos[self.ids[pos] == sel]] = True
        return m

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.index.reconstruct_batch(np.ascontiguousarray(rows, dtype=np.int64))

    # --- search ------------------------------------------------------------------------------------
    def search(
        self, q: np.ndarray, k: int, mask: np.ndarray | None, tuning: SearchTuning
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, chunk ids) among rows where ``mask`` (None: all rows). Never returns
        fewer than ``min(k, allowed rows)``: narrow masks are searched exactly, broad ones by ANN
        with parameters raised until enough allowed rows are found (then exact, as a last resort)."""
        n = len(self.ids)
        allowed = n if mask is None else int(np.count_nonzero(mask))
        want = min(k, allowed)
        if want <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if self.kind == "flat" and mask is None:
            return self._faiss(q, want, None, None)
        if mask is not None and (allowed <= tuning.exact_max or self.kind == "flat"):
            return self._exact(q, want, np.flatnonzero(mask))
        # ANN: the fewer rows pass, the wider the search must look to find k of them
        frac = allowed / n
        width = self._base_width(tuning)
        width = min(tuning.ann_cap, max(width, math.ceil(width / frac)))
        bits = np.packbits(mask, bitorder="little") if mask is not None else None
        while True:
            scores, ids = self._faiss(q, want, bits, width, tuning)
            if len(ids) >= want:
                return scores, ids
            if width >= tuning.ann_cap:
                rows = np.flatnonzero(mask) if mask is not None else np.arange(n)
                return self._exact(q, want, rows)
            width = min(tuning.ann_cap, width * 2)

    def _base_width(self, tuning: SearchTuning) -> int:
        return tuning.ef_search if self.kind == "hnsw" else tuning.nprobe

    def _params(self, sel, width: int | None, tuning: SearchTuning | None):
        if self.kind == "hnsw":
            return search_params("SearchParametersHNSW", sel=sel, efSearch=int(width or 16))
        if self.kind == "ivf":
            ivf = search_params("SearchParametersIVF", sel=sel, nprobe=int(width or 1))
            if "RFlat" in self.factory:
                kf = tuning.refine_k_factor if tuning else 4
                return search_params("IndexRefineSearchParameters", sel=sel, k_factor=kf, base_index_params=ivf)
            return ivf
        return search_params("SearchParameters", sel=sel) if sel is not None else None

    def _faiss(self, q, k, bits, width, tuning: SearchTuning | None = None):
        sel = faiss.IDSelectorBitmap(len(self.ids), faiss.swig_ptr(bits)) if bits is not None else None
        params = self._params(sel, width, tuning)
        q2 = np.ascontiguousarray(q.reshape(1, -1), dtype=np.float32)
        d, i = self.index.search(q2, k, params=params) if params is not None else self.index.search(q2, k)
        keep = i[0] >= 0
        return d[0][keep], self.ids[i[0][keep]]

    def _exact(self, q: np.ndarray, k: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        best_s: list[np.ndarray] = []
        best_r: list[np.ndarray] = []
        for i in range(0, len(rows), 65_536):  # bounded memory for wide exact scans
            part = rows[i : i + 65_536]
            s = self.vectors(part) @ q
            top = np.argpartition(-s, k - 1)[:k] if len(s) > k else np.arange(len(s))
            best_s.append(s[top])
            best_r.append(part[top])
        s, r = np.concatenate(best_s), np.concatenate(best_r)
        order = np.argsort(-s, kind="stable")[:k]
        return s[order].astype(np.float32), self.ids[r[order]]
