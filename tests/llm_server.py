"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat protocol, scripted per test.

It stands in for llama.cpp's server / Ollama / vLLM: ``POST /v1/chat/completions`` (JSON, or SSE
chunks when the request says ``"stream": true``) and ``GET /v1/models``. Each test sets ``reply``:
the text to answer (or a function of the request's messages, so a test can cite the passage that
holds a fact whatever its rank), an HTTP status, a delay, or raw bytes that are not the protocol.
Every request is kept in ``requests`` so tests can check the prompt.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
Content = str | Callable[[list[dict]], str]


@dataclass
class Reply:
    content: Content = "The reports don't say."
    status: int = 200
    delay_s: float = 0.0  # before anything is sent
    raw: bytes | None = None  # sent as the body instead of a completion (garbage, an empty body)
    piece_delay_s: float = 0.0  # between streamed pieces


def passage_number(messages: list[dict], needle: str) -> int:
    """The [n] the prompt gave the passage containing ``needle`` (the test LLM's way of citing)."""
    prompt = messages[-1]["content"]
    for m in re.finditer(r"^\[(\d+)\] ", prompt, re.M):
        end = prompt.find("\n[", m.end())
        if needle in prompt[m.end() : end if end > 0 else len(prompt)]:
            return int(m.group(1))
    raise AssertionError(f"no passage in the prompt contains {needle!r}")


def free_port() -> int:
    """A port nothing listens on (for an unreachable LLM)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def passage_count(messages: list[dict]) -> int:
    return len(re.findall(r"^\[\d+\] ", messages[-1]["content"], re.M))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._send(200, json.dumps({"object": "list", "data": [{"id": "scripted", "object": "model"}]}).encode())
        else:
            self._send(404, b'{"error": {"message": "not found"}}')

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        llm = self.server.llm
        llm.requests.append({"body": body, "headers": dict(self.headers)})
        reply = llm.reply
        if reply.delay_s:
            time.sleep(reply.delay_s)
        if reply.status >= 400:
            return self._send(reply.status, json.dumps({"error": {"message": "scripted failure"}}).encode())
        if reply.raw is not None:
            ctype = "text/event-stream" if body.get("stream") else "application/json"
            return self._send(200, reply.raw, ctype)
        text = reply.content(body["messages"]) if callable(reply.content) else reply.content
        if body.get("stream"):
            return self._stream(text, reply.piece_delay_s)
        completion = {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "scripted"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        }
        self._send(200, json.dumps(completion).encode())

    def _stream(self, text: str, piece_delay_s: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def chunk(delta: dict, finish: str | None = None) -> bytes:
            data = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "model": "scripted"}
            data["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
            return f"data: {json.dumps(data)}\n\n".encode()

        self.wfile.write(chunk({"role": "assistant"}))
        for piece in re.findall(r"\S+\s*|\s+", text):  # word by word, as a model writes
            if piece_delay_s:
                time.sleep(piece_delay_s)
            self.wfile.write(chunk({"content": piece}))
            self.wfile.flush()
        self.wfile.write(chunk({}, "stop") + b"data: [DONE]\n\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    llm: ScriptedLLM

    def handle_error(self, request, client_address) -> None:  # a client that gave up on a slow reply
        pass


class ScriptedLLM:
    """``with ScriptedLLM() as llm: llm.reply = Reply(...)``; ``llm.url`` is the ``/v1`` base URL."""

    def __init__(self) -> None:
        self.reply = Reply()
        self.requests: list[dict] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.llm = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ScriptedLLM:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class AppServer:
    """Our app under a real uvicorn on 127.0.0.1, in a thread of the test process: real HTTP like `rag
    serve`, but it shares the already loaded embedder, so it starts in a moment even on a busy machine
    (a `rag serve` subprocess must import torch and load the model first)."""

    def __init__(self, index: Path, embedder, **settings):
        import uvicorn

        from rag.api.app import create_app
        from rag.pipeline import RagService
        from rag.settings import Settings

        s = Settings(index=index, log_requests=False, **settings)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(s, RagService(s, embedder=embedder)), host="127.0.0.1", port=self.port)
        config.log_level = "warning"
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
