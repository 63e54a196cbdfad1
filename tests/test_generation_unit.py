"""Fast tests of the generation pieces: claims and markers, facts, the prompt, the HTTP client
against a real scripted OpenAI-protocol server, and the answerer's logic with a hashing embedder."""

from __future__ import annotations

import time

import pytest
from llm_server import Reply, ScriptedLLM, free_port

from rag.embedding import HashEmbedder
from rag.generation import (
    Final,
    GenerativeAnswerer,
    GeneratorError,
    OpenAICompatGenerator,
    Released,
    Verifier,
    VerifyConfig,
)
from rag.generation.claims import ClaimStream, parse_claims
from rag.generation.facts import Evidence, missing_facts, name_mentions, number_mentions
from rag.generation.prompt import build_prompt
from rag.generation.verify import is_no_answer
from rag.models import Answer, Passage, Statement

DARAYYA = (
    "According to sources around 8,000 civilians and 800 rebels would be evacuated from the Damascus suburb, "
    "which before the war was home to a quarter of a million people, to Sahnaya – a town in Damascus "
    "governorate – under regime control."
)
TRUCE = (
    "The United States and Russia agreed that the Syrian cessation of hostilities that began on Monday had "
    "largely held and should be extended for another 48 hours despite sporadic violence."
)


def passage(i: int, text: str, title: str = "A report", date: str | None = "2016-08-26", inferred=False) -> Passage:
    return Passage(i, f"a{i}", title, "Reuters", date, inferred, None, None, text, 0, len(text), score=1.0)


# --- claims ---------------------------------------------------------------------------------------
def test_markers_are_read_and_stripped_and_trailing_markers_close_the_sentence_before():
    claims = parse_claims("About 800 rebels left [1][3]. Kerry spoke. [2] Lavrov agreed [1, 2-4].\n- A list item [5]")
    assert [c.text for c in claims] == ["About 800 rebels left.", "Kerry spoke.", "Lavrov agreed.", "A list item"]
    assert [c.cited for c in claims] == [[1, 3], [2], [1, 2, 3, 4], [5]]


def test_a_sentence_without_markers_cites_nothing():
    assert parse_claims("Darayya had 250,000 residents before the war.")[0].cited == []


def test_claims_streamed_in_any_pieces_equal_the_whole_text():
    text = "Around 8,000 civilians left Darayya [1]. The rebels went to Idlib. [2] Nothing else is known [3]."
    whole = parse_claims(text)
    for size in (1, 3, 7, 50):
        stream, got = ClaimStream(), []
        for i in range(0, len(text), size):
            got += stream.feed(text[i : i + size])
        got += stream.close()
        assert [(c.text, c.cited) for c in got] == [(c.text, c.cited) for c in whole]


def test_a_sentence_is_released_only_once_the_next_one_has_begun():
    stream = ClaimStream()
    assert stream.feed("Around 800 rebels left Darayya [1].") == []
    assert stream.feed(" The") == []  # its markers might still follow: "The" could be "[2] The…"
    assert [c.text for c in stream.feed(" rebels went")] == ["Around 800 rebels left Darayya."]


def test_reasoning_blocks_are_not_the_answer():
    assert [c.text for c in parse_claims("<think>maybe 1,200 [9]</think>About 800 left [1].")] == ["About 800 left."]
    stream = ClaimStream()
    assert stream.feed("<think>Rebels left. Others stayed. Maybe") == []
    assert [c.text for c in stream.feed(" not.</think>Rebels left [1]. Civilians too")] == ["Rebels left."]


# --- facts ------------------------------------------------------------------------------------------
def test_numbers_take_their_equivalent_forms():
    forms = dict(number_mentions("8,000 civilians, eight hundred rebels, 1.5 million and a quarter of a million"))
    assert forms["8,000"] == {"8000"} and forms["eight hundred"] == {"800"}
    assert forms["1.5 million"] == {"1.5", "1500000"} and forms["a quarter of a million"] == {"250000"}


def test_names_skip_sentence_openers_and_stop_words_but_not_a_first_name():
    assert name_mentions("However, the rebels left Darayya on Friday in August.") == ["Darayya", "Friday", "month:8"]
    assert name_mentions("Iran helped.") == ["Iran"]
    assert name_mentions("The U.S. said so.") == ["US"]


@pytest.mark.parametrize(
    "sentence,missing",
    [
        ("About 800 rebels and 8,000 civilians were evacuated to Sahnaya.", []),
        ("Eight thousand civilians would leave for Sahnaya.", []),
        ("Before the war the suburb had a quarter of a million people.", []),
        ("The Damascus suburb was under regime control on 26 Aug 2016.", []),  # the report's own date
        ("About 1,200 rebels were evacuated.", ["1,200"]),
        ("They were taken to Homs and Aleppo.", ["Homs", "Aleppo"]),
        ("The deal was struck on Tuesday in September.", ["Tuesday", "September"]),
        ("It took effect on 2016-09-20.", ["20", "September"]),
    ],
)
def test_missing_facts(sentence, missing):
    ev = Evidence.of(["Residents and rebels start evacuating Darayya — Reuters, 26 Aug 2016", DARAYYA])
    assert missing_facts(sentence, ev) == missing


def test_the_reports_dont_say_is_recognised():
    assert is_no_answer("The reports don't say.")
    assert is_no_answer("The sources do not mention who ordered the strike.")
    assert not is_no_answer("The rebels did not say where they would go.")


# --- prompt -------------------------------------------------------------------------------------------
def test_prompt_numbers_passages_with_title_outlet_and_marked_dates():
    ps = [passage(1, DARAYYA, "Darayya deal", inferred=True), passage(2, TRUCE, "Truce", date=None)]
    prompt = build_prompt("How many rebels?", ps, [{"role": "assistant", "content": "Earlier answer [1]."}])
    user = prompt.messages[-1]["content"]
    assert "[1] Darayya deal — Reuters, 26 Aug 2016 (date inferred from the text)\n" + DARAYYA in user
    assert "[2] Truce — Reuters, undated\n" + TRUCE in user
    assert user.endswith("Question: How many rebels?")
    assert "The reports don't say" in prompt.messages[0]["content"]
    assert prompt.messages[1] == {"role": "assistant", "content": "Earlier answer."}  # old markers dropped
    assert prompt.passages == ps


def test_prompt_keeps_passages_within_the_token_budget():
    ps = [passage(i, f"Sentence number {i}. " * 60) for i in range(1, 9)]
    prompt = build_prompt("q", ps, budget_tokens=1000)
    assert 1 <= len(prompt.passages) < 8 and prompt.passages == ps[: len(prompt.passages)]
    assert len(prompt.messages[-1]["content"]) < 1000 * 4 + 400
    assert "[%d]" % (len(prompt.passages) + 1) not in prompt.messages[-1]["content"]


# --- the HTTP client against a real scripted server ------------------------------------------------------
@pytest.fixture()
def llm():
    with ScriptedLLM() as server:
        yield server


def test_client_completes_and_streams_and_sends_the_key(llm):
    gen = OpenAICompatGenerator(llm.url, model="m", api_key="secret", timeout_s=5)
    llm.reply = Reply("Around 800 rebels left [1]. More [2].")
    assert gen.complete([{"role": "user", "content": "q"}]) == "Around 800 rebels left [1]. More [2]."
    assert "".join(gen.stream([{"role": "user", "content": "q"}])) == "Around 800 rebels left [1]. More [2]."
    first = llm.requests[0]
    assert first["body"]["model"] == "m" and first["body"]["stream"] is False
    assert first["headers"]["Authorization"] == "Bearer secret" and llm.requests[1]["body"]["stream"] is True
    assert gen.probe() is None


@pytest.mark.parametrize(
    "reply,fragment",
    [
        (Reply(status=500), "HTTP 500"),
        (Reply(status=404), "HTTP 404"),
        (Reply(raw=b"<html>not json"), "malformed"),
        (Reply(raw=b'{"choices": []}'), "malformed"),
        (Reply(raw=b"data: {not json\n\n"), "malformed"),
        (Reply(""), "empty"),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_client_faults_are_one_line_errors(llm, reply, fragment, stream):
    llm.reply = reply
    gen = OpenAICompatGenerator(llm.url, timeout_s=5)
    with pytest.raises(GeneratorError, match=fragment) as e:
        "".join(gen.stream([{"role": "user", "content": "q"}])) if stream else gen.complete([])
    assert "\n" not in str(e.value)


def test_unreachable_server_is_an_error_and_a_health_problem():
    gen = OpenAICompatGenerator(f"http://127.0.0.1:{free_port()}/v1", timeout_s=2)
    with pytest.raises(GeneratorError, match="unreachable"):
        gen.complete([{"role": "user", "content": "q"}])
    assert "unreachable" in (gen.probe() or "")


@pytest.mark.parametrize("reply", [Reply("late", delay_s=3), Reply("one word at a time " * 20, piece_delay_s=0.05)])
def test_a_slow_model_costs_at_most_the_timeout(llm, reply):
    """A server that never answers, and one that trickles words (each read within httpx's timeout):
    both are cut at the deadline, whole-answer, not per read."""
    llm.reply = reply
    gen = OpenAICompatGenerator(llm.url, timeout_s=1.0)
    t = time.monotonic()
    with pytest.raises(GeneratorError, match="within 1 s"):
        "".join(gen.stream([{"role": "user", "content": "q"}]))
    assert time.monotonic() - t < 1.0 + 0.5


# --- the answerer's logic (hashing embedder: the support threshold is not under test here) ---------------
def _answerer(llm, min_support=0.2) -> GenerativeAnswerer:
    gen = OpenAICompatGenerator(llm.url, timeout_s=2)
    config = VerifyConfig(min_support=min_support, lexical_weight=0.5)  # hashed vectors: words count as much
    return GenerativeAnswerer(gen, Verifier(HashEmbedder(), config))


FALLBACK = Answer("Quoted.", False, [], [], statements=[Statement("Quoted.", [], 1.0, "quote")])


def _run(answerer, passages, stream=True):
    events = list(answerer.events("How many rebels?", passages, None, FALLBACK, stream))
    assert isinstance(events[-1], Final)
    return [e for e in events if isinstance(e, Released)], events[-1]


@pytest.mark.parametrize("stream", [False, True])
def test_citations_are_renumbered_in_first_use_order_and_quote_the_support(llm, stream):
    ps = [passage(1, TRUCE), passage(2, DARAYYA)]
    llm.reply = Reply(
        "Around 8,000 civilians and 800 rebels would go to Sahnaya [2]. The cessation of hostilities was extended [1][2]."
    )
    released, final = _run(_answerer(llm), ps, stream)
    a = final.answer
    assert a.answer_mode == "generative" and a.note is None
    assert [s.citations for s in a.statements] == [[1], [2]]  # [2] → 1, [1] → 2; the needless [2] dropped
    assert a.citations[0].quote in DARAYYA and "800 rebels" in a.citations[0].quote
    assert a.citations[1].article_id == "a1" and a.citations[1].quote in TRUCE
    assert [r.statement for r in released] == a.statements and final.released == 2
    assert (
        a.answer
        == "Around 8,000 civilians and 800 rebels would go to Sahnaya. [1] The cessation of hostilities was extended. [2]"
    )


def test_nothing_supported_falls_back_with_a_note_and_the_removed_sentences(llm):
    llm.reply = Reply("About 1,200 rebels left for Homs [1]. Nobody knows [7].")
    released, final = _run(_answerer(llm), [passage(1, DARAYYA)])
    assert released == [] and final.released == 0
    assert final.answer.answer == "Quoted." and final.answer.answer_mode == "extractive"
    assert "no sentence of it was supported" in final.answer.note
    assert [r.text for r in final.answer.removed] == ["About 1,200 rebels left for Homs [1].", "Nobody knows [7]."]


def test_a_lone_the_reports_dont_say_gives_the_extractive_answer(llm):
    llm.reply = Reply("The reports don't say.")
    released, final = _run(_answerer(llm), [passage(1, DARAYYA)])
    assert released == [] and final.answer.answer_mode == "extractive"
    assert "found no answer" in final.answer.note and final.answer.removed == []


def test_a_model_failure_after_released_sentences_keeps_them_and_says_so(llm):
    llm.reply = Reply("Around 800 rebels would go to Sahnaya [1]. " * 3 + "More words " * 40, piece_delay_s=0.04)
    released, final = _run(_answerer(llm), [passage(1, DARAYYA)])
    assert len(released) == 1  # the repeats are not shown twice
    assert final.answer.answer_mode == "generative" and "cut short" in final.answer.note


def test_a_gap_sentence_is_a_note_only_when_it_opens_so_and_names_nothing_new(llm):
    assert is_no_answer("However, the reports do not say who ordered it.")
    assert not is_no_answer("Reuters reports that the army doesn't say how many died.")
    llm.reply = Reply("Around 800 rebels would go to Sahnaya [1]. The reports don't say why Turkey helped.")
    _, final = _run(_answerer(llm), [passage(1, DARAYYA)])
    assert [s.kind for s in final.answer.statements] == ["generated"]
    assert final.answer.removed[0].reason == "cites no report"
    llm.reply = Reply("Around 800 rebels would go to Sahnaya [1]. The reports don't say when they left.")
    _, final = _run(_answerer(llm), [passage(1, DARAYYA)])
    assert [s.kind for s in final.answer.statements] == ["generated", "note"]
    assert final.answer.statements[1].citations == [] and final.answer.answer.endswith("when they left.")
