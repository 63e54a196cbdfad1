"""``POST /ingest`` (bearer token): add or update reports from uploaded files.

Multipart file upload(s), or one document as the raw body with its ``Content-Type`` (JSONL, CSV,
Markdown with front matter, plain text, HTML). Uploads are saved privately (``uploads.py``), read,
and ingested into a new committed index version with the service's own embedder; the service
then swaps the new version in. Answers the ingest report, with the client's file names in
``skipped[].where`` and ``notes[].where``; 422 if nothing could be ingested.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from ...pipeline import RagService
from ...settings import Settings
from ..deps import get_metrics, get_service, get_settings, require_writer
from ..observability import Metrics
from ..schemas import IngestOut
from ..uploads import Saved, read_uploads, save_multipart, save_raw_body
from ..writes import ingest_into_service, nothing_ingested, on_write_thread, timed_write
from .writes_doc import ERROR, INGEST_BODY, WRITE_ERRORS

router = APIRouter(tags=["write"], dependencies=[Depends(require_writer)])
Format = Literal["seed", "jsonl", "csv", "markdown", "html"]


@router.post(
    "/ingest",
    openapi_extra=INGEST_BODY,
    responses={
        200: {"model": IngestOut, "description": "The ingest report"},
        415: {"description": "Unsupported Content-Type", **ERROR},
        422: {"description": "Nothing could be ingested", **ERROR},
        **WRITE_ERRORS,
    },
)
async def ingest_upload(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    service: Annotated[RagService, Depends(get_service)],
    metrics: Annotated[Metrics, Depends(get_metrics)],
    filename: str | None = Query(
        None, max_length=255, description="Name of a raw-body upload (for reports and file-derived ids)."
    ),
    format: Format | None = Query(None, description="Override detection by extension."),
):
    """Add or update reports from uploaded files; the next query sees them."""
    tmp = Path(tempfile.mkdtemp(prefix="rag-upload-"))  # mode 0700, unpredictable name
    try:
        saved = await _save(request, tmp, filename, settings.max_upload_bytes)
        articles, skipped, notes = await on_write_thread(
            request, read_uploads, saved.files, tmp, format, settings.profile
        )
        skipped = saved.skipped + skipped
        if not articles:
            metrics.record_ingest("ingest", "rejected")
            return nothing_ingested(skipped)
        report, seconds = await on_write_thread(
            request, timed_write, metrics, "ingest", ingest_into_service, service, articles, skipped
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    d = {**report.to_dict(), "notes": [n.to_dict() for n in notes], "ids": [a.id for a in articles]}
    if not (report.added or report.updated or report.unchanged):
        metrics.record_ingest("ingest", "rejected", d, seconds)
        return nothing_ingested(report.skipped, d)
    metrics.record_ingest("ingest", "ok", d, seconds)
    return JSONResponse(d)


async def _save(request: Request, tmp: Path, filename: str | None, limit: int) -> Saved:
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return await save_multipart(request, tmp, limit)
    return await save_raw_body(request, tmp, filename, limit)
