"""The index record kept in Qdrant (``<name>_meta``): model id, dim and the commit generation.

Readers poll the generation to notice commits from any writer (several API replicas, several
ingest workers); writers check the model id before writing a single point.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from qdrant_client import QdrantClient
from qdrant_client import models as qm

from ..index_dir import IndexMismatch
from . import schema
from .client import QdrantTarget

FORMAT = "qdrant-1"


@dataclass
class IndexRecord:
    embedding_model: str
    dim: int
    generation: int = 0
    commit: str = ""
    updated: float = 0.0
    format: str = FORMAT

    @property
    def version(self) -> str:
        return f"q{self.generation:06d}"


def read_record(client: QdrantClient, target: QdrantTarget) -> IndexRecord | None:
    name = target.collection(schema.META)
    if not client.collection_exists(name):
        return None
    got = client.retrieve(name, ids=[schema.META_POINT], with_payload=True, with_vectors=False)
    if not got or not got[0].payload:
        return None
    p = got[0].payload
    return IndexRecord(
        embedding_model=str(p["embedding_model"]),
        dim=int(p["dim"]),
        generation=int(p.get("generation", 0)),
        commit=str(p.get("commit", "")),
        updated=float(p.get("updated", 0.0)),
        format=str(p.get("format", FORMAT)),
    )


def check_model(record: IndexRecord, model_id: str, dim: int | None, where: str) -> None:
    if record.embedding_model != model_id or (dim is not None and record.dim != dim):
        raise IndexMismatch(
            f"Qdrant index {where} was built with {record.embedding_model!r} (dim {record.dim}); "
            f"refusing to use it with {model_id!r}: use another RAG_QDRANT_COLLECTION"
        )


def write_record(client: QdrantClient, target: QdrantTarget, record: IndexRecord) -> None:
    client.upsert(
        target.collection(schema.META),
        points=[qm.PointStruct(id=schema.META_POINT, vector={}, payload=record.__dict__.copy())],
        wait=True,
    )


def bump_generation(client: QdrantClient, target: QdrantTarget, model_id: str, dim: int) -> IndexRecord:
    """Mark a commit. Two writers committing at once may both write generation n+1: the commit id
    still differs, and readers reload on either change."""
    prev = read_record(client, target)
    gen = (prev.generation if prev else 0) + 1
    rec = IndexRecord(model_id, dim, gen, uuid.uuid4().hex, time.time())
    write_record(client, target, rec)
    return rec
