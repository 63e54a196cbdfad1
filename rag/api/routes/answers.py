"""``POST /ask``, ``POST /ask/stream`` and ``GET /search``: the read side that runs a query."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from ...pipeline import AskRequest, RagService
from ...retrieval.hybrid import Filters
from ..deps import get_service
from ..schemas import AskIn, AskOut, ErrorOut, SearchOut, SearchQuery
from ..sse import event_stream

router = APIRouter(tags=["answers"])
ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}
Service = Annotated[RagService, Depends(get_service)]


def to_request(body: AskIn) -> AskRequest:
    f = body.filters
    return AskRequest(
        question=body.question,
        top_k=body.top_k,
        filters=Filters(f.date_from, f.date_to, f.sources) if f else Filters(),
        as_of=body.as_of,
        history=[t.model_dump() for t in body.history] if body.history else None,
        generate=body.generate,
    )


@router.post(
    "/ask",
    response_model=AskOut,
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "JSON, or SSE when asked for"}},
)
def ask(body: AskIn, request: Request, service: Service):
    """Answer a question; every sentence cites a report. ``Accept: text/event-stream`` streams it."""
    if "text/event-stream" in request.headers.get("accept", ""):
        return event_stream(service, to_request(body))
    return service.ask(to_request(body)).to_dict()


@router.post("/ask/stream", responses={**ERRORS, 200: {"content": {"text/event-stream": {}}}})
def ask_stream(body: AskIn, service: Service):
    """The answer as Server-Sent Events: sources, answer deltas, citations, statements, done."""
    return event_stream(service, to_request(body))


@router.get("/search", response_model=SearchOut, responses=ERRORS)
def search(params: Annotated[SearchQuery, Query()], service: Service):
    """The passages retrieval finds for a text, best first (no answer)."""
    t = time.perf_counter()
    filters = Filters(params.date_from, params.date_to, params.source)
    res = service.search(params.q, params.top_k, filters, params.as_of)
    return {
        "query": params.q,
        "passages": [p.to_dict() for p in res.passages],
        "timings_ms": {**res.timings_ms, "total": (time.perf_counter() - t) * 1000},
    }
