"""Generative answers over HTTP: a real `rag serve` pointed at a real scripted LLM server. Only verified
sentences reach the client, as JSON and as Server-Sent Events; faults of the model are never a 5xx."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from llm_server import AppServer, Reply, ScriptedLLM, free_port, passage_number

pytestmark = pytest.mark.slow

Q = "How many rebels would be evacuated from Darayya?"
TRUE = [
    "Around 8,000 civilians and 800 rebels were to be evacuated from Darayya.",
    "They were to be taken to Sahnaya, a town under regime control.",
]
INVENTED = [
    "About 1,200 rebels refused to leave Darayya",
    "The rebels were taken to Homs",
    "The rebels were sent to Turkey",
]


def mixed(m) -> str:
    """True sentences, an invented number, an invented place, a citation that does not exist, none at all."""
    d = passage_number(m, "800 rebels")
    return (
        f"{TRUE[0][:-1]} [{d}]. {INVENTED[0]} [{d}]. {TRUE[1][:-1]} [{d}]. {INVENTED[1]} [{d}]. "
        f"{INVENTED[2]} [9]. Darayya had 250,000 residents before the war."
    )


def events_of(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        out.append((lines["event"], json.loads(lines["data"])))
    return out


@pytest.fixture(scope="module")
def plain_server(seed_index, embedder):
    """The same app without an LLM (extractive), on its own real server."""
    s = AppServer(seed_index, embedder)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def llm():
    with ScriptedLLM() as server:
        yield server


@pytest.fixture(scope="module")
def server(seed_index, embedder, llm):
    s = AppServer(seed_index, embedder, llm_base_url=llm.url, llm_timeout_s=2.0)
    yield s
    s.stop()


def check_citations(url: str, body: dict) -> None:
    cites = {c["n"]: c for c in body["citations"]}
    for st in body["statements"]:
        assert all(n in cites and f"[{n}]" in body["answer"] for n in st["citations"])
    for c in body["citations"]:
        article = httpx.get(f"{url}/articles/{c['article_id']}", timeout=10).json()
        assert article["body"][c["start"] : c["end"]] == c["quote"]


def test_json_answer_holds_only_the_supported_sentences(server, llm):
    llm.reply = Reply(mixed)
    r = httpx.post(f"{server.url}/ask", json={"question": Q, "top_k": 4}, timeout=60)
    assert r.status_code == 200
    body = r.json()
    assert body["answer_mode"] == "generative" and body["answer"] == f"{TRUE[0]} [1] {TRUE[1]} [1]"
    assert [s["kind"] for s in body["statements"]] == ["generated", "generated"]
    assert len(body["removed"]) == 4 and all(r["reason"] for r in body["removed"])
    assert not any(x in body["answer"] for x in [*INVENTED, "250,000"])
    check_citations(server.url, body)


@pytest.mark.parametrize("how", ["accept", "path"])
def test_sse_never_sends_a_removed_sentence(server, llm, how):
    llm.reply = Reply(mixed)
    url, headers = (
        (f"{server.url}/ask", {"Accept": "text/event-stream"}) if how == "accept" else (f"{server.url}/ask/stream", {})
    )
    with httpx.stream("POST", url, json={"question": Q, "top_k": 4}, headers=headers, timeout=60) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = events_of(r.read().decode())
    names = [e for e, _ in events]
    assert names[0] == "sources" and names[-1] == "done" and set(names[1:-1]) <= {"answer", "citation", "statement"}
    shown = json.dumps([d for e, d in events if e != "done"])
    assert not any(x in shown for x in [*INVENTED, "250,000"])  # the removed ones are only listed in done
    result = events[-1][1]["result"]
    assert "".join(d["delta"] for e, d in events if e == "answer") == result["answer"] == f"{TRUE[0]} [1] {TRUE[1]} [1]"
    assert [d["n"] for e, d in events if e == "citation"] == [1] and len(result["removed"]) == 4
    assert [d["text"] for e, d in events if e == "statement"] == TRUE


def test_generate_false_is_the_extractive_answer(server, llm, plain_server):
    llm.reply = Reply(mixed)
    before = len(llm.requests)
    body = httpx.post(f"{server.url}/ask", json={"question": Q, "generate": False}, timeout=60).json()
    plain = httpx.post(f"{plain_server.url}/ask", json={"question": Q}, timeout=60).json()
    assert body["answer_mode"] == "extractive" and body["answer"] == plain["answer"] and body["note"] is None
    assert len(llm.requests) == before
    with httpx.stream("POST", f"{server.url}/ask/stream", json={"question": Q, "generate": False}, timeout=60) as r:
        assert events_of(r.read().decode())[-1][1]["result"]["answer"] == plain["answer"]


@pytest.mark.parametrize("stream", [False, True])
def test_a_hanging_model_costs_the_timeout_then_the_extractive_answer(server, llm, plain_server, stream):
    llm.reply = Reply("never", delay_s=30)
    t = time.monotonic()
    if stream:
        with httpx.stream("POST", f"{server.url}/ask/stream", json={"question": Q}, timeout=60) as r:
            body = events_of(r.read().decode())[-1][1]["result"]
    else:
        r = httpx.post(f"{server.url}/ask", json={"question": Q}, timeout=60)
        body = r.json()
    elapsed = time.monotonic() - t
    assert r.status_code == 200 and body["answer_mode"] == "extractive"
    assert body["note"] == "The generated answer was not used: the language model did not answer within 2 s."
    assert body["answer"] == httpx.post(f"{plain_server.url}/ask", json={"question": Q}, timeout=60).json()["answer"]
    assert body["timings_ms"]["generate"] < 2500 and elapsed < 15  # not the 30 s the model would take


@pytest.mark.parametrize("reply,note", [(Reply(status=500), "HTTP 500"), (Reply(raw=b"<html>"), "malformed")])
def test_model_errors_are_a_note_not_a_5xx(server, llm, reply, note):
    llm.reply = reply
    r = httpx.post(f"{server.url}/ask", json={"question": Q}, timeout=60)
    assert r.status_code == 200 and r.json()["answer_mode"] == "extractive" and note in r.json()["note"]


def test_health_reports_the_llm(server, seed_index, embedder):
    assert httpx.get(f"{server.url}/health", timeout=10).json()["llm"] == {
        "configured": True,
        "model": "default",
        "reachable": True,
        "error": None,
    }
    from rag.api.app import create_app
    from rag.pipeline import RagService
    from rag.settings import Settings

    s = Settings(index=seed_index, llm_base_url=f"http://127.0.0.1:{free_port()}/v1", log_requests=False)
    health = TestClient(create_app(s, RagService(s, embedder=embedder))).get("/health")
    assert health.status_code == 200 and health.json()["llm"]["reachable"] is False
    assert "unreachable" in health.json()["llm"]["error"]
    s = Settings(index=seed_index, log_requests=False)
    assert TestClient(create_app(s, RagService(s, embedder=embedder))).get("/health").json()["llm"] == {
        "configured": False
    }
