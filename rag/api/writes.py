"""Ingest and delete on behalf of the API: the service's embedder, its index, then a reload.

Shared by ``POST /ingest`` and ``DELETE /articles/{id}``. Errors become HTTP answers here: a
model mismatch is 409, an index or embedder failure 503; every outcome is counted in the metrics.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable, Sequence

import anyio
import anyio.to_thread
from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

from ..embedding import EmbedderError
from ..ingest import IngestReport, ingest
from ..models import Article, SkippedRecord
from ..pipeline import RagService
from ..store import IndexMismatch, IndexStoreError
from ..store.backends import writer_factory
from .observability import Metrics

log = logging.getLogger("rag.api.writes")


async def on_write_thread(request: Request, fn, *args):
    """Run ``fn(*args)`` on a thread of the writes' own pool, not anyio's request pool (40 threads),
    which 40 questions in flight in one worker fill: an upload then waits for no queued question."""
    state = request.app.state
    if getattr(state, "write_limiter", None) is None:  # made on the event loop, on the first write
        state.write_limiter = anyio.CapacityLimiter(2)
    return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=state.write_limiter)


def ingest_into_service(
    service: RagService,
    articles: Sequence[Article],
    skipped: Iterable[SkippedRecord] = (),
    delete_ids: Iterable[str] = (),
) -> IngestReport:
    """Ingest into the service's index with its document model (``RagService.ingest_embedder``: the
    fp32 model that built the index, its own instance, so queries never wait for an ingest's batches),
    then swap the new version in."""
    st = service.settings
    report = service.run_write(
        ingest,
        articles,
        st.index,
        service.ingest_embedder,
        faiss_factory=st.faiss_factory,
        chunk_tokens=st.chunk_tokens,
        overlap=st.chunk_overlap_sentences,
        sentence_mode=st.sentence_vectors,
        batch_size=st.embed_batch_size,
        keep_versions=st.keep_versions,
        skipped=list(skipped),
        delete_ids=delete_ids,
        open_writer=writer_factory(st),
    )
    try:
        service.reload()  # the next query sees the new version
    except Exception as e:  # committed anyway: the service retries on its next request
        log.warning("reload after ingest failed: %s", e)
    return report


def timed_write(metrics: Metrics, kind: str, fn, *args, **kwargs) -> tuple[IngestReport, float]:
    """Run an ingest or delete; index errors become 409/503 and every failure is counted."""
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


def nothing_ingested(skipped: Iterable, report: dict | None = None) -> JSONResponse:
    """422 listing why each record was left out."""
    items = [s.to_dict() if hasattr(s, "to_dict") else s for s in skipped]
    reasons = "; ".join(f"{s['where']}: {s['reason']}" for s in items[:3])
    body = {"error": "nothing could be ingested" + (f" ({reasons})" if reasons else ""), "detail": items}
    if report:
        body.update({k: v for k, v in report.items() if k not in body})
    body["skipped"] = items
    return JSONResponse(body, status_code=422)
