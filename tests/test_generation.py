"""Generative answers end to end in the service: the real MiniLM embedder, the seed index, and a real
scripted OpenAI-protocol server on 127.0.0.1 standing in for the user's LLM (tests/llm_server.py)."""

from __future__ import annotations

import json

import pytest
from llm_server import ROOT, Reply, ScriptedLLM, passage_number

from rag.generation import Final, Released, Sources, Verifier, VerifyConfig
from rag.generation.claims import Claim
from rag.models import Passage
from rag.pipeline import AskRequest, RagService
from rag.settings import Settings

pytestmark = pytest.mark.slow

Q = "How many rebels would be evacuated from Darayya?"
TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
def llm():
    with ScriptedLLM() as server:
        yield server


@pytest.fixture(scope="module")
def service(seed_index, embedder, llm) -> RagService:
    return RagService(Settings(index=seed_index, llm_base_url=llm.url, llm_timeout_s=TIMEOUT_S), embedder=embedder)


def true_sentences(m) -> str:
    d = passage_number(m, "800 rebels")
    return (
        f"Around 8,000 civilians and 800 rebels were to be evacuated from Darayya [{d}]. "
        f"They were to be taken to Sahnaya, a town under regime control [{d}]. "
    )


def other_than(m, needle: str) -> int:
    """A passage of the prompt that does not hold ``needle``: citing it is a wrong citation."""
    n = 1
    while True:
        try:
            if passage_number(m, needle) != n:
                return n
        except AssertionError:
            return n
        n += 1


BAD = {
    "invented number": (
        lambda m: f"About 1,200 rebels refused to leave Darayya [{passage_number(m, '800 rebels')}].",
        "“1,200” is not in the cited report",
    ),
    "invented place": (
        lambda m: f"The rebels were taken to Homs [{passage_number(m, '800 rebels')}].",
        "“Homs” is not in the cited report",
    ),
    "nonexistent citation": (
        lambda m: "Around 800 rebels were to be evacuated from Darayya [9].",
        "cites [9], but only [1]–[4] were retrieved",
    ),
    "no citation": (lambda m: "Around 800 rebels were to be evacuated from Darayya.", "cites no report"),
    "wrong citation": (
        lambda m: f"The evacuees would go to Sahnaya under regime control [{other_than(m, 'Sahnaya')}].",
        "not in the cited report",
    ),
}


def check_citations(service: RagService, answer) -> None:
    """Every [n] has its citation; every citation quotes its article verbatim and was retrieved."""
    cites = {c.n: c for c in answer.citations}
    chunk_ids = {p.chunk_id for p in answer.passages}
    for st in answer.statements:
        for n in st.citations:
            assert f"[{n}]" in answer.answer and n in cites
    assert sorted(cites) == list(range(1, len(cites) + 1))
    for c in answer.citations:
        body = service.snapshot.store.get_article(c.article_id).body
        assert body[c.start : c.end] == c.quote and c.chunk_id in chunk_ids


def test_a_correct_cited_answer_is_shown_as_generated(service, llm):
    llm.reply = Reply(true_sentences)
    a = service.ask(AskRequest(Q, top_k=4))
    assert a.answer_mode == "generative" and a.note is None and a.removed == []
    assert [s.kind for s in a.statements] == ["generated", "generated"]
    assert a.answer.startswith("Around 8,000 civilians and 800 rebels were to be evacuated from Darayya. [1]")
    assert all(s.support >= service.settings.llm_min_support and s.citations == [1] for s in a.statements)
    assert "800 rebels" in a.citations[0].quote
    check_citations(service, a)
    assert {"generate", "verify", "total"} <= set(a.timings_ms)


@pytest.mark.parametrize("case", list(BAD))
def test_an_unsupported_sentence_alone_gives_the_extractive_answer(service, llm, case):
    make, reason = BAD[case]
    llm.reply = Reply(make)
    a = service.ask(AskRequest(Q, top_k=4))
    plain = service.ask(AskRequest(Q, top_k=4, generate=False))
    assert a.answer_mode == "extractive" and a.answer == plain.answer and a.citations == plain.citations
    assert a.note == "The generated answer was not used: no sentence of it was supported by the cited reports."
    assert len(a.removed) == 1 and reason in a.removed[0].reason


def test_a_mixed_answer_keeps_only_the_supported_sentences(service, llm):
    llm.reply = Reply(lambda m: true_sentences(m) + " ".join(make(m) for make, _ in BAD.values()))
    a = service.ask(AskRequest(Q, top_k=4))
    assert a.answer_mode == "generative" and len(a.statements) == 2
    assert [s.text for s in a.statements] == [
        "Around 8,000 civilians and 800 rebels were to be evacuated from Darayya.",
        "They were to be taken to Sahnaya, a town under regime control.",
    ]
    assert len(a.removed) == len(BAD)
    for (_, reason), removed in zip(BAD.values(), a.removed):
        assert reason in removed.reason
    check_citations(service, a)


@pytest.mark.parametrize(
    "reply,note",
    [
        (Reply("too late", delay_s=TIMEOUT_S + 3), f"did not answer within {TIMEOUT_S:g} s"),
        (Reply(status=500), "HTTP 500"),
        (Reply(raw=b"{garbage"), "malformed"),
        (Reply(""), "empty answer"),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_model_faults_give_the_extractive_answer_within_the_timeout(service, llm, reply, note, stream):
    llm.reply = reply
    req = AskRequest(Q, top_k=4)
    events = list(service.ask_stream(req, stream=stream))
    a = events[-1].answer
    assert a.answer_mode == "extractive" and note in a.note and not a.abstained
    assert a.answer == service.ask(AskRequest(Q, top_k=4, generate=False)).answer
    assert a.timings_ms["generate"] < TIMEOUT_S * 1000 + 500  # the model's share: the timeout, not the hang


def test_streaming_releases_verified_sentences_only(service, llm):
    llm.reply = Reply(lambda m: BAD["invented number"][0](m) + " " + true_sentences(m) + BAD["no citation"][0](m))
    events = list(service.ask_stream(AskRequest(Q, top_k=4)))
    assert isinstance(events[0], Sources) and isinstance(events[-1], Final)
    released = [e for e in events if isinstance(e, Released)]
    final = events[-1].answer
    assert [r.statement for r in released] == final.statements and len(released) == 2
    assert [r.index for r in released] == [0, 1]
    assert [c.n for r in released for c in r.citations] == [c.n for c in final.citations]
    assert all("1,200" not in r.statement.text for r in released) and len(final.removed) == 2


def test_history_goes_to_the_model_and_generate_false_or_no_llm_is_extractive(service, llm, seed_service):
    llm.reply = Reply(true_sentences)
    history = [
        {"role": "user", "content": "What happened in Darayya?"},
        {"role": "assistant", "content": "A deal [1]."},
    ]
    before = len(llm.requests)
    service.ask(AskRequest("And how many rebels would be evacuated?", top_k=4, history=history))
    messages = llm.requests[-1]["body"]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == "A deal."
    plain = service.ask(AskRequest(Q, top_k=4, generate=False))
    assert len(llm.requests) == before + 1  # generate=False never calls the model
    no_llm = seed_service.ask(AskRequest(Q, top_k=4))
    assert plain.answer_mode == no_llm.answer_mode == "extractive"
    assert plain.to_dict() | {"timings_ms": {}} == no_llm.to_dict() | {"timings_ms": {}}
    asked = seed_service.ask(AskRequest(Q, top_k=4, generate=True))
    assert asked.answer == no_llm.answer and "No language model is configured" in asked.note


# --- the hand-written seed pairs, with the measured thresholds ---------------------------------------------
SPEC = json.loads((ROOT / "tests" / "data" / "generated_sentences.json").read_text())


def test_seed_pairs_are_judged_with_the_measured_thresholds(embedder):
    """Every invented number or name and every wrong citation is removed; nearly every paraphrase is kept
    (2 of 19 fall below the support fitted on RealTime QA: docs/llm.md). A contradiction that adds no
    new fact is out of reach of lexical + embedding checks, so it is not asserted."""
    s = Settings()
    kept: dict[str, list[str]] = {}
    for pair in SPEC["pairs"]:
        e = SPEC["evidence"][pair["cites"]]
        p = Passage(
            1,
            pair["cites"],
            e["title"],
            e["source"],
            e["date"],
            e["date_inferred"],
            None,
            None,
            e["text"],
            0,
            len(e["text"]),
        )
        checker = Verifier(embedder, VerifyConfig(s.llm_min_support, s.llm_lexical_weight)).session([p])
        if checker.verify(Claim(pair["text"], [1]))[0].ok:
            kept.setdefault(pair["kind"], []).append(pair["text"])
    assert not [t for kind in ("invented_number", "invented_name", "wrong_citation") for t in kept.get(kind, [])]
    paraphrases = sum(p["kind"] == "paraphrase" for p in SPEC["pairs"])
    assert len(kept.get("paraphrase", [])) >= 0.85 * paraphrases
