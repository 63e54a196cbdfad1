"""The page and the API docs in real headless Chromium with the network off, under the server's CSP.

Every request to anything but 127.0.0.1 is aborted (and recorded), so a page that needs a CDN shows
up blank here. Content-Security-Policy violations are caught from the ``securitypolicyviolation``
event; a control in the first test injects an inline script to prove the policy is enforced and
the detector sees it. Wait predicates are arrow functions: Playwright re-evaluates a bare expression
string with ``eval``, which the CSP (rightly) forbids.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
]
TOKEN = "browser-token"
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
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


class Offline:
    """A browser context that can reach 127.0.0.1 only, watching CSP violations and page errors."""

    def __init__(self, browser):
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.ctx.route("**/*", self._route)
        self.ctx.add_init_script(WATCH_CSP)

    def _route(self, route):
        url = route.request.url
        if urlsplit(url).hostname != "127.0.0.1":
            self.outside.append(url)
            return route.abort()
        return route.continue_()

    def open(self, url: str):
        page = self.ctx.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        response = page.goto(url)
        assert response is not None and response.status == 200
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp, csp
        return page


@pytest.fixture()
def offline(browser):
    o = Offline(browser)
    yield o
    o.ctx.close()


def ask(page, question: str):
    n = page.locator(".msg-assistant").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.wait_for_function(
        "n => { const a = document.querySelectorAll('.msg-assistant');"
        " return a.length > n && !a[a.length - 1].classList.contains('streaming'); }",
        arg=n,
    )
    return page.locator(".msg-assistant").last


def violations(page) -> list[str]:
    return page.evaluate("window.__csp")


# -------------------------------------------------------------------------------------------------
def test_the_page_works_under_the_csp_with_no_violation(offline, live_server):
    page = offline.open(live_server.url + "/")
    page.wait_for_function("() => document.querySelectorAll('#outlets input').length > 0")  # /stats arrived
    answer = ask(page, "How many rebels would be evacuated from Darayya?")
    assert answer.locator("button.cite").count() >= 1  # the streamed answer (fetch + SSE) rendered
    answer.locator("button.cite").first.click()
    page.locator("#panel-article mark").wait_for()  # /articles/{id} fetched and shown
    assert violations(page) == [], "the page breaks its own CSP"
    assert offline.outside == [] and offline.errors == []

    # control: the policy is enforced, and the detector sees a breach
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';"
                  " document.body.append(s); }")  # fmt: skip
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("typeof window.__inline") == "undefined"
    assert violations(page)[0].startswith("script-src")


def test_docs_and_redoc_render_offline_under_the_csp(offline, live_server):
    spec = httpx.get(f"{live_server.url}/openapi.json", timeout=10).json()
    operations = sum(len(item) for item in spec["paths"].values())
    page = offline.open(live_server.url + "/docs")
    page.wait_for_function(f"() => document.querySelectorAll('.opblock').length >= {operations}")
    assert page.locator(".opblock-summary-path", has_text="/ask/stream").count() == 1
    page.locator(".opblock-summary-path", has_text="/search").first.click()  # an operation opens
    page.locator(".opblock-body").first.wait_for()
    assert violations(page) == []

    redoc = offline.open(live_server.url + "/redoc")
    redoc.get_by_text("/ask/stream").first.wait_for()
    redoc.get_by_role("heading", name="Search").first.wait_for()
    # ReDoc always shows its vendor's logo from a CDN; the CSP blocks that request before it leaves
    assert [v for v in violations(redoc) if "cdn.redoc.ly" not in v] == []
    assert offline.outside == [] and offline.errors == []


XSS = {
    "id": "xss-zanzibar-lighthouse",
    "title": "Zanzibar lighthouse keepers <script>window.__xss=1</script>strike over unpaid wages",
    "source": 'Harbour Gazette <img src=x onerror="window.__xss=1">',
    "date": "2016-08-20",
    "url": "javascript:window.__xss=1",
    "text": "Lighthouse keepers on Zanzibar walked off the job on Saturday over unpaid wages, the harbour authority "
    "said. The keepers' union pinned a note <script>window.__xss=1</script>to its board, and a second note "
    '<img src=x onerror="window.__xss=1">showed a lighthouse.\n\nThe Zanzibar harbour authority said the keepers '
    "would be paid by Monday and that ships could still navigate safely using buoys.",
}


def test_an_ingested_script_article_is_stored_clean_and_inert_in_the_page(offline, seed_index_copy):
    server = LiveServer(seed_index_copy, env={"RAG_API_TOKEN": TOKEN})
    try:
        r = httpx.post(
            f"{server.url}/ingest",
            params={"filename": "feed.jsonl"},
            content=json.dumps(XSS).encode(),
            headers={"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {TOKEN}"},
            timeout=120,
        )
        assert r.status_code == 200, r.text
        assert [n["reason"] for n in r.json()["notes"]] == [
            "url 'javascript:window.__xss=1' dropped: only http(s) URLs are kept"
        ]
        stored = httpx.get(f"{server.url}/articles/{XSS['id']}", timeout=10).json()
        assert stored["title"] == "Zanzibar lighthouse keepers strike over unpaid wages"
        assert stored["source"] == "Harbour Gazette" and stored["url"] is None
        assert (
            "<" not in stored["body"]
            and "__xss" not in stored["body"]
            and "pinned a note to its board" in stored["body"]
        )

        page = offline.open(server.url + "/")
        answer = ask(page, "Why did the Zanzibar lighthouse keepers strike?")
        cite = answer.locator(f'button.cite[data-article="{XSS["id"]}"]').first
        cite.click()
        page.locator("#panel-article mark").wait_for()
        assert page.locator("#panel-title").inner_text() == stored["title"]
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.locator(".log script, .log img, #panel script, #panel img").count() == 0
        assert page.locator("a[href^='javascript']").count() == 0
        assert violations(page) == [] and offline.outside == [] and offline.errors == []
    finally:
        server.stop()
