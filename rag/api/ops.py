"""Write and operations routes, and the middleware around every route (see ``install``).

Routes added here:

* ``POST /ingest`` (bearer token): multipart file upload(s), or one document as the raw body with
  its ``Content-Type`` (JSONL, CSV, Markdown with front matter, plain text, HTML). Each upload is
  written to a private temp dir under a name the server picks (``upload-000.md``: only a
  whitelisted extension survives from the client's name, which never touches a filesystem path),
  read with ``read_path``, and ingested into a new committed index version with the service's own
  embedder; then the service swaps the new version in. Answers the ingest report, with the
  client's file names in ``skipped[].where``; 422 if nothing could be ingested.
* ``DELETE /articles/{id}`` (bearer token): 200 ``{"deleted": id, "version"}`` or 404.
* ``GET /metrics``: Prometheus text format.

Middleware, outermost first: access log + request id + metrics, CORS (only when
``cors_origins`` is set), then the guards of ``security.py`` (rate limit, auth, size, time).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path, PurePosixPath
from typing import Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.middleware.cors import CORSMiddleware

from ..models import SkippedRecord
from ..settings import Settings
from .observability import AccessLogMiddleware, Metrics, setup_access_log
from .security import GuardMiddleware, RateLimiter, require_token

log = logging.getLogger("rag.api.ops")

#: extensions ``read_path`` understands; anything else in a client's file name is dropped
ALLOWED_EXTENSIONS = (".jsonl", ".ndjson", ".csv", ".md", ".markdown", ".txt", ".html", ".htm")
CONTENT_TYPE_EXTENSIONS = {
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/x-jsonlines": ".jsonl",
    "application/jsonlines": ".jsonl",
    "text/csv": ".csv",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/html": ".html",
    "text/plain": ".txt",
}
MAX_FILES = 100


class SkippedOut(BaseModel):
    where: str
    reason: str


class IngestOut(BaseModel):
    added: int
    updated: int
    unchanged: int
    deleted: int = 0
    skipped: list[SkippedOut]
    chunks_embedded: int
    chunks_reused: int = 0
    version: str | None = None
    ids: list[str] = []


class DeletedOut(BaseModel):
    deleted: str
    version: str | None = None


_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
_WRITE_ERRORS = {
    401: {"description": "Missing or wrong bearer token", **_ERROR},
    403: {"description": "Writes are disabled (no RAG_API_TOKEN)", **_ERROR},
    409: {"description": "The index was built with another embedding model", **_ERROR},
    413: {"description": "Upload too large", **_ERROR},
    503: {"description": "The index cannot be written", **_ERROR},
}
_RAW = {"schema": {"type": "string", "format": "binary"}}
_INGEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "One or more .jsonl/.csv/.md/.txt/.html files",
                        }
                    },
                }
            },
            "application/x-ndjson": _RAW,
            "text/csv": _RAW,
            "text/markdown": _RAW,
            "text/html": _RAW,
            "text/plain": _RAW,
        },
    }
}


# --- uploads -------------------------------------------------------------------------------------------
def client_file_name(raw: str | None, fallback: str) -> str:
    """The last component of a client's file name, printable characters only (for reports and
    ids; never used in a path)."""
    name = (raw or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:200]
    return name if name not in ("", ".", "..") else fallback


def upload_extension(name: str, content_type: str | None) -> str | None:
    ext = PurePosixPath(name).suffix.lower()
    if ext in ALLOWED_EXTENSIONS:
        return ext
    mt = (content_type or "").split(";")[0].strip().lower()
    return CONTENT_TYPE_EXTENSIONS.get(mt)


def _create_private(path: Path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600), "wb")


class SharedEmbedder:
    """The service's embedder, used by an ingest between queries: every call takes the service's
    query lock (torch and the tokenizer are shared), so queries wait at most one batch."""

    def __init__(self, inner, lock):
        self._inner, self._lock = inner, lock
        self.model_id, self.dim = inner.model_id, inner.dim
        if hasattr(inner, "count_tokens"):
            self.count_tokens = self._count_tokens

    def embed(self, texts):
        with self._lock:
            return self._inner.embed(texts)

    def _count_tokens(self, texts):
        with self._lock:
            return self._inner.count_tokens(texts)


def _remap(text: str, tmp: Path, server_path: Path, client: str) -> str:
    return text.replace(str(server_path), client).replace(server_path.name, client).replace(str(tmp), "<upload>")


def read_uploads(uploads: list[tuple[str, Path]], tmp: Path, fmt: str | None):
    """Read each saved upload; report places by the client's file name and give articles that
    take their id from the file name the client's stem, not the server's."""
    from ..readers import read_path

    articles, skipped = [], []
    for client, path in uploads:
        res = read_path(path, fmt=fmt)
        server_stem = path.stem
        client_stem = PurePosixPath(client).stem or client
        for a in res.articles:
            if a.id == server_stem:
                a.id = client_stem
            elif a.id.startswith(server_stem + "-"):
                a.id = client_stem + a.id[len(server_stem) :]
            articles.append(a)
        for s in res.skipped:
            s.where = _remap(s.where, tmp, path, client)
            s.reason = _remap(s.reason, tmp, path, client)
            skipped.append(s)
    return articles, skipped


# --- install ---------------------------------------------------------------------------------------------
def install(app: FastAPI, settings: Settings, svc) -> None:
    def index_counts():
        s = app.state.service
        if s is None or getattr(s, "_snapshot", None) is None:
            return None
        snap = s.snapshot
        num = snap.version[1:]
        return snap.manifest.articles, snap.manifest.chunks, int(num) if num.isdigit() else float("nan")

    metrics = Metrics(index_counts)
    limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.metrics = metrics
    app.state.rate_limiter = limiter
    fallback_lock = threading.RLock()
    bearer = HTTPBearer(auto_error=False, description="RAG_API_TOKEN (writes; reads too when read_token_required)")

    def writer(request: Request, _creds=Security(bearer)) -> None:
        require_token(settings, request.headers.get("authorization"))

    def run_ingest(articles, skipped=(), delete_ids=()):
        from ..ingest import ingest
        from ..store.backends import writer_factory

        s = svc()
        st = s.settings
        emb = getattr(s, "ingest_embedder", None) or SharedEmbedder(s.embedder, fallback_lock)
        report = ingest(
            articles,
            st.index,
            emb,
            faiss_factory=st.faiss_factory,
            chunk_tokens=st.chunk_tokens,
            overlap=st.chunk_overlap_sentences,
            batch_size=st.embed_batch_size,
            keep_versions=st.keep_versions,
            skipped=list(skipped),
            delete_ids=delete_ids,
            open_writer=writer_factory(st),
        )
        try:
            s.reload()  # the next query sees the new version
        except Exception as e:  # committed anyway: the service retries on its next request
            log.warning("reload after ingest failed: %s", e)
        return report

    def guarded(kind: str, fn, *args, **kwargs):
        from ..embedding import EmbedderError
        from ..store import IndexMismatch, IndexStoreError

        t0 = time.perf_counter()
        try:
            report = fn(*args, **kwargs)
        except IndexMismatch as e:
            metrics.record_ingest(kind, "error")
            raise HTTPException(409, str(e)) from None
        except (IndexStoreError, EmbedderError) as e:
            metrics.record_ingest(kind, "error")
            raise HTTPException(503, str(e)) from None
        except Exception:
            metrics.record_ingest(kind, "error")
            raise
        return report, time.perf_counter() - t0

    @app.post(
        "/ingest",
        tags=["write"],
        openapi_extra=_INGEST_BODY,
        dependencies=[Depends(writer)],
        responses={
            200: {"model": IngestOut, "description": "The ingest report"},
            415: {"description": "Unsupported Content-Type", **_ERROR},
            422: {"description": "Nothing could be ingested", **_ERROR},
            **_WRITE_ERRORS,
        },
    )
    async def ingest_upload(
        request: Request,
        filename: str | None = Query(
            None, max_length=255, description="Name of a raw-body upload (for reports and file-derived ids)."
        ),
        format: Literal["seed", "jsonl", "csv", "markdown", "html"] | None = Query(
            None, description="Override detection by extension."
        ),
    ):
        """Add or update reports from uploaded files; the next query sees them."""
        limit = settings.max_upload_bytes
        ctype = request.headers.get("content-type", "")
        tmp = Path(tempfile.mkdtemp(prefix="rag-upload-"))  # mode 0700, unpredictable name
        try:
            uploads: list[tuple[str, Path]] = []
            pre_skipped: list[SkippedRecord] = []
            if ctype.lower().startswith("multipart/form-data"):
                form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
                try:
                    total = 0
                    parts = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
                    if not parts:
                        raise HTTPException(422, "no file parts in the multipart body")
                    for i, part in enumerate(parts):
                        name = client_file_name(part.filename, f"upload-{i}")
                        ext = upload_extension(name, part.content_type)
                        if ext is None:
                            pre_skipped.append(
                                SkippedRecord(
                                    name, f"unsupported file type (expected one of {', '.join(ALLOWED_EXTENSIONS)})"
                                )
                            )
                            continue
                        dest = tmp / f"upload-{i:03d}{ext}"
                        with _create_private(dest) as out:
                            while block := await part.read(1 << 20):
                                total += len(block)
                                if total > limit:
                                    raise HTTPException(413, f"upload too large (limit {limit} bytes)")
                                out.write(block)
                        uploads.append((name, dest))
                finally:
                    await form.close()
            else:
                mt = ctype.split(";")[0].strip().lower()
                name = client_file_name(filename, "")
                ext = CONTENT_TYPE_EXTENSIONS.get(mt)
                if mt in ("", "application/octet-stream") and name:
                    ext = upload_extension(name, None)
                if ext is None:
                    raise HTTPException(
                        415,
                        f"unsupported Content-Type {mt or '(none)'!r}: send multipart/"
                        "form-data files, or JSONL, CSV, Markdown, text or HTML",
                    )
                body = await request.body()
                if len(body) > limit:
                    raise HTTPException(413, f"upload too large (limit {limit} bytes)")
                if not body.strip():
                    raise HTTPException(422, "empty body: nothing to ingest")
                dest = tmp / f"upload-000{ext}"
                with _create_private(dest) as out:
                    out.write(body)
                uploads.append((name or f"upload{ext}", dest))

            articles, skipped = await run_in_threadpool(read_uploads, uploads, tmp, format)
            skipped = pre_skipped + skipped
            if not articles:
                metrics.record_ingest("ingest", "rejected")
                return _nothing(skipped)
            report, seconds = await run_in_threadpool(guarded, "ingest", run_ingest, articles, skipped)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        d = report.to_dict()
        d["ids"] = [a.id for a in articles]
        if not (report.added or report.updated or report.unchanged):
            metrics.record_ingest("ingest", "rejected", d, seconds)
            return _nothing(report.skipped, d)
        metrics.record_ingest("ingest", "ok", d, seconds)
        return JSONResponse(d)

    @app.delete(
        "/articles/{article_id}",
        tags=["write"],
        dependencies=[Depends(writer)],
        response_model=DeletedOut,
        responses={404: {"description": "No such article", **_ERROR}, **_WRITE_ERRORS},
    )
    def delete_article(article_id: str):
        """Remove an article and its chunks; the next query no longer sees it."""
        report, seconds = guarded("delete", run_ingest, [], delete_ids=[article_id])
        if report.deleted == 0:
            metrics.record_ingest("delete", "not_found")
            raise HTTPException(404, f"no article with id {article_id!r}")
        metrics.record_ingest("delete", "ok", report.to_dict(), seconds)
        return {"deleted": article_id, "version": report.version}

    @app.get(
        "/metrics",
        tags=["service"],
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text format"}
        },
    )
    async def metrics_endpoint():
        """Request counts and latency by route, ingest counters, index size (Prometheus format)."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    _document_guards(app, settings)

    # middleware: the last added is the outermost
    app.add_middleware(GuardMiddleware, settings=settings, limiter=limiter, on_rate_limited=metrics.rate_limited.inc)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    if settings.log_requests:
        setup_access_log()
    app.add_middleware(
        AccessLogMiddleware, metrics=metrics, log=settings.log_requests, routes=lambda: app.router.routes
    )


def _nothing(skipped, report: dict | None = None) -> JSONResponse:
    items = [s.to_dict() if hasattr(s, "to_dict") else s for s in skipped]
    body = {"error": "nothing could be ingested", "detail": items}
    if report:
        body.update({k: v for k, v in report.items() if k not in body})
    body["skipped"] = items
    return JSONResponse(body, status_code=422)


def _document_guards(app: FastAPI, settings: Settings) -> None:
    """Add the guards' answers (429, 504, 413, read 401/403) to the OpenAPI document."""
    base = app.openapi

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        for path, item in schema.get("paths", {}).items():
            if path in ("/metrics", "/health"):
                continue
            for method, op in item.items():
                responses = op.setdefault("responses", {})
                if settings.rate_limit_per_minute > 0:
                    responses.setdefault("429", {"description": "Rate limit exceeded (see Retry-After)", **_ERROR})
                if settings.request_timeout_s > 0:
                    responses.setdefault("504", {"description": "Took longer than the time limit", **_ERROR})
                if method in ("post", "put", "patch"):
                    responses.setdefault("413", {"description": "Request body too large", **_ERROR})
                if settings.read_token_required and method in ("get", "post"):
                    responses.setdefault("401", {"description": "Missing or wrong bearer token", **_ERROR})
                    responses.setdefault("403", {"description": "Reads need RAG_API_TOKEN set", **_ERROR})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
