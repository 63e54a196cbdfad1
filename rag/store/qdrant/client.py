"""Where the Qdrant index lives, and one client per place.

``QdrantTarget`` is the configuration (``RAG_QDRANT_URL`` + ``RAG_QDRANT_API_KEY`` for a server or
cluster, or ``RAG_QDRANT_PATH`` for qdrant-client's local mode) plus the collection prefix.
qdrant-client's local mode locks its folder for one client per process, so clients are shared
per location (``client_for``); a server client is thread-safe and shared the same way.
"""

from __future__ import annotations

import atexit
import json
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from qdrant_client import QdrantClient
from qdrant_client import models as qm

from ..index_dir import IndexStoreError
from . import schema

POINTER_NAME = "qdrant.json"  # what an index folder holds in Qdrant mode: which collections it names


class QdrantUnavailable(IndexStoreError):
    pass


@dataclass(frozen=True)
class QdrantTarget:
    url: str | None = None
    api_key: str | None = None
    path: str | None = None
    prefix: str = "default"
    timeout_s: float = 30.0
    shards: int = 1
    replicas: int = 1
    hnsw_m: int = 16
    ef_construct: int = 128
    quantization: str = "none"

    @property
    def local(self) -> bool:
        return self.url is None

    def where(self) -> str:
        return f"{self.url or self.path} (collections {self.prefix}_*)"

    def collection(self, kind: str) -> str:
        return schema.collection_name(self.prefix, kind)


def resolve_prefix(index: Path, configured: str | None) -> str:
    """RAG_QDRANT_COLLECTION, else the name recorded in the index folder, else the folder's name."""
    if configured:
        return schema.sanitize_prefix(configured)
    pointer = index / POINTER_NAME
    if pointer.exists():
        try:
            return schema.sanitize_prefix(json.loads(pointer.read_text(encoding="utf-8"))["collection"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return schema.sanitize_prefix(index.resolve().name)


def write_pointer(index: Path, target: QdrantTarget) -> None:
    """Record the collection name in the index folder (all the local state Qdrant mode has)."""
    index.mkdir(parents=True, exist_ok=True)
    body = {"backend": "qdrant", "collection": target.prefix, "where": target.url or target.path}
    (index / POINTER_NAME).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


class _Serialized:
    """Local mode is one in-process engine over one SQLite file, not made for concurrent calls: the
    service's threads take turns (a server client needs no such thing)."""

    def __init__(self, client: QdrantClient):
        self._client = client
        self._lock = threading.RLock()

    def __getattr__(self, name: str):
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            with self._lock:
                return attr(*args, **kwargs)

        return call


_clients: dict[tuple, QdrantClient] = {}
_clients_lock = threading.Lock()


def client_for(target: QdrantTarget) -> QdrantClient:
    key = (target.url, target.api_key, str(Path(target.path).resolve()) if target.path else None)
    with _clients_lock:
        found = _clients.get(key)
        if found is not None:
            return found
        client: QdrantClient
        try:
            if target.url:
                client = QdrantClient(url=target.url, api_key=target.api_key, timeout=int(target.timeout_s))
            else:
                if not target.path:
                    raise QdrantUnavailable("RAG_STORE=qdrant needs RAG_QDRANT_URL or RAG_QDRANT_PATH")
                Path(target.path).mkdir(parents=True, exist_ok=True)
                client = _Serialized(QdrantClient(path=str(target.path)))  # type: ignore[assignment]
        except (RuntimeError, ValueError, OSError) as e:
            raise QdrantUnavailable(f"cannot open Qdrant at {target.url or target.path}: {e}") from e
        _clients[key] = client
        return client


def close_clients() -> None:
    """Close every shared client (tests, and a process that is done with Qdrant)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for c in clients:
        try:
            c.close()
        except Exception:
            pass


atexit.register(close_clients)  # before interpreter teardown, when the client's own __del__ would fail


# --- collections ------------------------------------------------------------------------------------------
def _quantization(kind: str) -> qm.QuantizationConfig | None:
    if kind == "scalar":
        return qm.ScalarQuantization(scalar=qm.ScalarQuantizationConfig(type=qm.ScalarType.INT8, always_ram=True))
    if kind == "binary":
        return qm.BinaryQuantization(binary=qm.BinaryQuantizationConfig(always_ram=True))
    if kind in ("", "none"):
        return None
    raise IndexStoreError(f"unsupported RAG_QDRANT_QUANTIZATION {kind!r}: use none, scalar or binary")


def ensure_collections(client: QdrantClient, target: QdrantTarget, dim: int) -> None:
    """Create the collections and payload indexes if missing (idempotent; safe from several workers)."""
    chunks = target.collection(schema.CHUNKS)
    if not client.collection_exists(chunks):
        _create(
            client,
            chunks,
            vectors_config={
                schema.DENSE: qm.VectorParams(size=dim, distance=qm.Distance.COSINE, on_disk=False),
                schema.SENTENCES: qm.VectorParams(
                    size=dim,
                    distance=qm.Distance.COSINE,
                    datatype=qm.Datatype.FLOAT16,
                    multivector_config=qm.MultiVectorConfig(comparator=qm.MultiVectorComparator.MAX_SIM),
                    hnsw_config=qm.HnswConfigDiff(m=0),  # never searched by similarity: no graph
                    on_disk=True,
                ),
            },
            sparse_vectors_config={schema.SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            hnsw_config=qm.HnswConfigDiff(m=target.hnsw_m, ef_construct=target.ef_construct, payload_m=target.hnsw_m),
            quantization_config=_quantization(target.quantization),
            shard_number=target.shards,
            replication_factor=target.replicas,
        )
    _index(client, chunks, {
        "date_key": qm.IntegerIndexParams(type=qm.IntegerIndexType.INTEGER, lookup=False, range=True),
        "outlets": qm.PayloadSchemaType.KEYWORD,
        "article_id": qm.PayloadSchemaType.KEYWORD,
        "emb_hash": qm.PayloadSchemaType.KEYWORD,
        "sentence_hashes": qm.PayloadSchemaType.KEYWORD,
        "content_hash": qm.PayloadSchemaType.KEYWORD,
        "terms": qm.IntegerIndexParams(type=qm.IntegerIndexType.INTEGER, lookup=True, range=False),
    })  # fmt: skip
    articles = target.collection(schema.ARTICLES)
    if not client.collection_exists(articles):
        _create(client, articles, vectors_config={}, shard_number=target.shards, replication_factor=target.replicas)
    _index(client, articles, {
        "date_key": qm.IntegerIndexParams(type=qm.IntegerIndexType.INTEGER, lookup=False, range=True),
        "outlet_parts": qm.PayloadSchemaType.KEYWORD,
    })  # fmt: skip
    meta = target.collection(schema.META)
    if not client.collection_exists(meta):
        _create(client, meta, vectors_config={}, replication_factor=target.replicas)


def _create(client: QdrantClient, name: str, **kwargs) -> None:
    try:
        client.create_collection(name, **kwargs)
    except Exception as e:  # another worker created it first: fine
        if not client.collection_exists(name):
            raise QdrantUnavailable(f"cannot create Qdrant collection {name}: {e}") from e


def _index(client: QdrantClient, collection: str, fields: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # local mode says payload indexes have no effect there
        for field, schema_ in fields.items():
            client.create_payload_index(collection, field, field_schema=schema_, wait=True)
