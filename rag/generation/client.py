"""The ``Generator`` seam and its one real implementation: any OpenAI-compatible chat API over httpx.

llama.cpp's server, Ollama, vLLM, LM Studio and hosted APIs all speak ``POST {base}/chat/completions``.
Every fault of the LLM (refused connection, timeout, an HTTP error, a body that is not the protocol,
an empty answer) becomes one ``GeneratorError`` with a one-line reason, so the caller can fall back.

httpx's timeouts bound each socket operation, not the whole answer: a server that trickles one byte
a second would never trip them. So the HTTP exchange runs in a worker thread and the caller waits
on a queue with the time that is left: an answer never costs more than ``timeout_s``.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import httpx

Message = dict[str, str]


class GeneratorError(RuntimeError):
    """The LLM did not give a usable answer; ``str(e)`` is a one-line reason for the user."""


class Generator(Protocol):
    model: str
    timeout_s: float

    def complete(self, messages: Sequence[Message]) -> str:
        """The whole answer text at once."""
        ...

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """The answer text as it is written, in pieces."""
        ...

    def probe(self) -> str | None:
        """None when the server answers, else why not (one line)."""
        ...


_DONE = object()


def _deadline_iter(work: Callable[[Callable[[object], None], threading.Event], None], timeout_s: float) -> Iterator:
    """Run ``work(put, cancelled)`` in a daemon thread and yield what it puts, if it put it within
    ``timeout_s`` of the start.

    The deadline is the model's, not ours: a piece that arrived in time is used even if the caller
    was busy verifying earlier sentences meanwhile. The worker checks ``cancelled`` between pieces, so
    an abandoned request stops at its next read (and its socket reads are bounded by httpx's timeout)."""
    q: queue.Queue = queue.Queue()
    cancelled = threading.Event()

    def put(item: object) -> None:
        q.put((item, time.monotonic()))

    def run() -> None:
        try:
            work(put, cancelled)
        except BaseException as e:  # handed to the caller, who raises it in its own thread
            put(e)
        put(_DONE)

    late = GeneratorError(f"the language model did not answer within {timeout_s:g} s")
    # the deadline is set before the request starts: its own timeout (the same length) then fires after it
    deadline = time.monotonic() + timeout_s
    threading.Thread(target=run, name="llm-request", daemon=True).start()
    try:
        while True:
            try:
                item, at = q.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise late from None
            if at > deadline:
                raise late
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        cancelled.set()


def _http_error(r: httpx.Response) -> GeneratorError:
    detail = ""
    try:
        body = json.loads(r.read() or b"null")
        err = body.get("error") if isinstance(body, dict) else None
        msg = err.get("message") if isinstance(err, dict) else err
        if isinstance(msg, str) and msg.strip():
            detail = ": " + " ".join(msg.split())[:120]
    except (ValueError, httpx.HTTPError):
        pass
    return GeneratorError(f"the language model answered HTTP {r.status_code}{detail}")


def _transport_error(e: httpx.HTTPError, base_url: str) -> GeneratorError:
    if isinstance(e, httpx.TimeoutException):
        return GeneratorError("the language model timed out")
    if isinstance(e, httpx.ConnectError):
        return GeneratorError(f"the language model at {base_url} is unreachable")
    return GeneratorError(f"the language model connection failed ({type(e).__name__})")


def _content_of(body: object) -> str:
    """``choices[0].message.content`` of a chat completion, or why the body is not one."""
    try:
        content = body["choices"][0]["message"]["content"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        raise GeneratorError("the language model sent a malformed response (no choices[0].message)") from None
    if content is not None and not isinstance(content, str):
        raise GeneratorError("the language model sent a malformed response (content is not text)")
    return content or ""


def _delta_of(line: str) -> str | None:
    """The text of one ``data:`` line of a streamed completion; None at ``[DONE]``."""
    data = line[5:].strip()
    if data == "[DONE]":
        return None
    try:
        chunk = json.loads(data)
        choices = chunk["choices"]
    except (ValueError, KeyError, TypeError):
        raise GeneratorError("the language model sent a malformed stream (a chunk is not JSON)") from None
    if not choices:  # e.g. a usage-only chunk
        return ""
    delta = choices[0].get("delta") or choices[0].get("message") or {}
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""


class OpenAICompatGenerator:
    def __init__(
        self,
        base_url: str,
        model: str = "default",
        api_key: str | None = None,
        timeout_s: float = 20.0,
        max_tokens: int = 400,
        temperature: float = 0.1,
    ):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.temperature = temperature
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            trust_env=False,  # the user's own server: never route it through a proxy from the environment
        )
        self._probe: tuple[float, str | None] | None = None

    def _payload(self, messages: Sequence[Message], stream: bool) -> dict:
        return {
            "model": self.model,
            "messages": list(messages),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stream": stream,
        }

    def complete(self, messages: Sequence[Message]) -> str:
        text = "".join(self._pieces(messages, stream=False))
        if not text.strip():
            raise GeneratorError("the language model returned an empty answer")
        return text

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        any_text = False
        for piece in self._pieces(messages, stream=True):
            any_text = any_text or bool(piece.strip())
            yield piece
        if not any_text:
            raise GeneratorError("the language model returned an empty answer")

    def _pieces(self, messages: Sequence[Message], stream: bool) -> Iterator[str]:
        def work(put: Callable[[object], None], cancelled: threading.Event) -> None:
            try:
                with self._client.stream("POST", "/chat/completions", json=self._payload(messages, stream)) as r:
                    if r.status_code >= 400:
                        raise _http_error(r)
                    self._read(r, put, cancelled)
            except httpx.HTTPError as e:
                raise _transport_error(e, self.base_url) from None

        return _deadline_iter(work, self.timeout_s)

    @staticmethod
    def _read(r: httpx.Response, put: Callable[[object], None], cancelled: threading.Event) -> None:
        if "text/event-stream" not in r.headers.get("content-type", ""):
            # a plain completion (asked for, or a server that ignores "stream")
            try:
                body = json.loads(r.read())
            except ValueError:
                raise GeneratorError("the language model sent a malformed response (not JSON)") from None
            put(_content_of(body))
            return
        data_lines = 0
        for line in r.iter_lines():
            if cancelled.is_set():
                return
            if not line.startswith("data:"):
                continue  # comments, event names, keep-alives
            data_lines += 1
            delta = _delta_of(line)
            if delta is None:
                return
            if delta:
                put(delta)
        if not data_lines:
            raise GeneratorError("the language model sent a malformed stream (no data)")

    def probe(self, ttl_s: float = 10.0) -> str | None:
        """Whether the server answers ``GET {base}/models`` (any HTTP status counts as reachable; a 401
        is reported). Cached for ``ttl_s`` so ``/health`` stays cheap."""
        now = time.monotonic()
        if self._probe is not None and now - self._probe[0] < ttl_s:
            return self._probe[1]
        try:
            r = self._client.get("/models", timeout=min(self.timeout_s, 2.0))
            problem = f"HTTP {r.status_code}" if r.status_code in (401, 403) else None
        except httpx.HTTPError as e:
            problem = str(_transport_error(e, self.base_url))
        self._probe = (now, problem)
        return problem

    def close(self) -> None:
        self._client.close()
