"""Request ids, one structured JSON log line per request, and Prometheus metrics.

``AccessLogMiddleware`` is the outermost middleware: it gives every request an id (the client's
``X-Request-ID`` when it is sane, else a fresh one), echoes it in the response, logs one JSON line
``{"request_id", "method", "path", "route", "status", "duration_ms", "client"}`` on the
``rag.access`` logger, and counts the request in ``Metrics`` (labelled by route template, so
``/articles/{article_id}`` is one series however many ids are asked for).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

access_log = logging.getLogger("rag.access")

_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def request_id_from(value: str | None) -> str:
    """The client's id if it is short and harmless (no spaces, quotes or control characters)."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class _MessageOnly(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def setup_access_log() -> None:
    """JSON lines on stderr, unless the embedding application configured the logger itself."""
    if not access_log.handlers:
        handler = _StderrHandler()
        handler.setFormatter(_MessageOnly())
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False


class Metrics:
    """One registry per app (several apps in one process, e.g. tests, do not collide)."""

    def __init__(self, index_counts: Callable[[], tuple[int, int, float] | None]):
        self.registry = r = CollectorRegistry()
        self.requests = Counter(
            "rag_http_requests_total", "HTTP requests by route and status", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "rag_http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.in_flight = Gauge("rag_http_requests_in_flight", "HTTP requests being served", registry=r)
        self.rate_limited = Counter("rag_rate_limited_total", "Requests refused by the rate limit", registry=r)
        self.ingests = Counter(
            "rag_ingest_requests_total", "Ingest and delete requests by outcome", ["kind", "outcome"], registry=r
        )
        self.ingest_articles = Counter(
            "rag_ingest_articles_total", "Articles by what an ingest did with them", ["change"], registry=r
        )
        self.ingest_chunks = Counter("rag_ingest_chunks_embedded_total", "Chunks embedded by ingests", registry=r)
        self.ingest_seconds = Histogram(
            "rag_ingest_duration_seconds",
            "Time to ingest (read, embed, commit)",
            registry=r,
            buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
        )

        def counts(i: int) -> Callable[[], float]:
            def f() -> float:
                try:
                    c = index_counts()
                except Exception:
                    c = None
                return float("nan") if c is None else float(c[i])

            return f

        Gauge("rag_index_articles", "Articles in the index version being served", registry=r).set_function(counts(0))
        Gauge("rag_index_chunks", "Chunks in the index version being served", registry=r).set_function(counts(1))
        Gauge("rag_index_version", "Number of the index version being served (v000007 -> 7)", registry=r).set_function(
            counts(2)
        )

    def record_ingest(self, kind: str, outcome: str, report: dict | None = None, seconds: float | None = None):
        self.ingests.labels(kind, outcome).inc()
        if seconds is not None:
            self.ingest_seconds.observe(seconds)
        if report:
            for change in ("added", "updated", "unchanged", "deleted"):
                if report.get(change):
                    self.ingest_articles.labels(change).inc(report[change])
            if report.get("skipped"):
                self.ingest_articles.labels("skipped").inc(len(report["skipped"]))
            if report.get("chunks_embedded"):
                self.ingest_chunks.inc(report["chunks_embedded"])


def route_label(scope, status: int, routes: Callable[[], list] | None = None) -> str:
    """The route template that served the request; for a request refused before routing (401,
    429, 413 ...), the template it would have reached; never the raw path (bounded cardinality)."""
    route = scope.get("route")
    if route is None and routes is not None:
        from starlette.routing import Match

        for r in routes():
            try:
                match, _ = r.matches({**scope})
            except Exception:
                continue
            if match != Match.NONE:
                route = r
                break
    path = getattr(route, "path", None)
    if isinstance(path, str) and path:
        return path
    return "<unmatched>" if status == 404 else "<other>"


class AccessLogMiddleware:
    def __init__(self, app, metrics: Metrics | None = None, log: bool = True, routes: Callable[[], list] | None = None):
        self.app = app
        self.routes = routes
        self.metrics = metrics
        self.log = log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        given = None
        for k, v in scope.get("headers") or ():
            if k.lower() == b"x-request-id":
                given = v.decode("latin-1")
                break
        rid = request_id_from(given)
        scope.setdefault("state", {})["request_id"] = rid
        status = 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        if self.metrics:
            self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)  # status stays 500 if it fails before answering
        finally:
            elapsed = time.perf_counter() - t0
            route = route_label(scope, status, self.routes)
            if self.metrics:
                self.metrics.in_flight.dec()
                self.metrics.requests.labels(scope["method"], route, str(status)).inc()
                self.metrics.latency.labels(scope["method"], route).observe(elapsed)
            if self.log and access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    json.dumps(
                        {
                            "ts": round(time.time(), 3),
                            "request_id": rid,
                            "method": scope["method"],
                            "path": scope["path"],
                            "route": route,
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 2),
                            "client": client[0] if client else None,
                        }
                    )
                )
