"""Every error is JSON ``{"error": "<field>: <what is wrong>", "detail": [...]}``, never a traceback.

Validation errors name the field (``filters.date_from``, ``top_k``) and say what is wrong in words
(pydantic's own message, without its "Value error," prefix or documentation links), so a client
can fix its request without reading the server's code.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("rag.api")

_WHERE = {"body", "query", "path", "header", "cookie"}
_MAX_SHOWN = 5


def field_name(loc: list | tuple) -> str:
    """``("body", "filters", "date_from")`` → ``filters.date_from``; ``("query", "top_k")`` → ``top_k``."""
    parts = [str(x) for x in loc]
    if parts and parts[0] in _WHERE:
        parts = parts[1:]
    return ".".join(parts)


def _short(value: Any) -> str | None:
    """A short rendering of a rejected scalar, or None when it is long or not a scalar."""
    if isinstance(value, bool) or value is None or not isinstance(value, (str, int, float)):
        return None
    text = repr(value)
    return text if len(text) <= 40 else None


def describe(err: dict) -> dict:
    """One pydantic/FastAPI error as ``{"field", "message", "loc", "line"}`` in plain words."""
    loc = list(err.get("loc") or [])
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid value"))
    if msg.startswith(("Value error, ", "Assertion failed, ")):
        msg = msg.split(", ", 1)[1]
    if kind == "json_invalid":
        loc = loc[:1]
        reason = (err.get("ctx") or {}).get("error")
        msg = f"invalid JSON ({reason})" if reason else "invalid JSON"
    elif kind == "missing":
        msg = "required" if len(loc) > 1 else "a JSON object is required"
    elif kind == "extra_forbidden":
        msg = "unknown field (not part of this endpoint's input)"
    elif kind == "model_attributes_type" and len(loc) <= 1:
        msg = "expected a JSON object"
    else:
        msg = msg[:1].lower() + msg[1:]
        shown = _short(err.get("input"))
        if shown is not None and kind != "string_too_long" and shown not in msg:
            msg += f" (got {shown})"
    field = field_name(loc) or (loc[0] if loc else "request")
    # a rule over several fields (a date range) names them in its own message
    whole = kind == "value_error" and field in _WHERE
    return {"field": str(field), "message": msg, "loc": loc, "line": msg if whole else f"{field}: {msg}"}


def validation_message(errors: list[dict]) -> tuple[str, list[dict]]:
    """The one-line ``error`` and the ``detail`` list for a set of validation errors."""
    items = [describe(e) for e in errors] or [
        {"field": "request", "message": "invalid request", "loc": [], "line": "invalid request"}
    ]
    line = "; ".join(d["line"] for d in items[:_MAX_SHOWN])
    if len(items) > _MAX_SHOWN:
        line += f"; and {len(items) - _MAX_SHOWN} more"
    return line, [{"loc": d["loc"], "field": d["field"], "msg": d["message"]} for d in items]


async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    line, detail = validation_message(list(exc.errors()))
    return JSONResponse({"error": line, "detail": detail}, status_code=422)


_PLAIN = {404: "no such endpoint", 405: "method not allowed"}


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    message = str(exc.detail)
    if exc.status_code in _PLAIN and message in ("Not Found", "Method Not Allowed"):
        message = f"{_PLAIN[exc.status_code]}: {request.method} {request.url.path}"
    return JSONResponse({"error": message}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return JSONResponse({"error": "internal error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_unexpected_error)
