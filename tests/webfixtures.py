"""Fixtures of the chat page's browser tests: real headless Chromium (Playwright) and a page opener
that fails the test on any JavaScript error, optionally serving the page under the strict CSP.
Test modules load them with ``pytest_plugins = ["webfixtures"]``."""

from __future__ import annotations

import pytest
from webpage import ARGS, CHROMIUM, CSP, DESKTOP

# Collects CSP violations (the event) and keeps them on window for the test to read.
_CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  {directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample}));
"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _with_csp(route) -> None:
    """Serve the page itself with the strict CSP header (as the server will)."""
    resp = route.fetch()
    route.fulfill(response=resp, headers={**resp.headers, "content-security-policy": CSP})


@pytest.fixture()
def open_page(browser):
    """open_page(url, viewport=DESKTOP, scheme="light", csp=False) → a loaded page whose JS errors fail the test.

    With csp=True the page is served under CSP, and page.evaluate("window.__csp") lists violations."""
    contexts, errors = [], []

    def _open(url: str, viewport: dict = DESKTOP, scheme: str = "light", csp: bool = False, **kw):
        ctx = browser.new_context(viewport=viewport, color_scheme=scheme, **kw)
        contexts.append(ctx)
        ctx.add_init_script(_CSP_WATCH)
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
        if csp:
            page.route(url + "/", _with_csp)
        page.goto(url + "/")
        page.wait_for_function("() => document.querySelectorAll('#outlets input').length > 0")
        return page

    yield _open
    for ctx in contexts:
        ctx.close()
    assert not errors, errors
