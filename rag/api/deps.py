"""FastAPI dependencies shared by the routers: the settings, the service, the token checks.

The app keeps its ``Settings`` and (lazily built) ``RagService`` on ``app.state``; routes get them
through these functions, never through closures or globals, so each router is a plain module.
"""

from __future__ import annotations

import threading

from fastapi import HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPBearer

from ..pipeline import RagService
from ..settings import Settings
from ..store import IndexStoreError
from .observability import Metrics
from .security import require_token

bearer = HTTPBearer(auto_error=False, description="RAG_API_TOKEN (writes; reads too when read_token_required)")
_service_lock = threading.Lock()


# The dependencies are ``async`` (they never block): a sync one costs its request a hop to anyio's
# thread pool and back, and waits for a free thread there when questions fill the pool.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


async def get_service(request: Request) -> RagService:
    """The app's service, opened on first use; 503 while there is no usable index.

    ``async``: a sync dependency costs every request a hop to the thread pool and back (~0.5 ms of a
    30 ms answer); only the first request, which opens the index, leaves the event loop for it."""
    state = request.app.state
    if state.service is None:
        await run_in_threadpool(_open_service, state)
    return state.service


def _open_service(state) -> None:
    with _service_lock:
        if state.service is None:
            try:
                state.service = RagService(state.settings)
            except IndexStoreError as e:
                raise HTTPException(503, str(e)) from e


async def require_writer(request: Request, _creds=Security(bearer)) -> None:
    """Writes need the bearer token (also checked by the guard middleware: defence in depth)."""
    require_token(request.app.state.settings, request.headers.get("authorization"))


async def require_metrics_reader(request: Request, _creds=Security(bearer)) -> None:
    """``metrics_access="token"``: the same bearer token as writes; ``"open"``: anyone."""
    settings: Settings = request.app.state.settings
    if settings.metrics_access != "token":
        return
    if not settings.api_token:
        raise HTTPException(403, "metrics need a token: set RAG_API_TOKEN (or RAG_METRICS_ACCESS=open)")
    require_token(settings, request.headers.get("authorization"), "metrics")
