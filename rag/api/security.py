"""Guards in front of every route: bearer-token auth, per-client rate limit, body size and time limits.

``GuardMiddleware`` is a plain ASGI middleware, so it answers before a body is read (a 10 GB
upload without a token costs nothing) and works for streaming responses. Every refusal is a
JSON ``{"error": ...}`` like the app's own errors.

* Writes (``POST /ingest``, ``DELETE /articles/{id}``) need ``Authorization: Bearer <RAG_API_TOKEN>``,
  compared in constant time; with no token configured they are off (403).
* Reads are open unless ``read_token_required`` (then the same token is needed).
* ``rate_limit_per_minute`` > 0: a token bucket per client IP (burst = one minute's quota); 429 with
  ``Retry-After``. ``/metrics`` and ``/health`` are never limited.
* Bodies over the limit get 413: early from ``Content-Length``, or while streaming in.
* ``request_timeout_s``: a request with no response by then gets 504 (the worker thread finishes
  in the background; its late response is dropped).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException

from ..settings import Settings

EXEMPT_FROM_LIMITS = frozenset({"/metrics", "/health"})
READ_PREFIXES = ("/ask", "/search", "/articles", "/stats", "/v1")  # /v1: the OpenAI-compatible API
UPLOAD_ENVELOPE_BYTES = 64 * 1024  # multipart boundaries and part headers on top of the files


def is_write(method: str, path: str) -> bool:
    return (method == "POST" and path.rstrip("/") == "/ingest") or (
        method == "DELETE" and path.startswith("/articles/")
    )


def is_read(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in READ_PREFIXES)


# --- auth ------------------------------------------------------------------------------------------
@dataclass
class AuthFailure:
    status: int
    message: str
    headers: dict[str, str]


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def check_bearer(expected: str | None, authorization: str | None, what: str = "writes") -> AuthFailure | None:
    """None if ``authorization`` carries the expected token, else why not (403 when no token is set)."""
    if not expected:
        return AuthFailure(403, f"{what} are disabled: set RAG_API_TOKEN", {})
    given = bearer_token(authorization)
    if given is None:
        return AuthFailure(401, "missing bearer token", {"WWW-Authenticate": 'Bearer realm="rag"'})
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        return AuthFailure(
            401, "invalid bearer token", {"WWW-Authenticate": 'Bearer realm="rag", error="invalid_token"'}
        )
    return None


def require_token(settings: Settings, authorization: str | None, what: str = "writes") -> None:
    """The same check as a FastAPI dependency body (defence in depth behind the middleware)."""
    failure = check_bearer(settings.api_token, authorization, what)
    if failure is not None:
        raise HTTPException(failure.status, failure.message, headers=failure.headers or None)


# --- rate limit ------------------------------------------------------------------------------------
class RateLimiter:
    """Token bucket per key: ``per_minute`` tokens, refilled continuously; a burst of up to
    ``per_minute`` is allowed. ``hit`` returns 0.0 when allowed, else the seconds until it would be."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        if self.capacity <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                allowed = 0.0
            else:
                self._buckets[key] = (tokens, now)
                allowed = (1.0 - tokens) / self.rate
            if len(self._buckets) > self.max_keys:
                self._prune(now)
        return allowed

    def _prune(self, now: float) -> None:
        """Forget clients whose bucket has refilled (they are indistinguishable from new ones)."""
        full = [k for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= self.capacity]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) > self.max_keys:  # still too many: drop the oldest
            for k, _ in sorted(self._buckets.items(), key=lambda kv: kv[1][1])[: len(self._buckets) - self.max_keys]:
                del self._buckets[k]


# --- the middleware ----------------------------------------------------------------------------------
async def send_json(send, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


def _header(scope, name: bytes) -> str | None:
    for k, v in scope.get("headers") or ():
        if k.lower() == name:
            return v.decode("latin-1")
    return None


class GuardMiddleware:
    def __init__(
        self,
        app,
        settings: Settings,
        limiter: RateLimiter | None = None,
        on_rate_limited: Callable[[], None] | None = None,
    ):
        self.app = app
        self.settings = settings
        self.limiter = limiter or RateLimiter(settings.rate_limit_per_minute)
        self.on_rate_limited = on_rate_limited

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        s = self.settings
        method, path = scope["method"], scope["path"]
        exempt = path in EXEMPT_FROM_LIMITS

        # 1. rate limit, per client address
        if s.rate_limit_per_minute > 0 and not exempt and method != "OPTIONS":
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = self.limiter.hit(client)
            if wait > 0:
                if self.on_rate_limited:
                    self.on_rate_limited()
                retry = max(1, math.ceil(wait))
                return await send_json(
                    send,
                    429,
                    {
                        "error": f"rate limit exceeded: {s.rate_limit_per_minute} "
                        f"requests per minute per client; retry in {retry} s"
                    },
                    {"Retry-After": str(retry)},
                )

        # 2. auth, before any body is read
        write = is_write(method, path)
        if write or (s.read_token_required and is_read(path) and method != "OPTIONS"):
            failure = check_bearer(s.api_token, _header(scope, b"authorization"), "writes" if write else "reads")
            if failure is not None:
                return await send_json(send, failure.status, {"error": failure.message}, failure.headers)

        # 3. body size
        limit = s.max_upload_bytes + UPLOAD_ENVELOPE_BYTES if write else s.max_body_bytes
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                return await send_json(send, 400, {"error": "invalid Content-Length"})
            if int(length) > limit:
                return await send_json(
                    send, 413, {"error": f"request body too large: {int(length)} bytes (limit {limit})"}
                )
        receive = _limited_receive(receive, limit)

        # 4. time limit
        timeout = None if exempt else (s.ingest_timeout_s if write else s.request_timeout_s)
        if not timeout or timeout <= 0:
            return await self.app(scope, receive, send)
        await _with_deadline(self.app, scope, receive, send, timeout)


def _limited_receive(receive, limit: int):
    seen = 0

    async def wrapped():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, f"request body too large (limit {limit} bytes)")
        return message

    return wrapped


async def _with_deadline(app, scope, receive, send, timeout: float) -> None:
    """Run the app; if it has not started a response after ``timeout`` s, answer 504 instead.

    Sync endpoints run in worker threads that cannot be interrupted: the app task is cancelled
    (it stops at its next await) and whatever it sends later is dropped."""
    started = asyncio.Event()
    abandoned = False

    async def guarded_send(message):
        if abandoned:
            return
        if message["type"] == "http.response.start":
            started.set()
        await send(message)

    task = asyncio.ensure_future(app(scope, receive, guarded_send))
    waiter = asyncio.ensure_future(started.wait())
    try:
        await asyncio.wait({task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:  # the server gave up on this request (client gone): so do we
        task.cancel()
        raise
    finally:
        waiter.cancel()
    if task.done() or started.is_set():
        await task  # finishes a started (possibly streaming) response; re-raises the app's errors
        return
    abandoned = True
    task.cancel()
    task.add_done_callback(lambda t: t.cancelled() or t.exception())  # never "exception was never retrieved"
    await send_json(send, 504, {"error": f"request took longer than {timeout:g} s"})
