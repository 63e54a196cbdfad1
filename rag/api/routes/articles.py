"""``GET /articles/{id}`` (read) and ``DELETE /articles/{id}`` (bearer token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from ...pipeline import RagService
from ..deps import get_metrics, get_service, require_writer
from ..observability import Metrics
from ..schemas import ArticleOut, DeletedOut, ErrorOut
from ..writes import ingest_into_service, timed_write
from .writes_doc import ERROR, WRITE_ERRORS

router = APIRouter(tags=["articles"])
Service = Annotated[RagService, Depends(get_service)]


def _not_found(article_id: str) -> HTTPException:
    return HTTPException(404, f"article_id: no article with id {article_id!r}")


@router.get("/articles/{article_id}", response_model=ArticleOut, responses={404: {"model": ErrorOut}})
def article(article_id: str, service: Service):
    """One stored report, its body exactly as citations quote it."""
    service.maybe_reload()
    a = service.snapshot.store.get_article(article_id)
    if a is None:
        raise _not_found(article_id)
    return a.to_dict()


@router.delete(
    "/articles/{article_id}",
    tags=["write"],
    dependencies=[Depends(require_writer)],
    response_model=DeletedOut,
    responses={404: {"description": "No such article", **ERROR}, **WRITE_ERRORS},
)
def delete_article(article_id: str, service: Service, metrics: Annotated[Metrics, Depends(get_metrics)]):
    """Remove an article and its chunks; the next query no longer sees it."""
    report, seconds = timed_write(metrics, "delete", ingest_into_service, service, [], delete_ids=[article_id])
    if report.deleted == 0:
        metrics.record_ingest("delete", "not_found")
        raise _not_found(article_id)
    metrics.record_ingest("delete", "ok", report.to_dict(), seconds)
    return {"deleted": article_id, "version": report.version}
