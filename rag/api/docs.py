"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) that work offline and under the strict CSP.

FastAPI's own docs pages load their scripts from a CDN and start Swagger UI with an inline
script; both break here (no network, no inline script). These pages load Swagger UI and ReDoc
from the ``fastapi-offline`` package's files and start Swagger UI from ``static/swagger-init.js``.
Only the named files below are served: no path from the request reaches the file system.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

_VENDOR = Path(str(files("fastapi_offline") / "static"))
_OWN = Path(__file__).resolve().parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": _VENDOR / "swagger-ui-bundle.js",
    "swagger-ui.css": _VENDOR / "swagger-ui.css",
    "redoc.standalone.js": _VENDOR / "redoc.standalone.js",
    "favicon.png": _VENDOR / "favicon.png",
    "swagger-init.js": _OWN / "swagger-init.js",
}
_MEDIA = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def _page(title: str, head: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><link rel='icon' href='/docs/assets/favicon.png'>{head}</head>"
        f"<body>{body}</body></html>"
    )


def docs_router(title: str, openapi_url: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    spec = html.escape(openapi_url, quote=True)

    @router.get("/docs")
    def swagger() -> HTMLResponse:
        return _page(
            f"{title} — API",
            "<link rel='stylesheet' href='/docs/assets/swagger-ui.css'>",
            f"<div id='swagger-ui' data-openapi-url='{spec}'></div>"
            "<script src='/docs/assets/swagger-ui-bundle.js'></script>"
            "<script src='/docs/assets/swagger-init.js'></script>",
        )

    @router.get("/redoc")
    def redoc() -> HTMLResponse:
        return _page(
            f"{title} — API reference",
            "",
            f"<redoc spec-url='{spec}'></redoc><script src='/docs/assets/redoc.standalone.js'></script>",
        )

    @router.get("/docs/assets/{name}")
    def asset(name: str) -> FileResponse:
        path = ASSETS.get(name)
        if path is None:
            raise HTTPException(404, f"no docs asset named {name!r}")
        return FileResponse(path, media_type=_MEDIA[path.suffix], headers={"Cache-Control": "public, max-age=3600"})

    return router
