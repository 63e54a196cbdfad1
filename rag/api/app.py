"""The FastAPI application: ``create_app(settings)`` builds it with its dependencies injected.

Routes: ``POST /ask`` (JSON, or Server-Sent Events with ``Accept: text/event-stream``),
``POST /ask/stream``, ``GET /search``, ``GET /articles/{id}``, ``GET /health``, ``GET /stats``,
and the chat page at ``/``. Every error is JSON with an ``error`` message, never a traceback.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..models import Answer
from ..pipeline import AskRequest, RagService
from ..retrieval.hybrid import Filters
from ..settings import Settings
from ..store import IndexStoreError
from .schemas import ArticleOut, AskIn, AskOut, ErrorOut, SearchOut, StatsOut

log = logging.getLogger("rag.api")

_ERRORS = {400: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}


def to_request(body: AskIn) -> AskRequest:
    f = body.filters
    return AskRequest(
        question=body.question,
        top_k=body.top_k,
        filters=Filters(f.date_from, f.date_to, f.sources) if f else Filters(),
        as_of=body.as_of,
        history=[t.model_dump() for t in body.history] if body.history else None,
    )


def _sse(event: str, data) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


_MARKER = re.compile(r"(\[\d+\])")


def sse_events(answer: Answer) -> Iterator[str]:
    """The same answer as /ask, as events.

    ``sources`` (the passages) first; then per statement: ``answer`` text deltas (their concatenation
    is exactly the ``answer`` field), a ``citation`` the first time each marker is reached, and
    ``statement`` (the structured statement with its index); finally ``done`` with the abstained flag,
    timings, the rewritten question and ``result``: the whole ``/ask`` object but its passages."""
    out = answer.to_dict()
    yield _sse("sources", {"passages": out["passages"]})
    cites = {c["n"]: c for c in out["citations"]}
    sent: set[int] = set()
    for i, st in enumerate(answer.statements):
        text = ("\n" if st.paragraph else " ") + st.rendered() if i else st.rendered()
        for piece in _MARKER.split(text):
            for word in re.findall(r"\S+\s*|\s+", piece):
                yield _sse("answer", {"delta": word})
            if _MARKER.fullmatch(piece) and (n := int(piece[1:-1])) in cites and n not in sent:
                sent.add(n)
                yield _sse("citation", cites[n])
        yield _sse("statement", {"index": i, **st.to_dict()})
    result = {k: v for k, v in out.items() if k != "passages"}
    yield _sse(
        "done",
        {
            "abstained": out["abstained"],
            "timings_ms": out["timings_ms"],
            "rewritten_question": out["rewritten_question"],
            "result": result,
        },
    )


def create_app(settings: Settings | None = None, service: RagService | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="rag-news",
        version="0.1.0",
        description="Answers over dated news reports in which every sentence cites its source.",
    )
    app.state.settings = settings
    app.state.service = service

    def svc() -> RagService:
        if app.state.service is None:
            try:
                app.state.service = RagService(settings)
            except IndexStoreError as e:
                raise HTTPException(503, str(e)) from e
        return app.state.service

    # --- errors: always JSON, never a traceback --------------------------------------------------
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errs = [{"loc": list(e.get("loc", [])), "msg": e.get("msg", "")} for e in exc.errors()]
        first = errs[0] if errs else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(x) for x in first["loc"] if x != "body")
        return JSONResponse(
            {"error": f"{where}: {first['msg']}" if where else first["msg"], "detail": errs}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse(
            {"error": str(exc.detail)}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return JSONResponse({"error": "internal error"}, status_code=500)

    # --- routes -------------------------------------------------------------------------------------
    @app.get("/health", tags=["service"])
    def health() -> dict:
        from ..store.backends import describe

        s = svc()
        return {"status": "ok", "index_version": s.snapshot.version, "store": describe(s.snapshot)}

    @app.get("/stats", response_model=StatsOut, tags=["service"])
    def stats() -> dict:
        s = svc()
        s.maybe_reload()
        snap = s.snapshot
        m = snap.manifest
        extra = snap.store.sources_and_span()
        return {
            "articles": m.articles,
            "chunks": m.chunks,
            "model": m.embedding_model,
            "dim": m.dim,
            "faiss_factory": m.faiss_factory,
            "version": snap.version,
            **extra,
        }

    @app.post(
        "/ask",
        response_model=AskOut,
        responses={
            **_ERRORS,
            200: {"content": {"text/event-stream": {}}, "description": "JSON, or SSE when asked for"},
        },
        tags=["answers"],
    )
    def ask(body: AskIn, request: Request):
        answer = svc().ask(to_request(body))
        if "text/event-stream" in request.headers.get("accept", ""):
            return StreamingResponse(
                sse_events(answer), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
            )
        return answer.to_dict()

    @app.post("/ask/stream", responses={**_ERRORS, 200: {"content": {"text/event-stream": {}}}}, tags=["answers"])
    def ask_stream(body: AskIn):
        answer = svc().ask(to_request(body))
        return StreamingResponse(
            sse_events(answer), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @app.get("/search", response_model=SearchOut, responses=_ERRORS, tags=["answers"])
    def search(
        q: str = Query(..., min_length=1, max_length=2000),
        top_k: int = Query(8, ge=1, le=50),
        date_from: str | None = None,
        date_to: str | None = None,
        source: list[str] | None = Query(None),
        as_of: str | None = None,
    ):
        from .schemas import FiltersIn, _check_date

        try:
            f = FiltersIn(date_from=date_from, date_to=date_to, sources=source)
            as_of = _check_date(as_of)
        except ValueError as e:
            raise HTTPException(422, str(e).splitlines()[-1] if str(e) else "invalid filters") from None
        if not q.strip():
            raise HTTPException(422, "q is blank")
        t = time.perf_counter()
        res = svc().search(q, top_k, Filters(f.date_from, f.date_to, f.sources), as_of)
        return {
            "query": q,
            "passages": [p.to_dict() for p in res.passages],
            "timings_ms": {**res.timings_ms, "total": (time.perf_counter() - t) * 1000},
        }

    @app.get("/articles/{article_id}", response_model=ArticleOut, responses=_ERRORS, tags=["articles"])
    def article(article_id: str):
        s = svc()
        s.maybe_reload()
        a = s.snapshot.store.get_article(article_id)
        if a is None:
            raise HTTPException(404, f"no article with id {article_id!r}")
        return a.to_dict()

    extend_app(app, settings, svc)

    web_dir = settings.web_dir or Path(__file__).resolve().parents[2] / "web"
    if web_dir.is_dir():
        app.mount("/", StaticFiles(directory=web_dir, html=True), name="web")
    return app


def extend_app(app: FastAPI, settings: Settings, svc) -> None:
    """Hook for the write/ops routers (ingest, delete, metrics); see rag/api/ops.py when present."""
    try:
        from . import ops
    except ImportError:
        return
    ops.install(app, settings, svc)
