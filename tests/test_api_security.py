"""Security and limits of the HTTP API: auth, CORS, upload and body limits, hostile file names,
rate limit, time limit, the write routes end to end, request ids, access log and metrics.

In-process (FastAPI TestClient) over a private copy of the seed index, with the real embedder.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

ZEBRA_MD = b"""---
title: Zebras escape from the Lisbon zoo
date: 2024-03-02
source: Test Wire
---
Three zebras escaped from the Lisbon zoo on Saturday morning. Keepers recaptured the zebras by noon
near the river after a two-hour chase through the park.
"""


def make_app(index: Path, embedder, **overrides):
    from rag.api.app import create_app
    from rag.pipeline import RagService
    from rag.settings import Settings

    fields = {
        "api_token": TOKEN,
        "log_requests": False,
        "rate_limit_per_minute": 0,
        "cors_origins": [],
        "read_token_required": False,
        **overrides,
    }
    s = Settings(index=index, **fields)
    return create_app(s, RagService(s, embedder=embedder))


@pytest.fixture()
def client(seed_index_copy, embedder):
    with TestClient(make_app(seed_index_copy, embedder)) as c:
        yield c


def version(c: TestClient) -> str:
    return c.get("/health").json()["index_version"]


# --- auth ---------------------------------------------------------------------------------------------
def test_writes_are_disabled_when_no_token_is_configured(seed_index_copy, embedder):
    c = TestClient(make_app(seed_index_copy, embedder, api_token=None))
    for r in (
        c.post("/ingest", content=ZEBRA_MD, headers={"Content-Type": "text/markdown", **AUTH}),
        c.delete("/articles/anything", headers=AUTH),
    ):
        assert r.status_code == 403
        assert r.json() == {"error": "writes are disabled: set RAG_API_TOKEN"}
    assert c.get("/search", params={"q": "zebra"}).status_code == 200  # reads stay open


@pytest.mark.parametrize(
    "headers, error",
    [
        ({}, "missing bearer token"),
        ({"Authorization": "Bearer wrong-token"}, "invalid bearer token"),
        ({"Authorization": f"Bearer {TOKEN}x"}, "invalid bearer token"),
        ({"Authorization": f"Basic {TOKEN}"}, "missing bearer token"),
        ({"Authorization": "Bearer "}, "missing bearer token"),
    ],
)
def test_missing_or_wrong_token_is_401_with_www_authenticate(client, headers, error):
    before = version(client)
    for r in (
        client.post("/ingest", content=ZEBRA_MD, headers={"Content-Type": "text/markdown", **headers}),
        client.delete("/articles/seed-anything", headers=headers),
    ):
        assert r.status_code == 401, r.text
        assert r.json()["error"] == error
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert version(client) == before  # nothing was written


def test_right_token_passes_and_uses_constant_time_compare(client, monkeypatch):
    import hmac

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    r = client.delete("/articles/no-such-article", headers=AUTH)
    assert r.status_code == 404 and "no-such-article" in r.json()["error"]
    assert (TOKEN.encode(), TOKEN.encode()) in calls


def test_reads_can_require_the_token(seed_index_copy, embedder):
    c = TestClient(make_app(seed_index_copy, embedder, read_token_required=True))
    r = c.get("/search", params={"q": "election"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert c.post("/ask", json={"question": "What happened?"}).status_code == 401
    assert c.get("/search", params={"q": "election"}, headers=AUTH).status_code == 200
    assert c.get("/health").status_code == 200 and c.get("/metrics", headers=AUTH).status_code == 200
    c2 = TestClient(make_app(seed_index_copy, embedder, read_token_required=True, api_token=None))
    assert c2.get("/stats").status_code == 403  # fail closed: no token configured


def test_openapi_documents_bearer_auth_on_write_routes(client):
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, method in (("/ingest", "post"), ("/articles/{article_id}", "delete")):
        op = spec["paths"][path][method]
        assert op["security"] == [{"HTTPBearer": []}]
        assert {"401", "403", "413"} <= set(op["responses"])
    assert "security" not in spec["paths"]["/ask"]["post"]


# --- CORS ---------------------------------------------------------------------------------------------
def test_no_cors_headers_unless_configured(client):
    r = client.get("/health", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    pre = client.options("/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in pre.headers


def test_cors_headers_for_configured_origins_only(seed_index_copy, embedder):
    c = TestClient(make_app(seed_index_copy, embedder, cors_origins=["https://chat.example"]))
    r = c.get("/health", headers={"Origin": "https://chat.example"})
    assert r.headers["access-control-allow-origin"] == "https://chat.example"
    assert "x-request-id" in r.headers["access-control-expose-headers"].lower()
    pre = c.options(
        "/ingest",
        headers={
            "Origin": "https://chat.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert pre.status_code == 200
    assert "POST" in pre.headers["access-control-allow-methods"]
    assert "authorization" in pre.headers["access-control-allow-headers"].lower()
    other = c.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


# --- size limits ------------------------------------------------------------------------------------------
def test_upload_over_the_limit_is_413_and_writes_nothing(seed_index_copy, embedder):
    c = TestClient(make_app(seed_index_copy, embedder, max_upload_bytes=2000))
    before = version(c)
    big = ZEBRA_MD + b"More words about zebras. " * 200  # ~5 KB, over the limit but under the envelope
    r = c.post("/ingest", headers=AUTH, files={"files": ("zebra.md", big, "text/markdown")})
    assert r.status_code == 413 and "too large" in r.json()["error"]
    r = c.post("/ingest", headers={"Content-Type": "text/markdown", **AUTH}, content=big)
    assert r.status_code == 413
    huge = b"x" * (2000 + 65 * 1024)  # over limit + multipart envelope: refused from Content-Length
    r = c.post("/ingest", headers={"Content-Type": "text/markdown", **AUTH}, content=huge)
    assert r.status_code == 413 and r.json()["error"].startswith("request body too large")
    # two files that fit one by one but not together
    half = ZEBRA_MD + b"z" * 900
    r = c.post(
        "/ingest",
        headers=AUTH,
        files=[("files", ("a.md", half, "text/markdown")), ("files", ("b.md", half, "text/markdown"))],
    )
    assert r.status_code == 413
    assert version(c) == before


def test_body_limit_applies_to_every_request_even_when_streamed(seed_index_copy, embedder):
    c = TestClient(make_app(seed_index_copy, embedder, max_body_bytes=1000))
    body = json.dumps({"question": "zebras " * 300}).encode()
    r = c.post("/ask", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"].startswith("request body too large")

    def chunks():  # no Content-Length: chunked transfer, counted as it arrives
        for _ in range(10):
            yield b" " * 200

    r = c.post("/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    small = c.post("/ask", json={"question": "What happened?"})
    assert small.status_code == 200


def test_question_length_and_top_k_are_validated(client):
    assert client.post("/ask", json={"question": "x" * 2001}).status_code == 422
    assert client.post("/ask", json={"question": "why?", "top_k": 51}).status_code == 422
    assert client.get("/search", params={"q": "x", "top_k": 0}).status_code == 422


# --- hostile file names -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "filename, expected_id",
    [
        ("../../etc/passwd.md", "passwd"),
        ("..\\..\\windows\\evil.md", "evil"),
        ("/tmp/rag-abs-upload-probe.md", "rag-abs-upload-probe"),
    ],
)
def test_path_like_filenames_never_leave_the_temp_dir(client, monkeypatch, tmp_path, filename, expected_id):
    import rag.api.uploads as uploads

    tmp_root = tmp_path / "tmproot"
    tmp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_root))
    written: list[Path] = []
    real = uploads.create_private
    monkeypatch.setattr(uploads, "create_private", lambda p: written.append(Path(p)) or real(p))
    index_dir = tmp_path / "index"

    def outside_index():
        return {p for p in tmp_path.rglob("*") if index_dir not in p.parents and p != index_dir}

    before = outside_index()

    r = client.post("/ingest", headers=AUTH, files={"files": (filename, ZEBRA_MD, "text/markdown")})
    assert r.status_code == 200, r.text
    assert r.json()["ids"] == [expected_id]
    assert len(written) == 1
    w = written[0]
    assert w.parent.parent == tmp_root and w.parent.name.startswith("rag-upload-")
    assert re.fullmatch(r"upload-\d{3}\.md", w.name)
    assert not w.parent.exists()  # cleaned up after the ingest
    assert outside_index() == before  # nothing written (or left) anywhere else
    assert not Path("/tmp/rag-abs-upload-probe.md").exists()
    assert client.get(f"/articles/{expected_id}").json()["title"] == "Zebras escape from the Lisbon zoo"


def test_unsupported_extension_is_not_written_and_reports_the_client_name(client, monkeypatch):
    import rag.api.uploads as uploads

    written = []
    monkeypatch.setattr(uploads, "create_private", lambda p: written.append(p) or open(p, "xb"))
    r = client.post(
        "/ingest", headers=AUTH, files={"files": ("../payload.sh", b"#!/bin/sh\nrm -rf /\n", "application/x-sh")}
    )
    assert r.status_code == 422
    body = r.json()
    assert body["error"].startswith("nothing could be ingested (payload.sh: unsupported file type")
    assert body["skipped"][0]["where"] == "payload.sh" and "unsupported file type" in body["skipped"][0]["reason"]
    assert written == []


def test_skip_reasons_name_the_client_file_not_the_server_path(client):
    jsonl = (
        b'{"id": "zeb-1", "title": "Zebras escape", "body": "Three zebras escaped from the zoo.", '
        b'"date": "2024-03-02", "source": "Test Wire"}\n'
        b"not json at all\n"
    )
    r = client.post("/ingest", headers=AUTH, files={"files": ("feed.jsonl", jsonl, "application/x-ndjson")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["added"] == 1 and body["ids"] == ["zeb-1"]
    assert [s["where"] for s in body["skipped"]] == ["feed.jsonl:2"]
    assert tempfile.gettempdir() not in r.text and "upload-000" not in r.text


def test_nothing_ingestible_is_422(client):
    before = version(client)
    r = client.post("/ingest", headers={"Content-Type": "text/markdown", **AUTH}, content=b"---\ntitle: Empty\n---\n")
    assert r.status_code == 422
    assert r.json()["error"] == "nothing could be ingested (upload.md: empty body)" and r.json()["skipped"]
    assert (
        client.post("/ingest", headers={"Content-Type": "application/pdf", **AUTH}, content=b"%PDF-1.4").status_code
        == 415
    )
    assert client.post("/ingest", headers=AUTH, files={"other": (None, "just a field")}).status_code == 422
    assert version(client) == before


# --- rate and time limits ------------------------------------------------------------------------------------
def test_rate_limit_per_client_is_429_with_retry_after(seed_index_copy, embedder):
    app = make_app(seed_index_copy, embedder, rate_limit_per_minute=3)
    c = TestClient(app)
    codes = [c.get("/search", params={"q": "truce"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.post("/ask", json={"question": "What happened in Darayya?"})  # one bucket for all query routes
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "rate limit" in r.json()["error"]
    for _ in range(5):  # never limited: monitoring
        assert c.get("/metrics", headers=AUTH).status_code == 200
    assert "rag_rate_limited_total 2.0" in c.get("/metrics", headers=AUTH).text
    other = TestClient(app, client=("10.0.0.2", 4000))  # another client has its own bucket
    assert other.get("/search", params={"q": "truce"}).status_code == 200


def test_token_bucket_refills_over_time():
    from rag.api.security import RateLimiter

    now = [1000.0]
    rl = RateLimiter(per_minute=6, clock=lambda: now[0])  # one token every 10 s, burst 6
    assert [rl.hit("a") for _ in range(6)] == [0.0] * 6
    wait = rl.hit("a")
    assert wait == pytest.approx(10.0)
    now[0] += 5
    assert rl.hit("a") == pytest.approx(5.0)
    now[0] += 5.01
    assert rl.hit("a") == 0.0 and rl.hit("a") > 0
    assert rl.hit("b") == 0.0  # per key
    assert RateLimiter(0).hit("a") == 0.0  # 0 = off


def test_rate_limiter_forgets_idle_clients():
    from rag.api.security import RateLimiter

    now = [0.0]
    rl = RateLimiter(per_minute=60, clock=lambda: now[0], max_keys=10)
    for i in range(10):
        rl.hit(f"c{i}")
    now[0] += 120
    rl.hit("new")
    assert len(rl._buckets) <= 10 and "new" in rl._buckets


def test_slow_request_gets_504_json(seed_index_copy, embedder):
    app = make_app(seed_index_copy, embedder, request_timeout_s=0.3)
    svc = app.state.service

    def slow_search(*a, **kw):
        time.sleep(3)
        raise AssertionError("should have been abandoned")

    svc.search = slow_search
    c = TestClient(app)
    t0 = time.monotonic()
    r = c.get("/search", params={"q": "zebra"})
    assert r.status_code == 504 and "longer than 0.3 s" in r.json()["error"]
    assert time.monotonic() - t0 < 2.5  # answered long before the handler would finish
    assert c.get("/health").status_code == 200


# --- the write routes end to end -----------------------------------------------------------------------------
def test_ingest_then_ask_finds_the_new_article_then_delete_removes_it(client):
    before = client.get("/stats").json()
    before_ask = client.post("/ask", json={"question": "Where did the zebras escape?"}).json()
    # nothing about zebras is retrieved or cited (the abstention may name the word it looked for)
    assert before_ask["abstained"] and "zebra" not in json.dumps(before_ask["passages"]).lower()
    r = client.post("/ingest", headers=AUTH, files={"files": ("zebras.md", ZEBRA_MD, "text/markdown")})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["added"] == 1 and rep["updated"] == 0 and rep["chunks_embedded"] >= 1 and rep["ids"] == ["zebras"]
    assert rep["sentences_embedded"] >= 1 and rep["sentences_pooled"] == rep["sentences_embedded"]  # real model
    assert rep["version"] != before["version"]
    # no restart: the very next query sees the new version
    ans = client.post("/ask", json={"question": "Where did the zebras escape from?"}).json()
    assert not ans["abstained"]
    assert any(c["article_id"] == "zebras" for c in ans["citations"]), ans
    assert client.get("/stats").json()["articles"] == before["articles"] + 1
    # the same upload again changes nothing
    again = client.post("/ingest", headers=AUTH, files={"files": ("zebras.md", ZEBRA_MD, "text/markdown")}).json()
    assert again["unchanged"] == 1 and again["added"] == 0

    d = client.delete("/articles/zebras", headers=AUTH)
    assert d.status_code == 200 and d.json()["deleted"] == "zebras"
    assert client.get("/articles/zebras").status_code == 404
    assert client.delete("/articles/zebras", headers=AUTH).status_code == 404
    ans = client.post("/ask", json={"question": "Where did the zebras escape from?"}).json()
    assert not any(c["article_id"] == "zebras" for c in ans["passages"])
    assert client.get("/stats").json()["articles"] == before["articles"]


def test_raw_body_uploads_in_each_format(client):
    csv = b"id,title,body,date,source\ncsv-1,Ostrich race,An ostrich won the city marathon.,2024-04-01,Wire\n"
    html = (
        b"<html><head><title>Penguin parade</title></head><body><article><h1>Penguin parade</h1>"
        b"<p>Penguins marched through the harbour on Sunday to greet the ferry passengers.</p>"
        b"</article></body></html>"
    )
    jsonl = (
        b'{"id": "j-1", "title": "Llama loose", "body": "A llama walked into the town hall.", "date": "2024-05-01"}\n'
    )
    for ctype, data, name in (
        ("text/csv", csv, "birds.csv"),
        ("text/html", html, "penguins.html"),
        ("application/x-ndjson", jsonl, None),
    ):
        params = {"filename": name} if name else {}
        r = client.post("/ingest", params=params, content=data, headers={"Content-Type": ctype, **AUTH})
        assert r.status_code == 200, (ctype, r.text)
        assert r.json()["added"] == 1
    assert client.get("/articles/csv-1").status_code == 200
    assert client.get("/articles/penguins").status_code == 200  # id from the client's file name
    assert client.get("/articles/j-1").status_code == 200


# --- observability ------------------------------------------------------------------------------------------
def test_request_id_is_echoed_when_sane_and_generated_otherwise(client):
    r = client.get("/health", headers={"X-Request-ID": "abc-123.def"})
    assert r.headers["X-Request-ID"] == "abc-123.def"
    for bad in ("has space", "x" * 200, 'quote"d', ""):
        r = client.get("/health", headers={"X-Request-ID": bad})
        assert r.headers["X-Request-ID"] != bad and re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-ID"])
    a, b = client.get("/health").headers["X-Request-ID"], client.get("/health").headers["X-Request-ID"]
    assert a != b
    assert client.post("/ingest").headers["X-Request-ID"]  # refusals carry one too


def test_one_json_log_line_per_request(seed_index_copy, embedder):
    app = make_app(seed_index_copy, embedder, log_requests=True)
    lines: list[str] = []

    class Grab(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    h = Grab()
    logging.getLogger("rag.access").addHandler(h)
    try:
        c = TestClient(app)
        c.get("/search", params={"q": "election"}, headers={"X-Request-ID": "req-42"})
        c.get("/articles/nope")
        c.post("/ingest")
    finally:
        logging.getLogger("rag.access").removeHandler(h)
    recs = [json.loads(x) for x in lines]
    assert len(recs) == 3
    assert recs[0]["request_id"] == "req-42" and recs[0]["method"] == "GET" and recs[0]["path"] == "/search"
    assert recs[0]["status"] == 200 and recs[0]["duration_ms"] > 0 and recs[0]["route"] == "/search"
    assert (recs[1]["status"], recs[1]["route"]) == (404, "/articles/{article_id}")
    assert (recs[2]["status"], recs[2]["route"]) == (401, "/ingest")
    assert "q=" not in lines[0]  # questions are not logged


def test_metrics_in_prometheus_format(client):
    from prometheus_client.parser import text_string_to_metric_families

    client.get("/search", params={"q": "election"})
    client.get("/articles/nope")
    client.post("/ingest", headers=AUTH, files={"files": ("zebras.md", ZEBRA_MD, "text/markdown")})
    r = client.get("/metrics", headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    fams = {f.name: f for f in text_string_to_metric_families(r.text)}
    req = {
        (s.labels["route"], s.labels["status"]): s.value
        for s in fams["rag_http_requests"].samples
        if s.name == "rag_http_requests_total"
    }
    assert req[("/search", "200")] == 1 and req[("/articles/{article_id}", "404")] == 1
    assert req[("/ingest", "200")] == 1
    lat = [
        s
        for s in fams["rag_http_request_duration_seconds"].samples
        if s.name.endswith("_count") and s.labels["route"] == "/search"
    ]
    assert lat and lat[0].value == 1
    articles = next(s.value for s in fams["rag_index_articles"].samples)
    assert articles == 9  # 8 seed articles + the upload
    added = {
        s.labels["change"]: s.value
        for s in fams["rag_ingest_articles"].samples
        if s.name == "rag_ingest_articles_total"
    }
    assert added["added"] == 1
    ok = {
        (s.labels["kind"], s.labels["outcome"]): s.value
        for s in fams["rag_ingest_requests"].samples
        if s.name == "rag_ingest_requests_total"
    }
    assert ok[("ingest", "ok")] == 1


def test_errors_stay_json(client):
    r = client.put("/ingest", headers=AUTH)
    assert r.status_code == 405 and "error" in r.json()
    r = client.get("/nope/nothing")
    assert r.status_code == 404 and "error" in r.json()


# --- fail closed ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("module", ["rag.api.security", "rag.api.headers", "rag.api.deps"])
def test_a_guard_that_cannot_be_imported_stops_the_app_from_building(module):
    """No optional imports: the app is never built (and so never serves) without its guards."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules[%r] = None\n"  # importing it now raises ImportError
        "from rag.api.app import create_app\n" % module
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode != 0 and f"import of {module} halted" in res.stderr, res.stderr
    ok = subprocess.run(
        [sys.executable, "-c", "from rag.api.app import create_app"], capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0, ok.stderr  # the same import without the sabotage works


# --- security headers -----------------------------------------------------------------------------------------
def _assert_security_headers(r, docs: bool = False) -> None:
    from rag.api.headers import DOCS_CSP, PAGE_CSP

    csp = r.headers["content-security-policy"]
    assert csp == (DOCS_CSP if docs else PAGE_CSP), (r.url, csp)
    for directive in ("script-src 'self';", "connect-src 'self';", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]  # never inline script
    assert "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_security_headers_on_every_kind_of_response(seed_index_copy, embedder):
    app = make_app(seed_index_copy, embedder, rate_limit_per_minute=2)
    c = TestClient(app)
    responses = {
        "page": c.get("/"),
        "static": c.get("/style.css"),
        "json": c.get("/stats"),
        "openapi": c.get("/openapi.json"),
        "sse": c.post("/ask/stream", json={"question": "What happened in Darayya?"}),
        "validation 422": c.post("/ask", json={"question": ""}),
        "404": c.get("/no/such/thing"),
        "auth refusal 401": c.post("/ingest"),
        "metrics": c.get("/metrics", headers=AUTH),
    }
    assert responses["sse"].headers["content-type"].startswith("text/event-stream")
    assert responses["page"].headers["content-type"].startswith("text/html")
    c.post("/ask", json={"question": "x"})
    responses["rate limit 429"] = c.post("/ask", json={"question": "x"})
    assert responses["rate limit 429"].status_code == 429
    for name, r in responses.items():
        assert r.status_code < 500, name
        _assert_security_headers(r)
    for path in ("/docs", "/redoc", "/docs/assets/swagger-ui-bundle.js"):
        r = c.get(path)
        assert r.status_code == 200
        _assert_security_headers(r, docs=True)


def test_docs_pages_load_everything_from_this_server_and_have_no_inline_script(client):
    for path in ("/docs", "/redoc"):
        html = client.get(path).text
        srcs = re.findall(r"""<(?:script|link)[^>]*(?:src|href)=['"]([^'"]+)""", html)
        assert srcs and all(s.startswith("/") and not s.startswith("//") for s in srcs), srcs
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
        for s in srcs:
            assert client.get(s).status_code == 200, s
    assert client.get("/docs/assets/../../rag/settings.py").status_code == 404
    assert client.get("/docs/assets/nope.js").status_code == 404


# --- rate limit: who is the client, and what is counted ----------------------------------------------------------
def test_rate_limit_is_on_by_default_for_query_routes_only():
    from rag.api.security import is_rate_limited
    from rag.settings import Settings

    assert Settings().rate_limit_per_minute == 60 and Settings().forwarded_allow_ips == []
    for method, path in (
        ("POST", "/ask"),
        ("POST", "/ask/stream"),
        ("GET", "/search"),
        ("POST", "/v1/chat/completions"),
    ):
        assert is_rate_limited(method, path), path
    for method, path in (
        ("GET", "/"),
        ("GET", "/js/main.js"),
        ("GET", "/docs"),
        ("GET", "/stats"),
        ("GET", "/articles/x"),
        ("GET", "/health"),
        ("OPTIONS", "/ask"),
        ("GET", "/asker"),
    ):
        assert not is_rate_limited(method, path), path


def test_rotating_x_forwarded_for_from_an_untrusted_client_keeps_its_bucket(seed_index_copy, embedder):
    app = make_app(seed_index_copy, embedder, rate_limit_per_minute=3, log_requests=True)
    lines: list[str] = []

    class Grab(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    h = Grab()
    logging.getLogger("rag.access").addHandler(h)
    try:
        c = TestClient(app, client=("203.0.113.9", 5000))
        codes = [
            c.get("/search", params={"q": "truce"}, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(5)
        ]
    finally:
        logging.getLogger("rag.access").removeHandler(h)
    assert codes == [200, 200, 200, 429, 429]
    assert {json.loads(x)["client"] for x in lines} == {"203.0.113.9"}  # the fake address is not logged either
    # the page and its files still load for the throttled client
    for path in ("/", "/js/main.js", "/style.css", "/docs", "/stats", "/health"):
        assert c.get(path).status_code == 200, path


def test_x_forwarded_for_counts_only_from_a_configured_proxy(seed_index_copy, embedder):
    app = make_app(seed_index_copy, embedder, rate_limit_per_minute=2, forwarded_allow_ips=["10.0.0.0/8"])
    proxy = TestClient(app, client=("10.1.2.3", 5000))
    alice, bob = {"X-Forwarded-For": "198.51.100.1"}, {"X-Forwarded-For": "198.51.100.2"}
    assert [proxy.get("/search", params={"q": "a"}, headers=alice).status_code for _ in range(3)] == [200, 200, 429]
    assert proxy.get("/search", params={"q": "a"}, headers=bob).status_code == 200  # its own bucket behind the proxy
    # a client claiming to be behind a trusted proxy: the right-most untrusted address is the client
    spoof = {"X-Forwarded-For": "198.51.100.77, 198.51.100.1"}
    assert proxy.get("/search", params={"q": "a"}, headers=spoof).status_code == 429  # still alice's bucket
    outsider = TestClient(app, client=("192.0.2.50", 5000))
    assert [outsider.get("/search", params={"q": "a"}, headers=bob).status_code for _ in range(3)] == [200, 200, 429]


def test_forwarded_allow_ips_reads_a_comma_separated_env_var(monkeypatch):
    from rag.settings import Settings

    monkeypatch.setenv("RAG_FORWARDED_ALLOW_IPS", "10.0.0.1, 192.168.0.0/16")
    assert Settings().forwarded_allow_ips == ["10.0.0.1", "192.168.0.0/16"]


# --- /metrics access -------------------------------------------------------------------------------------------------
def test_metrics_access_open_token_or_off(seed_index_copy, embedder):
    from rag.settings import Settings

    assert Settings().metrics_access == "token"  # the documented default
    token = TestClient(make_app(seed_index_copy, embedder))
    assert token.get("/metrics").status_code == 401
    assert token.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert token.get("/metrics", headers=AUTH).status_code == 200
    no_token = TestClient(make_app(seed_index_copy, embedder, api_token=None))
    r = no_token.get("/metrics", headers=AUTH)
    assert r.status_code == 403 and "RAG_API_TOKEN" in r.json()["error"]  # fail closed
    opened = TestClient(make_app(seed_index_copy, embedder, metrics_access="open"))
    assert opened.get("/metrics").status_code == 200
    off = TestClient(make_app(seed_index_copy, embedder, metrics_access="off"))
    assert off.get("/metrics", headers=AUTH).status_code == 404
    assert "/metrics" not in off.get("/openapi.json").json()["paths"]


# --- markup in ingested records ---------------------------------------------------------------------------------------
def test_ingested_markup_is_cleaned_and_unsafe_urls_are_dropped_and_reported(client):
    records = [
        {
            "id": "xss-1",
            "title": "Ferry <script>alert(1)</script>strike ends",
            "text": 'Ferry crews <img src=x onerror="alert(1)">returned to work on Monday. '
            "<b>The union</b> said talks would go on.<script>document.cookie</script>",
            "source": "Harbour <i>Gazette</i>",
            "date": "2024-03-02",
            "url": "javascript:alert(1)",
        },
        {"id": "ok-1", "title": "Ferry timetable", "text": "Ferries run hourly again.", "url": "https://example.org/f"},
    ]
    body = "\n".join(json.dumps(r) for r in records).encode()
    r = client.post(
        "/ingest",
        params={"filename": "feed.jsonl"},
        content=body,
        headers={"Content-Type": "application/x-ndjson", **AUTH},
    )
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["added"] == 2
    assert rep["notes"] == [
        {"where": "feed.jsonl:1", "reason": "url 'javascript:alert(1)' dropped: only http(s) URLs are kept"}
    ]
    a = client.get("/articles/xss-1").json()
    assert a["title"] == "Ferry strike ends" and a["source"] == "Harbour Gazette" and a["url"] is None
    assert a["body"] == "Ferry crews returned to work on Monday. The union said talks would go on."
    assert client.get("/articles/ok-1").json()["url"] == "https://example.org/f"
