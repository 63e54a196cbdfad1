"""The chat page rendering answer shapes the real pipeline does not produce yet — a direct answer,
generative answers with removed sentences and the switch to the quoted answer, timelines and
disagreements — in real Chromium, with `/ask` answered by canned responses that go through the
server's own serialisation (`Answer.to_dict` and `sse_events`). The citations quote real seed
articles, so the source panel opens them from the real server."""

from __future__ import annotations

import pytest
from webpage import DESKTOP, PHONE, ask, canned, cite, serve_answers, shot, wait_answer

pytest_plugins = ["webfixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

DARAYYA = "seed-residents-and-rebels-start-evacuating-darayya"
TRUCE = "seed-us-russia-agree-syria-truce-holding-extend-it-by-48-hours"
HASAKAH = "seed-truce-agreed-in-hasakah"
ALEPPO = "seed-fierce-battle-for-al-ramouseh-district-as-rebels-try-to-break-aleppo-siege"
CHEMICAL = "seed-us-assesses-that-saa-has-re-established-a-chemical-weapons-unit"  # no outlet, undated

EIGHT_HUNDRED = "According to sources around 8,000 civilians and 800 rebels would be evacuated from the Damascus suburb"
IDLIB = "The rebels, meanwhile, will then be taken to northern Idlib"
HUNDREDS = "hundreds of rebel fighters prepared to lay down their arms"


@pytest.fixture(scope="module")
def quotes(live_server):
    """Citations of real seed sentences, by name."""
    u = live_server.url
    return {
        "800": cite(u, 1, DARAYYA, EIGHT_HUNDRED),
        "idlib": cite(u, 2, DARAYYA, IDLIB),
        "hundreds": cite(u, 2, DARAYYA, HUNDREDS),
        "aleppo": cite(u, 1, ALEPPO, "Two rebel groups said on Saturday they had broken the siege of Aleppo"),
        "hasakah": cite(u, 2, HASAKAH, "A truce agreement was reached in Hasakah"),
        "truce": cite(u, 3, TRUCE, "should be extended for another 48 hours"),
        "chemical": cite(u, 4, CHEMICAL, "The US now assesses that Syria has re-established a unit"),
    }


def quote_statement(c: dict, kind: str = "quote") -> dict:
    """A quote statement the way the extractive answerer writes it today (with its attribution lead)."""
    return {"text": f"{c['source'] or c['title']} (26 Aug 2016): “{c['quote']}”", "citations": [c["n"]], "kind": kind}


def extractive(quotes, **fields):
    return canned(
        [quotes["800"], quotes["idlib"]],
        [quote_statement(quotes["800"]), quote_statement(quotes["idlib"])],
        grounding=fields.pop("grounding", 1.0),
        **fields,
    )


def generative(quotes):
    return canned(
        [quotes["800"], quotes["idlib"]],
        [
            {"text": "About 800 rebels were to leave Darayya.", "citations": [1], "kind": "generated", "support": 0.86},
            {"text": "They were to go to northern Idlib.", "citations": [2], "kind": "generated", "support": 0.45},
        ],
        answer_mode="generative",
        grounding=0.66,
        removed=[
            {"text": "The evacuation was completed within a week.", "reason": "no cited passage says so"},
            {"text": "Turkey oversaw the deal.", "reason": "cites [9], which is not a source"},
        ],
    )


def timeline(quotes):
    q = {k: dict(v) for k, v in quotes.items()}
    for n, k in enumerate(("aleppo", "hasakah", "truce", "chemical"), start=1):
        q[k]["n"] = n
    entries = [  # deliberately not in date order: the page orders them
        {
            "date": "2016-09-10",
            "text": "The US and Russia extend the truce by 48 hours.",
            "citations": [3],
            "outlets": ["Reuters"],
        },
        {
            "date": None,
            "text": "The US says a chemical weapons unit was re-established.",
            "citations": [4],
            "outlets": [],
        },
        {
            "date": "2016-08-06",
            "text": "Rebels say they broke the siege of Aleppo.",
            "citations": [1],
            "outlets": ["Reuters", "SANA", "Syria & Iraq News"],
        },
        {
            "date": "2016-08-20",
            "text": "A truce is agreed in Hasakah.",
            "citations": [2],
            "outlets": ["SANA", "Syria & Iraq News"],
            "date_inferred": True,
        },
    ]
    statements = [{"text": "Four reports, August to September 2016.", "citations": [], "kind": "note"}] + [
        {"text": e["text"], "citations": e["citations"], "kind": "timeline", "paragraph": True} for e in entries
    ]
    return canned([q["aleppo"], q["hasakah"], q["truce"], q["chemical"]], statements, timeline=entries, grounding=0.9)


def disagreement(quotes):
    return canned(
        [quotes["800"], quotes["hundreds"]],
        [
            {"text": "One report says 800 rebels would leave;", "citations": [1], "kind": "disagreement"},
            {"text": "another says hundreds.", "citations": [2], "kind": "disagreement"},
        ],
        disagreements=[
            {
                "slot": "rebels leaving Darayya",
                "values": [{"value": "800", "citations": [1]}, {"value": "hundreds", "citations": [2]}],
            }
        ],
        grounding=1.0,
    )


def meter_of(answer):
    m = answer.locator(".answer-head [role=meter]")
    return m.inner_text().strip(), m.get_attribute("aria-valuenow")


# ------------------------------------------------------------------------------------------------
def test_direct_answer_first_then_quotes_with_their_citations(open_page, live_server, quotes):
    page = open_page(live_server.url)
    # JSON (not streamed): a direct answer carried by no statement becomes the headline.
    serve_answers(page, lambda b: extractive(quotes, direct_answer={"text": "800", "citation": 1}), stream=False)
    answer = ask(page, "How many rebels left Darayya?")
    body = answer.locator(".answer-body")
    first = body.locator(":scope > *").first
    assert "stmt-direct" in first.get_attribute("class")
    assert first.locator(".direct-span").inner_text() == "800"
    first.locator("button.cite").click()
    assert page.locator("#panel-article mark").text_content() == EIGHT_HUNDRED
    page.keyboard.press("Escape")

    quotes_ = body.locator("[data-kind=quote]")
    assert quotes_.count() == 2
    assert quotes_.nth(0).locator(".stmt-outlet").inner_text().replace("\n", "") == quotes["800"]["source"]
    assert quotes_.nth(1).locator(".stmt-meta").count() == 0  # the same report is credited once
    assert quotes_.nth(0).locator(".stmt-text").inner_text().startswith("“According")  # lead not repeated
    assert [b.inner_text() for b in quotes_.nth(1).locator("button.cite").all()] == ["2"]
    assert meter_of(answer) == ("Well supported", "1.00")
    assert "Quoted from the reports" in answer.locator(".answer-head").inner_text()
    assert answer.locator(".timeline, table.disagree, .removed, .switch-btn").count() == 0
    shot(page, "desktop-light-direct")

    # Streamed: a direct statement is shown prominently with the direct span in bold; the meter reads the grounding.
    page.unroute("**/ask")
    direct = {"text": "800 rebels would be evacuated from the Damascus suburb.", "citations": [1], "kind": "direct"}
    for grounding, label in ((0.6, "Partly supported"), (0.3, "Weakly supported")):
        serve_answers(
            page,
            lambda b, g=grounding: canned(
                [quotes["800"]], [direct], direct_answer={"text": "800", "citation": 1}, grounding=g
            ),
        )
        answer = ask(page, f"How many rebels? ({grounding})")
        assert answer.locator(".stmt-direct .direct-span").inner_text() == "800"
        assert answer.locator(".stmt-direct").count() == 1  # not shown twice
        assert meter_of(answer) == (label, f"{grounding:.2f}")
        page.unroute("**/ask")


def test_trailing_credit_of_a_combined_outlet_line_is_shown_once(open_page, live_server, quotes):
    """Today's extractive quotes end with "(First outlet et al., date)" for an "A/B/C" outlet line: the
    page credits the report from the citation above the quote and drops that trailing copy; a credit
    naming another outlet stays."""
    c = quotes["800"]
    first = c["source"].split("/")[0]
    statements = [
        {"text": f"“{c['quote']}” ({first} et al., 26 Aug 2016, date inferred)", "citations": [1], "kind": "quote"},
        {"text": f"“{quotes['idlib']['quote']}” (Other Outlet et al., 26 Aug 2016)", "citations": [2], "kind": "quote"},
    ]
    page = open_page(live_server.url)
    serve_answers(page, lambda b: canned([c, quotes["idlib"]], statements, grounding=1.0), stream=False)
    body = ask(page, "How many rebels left Darayya?").locator(".answer-body")
    texts = [t.inner_text() for t in body.locator("[data-kind=quote] .stmt-text").all()]
    assert texts[0].startswith("“According") and "et al." not in texts[0]
    assert "(Other Outlet et al., 26 Aug 2016)" in texts[1]
    assert (
        body.locator("[data-kind=quote]").nth(0).locator(".stmt-outlet").inner_text().replace("\n", "") == c["source"]
    )


def test_generative_answer_is_marked_lists_removed_sentences_and_switches(open_page, live_server, quotes):
    page = open_page(live_server.url)
    bodies: list[dict] = []
    serve_answers(page, lambda b: extractive(quotes) if b.get("generate") is False else generative(quotes), bodies)
    page.click("#filters-toggle")
    page.locator('#outlets input[value="Reuters"]').check()
    page.click("#filters-done")
    ask(page, "What happened in Darayya?")
    answer = ask(page, "Where did the rebels go?")
    assert "generate" not in bodies[-1]  # sent only when the reader asks for the quoted answer

    head = answer.locator(".answer-head").inner_text()
    assert "Generated by your LLM, checked against the sources" in head
    assert meter_of(answer) == ("Partly supported", "0.66")
    sentences = answer.locator(".answer-body [data-kind=generated]")
    assert sentences.count() == 2
    assert [b.inner_text() for b in sentences.nth(1).locator("button.cite").all()] == ["2"]
    assert "weak" in sentences.nth(1).get_attribute("class") and "weak" not in sentences.nth(0).get_attribute("class")

    # Removed sentences: counted, collapsed, shown struck through with reasons — never in the answer itself.
    removed = answer.locator("details.removed")
    assert "2 sentences removed by verification" in removed.locator("summary").inner_text()
    assert not removed.locator(".removed-list").is_visible()
    removed.locator("summary").focus()
    page.keyboard.press("Enter")
    assert removed.locator("del.removed-text").all_inner_texts() == [
        "The evacuation was completed within a week.",
        "Turkey oversaw the deal.",
    ]
    assert "cites [9]" in removed.inner_text()
    assert "completed within a week" not in answer.locator(".answer-body").inner_text()
    assert "completed within a week" not in answer.locator(".sources-wrap").inner_text()

    # The switch asks the same question again, same filters and history, with generate: false.
    n = page.locator(".msg-assistant").count()
    answer.locator(".switch-btn").focus()
    page.keyboard.press("Enter")
    quoted = wait_answer(page, n)
    assert bodies[-1]["generate"] is False
    assert {k: v for k, v in bodies[-1].items() if k != "generate"} == bodies[-2]
    assert bodies[-1]["filters"] == {"sources": ["Reuters"]} and len(bodies[-1]["history"]) == 2
    assert "Quoted from the reports" in quoted.locator(".answer-head").inner_text()
    assert quoted.locator(".switch-btn, details.removed").count() == 0
    assert "quoted answer" in page.locator(".msg-user").last.inner_text().lower()
    shot(page, "desktop-light-generative")


def test_a_note_says_why_the_answer_is_quoted(open_page, live_server, quotes):
    page = open_page(live_server.url)
    note = "Your LLM could not be reached (no answer in 20 s), so this is the quoted answer."
    serve_answers(page, lambda b: extractive(quotes, note=note))
    answer = ask(page, "How many rebels left Darayya?")
    assert answer.locator(".answer-note").inner_text() == note
    assert answer.locator(".switch-btn").count() == 0


def test_abstention_says_why_what_filters_left_out_and_the_nearest_sources(open_page, live_server, quotes):
    page = open_page(live_server.url)
    why = "No report gives the number of rebels who reached Idlib."
    left_out = "2 reports that might answer were left out by your date filter (1 of them undated)."
    serve_answers(
        page,
        lambda b: canned(
            [],
            [{"text": f"The reports don't answer this. {why}", "citations": [], "kind": "note", "support": 0.0}],
            abstained=True,
            note=left_out,
            passages=[quotes["idlib"], quotes["800"], quotes["truce"]],
        ),
    )
    answer = ask(page, "How many rebels reached Idlib?")
    assert "abstained" in answer.get_attribute("class")
    assert answer.locator(".abstain-text").inner_text() == why
    assert answer.locator(".answer-note").inner_text() == left_out
    assert answer.locator("[role=meter], button.cite, .answer-head").count() == 0
    near = answer.locator(".nearest .source")
    assert near.count() == 2  # two passages of one report are one nearest source
    near.nth(1).click()
    assert page.locator("#panel-kicker").inner_text().lower() == "nearest source"
    assert page.locator("#panel-title").inner_text().startswith("US, Russia agree")


def test_timeline_is_a_dated_list_in_order_whose_entries_open_their_reports(open_page, live_server, quotes):
    page = open_page(live_server.url)
    serve_answers(page, lambda b: timeline(quotes))
    answer = ask(page, "What happened in August and September 2016? Give me a timeline.")
    entries = answer.locator(".timeline .tl-entry")
    assert entries.count() == 4
    dates = [e.locator(".tl-date").inner_text() for e in entries.all()]
    assert dates == ["6 Aug 2016", "20 Aug 2016", "10 Sep 2016", "Undated"]  # chronological, undated last
    assert entries.nth(0).locator("time").get_attribute("datetime") == "2016-08-06"
    assert "Reported by 3 outlets" in entries.nth(0).locator(".tl-outlets").inner_text()
    assert entries.nth(2).locator(".tl-outlets").inner_text() == "Reported by Reuters"
    assert entries.nth(3).locator(".tl-outlets").count() == 0  # a report without an outlet names none
    assert "date inferred" in entries.nth(1).inner_text() and "date inferred" not in entries.nth(2).inner_text()
    # The timeline replaces its statements (not shown twice); the note statement stays.
    assert answer.locator(".answer-body [data-kind=timeline]").count() == 0
    assert answer.locator(".answer-body [data-kind=note]").count() == 1
    assert answer.locator(".answer-body .timeline-view").count() == 1
    assert "4 events" in answer.locator(".view-title").inner_text()

    for i, title in ((0, "Fierce battle"), (2, "US, Russia agree")):  # each entry opens its own report
        entries.nth(i).locator("button.cite").click()
        assert page.locator("#panel-title").inner_text().startswith(title)
        page.locator("#panel-article mark").wait_for()
        page.keyboard.press("Escape")
    assert answer.locator(".sources .source").count() == 4


def test_disagreement_is_a_table_with_both_sides_cited(open_page, live_server, quotes):
    page = open_page(live_server.url)
    serve_answers(page, lambda b: disagreement(quotes))
    answer = ask(page, "How many rebels left Darayya — do the reports agree?")
    view = answer.locator(".disagree-view")
    assert (
        "The reports differ on rebels leaving Darayya: 2 different values." in view.locator(".differ-lead").inner_text()
    )
    rows = view.locator("tbody tr")
    assert rows.count() == 2
    assert [r.locator(".dis-value").inner_text() for r in rows.all()] == ["800", "hundreds"]
    assert "26 Aug 2016" in rows.nth(0).locator(".dis-who").inner_text()
    assert [r.locator("button.cite").inner_text() for r in rows.all()] == ["1", "2"]
    assert answer.locator(".answer-body [data-kind=disagreement]").count() == 0
    rows.nth(1).locator("button.cite").click()
    assert page.locator("#panel-article mark").text_content() == HUNDREDS


def test_statements_render_while_the_answer_streams(open_page, live_server, quotes):
    page = open_page(live_server.url)
    many = [dict(quotes["800"], n=i) for i in range(1, 9)]
    statements = [
        {
            "text": f"Sentence number {i} of a long generated answer about Darayya.",
            "citations": [i],
            "kind": "generated",
        }
        for i in range(1, 9)
    ]
    serve_answers(page, lambda b: canned(many, statements, answer_mode="generative", grounding=0.9))
    page.evaluate(
        """() => { window.__seen = []; new MutationObserver(() => {
             const a = [...document.querySelectorAll('.msg-assistant')].pop();
             if (a) window.__seen.push([a.classList.contains('streaming'),
                                        a.querySelectorAll('.answer-body [data-kind]').length]);
           }).observe(document.getElementById('log'), {subtree: true, childList: true, attributes: true}); }"""
    )
    answer = ask(page, "Tell me about Darayya.")
    seen = page.evaluate("window.__seen")
    partial = {count for streaming, count in seen if streaming}
    assert any(0 < c < 8 for c in partial), seen  # statements appeared one by one before the end
    assert answer.locator(".answer-body [data-kind=generated]").count() == 8


def test_answer_fields_are_text_never_html(open_page, live_server, quotes):
    page = open_page(live_server.url)
    img = '<img src=x onerror="window.__xss=1">'
    script = "<script>window.__xss=1</script>"
    evil = canned(
        [quotes["800"]],
        [{"text": f"Generated {img}", "citations": [1], "kind": "generated"}],
        answer_mode="generative",
        note=f"Note {script}",
        direct_answer={"text": f"800 {img}", "citation": 1},
        removed=[{"text": f"Removed {img}", "reason": f"reason {script}"}],
        timeline=[{"date": "2016-08-26", "text": f"Entry {img}", "citations": [1], "outlets": [f"Outlet {img}"]}],
        disagreements=[{"slot": f"slot {script}", "values": [{"value": f"v {img}", "citations": [1]}]}],
    )
    serve_answers(page, lambda b: evil)
    answer = ask(page, "Anything?")
    answer.locator("details.removed summary").click()
    assert page.locator(".log img, .log script").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    text = answer.inner_text()
    for piece in (f"Generated {img}", f"Note {script}", f"800 {img}", f"Removed {img}", f"Entry {img}", f"v {img}"):
        assert piece in text


@pytest.mark.parametrize("viewport, vname", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_answer_views_fit_the_screen_in_light_and_dark(open_page, live_server, quotes, viewport, vname):
    page = open_page(live_server.url, viewport=viewport)
    views = {"timeline": timeline(quotes), "table": disagreement(quotes), "generative": generative(quotes)}
    serve_answers(page, lambda b: views[b["question"]])
    for name in views:
        answer = ask(page, name)
        if name == "generative":
            answer.locator("details.removed summary").click()
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
            answer.evaluate(
                "a => { const t = a.closest('.thread');"
                " t.scrollTop += a.getBoundingClientRect().top - t.getBoundingClientRect().top - 12; }"
            )
            shot(page, f"{vname}-{scheme}-{name}")
        # Nothing wider than the screen: no sideways scrolling of the page or of the answer.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert answer.evaluate("a => a.scrollWidth <= a.clientWidth + 1")
        box = answer.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]


def test_page_helpers_true_and_false_cases(open_page, live_server):
    """The page's own pure helpers, imported as the page imports them (ES modules, no build step)."""
    page = open_page(live_server.url)
    got = page.evaluate(
        """async () => {
          const s = await import('/js/statements.js');
          const c = await import('/js/cites.js');
          const m = await import('/js/answer-meta.js');
          const f = await import('/js/format.js');
          const reuters = {source: 'Reuters', title: 'Truce holds'};
          const nameless = {source: '', title: 'Syria developments, August 15 2016'};
          const strip = (t, ci) => s.stripAttribution(t, ci).text;
          const r = (id, title, source) => ({article_id: id, title, source, date: '2016-08-26'});
          return {
            lead: strip('Reuters (10 Sep 2016, date inferred from the text): “x”', reuters),
            otherLead: strip('SANA (10 Sep 2016): “x”', reuters),
            trail: strip('“x” (Reuters, 10 Sep 2016)', reuters),
            otherTrail: strip('“x” (SANA, 10 Sep 2016)', reuters),
            titleLead: strip('“Syria developments, August 15 2016” (15 Aug 2016): “x”', nameless),
            contrast: s.stripAttribution('In contrast, Reuters (10 Sep 2016): “x”', reuters).contrast,
            groups: c.groupByReport([r('a', 'T', 'S'), r('b', 'T', 'S'), r('c', 'T', 'S2'), r('a', 'T', 'S')])
              .map((g) => g.map((x) => x.article_id).join('')),
            levels: [0.8, 0.79, 0.5, 0.49, 0].map((g) => m.groundingLevel(g).level),
            credit: [f.creditOf({source: '  ', title: 'T'}), f.creditOf({source: 'AP', title: 'T'})],
          };
        }"""
    )
    assert got["lead"] == "“x”" and got["otherLead"] == "SANA (10 Sep 2016): “x”"
    assert got["trail"] == "“x”" and got["otherTrail"] == "“x” (SANA, 10 Sep 2016)"
    assert got["titleLead"] == "“x”" and got["contrast"] is True
    assert got["groups"] == ["aba", "c"]  # same id, or same title+outlet+date: one report; another outlet: not
    assert got["levels"] == ["high", "mid", "mid", "low", "low"]
    assert got["credit"] == ["T", "AP"]
