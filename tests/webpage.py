"""Helpers of the chat page's browser tests (the fixtures are in webfixtures.py): asking through the
page, screenshots, the strict CSP the page must work under, and canned `/ask` answers served through
the server's own serialisation (`Answer.to_dict`, `sse_events`) for answer shapes the real pipeline
does not produce yet (generative, timelines, disagreements)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}

# The policy of issue 14: no inline script or style, nothing from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def fmt_date(iso: str | None) -> str:
    """The page's date format: 26 Aug 2016."""
    if not iso:
        return "Undated"
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%b')} {d.year}"


def ask(page, question: str):
    """Type a question, press Enter, wait for the streamed answer to finish; returns its element."""
    n = page.locator(".msg-assistant").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    return wait_answer(page, n)


def wait_answer(page, n: int):
    """Wait until there are more than n answers and the last one has finished streaming."""
    page.wait_for_function(
        "n => { const a = document.querySelectorAll('.msg-assistant');"
        " return a.length > n && !a[a.length - 1].classList.contains('streaming'); }",
        arg=n,
    )
    return page.locator(".msg-assistant").last


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def api_answer(url: str, question: str, history=None) -> dict:
    body = {"question": question, **({"history": history} if history else {})}
    r = httpx.post(f"{url}/ask", json=body, timeout=30)
    r.raise_for_status()
    return r.json()


# ------------------------------------------------------------------------------------------------ canned answers
def cite(url: str, n: int, article_id: str, sentence: str) -> dict:
    """Citation n quoting `sentence` of a real article of the server (so the source panel can open it)."""
    art = httpx.get(f"{url}/articles/{article_id}", timeout=10).json()
    start = art["body"].index(sentence)
    return {
        "n": n,
        "article_id": article_id,
        "title": art["title"],
        "source": art["source"],
        "date": art["date"],
        "date_inferred": art["date_inferred"],
        "date_evidence": art["date_evidence"],
        "url": art["url"],
        "quote": sentence,
        "chunk_id": 0,
        "start": start,
        "end": start + len(sentence),
        "score": 0.9,
    }


def canned(citations: list[dict], statements: list[dict], **fields):
    """An `Answer` (rag.models) from plain dicts; `answer` is rendered from the statements as the server does.
    `passages` may be given as citation dicts (their quote is the passage text)."""
    from rag.models import (
        Answer,
        Citation,
        DirectAnswer,
        Disagreement,
        DisagreementValue,
        Passage,
        RemovedSentence,
        Statement,
        TimelineEntry,
        render_statements,
    )

    sts = [Statement(**s) for s in statements]
    direct = fields.pop("direct_answer", None)
    return Answer(
        answer=render_statements(sts),
        abstained=fields.pop("abstained", False),
        citations=[Citation(**c) for c in citations],
        passages=[
            Passage(**{k: v for k, v in p.items() if k not in ("n", "quote")}, text=p["quote"])
            for p in fields.pop("passages", [])
        ],
        timings_ms={"total": 12.0},
        statements=sts,
        direct_answer=DirectAnswer(**direct) if direct else None,
        removed=[RemovedSentence(**r) for r in fields.pop("removed", [])],
        disagreements=[
            Disagreement(d["slot"], [DisagreementValue(**v) for v in d["values"]])
            for d in fields.pop("disagreements", [])
        ],
        timeline=[TimelineEntry(**t) for t in fields.pop("timeline", [])],
        **fields,
    )


def serve_answers(page, pick, bodies: list | None = None, stream: bool = True) -> None:
    """Answer the page's /ask requests with pick(request_body) → Answer, as SSE (the server's own events) or JSON."""
    from rag.api.app import sse_events

    def handle(route):
        body = route.request.post_data_json
        if bodies is not None:
            bodies.append(body)
        answer = pick(body)
        if stream:
            route.fulfill(status=200, content_type="text/event-stream", body="".join(sse_events(answer)))
        else:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(answer.to_dict()))

    page.route("**/ask", handle)
