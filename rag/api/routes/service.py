"""``GET /health``, ``GET /stats`` and ``GET /metrics``: how the service and its index are doing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ...pipeline import RagService
from ...store.backends import describe
from ..deps import get_metrics, get_service, require_metrics_reader
from ..observability import Metrics
from ..schemas import ErrorOut, StatsOut

router = APIRouter(tags=["service"])
Service = Annotated[RagService, Depends(get_service)]


@router.get("/health")
def health(service: Service) -> dict:
    """Liveness, the index version being served, the store's state (FAISS segments or the Qdrant
    collection), and whether the configured LLM answers."""
    llm: dict = {"configured": service.generator is not None}
    if service.generator is not None:  # the user's LLM: reachable or not, never a failed health check
        problem = service.generator.probe()
        llm.update(model=service.generator.model, reachable=problem is None, error=problem)
    snap = service.snapshot
    return {"status": "ok", "index_version": snap.version, "store": describe(snap), "llm": llm}


@router.get("/stats", response_model=StatsOut)
def stats(service: Service) -> dict:
    """Counts, model, date span and outlets of the index being served."""
    service.maybe_reload()
    snap = service.snapshot
    m = snap.manifest
    return {
        "articles": m.articles,
        "chunks": m.chunks,
        "model": m.embedding_model,
        "dim": m.dim,
        "faiss_factory": m.faiss_factory,
        "version": snap.version,
        **snap.store.sources_and_span(),
    }


metrics_router = APIRouter(tags=["service"])


@metrics_router.get(
    "/metrics",
    dependencies=[Depends(require_metrics_reader)],
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text format"},
        401: {"model": ErrorOut, "description": "Missing or wrong bearer token (RAG_METRICS_ACCESS=token)"},
        403: {"model": ErrorOut, "description": "RAG_METRICS_ACCESS=token but no RAG_API_TOKEN is set"},
    },
)
async def metrics(registry: Annotated[Metrics, Depends(get_metrics)]):
    """Request counts and latency by route, ingest counters, index size (Prometheus format).

    Open, behind the bearer token (the default), or absent, by ``RAG_METRICS_ACCESS``."""
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
