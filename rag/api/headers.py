"""Security headers on every response: page, JSON, Server-Sent Events, static files, docs, errors.

The page shows text from untrusted reports, so the browser is told to run no script but the
page's own files (no inline script, no ``eval``), to talk only to this origin, never to be framed,
never to guess content types and never to send the page's address to the outlets it links to.

``/docs`` and ``/redoc`` get the same policy with one relaxation: Swagger UI and ReDoc add
``<style>`` elements at run time, so their ``style-src`` allows inline styles (a style cannot run
code); ReDoc also renders in a ``blob:`` worker. Their scripts are still only this origin's files.
"""

from __future__ import annotations

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")

COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def csp_for(path: str) -> str:
    return DOCS_CSP if any(path == p or path.startswith(p + "/") for p in DOCS_PATHS) else PAGE_CSP


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    values = {**COMMON_HEADERS, "content-security-policy": csp_for(path)}
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in values.items()]


class SecurityHeadersMiddleware:
    """A plain ASGI middleware, so it also covers streamed bodies and the guards' own refusals.

    Headers a route set itself win (none does today); every other response gets them all."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = security_headers(scope["path"])

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
