"""The chat page in a real headless Chromium against a real `rag serve`.

Asserts structure, not wording (the answer text is free to improve): answers stream in with
citation links, a citation opens the source panel with the quoted span highlighted, follow-ups
carry history, abstentions and errors look different, filters come from /stats, data is
never interpreted as HTML, answers render from their `statements` with the grounding shown, and
the page works under the strict CSP. Canned answer shapes are in test_web_answers.py.
Screenshots (desktop/phone × light/dark) go to tests/screenshots/.
"""

from __future__ import annotations

import json

import httpx
import pytest
from conftest import LiveServer
from webpage import DESKTOP, PHONE, api_answer, ask, canned, cite, fmt_date, serve_answers, shot

pytest_plugins = ["webfixtures"]  # the browser and open_page fixtures
pytestmark = [pytest.mark.browser, pytest.mark.slow]

DARAYYA = "seed-residents-and-rebels-start-evacuating-darayya"
QUESTION = "How many rebels would be evacuated from Darayya?"

XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_ARTICLE = f"""---
id: "xss-zanzibar-lighthouse"
title: 'Zanzibar lighthouse keepers {XSS_SCRIPT} strike over unpaid wages'
source: 'Harbour Gazette {XSS_IMG}'
date: "2016-08-20"
url: "javascript:window.__xss=1"
---

Lighthouse keepers on Zanzibar walked off the job on Saturday over unpaid wages, the harbour authority said. The keepers' union pinned the message {XSS_SCRIPT} to its notice board, and a second note read {XSS_IMG} beside a drawing of a lighthouse.

The Zanzibar harbour authority said the lighthouse keepers would be paid by Monday and that ships could still navigate safely using buoys.
"""


# ------------------------------------------------------------------------------------------------
def test_answer_streams_with_citations_that_open_the_source(open_page, live_server):
    expected = api_answer(live_server.url, QUESTION)
    assert not expected["abstained"] and expected["citations"], "pick a question the seed index answers"
    cites = {c["n"]: c for c in expected["citations"]}

    page = open_page(live_server.url)
    seen = []  # the answer really arrives as a stream of deltas
    page.on("response", lambda r: seen.append(r.headers.get("content-type", "")) if r.url.endswith("/ask") else None)
    answer = ask(page, QUESTION)
    assert any("text/event-stream" in t for t in seen)
    assert "abstained" not in (answer.get_attribute("class") or "")
    assert answer.locator(".answer-body").get_attribute("aria-busy") is None  # streaming finished
    buttons = answer.locator("button.cite")
    assert {int(b.inner_text()) for b in buttons.all()} == set(cites)  # every citation has its button
    assert answer.locator(".sources .source").count() >= 1
    panel, mark = page.locator("#panel"), page.locator("#panel-article mark")

    # Keyboard: Enter on a focused citation opens it; Escape closes and gives focus back.
    last = buttons.last
    last.focus()
    page.keyboard.press("Enter")
    mark.wait_for()
    assert mark.text_content() == cites[int(last.inner_text())]["quote"]
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('cite')")

    # Desktop and phone, light and dark: the same answer, then its first source opened by a click.
    for viewport, vname in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(viewport)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme, reduced_motion="reduce")  # no colour transitions mid-shot
            page.evaluate("document.getElementById('thread').scrollTop = 1e6")
            shot(page, f"{vname}-{scheme}-answer")
            first = buttons.first
            c = cites[int(first.inner_text())]
            first.click()
            panel.wait_for(state="visible")
            mark.wait_for()
            assert page.locator("#panel-title").inner_text() == c["title"]
            assert page.locator("#panel .panel-outlet").inner_text().replace("\n", "") == c["source"]
            assert page.locator("#panel .panel-date").inner_text() == fmt_date(c["date"])
            if c["date_inferred"]:
                ev = page.locator("#panel .meta-row.evidence").inner_text()
                assert "date inferred from" in ev and c["date_evidence"] in ev
            assert mark.text_content() == c["quote"]
            assert mark.evaluate(
                "m => { const b = m.closest('.panel-scroll').getBoundingClientRect();"
                " const r = m.getBoundingClientRect(); return r.top >= b.top && r.top < b.bottom; }"
            )
            if vname == "phone":  # a full-screen sheet
                box = panel.bounding_box()
                assert round(box["width"]) == PHONE["width"] and round(box["height"]) == PHONE["height"]
            shot(page, f"{vname}-{scheme}-panel")
            page.click("#panel-close")
            panel.wait_for(state="hidden")


def test_copy_gives_answer_and_numbered_references(open_page, live_server):
    page = open_page(live_server.url, permissions=["clipboard-read", "clipboard-write"])
    answer = ask(page, QUESTION)
    answer.locator(".copy-btn").click()
    page.wait_for_function("() => document.querySelector('.copy-btn').textContent.includes('Copied')")
    text = page.evaluate("navigator.clipboard.readText()")
    n = len({b.inner_text() for b in answer.locator("button.cite").all()})  # a number may be cited twice
    assert n >= 1 and "Sources:" in text
    for i in range(1, n + 1):
        assert f"[{i}] " in text.split("Sources:")[1]
    assert "Residents and rebels start evacuating Darayya" in text


def test_follow_up_sends_history_and_cites_the_earlier_topic(open_page, live_server):
    page = open_page(live_server.url)
    bodies = []
    page.on("request", lambda r: bodies.append(r.post_data_json) if r.url.endswith("/ask") else None)
    ask(page, "What happened in Darayya?")
    second = ask(page, "And how many rebels left?")

    history = bodies[-1].get("history")
    assert [t["role"] for t in history] == ["user", "assistant"]
    assert history[0]["content"] == "What happened in Darayya?"
    assert history[1]["content"].strip()

    articles = [b.get_attribute("data-article") for b in second.locator("button.cite").all()]
    assert DARAYYA in articles
    assert "searched for" in second.locator(".rewritten").inner_text().lower()


def test_article_text_is_never_interpreted_as_html(open_page, seed_index_copy, embedder, tmp_path):
    from rag.ingest import ingest
    from rag.readers import read_path

    src = tmp_path / "xss"
    src.mkdir()
    (src / "xss-zanzibar-lighthouse.md").write_text(XSS_ARTICLE, encoding="utf-8")
    ingest(read_path(src).articles, seed_index_copy, embedder)
    server = LiveServer(seed_index_copy)
    try:
        page = open_page(server.url)
        answer = ask(page, "Why did the Zanzibar lighthouse keepers strike?")
        cite = answer.locator('button.cite[data-article="xss-zanzibar-lighthouse"]').first
        cite.click()
        page.locator("#panel-article mark").wait_for()

        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.locator(".log script, .log img, #panel script, #panel img").count() == 0
        assert page.locator("#panel a[href^='javascript']").count() == 0
        # markup is cleaned at ingest (rag/readers/cleaning.py): the text stays, the tags are gone
        assert page.locator("#panel-title").inner_text() == "Zanzibar lighthouse keepers strike over unpaid wages"
        assert page.locator("#panel .panel-outlet").inner_text().replace("\n", "") == "Harbour Gazette"
        assert "<script" not in page.locator("#panel-article").inner_text()
        assert "pinned the message to its notice board" in page.locator("#panel-article").inner_text()
        assert "Harbour Gazette" in answer.inner_text()  # the outlet, as text, wherever the answer names it
        # The question box too: a question is text, never markup.
        ask(page, f"What did {XSS_IMG} mean for the Zanzibar lighthouse keepers?")
        assert page.locator(".log img").count() == 0
        assert XSS_IMG in page.locator(".msg-user .bubble").last.inner_text()
        assert page.evaluate("typeof window.__xss") == "undefined"
    finally:
        server.stop()


def test_off_topic_question_is_an_abstention(open_page, live_server):
    page = open_page(live_server.url)
    answer = ask(page, "What is the capital of France?")
    assert "abstained" in answer.get_attribute("class")
    assert answer.locator("button.cite").count() == 0
    assert "The reports don't answer this" in answer.inner_text()
    assert answer.locator(".abstain-icon").count() == 1
    shot(page, "desktop-light-abstention")


def test_errors_are_shown_kindly_and_the_question_is_kept(open_page, live_server):
    page = open_page(live_server.url)
    too_long = "How many rebels left Darayya? " + "x" * 2000  # the server refuses > 2000 characters
    answer = ask(page, too_long)
    assert "errored" in answer.get_attribute("class")
    alert = answer.locator("[role=alert]").inner_text()
    assert "too long" in alert and "still in the box" in alert
    assert page.input_value("#question") == too_long
    shot(page, "desktop-light-error")

    # A server failure (5xx JSON error) and a network failure: the same kind treatment.
    page.route(
        "**/ask",
        lambda r: r.fulfill(
            status=503, content_type="application/json", body=json.dumps({"error": "index is being rebuilt"})
        ),
    )
    answer = ask(page, "How long was the truce extended?")
    assert "index is being rebuilt" in answer.locator("[role=alert]").inner_text()
    assert page.input_value("#question") == "How long was the truce extended?"
    page.unroute("**/ask")
    page.route("**/ask", lambda r: r.abort())
    answer = ask(page, "Who agreed the truce in Hasakah?")
    assert "reach the server" in answer.locator("[role=alert]").inner_text()
    assert page.input_value("#question") == "Who agreed the truce in Hasakah?"


def test_filters_come_from_stats_and_are_sent(open_page, live_server):
    stats = httpx.get(f"{live_server.url}/stats").json()
    page = open_page(live_server.url)
    assert f"{stats['articles']} reports" in page.locator("#corpus-summary").inner_text()
    assert fmt_date(stats["date_max"]) in page.locator("#corpus-summary").inner_text()

    page.click("#filters-toggle")
    boxes = page.locator("#outlets input[type=checkbox]")
    assert boxes.count() == len(stats["sources"]) > 0
    names = [b.get_attribute("value") for b in boxes.all()]
    assert names == [s["source"] for s in stats["sources"]]

    reuters = page.locator('#outlets input[value="Reuters"]')
    reuters.check()
    page.fill("#date-from", "2016-09-01")
    page.fill("#as-of", "2016-09-30")
    page.click("#filters-done")
    assert "Reuters" in page.locator("#active-filters").inner_text()

    with page.expect_request("**/ask") as req:
        answer = ask(page, "How long did the US and Russia extend the truce?")
    body = req.value.post_data_json
    assert body["filters"] == {"date_from": "2016-09-01", "sources": ["Reuters"]}
    assert body["as_of"] == "2016-09-30"
    for b in answer.locator("[data-article]").all():  # whatever it found is within the filters
        assert b.get_attribute("data-article") == "seed-us-russia-agree-syria-truce-holding-extend-it-by-48-hours"


def test_statements_render_with_their_citations_and_the_grounding(open_page, live_server):
    expected = api_answer(live_server.url, QUESTION)
    statements = expected["statements"]
    assert statements and all(s["citations"] for s in statements)

    page = open_page(live_server.url)
    answer = ask(page, QUESTION)
    blocks = answer.locator(".answer-body [data-kind]")
    assert blocks.count() == len(statements)
    for i, st in enumerate(statements):  # each statement, in order, with its own citation buttons
        block = blocks.nth(i)
        assert block.get_attribute("data-kind") == st["kind"]
        assert [int(t) for t in block.locator("button.cite").all_inner_texts()] == st["citations"]
        # the statement's own words (a direct span, or a quote without its attribution) are on the page
        words = st["text"].lstrip("“").split("”")[0][:40]
        assert words in block.inner_text()
    # Attribution once per source: three quotes of one report name its outlet once.
    assert answer.locator(".stmt-meta").count() == len({(c["source"], c["date"]) for c in expected["citations"]})

    meter = answer.locator(".answer-head [role=meter]")
    assert meter.get_attribute("aria-valuenow") == f"{expected['grounding']:.2f}"
    assert "supported" in meter.inner_text()
    assert f"{expected['grounding']:.2f}" in meter.get_attribute("title")
    assert "Quoted from the reports" in answer.locator(".answer-head").inner_text()
    assert answer.locator(".switch-btn").count() == 0  # an extractive answer offers no switch

    # An abstention has no meter (it is not an answer) and keeps its own look.
    off = ask(page, "What is the capital of France?")
    assert "abstained" in off.get_attribute("class") and off.locator("[role=meter]").count() == 0


def test_empty_outlet_shows_the_title_and_one_report_is_one_source(open_page, live_server):
    question = "What did the SDF establish to capture al-Bab?"
    expected = api_answer(live_server.url, question)
    nameless = [c for c in expected["citations"] if not c["source"]]
    assert nameless, "pick a question answered from a report without an outlet"

    page = open_page(live_server.url)
    answer = ask(page, question)
    text = answer.inner_text()
    assert "unknown outlet" not in text.lower()
    assert nameless[0]["title"] in answer.locator(".sources .source").first.inner_text()
    assert "unknown outlet" not in answer.locator(".source").first.get_attribute("aria-label").lower()

    # Three quotes of one article: one row in the sources list, carrying all three numbers.
    darayya = ask(page, QUESTION)
    rows = darayya.locator(".sources .source")
    assert rows.count() == len({c["article_id"] for c in api_answer(live_server.url, QUESTION)["citations"]}) == 1
    numbers = {b.inner_text() for b in darayya.locator("button.cite").all()}
    assert rows.first.locator(".num").count() == len(numbers) >= 1


def test_page_works_under_a_strict_csp(open_page, live_server):
    page = open_page(live_server.url, csp=True)
    assert page.evaluate("document.querySelector('#outlets input') !== null")  # the modules ran

    answer = ask(page, QUESTION)  # streaming answer, rendered with meter widths set from JS
    answer.locator("button.cite").first.click()
    page.locator("#panel-article mark").wait_for()
    page.keyboard.press("Escape")
    page.click("#theme-toggle")
    page.click("#filters-toggle")
    page.locator("#outlets input").first.check()
    page.click("#filters-done")
    page.fill("#question", "x" * 50)  # the composer resizes itself
    page.fill("#question", "")

    # Canned timeline, table and generative answers under the same policy.
    darayya = cite(live_server.url, 1, DARAYYA, "The rebels, meanwhile, will then be taken to northern Idlib")
    serve_answers(
        page,
        lambda body: canned(
            [darayya],
            [{"text": "The rebels would be taken to Idlib.", "citations": [1], "kind": "generated", "support": 0.7}],
            answer_mode="generative",
            grounding=0.7,
            removed=[{"text": "They left by boat.", "reason": "no cited passage mentions a boat"}],
            timeline=[{"date": "2016-08-26", "text": "Rebels taken to Idlib.", "citations": [1], "outlets": ["AP"]}],
            disagreements=[{"slot": "rebels evacuated", "values": [{"value": "800", "citations": [1]}]}],
        ),
    )
    canned_answer = ask(page, "Where were the rebels taken?")
    canned_answer.locator(".removed summary").click()
    assert canned_answer.locator(".timeline .tl-entry").count() == 1

    assert page.evaluate("window.__csp") == []
    # The policy is really in force and the watch really sees violations: an inline script does not
    # run, an inline style attribute is refused, and both are reported.
    ran = page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';"
        " document.body.append(s); document.body.setAttribute('style', 'outline: 1px solid red');"
        " return window.__inline; }"
    )
    assert ran is None
    page.wait_for_function("() => window.__csp.length >= 2")
    directives = {v["directive"].split("-elem")[0].split("-attr")[0] for v in page.evaluate("window.__csp")}
    assert directives == {"script-src", "style-src"}
