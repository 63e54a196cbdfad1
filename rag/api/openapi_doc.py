"""The guards' answers (429, 504, 413, read 401/403) added to the OpenAPI document."""

from __future__ import annotations

from fastapi import FastAPI

from ..settings import Settings
from .security import is_rate_limited

_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}


def _guard_responses(settings: Settings, path: str, method: str) -> dict:
    out: dict = {}
    if settings.rate_limit_per_minute > 0 and is_rate_limited(method.upper(), path):
        out["429"] = {"description": "Rate limit exceeded (see Retry-After)", **_ERROR}
    if settings.request_timeout_s > 0:
        out["504"] = {"description": "Took longer than the time limit", **_ERROR}
    if method in ("post", "put", "patch"):
        out["413"] = {"description": "Request body too large", **_ERROR}
    if settings.read_token_required and method in ("get", "post"):
        out["401"] = {"description": "Missing or wrong bearer token", **_ERROR}
        out["403"] = {"description": "Reads need RAG_API_TOKEN set", **_ERROR}
    return out


def document_guards(app: FastAPI, settings: Settings) -> None:
    base = app.openapi

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        for path, item in schema.get("paths", {}).items():
            if path in ("/metrics", "/health"):
                continue
            for method, op in item.items():
                responses = op.setdefault("responses", {})
                for code, doc in _guard_responses(settings, path, method).items():
                    responses.setdefault(code, doc)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
