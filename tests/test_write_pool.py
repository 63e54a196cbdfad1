"""An upload never waits for the request thread pool that questions fill (rag/api/writes.py)."""

from __future__ import annotations

import json

import anyio
import anyio.to_thread
import httpx
import pytest

from rag.api.app import create_app
from rag.embedding import HashEmbedder
from rag.ingest import ingest
from rag.models import Article
from rag.pipeline import RagService
from rag.settings import Settings

TOKEN = "write-pool-token"


@pytest.fixture()
def service(tmp_path):
    path = tmp_path / "idx"
    first = Article(id="a0", title="Floods", body="Rivers rose in the valley on Monday.", date="2024-01-01")
    ingest([first], path, HashEmbedder(), chunk_tokens=60)
    svc = RagService(Settings(index=path, embedding_model="hash-bow"), embedder=HashEmbedder())
    yield svc
    svc.close()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_an_ingest_lands_while_every_request_thread_is_taken(service, anyio_backend):
    settings = Settings(index=service.settings.index, api_token=TOKEN, log_requests=False, rate_limit_per_minute=0)
    app = create_app(settings, service)
    body = json.dumps({"id": "b1", "title": "Storm", "body": "A storm hit the coast on Tuesday.", "date": "2024-01-02"})
    pool = anyio.to_thread.current_default_thread_limiter()
    tokens = pool.total_tokens
    pool.total_tokens = 1
    await pool.acquire()  # as if a question held the only request thread
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            with anyio.fail_after(30):
                r = await client.post(
                    "/ingest?filename=b.jsonl",
                    content=body + "\n",
                    headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"},
                )
        assert r.status_code == 200, r.text
        assert r.json()["added"] == 1 and r.json()["ids"] == ["b1"]
    finally:
        pool.release()
        pool.total_tokens = tokens
    service.reload()
    assert service.snapshot.store.get_article("b1") is not None
