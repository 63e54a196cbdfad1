"""Our OpenAI-compatible endpoints through the official `openai` Python client, streamed and not, with
and without an LLM configured; plus auth and rate limits, which are those of /ask."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from llm_server import AppServer, Reply, ScriptedLLM, passage_number

openai = pytest.importorskip("openai")

pytestmark = pytest.mark.slow

Q = "How many rebels would be evacuated from Darayya?"
TRUE = "Around 8,000 civilians and 800 rebels were to be evacuated from Darayya."
SOURCE = "[1] Residents and rebels start evacuating Darayya — Al Jazeera News/SANA/BBC News/AP/Reuters/Syria & Iraq News, 26 Aug 2016, date inferred"


def mixed(m) -> str:
    d = passage_number(m, "800 rebels")
    return f"{TRUE[:-1]} [{d}]. About 1,200 rebels refused to leave [{d}]. They went to Homs [9]."


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
def gen_server(seed_index, embedder, llm):
    s = AppServer(seed_index, embedder, llm_base_url=llm.url, llm_timeout_s=2.0)
    yield s
    s.stop()


def client(url: str, key: str = "not-needed") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=60)


def ask(url: str, stream: bool, **kw) -> tuple[str, dict]:
    """The assistant's text and the extra fields (citations, answer_mode, …), streamed or not."""
    c = client(url)
    messages = kw.pop("messages", [{"role": "user", "content": Q}])
    if not stream:
        r = c.chat.completions.create(model=kw.pop("model", "rag-news"), messages=messages, **kw)
        assert r.object == "chat.completion" and r.choices[0].finish_reason == "stop"
        assert r.choices[0].message.role == "assistant"
        return r.choices[0].message.content, r.model_extra
    text, extra = "", {}
    for chunk in c.chat.completions.create(model=kw.pop("model", "rag-news"), messages=messages, stream=True, **kw):
        assert chunk.object == "chat.completion.chunk"
        text += chunk.choices[0].delta.content or ""
        if chunk.choices[0].finish_reason:
            assert chunk.choices[0].finish_reason == "stop"
            extra = chunk.model_extra
    return text, extra


@pytest.mark.parametrize("stream", [False, True])
def test_extractive_without_an_llm(plain_server, stream):
    text, extra = ask(plain_server.url, stream)
    plain = httpx.post(f"{plain_server.url}/ask", json={"question": Q}, timeout=60).json()
    assert extra["answer_mode"] == "extractive" and extra["citations"] == plain["citations"]
    assert text.startswith(plain["answer"] + "\n\nSources:\n[1] ")
    assert len(text.split("\n\nSources:\n")[1].splitlines()) == len(plain["citations"])


@pytest.mark.parametrize("stream", [False, True])
def test_generative_with_an_llm_keeps_only_verified_sentences(gen_server, llm, stream):
    llm.reply = Reply(mixed)
    text, extra = ask(gen_server.url, stream)
    assert text == f"{TRUE} [1]\n\nSources:\n{SOURCE}"
    assert extra["answer_mode"] == "generative" and [c["n"] for c in extra["citations"]] == [1]
    assert "800 rebels" in extra["citations"][0]["quote"] and len(extra["removed"]) == 2


@pytest.mark.parametrize("stream", [False, True])
def test_the_extractive_model_and_a_failing_llm(gen_server, llm, plain_server, stream):
    llm.reply = Reply(mixed)
    plain = httpx.post(f"{plain_server.url}/ask", json={"question": Q}, timeout=60).json()
    text, extra = ask(gen_server.url, stream, model="rag-news-extractive")
    assert extra["answer_mode"] == "extractive" and text.startswith(plain["answer"] + "\n\nSources:")
    llm.reply = Reply(status=500)
    text, extra = ask(gen_server.url, stream)
    assert extra["answer_mode"] == "extractive" and "HTTP 500" in extra["note"]
    assert text.startswith(
        plain["answer"] + "\n\n_The generated answer was not used: the language model answered HTTP 500"
    )


def test_history_system_and_content_parts_reach_the_llm(gen_server, llm):
    llm.reply = Reply(mixed)
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What happened in Darayya?"},
        {"role": "assistant", "content": "Residents and rebels started leaving [1]."},
        {"role": "user", "content": [{"type": "text", "text": Q}]},
    ]
    text, _ = ask(gen_server.url, False, messages=messages, temperature=0.2, max_tokens=50)
    assert text.startswith(TRUE)
    sent = llm.requests[-1]["body"]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"] and sent[-1]["content"].endswith(Q)


def test_models_and_bad_requests(gen_server):
    """Bad input is a 4xx whose body is our usual {"error": "<field>: <problem>"} (the SDK keeps it in .body)."""
    c = client(gen_server.url)
    assert {m.id for m in c.models.list()} == {"rag-news", "rag-news-extractive"}
    bad = [
        ([{"role": "assistant", "content": "hi"}], "messages: the last message must be the user's question"),
        ([], "messages: list should have at least 1 item"),
        ([{"role": "user", "content": "x" * 2001}], "messages[-1].content: longer than 2000 characters"),
        ([{"role": "robot", "content": "hi"}], "messages.0.role"),
    ]
    for messages, error in bad:
        with pytest.raises(openai.UnprocessableEntityError) as e:
            c.chat.completions.create(model="rag-news", messages=messages)
        assert error in e.value.body, e.value.body


def test_auth_and_rate_limits_are_those_of_ask(seed_service):
    from rag.api.app import create_app
    from rag.settings import Settings

    s = Settings(
        index=seed_service.settings.index,
        api_token="t0ken",
        read_token_required=True,
        rate_limit_per_minute=3,
        log_requests=False,
    )
    c = TestClient(create_app(s, seed_service))
    body = {"model": "rag-news", "messages": [{"role": "user", "content": Q}]}
    assert c.post("/v1/chat/completions", json=body).status_code == 401
    assert c.get("/v1/models").status_code == 401
    ok = c.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer t0ken"})
    assert ok.status_code == 200 and ok.json()["choices"][0]["message"]["content"]
    limited = c.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer t0ken"})
    assert limited.status_code == 429 and "rate limit" in limited.json()["error"]
