"""Every endpoint's 4xx answers: a JSON ``error`` that names the bad field and says why, in words.

Enumerates each endpoint's invalid inputs in-process over the read-only seed index (none of these
requests writes). An answer that only says "invalid", or carries pydantic's documentation URL,
fails: the message must contain the field and a reason fragment.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

TOKEN = "errors-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def client(seed_index, seed_service):
    from rag.api.app import create_app
    from rag.settings import Settings

    s = Settings(index=seed_index, api_token=TOKEN, log_requests=False, rate_limit_per_minute=0)
    with TestClient(create_app(s, seed_service)) as c:
        yield c


def check(r, status: int, *fragments: str) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    error = body["error"]
    assert isinstance(error, str) and error.strip()
    assert "pydantic.dev" not in r.text and "For further information" not in r.text
    for f in fragments:
        assert f in error, (f, error)
    return error


ASK_BODIES = [
    ({}, "body", "required"),
    ({"question": ""}, "question", "at least 1 character"),
    ({"question": "   "}, "question", "blank"),
    ({"question": "x" * 2001}, "question", "at most 2000 characters"),
    ({"question": 5}, "question", "valid string"),
    ({"question": "ok", "top_k": 0}, "top_k", "greater than or equal to 1"),
    ({"question": "ok", "top_k": 51}, "top_k", "less than or equal to 50"),
    ({"question": "ok", "top_k": "many"}, "top_k", "valid integer"),
    ({"question": "ok", "filters": {"date_from": "2016-02-30"}}, "filters.date_from", "YYYY-MM-DD"),
    ({"question": "ok", "filters": {"date_to": "next week"}}, "filters.date_to", "YYYY-MM-DD"),
    (
        {"question": "ok", "filters": {"date_from": "2016-09-01", "date_to": "2016-08-01"}},
        "filters",
        "is after date_to",
    ),
    ({"question": "ok", "filters": {"sources": ["s"] * 60}}, "filters.sources", "at most 50 items"),
    ({"question": "ok", "filters": {"outlet": "x"}}, "filters.outlet", "unknown field"),
    ({"question": "ok", "as_of": "yesterday"}, "as_of", "YYYY-MM-DD"),
    ({"question": "ok", "history": [{"role": "system", "content": "x"}]}, "history.0.role", "'user' or 'assistant'"),
    ({"question": "ok", "history": [{"role": "user"}]}, "history.0.content", "required"),
    ({"question": "ok", "surprise": 1}, "surprise", "unknown field"),
]


@pytest.mark.parametrize("path", ["/ask", "/ask/stream"])
@pytest.mark.parametrize("payload, field, why", ASK_BODIES)
def test_ask_bodies(client, path, payload, field, why):
    error = check(client.post(path, json=payload), 422, why)
    if field != "body":
        assert error.startswith(f"{field}: ") or f"; {field}: " in error, error


@pytest.mark.parametrize("path", ["/ask", "/ask/stream"])
def test_ask_body_that_is_not_a_json_object(client, path):
    check(
        client.post(path, content=b"{not json", headers={"Content-Type": "application/json"}), 422, "body: invalid JSON"
    )
    check(client.post(path, json=["a list"]), 422, "body: expected a JSON object")
    check(client.post(path, content=b"hello", headers={"Content-Type": "text/plain"}), 422, "body")
    check(client.post(path), 422, "body: a JSON object is required")


SEARCH_PARAMS = [
    ({}, "q: required"),
    ({"q": ""}, "q: string should have at least 1 character"),
    ({"q": "   "}, "q: q is blank"),
    ({"q": "x" * 2001}, "q: string should have at most 2000 characters"),
    ({"q": "x", "top_k": 0}, "top_k: input should be greater than or equal to 1"),
    ({"q": "x", "top_k": 99}, "top_k: input should be less than or equal to 50"),
    ({"q": "x", "top_k": "lots"}, "top_k: input should be a valid integer"),
    ({"q": "x", "date_from": "bad"}, "date_from: 'bad' is not a date in YYYY-MM-DD form"),
    ({"q": "x", "date_to": "2016-13-01"}, "date_to: '2016-13-01' is not a date"),
    ({"q": "x", "as_of": "soon"}, "as_of: 'soon' is not a date"),
    (
        {"q": "x", "date_from": "2016-09-01", "date_to": "2016-08-01"},
        "date_from (2016-09-01) is after date_to (2016-08-01)",
    ),
    ({"q": "x", "source": [f"s{i}" for i in range(60)]}, "source: list should have at most 50 items"),
]


@pytest.mark.parametrize("params, message", SEARCH_PARAMS)
def test_search_params(client, params, message):
    check(client.get("/search", params=params), 422, message)


def test_articles(client):
    check(client.get("/articles/no-such-article"), 404, "article_id", "no article with id 'no-such-article'")
    check(client.delete("/articles/no-such-article", headers=AUTH), 404, "article_id", "no-such-article")
    check(client.delete("/articles/x"), 401, "missing bearer token")
    check(client.delete("/articles/x", headers={"Authorization": "Bearer wrong"}), 401, "invalid bearer token")


def test_ingest(client):
    md = {"Content-Type": "text/markdown", **AUTH}
    check(client.post("/ingest", content=b"# x\n\nbody"), 401, "missing bearer token")
    check(
        client.post("/ingest", content=b"%PDF-1.4", headers={"Content-Type": "application/pdf", **AUTH}),
        415,
        "Content-Type",
        "application/pdf",
    )
    check(client.post("/ingest", content=b"  \n", headers=md), 422, "body: empty")
    check(
        client.post("/ingest", content=b"---\ntitle: Empty\n---\n", headers=md),
        422,
        "nothing could be ingested",
        "empty body",
    )
    check(
        client.post("/ingest", params={"format": "pdf"}, content=b"# x\n\nbody", headers=md),
        422,
        "format: input should be 'seed', 'jsonl'",
    )
    check(
        client.post("/ingest", params={"filename": "x" * 300}, content=b"# x\n\nbody", headers=md),
        422,
        "filename: string should have at most 255 characters",
    )
    check(client.post("/ingest", files={"other": (None, "just a field")}, headers=AUTH), 422, "files: no file parts")
    bad_date = b'{"id": "d1", "text": "A body.", "date": "someday"}\n'
    check(
        client.post("/ingest", content=bad_date, headers={"Content-Type": "application/x-ndjson", **AUTH}),
        422,
        "upload.jsonl:1: unparsable date: 'someday'",
    )


def test_metrics_and_unknown_routes(client):
    check(client.get("/metrics"), 401, "missing bearer token")
    check(client.get("/nope"), 404, "no such endpoint: GET /nope")
    check(client.put("/ask"), 405, "method not allowed: PUT /ask")
    check(client.get("/docs/assets/nope.js"), 404, "no docs asset named 'nope.js'")


def test_guard_refusals_say_why(seed_index, seed_service):
    from rag.api.app import create_app
    from rag.settings import Settings

    s = Settings(index=seed_index, api_token=TOKEN, log_requests=False, rate_limit_per_minute=3, max_body_bytes=100)
    c = TestClient(create_app(s, seed_service))
    check(
        c.post("/ask", content=b"x" * 200, headers={"Content-Type": "application/json"}),
        413,
        "request body too large: 200 bytes (limit 100)",
    )
    check(
        c.post("/ask", content=b"{}", headers={"Content-Type": "application/json", "Content-Length": "abc"}),
        400,
        "invalid Content-Length",
    )
    c.get("/search", params={"q": "x"})
    check(
        c.get("/search", params={"q": "x"}), 429, "rate limit exceeded: 3 questions or searches per minute", "retry in"
    )
