"""OpenAPI fragments shared by the write routes (their bodies and refusals)."""

from __future__ import annotations

from typing import Any

ERROR: dict[str, Any] = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong bearer token", **ERROR},
    403: {"description": "Writes are disabled (no RAG_API_TOKEN)", **ERROR},
    409: {"description": "The index was built with another embedding model", **ERROR},
    413: {"description": "Upload too large", **ERROR},
    503: {"description": "The index cannot be written", **ERROR},
}
_RAW = {"schema": {"type": "string", "format": "binary"}}
INGEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "One or more .jsonl/.csv/.md/.txt/.html files",
                        }
                    },
                }
            },
            "application/x-ndjson": _RAW,
            "text/csv": _RAW,
            "text/markdown": _RAW,
            "text/html": _RAW,
            "text/plain": _RAW,
        },
    }
}
