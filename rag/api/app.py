"""The FastAPI application: ``create_app(settings)`` builds it with its dependencies injected.

Routers (``rag/api/routes/``): ``POST /ask`` (JSON, or Server-Sent Events with
``Accept: text/event-stream``), ``POST /ask/stream``, ``GET /search``, ``GET /articles/{id}``,
``GET /health``, ``GET /stats``, ``GET /metrics``, ``POST /ingest`` and ``DELETE /articles/{id}``
(bearer token); ``/docs`` and ``/redoc`` served offline; the chat page at ``/``.

Middleware, outermost first: trusted-proxy addresses, access log + request id + metrics, security
headers, CORS (only when ``cors_origins`` is set), then the guards (rate limit, auth, size, time).
Every module here is imported unconditionally: if any part of the guards cannot load, the app does
not start, rather than serving without them. Every error is JSON with an ``error`` message.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ..pipeline import RagService
from ..resources import bundled_dir
from ..settings import Settings
from . import openai_compat
from .docs import docs_router
from .errors import install_error_handlers
from .headers import SecurityHeadersMiddleware
from .observability import AccessLogMiddleware, Metrics, setup_access_log
from .openapi_doc import document_guards
from .routes import answers, articles, ingest
from .routes import service as service_routes
from .routes.answers import to_request
from .security import GuardMiddleware, RateLimiter
from .sse import sse_events

__all__ = ["create_app", "sse_events", "to_request"]

TITLE = "rag-news"


def create_app(settings: Settings | None = None, service: RagService | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title=TITLE,
        version="0.1.0",
        description="Answers over dated news reports in which every sentence cites its source.",
        docs_url=None,  # FastAPI's own pages load from a CDN and run an inline script: ours do neither
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.metrics = Metrics(lambda: _index_counts(app))
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    install_error_handlers(app)
    include_routers(app, settings)
    document_guards(app, settings)
    install_middleware(app, settings)
    mount_page(app, settings)
    return app


def include_routers(app: FastAPI, settings: Settings) -> None:
    routers = [answers.router, openai_compat.router, articles.router, service_routes.router, ingest.router]
    if settings.metrics_access != "off":
        routers.append(service_routes.metrics_router)
    routers.append(docs_router(TITLE, app.openapi_url or "/openapi.json"))
    for router in routers:
        app.include_router(router)
    # the routes as declared (no prefixes): the access log matches a refused request against them
    app.state.route_table = [route for router in routers for route in router.routes]


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Added innermost first: each ``add_middleware`` wraps everything added before it."""
    metrics: Metrics = app.state.metrics
    app.add_middleware(
        GuardMiddleware, settings=settings, limiter=app.state.rate_limiter, on_rate_limited=metrics.rate_limited.inc
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.log_requests:
        setup_access_log()
    app.add_middleware(
        AccessLogMiddleware, metrics=metrics, log=settings.log_requests, routes=lambda: app.state.route_table
    )
    # X-Forwarded-For/-Proto only from the configured proxies (uvicorn's --forwarded-allow-ips rules)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.forwarded_allow_ips))


def mount_page(app: FastAPI, settings: Settings) -> None:
    web_dir: Path | None = settings.web_dir or bundled_dir("web", "index.html")
    if web_dir is not None and web_dir.is_dir():
        app.mount("/", StaticFiles(directory=web_dir, html=True), name="web")


def _index_counts(app: FastAPI) -> tuple[int, int, float] | None:
    """(articles, chunks, version number) of the version being served, for the metrics gauges."""
    svc = app.state.service
    if svc is None:
        return None
    snap = svc.snapshot
    num = snap.version[1:]
    return snap.manifest.articles, snap.manifest.chunks, int(num) if num.isdigit() else float("nan")
